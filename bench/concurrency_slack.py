"""Slack commands per second at an ack p99 under 3 s, against running ``joanbot serve`` instances.

Each step runs N client threads (bound alternately to the instances), each sending signed ``/joan renewals
ACCOUNT`` as an admin, back to back, for a fixed time. The ack is the HTTP answer Slack waits for (at most
3 s); the work (who is asking, the account's breakdown, the reply) runs after it on Bolt's listener threads,
so a step counts a command done when its reply reaches the ``response_url`` on the Slack stand-in, and
waits for every reply before the next step. Commands/s is replies over the time from the step's start to
its last reply.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bench.common import Row, percentile
from bench.instances import Client, drive
from billing import Billing, operator
from bot.sandbox.driver import HOME
from bot.sandbox.standin import Call, SlackStandIn

SECRET = "bench-concurrency-signing-secret"
ADMIN = "UADMIN"
SETTINGS = {
    "SLACK_BOT_TOKEN": "xoxb-bench",
    "SLACK_SIGNING_SECRET": SECRET,
    "JOANBOT_ADMINS": ADMIN,
    "JOANBOT_SALES_CHANNEL": "CSALES",
}
ACCOUNT, NAME = "acme", "Acme Bench"
EXPECTED = f"Renewal breakdown for {NAME}"  # what a reply says when the command did its work
ACK_BOUND = 3.0
DRAIN_SECONDS = 120.0


def setup(billing: Billing, now: datetime) -> None:
    """The account the command reads: three blocks of licenses."""
    staff = operator("bench")
    billing.accounts.create_account(slug=ACCOUNT, name=NAME, actor=staff, now=now)
    issued = billing.issuing.issue_subscription_codes(
        solution="room", level="professional", units=5, term_months=12, actor=staff, now=now, count=3
    )
    for code in issued.codes:
        billing.redemptions.redeem(code=code.code, account=ACCOUNT, renews=None, actor=staff, now=now)


@dataclass
class Replies:
    """The stand-in's ``response_url``: when each reply arrived, and which did not say what was asked."""

    arrived: dict[str, float] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, call: Call) -> dict[str, Any]:
        name = call.path.rsplit("/", 1)[-1]
        with self.lock:
            self.arrived[name] = time.perf_counter()
            if EXPECTED not in json.dumps(call.body):
                self.wrong.append(name)
        return {"ok": True}


@dataclass
class Step:
    clients: int
    sent: dict[str, float] = field(default_factory=dict)  # reply name -> when its command was sent
    acks: list[float] = field(default_factory=list)  # seconds
    statuses: list[int] = field(default_factory=list)
    rate: float = 0.0  # commands completed per second
    replies: list[float] = field(default_factory=list)  # seconds from sending to the reply

    def ok(self, replies: Replies) -> bool:
        done = all(name in replies.arrived for name in self.sent)
        clean = set(self.statuses) == {200} and not set(self.sent) & set(replies.wrong)
        return done and clean and percentile(self.acks, 0.99) < ACK_BOUND


def _signed(response_url: str, trigger: str) -> tuple[str, dict[str, str]]:
    body = urlencode(
        {
            "command": "/joan",
            "text": f"renewals {ACCOUNT}",
            "user_id": ADMIN,
            "team_id": HOME,
            "channel_id": "CSALES",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body, headers


def _commander(base: str, standin: SlackStandIn, step: Step, client_no: int, seconds: float) -> Client:
    def client(barrier: threading.Barrier) -> None:
        with httpx.Client(timeout=30) as http:
            http.get(f"{base}/healthz").raise_for_status()
            barrier.wait()
            until, n = time.perf_counter() + seconds, 0
            while time.perf_counter() < until:
                name = f"s{step.clients}-{client_no}-{n}"
                body, headers = _signed(standin.response_url(name), name)
                start = time.perf_counter()
                answer = http.post(f"{base}/slack/events", content=body, headers=headers)
                step.acks.append(time.perf_counter() - start)
                step.statuses.append(answer.status_code)
                step.sent[name] = start
                n += 1

    return client


def _step(bases: list[str], standin: SlackStandIn, replies: Replies, clients: int, seconds: float) -> Step:
    step = Step(clients)
    start, _ = drive([_commander(bases[i % 2], standin, step, i, seconds) for i in range(clients)])
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and any(name not in replies.arrived for name in step.sent):
        time.sleep(0.05)
    arrived = [replies.arrived[name] for name in step.sent if name in replies.arrived]
    step.replies = [replies.arrived[name] - sent for name, sent in step.sent.items() if name in replies.arrived]
    step.rate = len(arrived) / (max(arrived) - start) if arrived else 0.0
    ms = lambda seconds: f"{seconds * 1000:7.1f} ms"  # noqa: E731
    print(
        f"  {clients:>2} clients: {len(step.acks):>5} commands, ack p50 {ms(statistics.median(step.acks))} "
        f"p99 {ms(percentile(step.acks, 0.99))} | {len(arrived):>5} replies, {step.rate:6.1f} commands/s, "
        f"reply p50 {ms(statistics.median(step.replies or [0]))} p99 {ms(percentile(step.replies or [0], 0.99))}"
        + ("" if step.ok(replies) else "  (ack p99 over 3 s, a refusal or a reply missing)")
    )
    return step


def bench_slack(bases: list[str], standin: SlackStandIn, levels: tuple[int, ...], seconds: float) -> Row:
    replies = Replies()
    standin.script("response_url", replies, times=None)
    print(f"Slack /joan renewals {ACCOUNT} (an admin's breakdown), {seconds:.0f} s per step")
    steps = [_step(bases, standin, replies, clients, seconds) for clients in levels]
    standin.unscript("response_url")
    good = [step for step in steps if step.ok(replies)]
    best = max(good, key=lambda step: step.rate, default=None)
    path = "Slack commands/s (/joan renewals) on 2 instances at ack p99 < 3 s"
    if best is None:
        return Row(path, "postgresql", "none", f"ack p99 < {ACK_BOUND:.0f} s", None, "ack p99 < 3 s", False)
    p99 = percentile(best.acks, 0.99)
    note = (
        f"{best.clients} clients, ack p99 {p99 * 1000:.0f} ms, reply p99 {percentile(best.replies, 0.99) * 1000:.0f} ms"
    )
    return Row(
        path,
        "postgresql",
        f"{best.rate:,.1f}/s",
        f"ack p99 < {ACK_BOUND:.0f} s",
        p99 / ACK_BOUND,
        "p99 <= 1x",
        True,
        note,
    )
