"""Bolt dispatch of a signed ``/joan help`` through the project's app, beside bare signature verification.

Ours: ``App.dispatch`` of a signed slash command (the app as ``joanbot serve`` builds it: threaded
listeners, which wait for ``ack()`` in 10 ms polls). Reference: ``SignatureVerifier.is_valid`` plus
parsing the form body, in the same loop. Target: p99 <= 15 ms in-process (the poll floor + 50%).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode

from slack_bolt import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bench.codes import NOW, setup
from bench.common import Row, ms, percentile
from billing import Database
from bot.app import build_app
from bot.sandbox.standin import SlackStandIn
from bot.settings import SlackSettings

SECRET = "bench-signing-secret-0123456789abcdef"


def _signed(verifier: SignatureVerifier, body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": verifier.generate_signature(timestamp=stamp, body=body),
    }


def bench_bolt(db: Database, label: str, requests: int) -> Row:
    billing = setup(db)
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET})
    verifier = SignatureVerifier(SECRET)
    with SlackStandIn(team_id="THOME") as standin:
        form = {"command": "/joan", "text": "help", "team_id": "THOME", "user_id": "UBENCH", "channel_id": "CBENCH"}
        body = urlencode({**form, "response_url": f"{standin.url}/hooks/bench", "trigger_id": "1.2.3"})
        app = build_app(
            settings, billing, client=WebClient(token="xoxb-bench", base_url=standin.url), clock=lambda: NOW
        )
        ours, bare = [], []
        for _ in range(5):  # warm-up
            app.dispatch(BoltRequest(body=body, headers=_signed(verifier, body)))
        for _ in range(requests):
            headers = _signed(verifier, body)
            start = time.perf_counter()
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            ours.append(time.perf_counter() - start)
            assert response.status == 200, response.body
            start = time.perf_counter()
            assert verifier.is_valid(body, headers["x-slack-request-timestamp"], headers["x-slack-signature"])
            parse_qs(body)
            bare.append(time.perf_counter() - start)
    ours_p99, bare_p99 = percentile(ours, 0.99), percentile(bare, 0.99)
    note = f"p50 {ms(percentile(ours, 0.5))} vs {ms(percentile(bare, 0.5))}; {requests} requests"
    return Row(
        "Bolt dispatch of a signed command, p99",
        label,
        ms(ours_p99),
        ms(bare_p99),
        ours_p99 / bare_p99,
        "p99 <= 15 ms",
        ours_p99 <= 0.015,
        note,
    )
