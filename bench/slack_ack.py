"""The Slack ack: ``/joan help`` over real HTTP, through the server ``joanbot serve`` ran before (waitress, the
Slack endpoint as a WSGI app) and through the one it runs now (``bot.web`` on uvicorn, Bolt's dispatch on
a worker thread), interleaved in one run; p50 and p99 of each and the ratio (target p99 <= 1.1x: no worse,
within noise). Bolt runs listeners on its own thread pool, so the ack is what Slack waits for.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bench.wsgi_before import slack_wsgi, waitress_serving
from bot.runtime import Runtime
from bot.sandbox.driver import HOME
from bot.sandbox.standin import SlackStandIn
from bot.server import SlackEndpoint
from bot.serving import serving
from bot.settings import Settings, SlackSettings
from bot.web import web_app

SECRET = "bench-signing-secret"
ADMIN = "UADMIN"
TARGET = 1.1


def _p(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _post(client: httpx.Client, url: str, standin: SlackStandIn, n: int) -> float:
    body = urlencode(
        {
            "command": "/joan",
            "text": "help",
            "user_id": ADMIN,
            "team_id": HOME,
            "channel_id": "CSALES",
            "response_url": standin.response_url(f"bench-{n}"),
            "trigger_id": f"t-{n}",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    start = time.perf_counter()
    client.post(url, content=body, headers=headers).raise_for_status()
    return (time.perf_counter() - start) * 1000


def run(*, n: int = 300) -> bool:
    standin = SlackStandIn().start()
    with tempfile.TemporaryDirectory() as home:
        runtime = Runtime(
            settings=Settings.from_env({"JOANBOT_HOME": str(Path(home))}),
            slack=SlackSettings.from_env(
                {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url}
                | {"JOANBOT_ADMINS": ADMIN, "JOANBOT_SALES_CHANNEL": "CSALES"}
            ),
        )
        before: list[float] = []
        after: list[float] = []
        endpoint = SlackEndpoint(runtime.app, signing_secret=SECRET)
        with (
            waitress_serving(slack_wsgi(endpoint)) as alone,
            serving(web_app(runtime.billing, now=runtime.clock, slack=endpoint)) as both,
            httpx.Client() as client,
        ):
            for i in range(n):
                before.append(_post(client, f"{alone}/slack/events", standin, 2 * i))
                after.append(_post(client, f"{both}/slack/events", standin, 2 * i + 1))
        runtime.close()
    standin.stop()
    ratio = _p(after, 0.99) / _p(before, 0.99)
    print(f"Slack ack (/joan help over HTTP), {n} each")
    print(
        f"  before (waitress, WSGI) p50 {statistics.median(before):6.2f} ms p99 {_p(before, 0.99):6.2f} ms | "
        f"now (uvicorn, bot.web) p50 {statistics.median(after):6.2f} ms p99 {_p(after, 0.99):6.2f} ms | "
        f"ratio p99 {ratio:.2f}x (target <= {TARGET}x)"
    )
    return ratio <= TARGET
