"""Concurrency: two real ``joanbot serve`` processes on one PostgreSQL database under concurrent clients.

Redemptions: 8 client threads (keep-alive, bound alternately to the two instances), each redeeming
its own codes into its own account with ``POST /api/v1/accounts/{account}/redemptions``, beside the same 8
threads each with its own psycopg connection doing the minimal correct redemption in one transaction
(``bench.raw_redeem``); redemptions/s of each, interleaved in rounds, and the ratio ours/raw (target >=
0.5x). The clients are the standard library's (``bench.keepalive``): they share the 2 cores with what they
measure, and httpx's own CPU would be charged to the API. A request answered other than 201, or a code not
redeemed exactly once, fails the row. The same with
all 8 clients on one account (every redemption then waits for that account's row lock) is printed beside.

Slack: signed ``/joan renewals ACCOUNT`` (an admin's breakdown, a database read) from more and more
concurrent clients (``bench.concurrency_slack``); the row is the most commands/s completed (the reply at
the ``response_url``) at a step whose ack p99 stays under Slack's 3 s.

Needs PostgreSQL (two processes on one SQLite file would measure its single writer lock): skipped without.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from bench import concurrency_slack, raw_redeem
from bench.common import Row, print_table, scratch
from bench.instances import Client, drive, serving
from bench.keepalive import KeepAlive
from billing import Billing, CodeKey, operator
from bot.runtime import open_billing
from bot.sandbox.standin import SlackStandIn
from bot.settings import Settings

CLIENTS = 8
TARGET = 0.5
STAFF = operator("bench")
CODE_KEY = "bench-concurrency-code-key-" + "k" * 32


@dataclass(frozen=True)
class Sizes:
    per_client: int  # redemptions each client makes in one round
    rounds: int  # API and raw runs, interleaved
    slack_steps: tuple[int, ...]  # concurrent Slack clients, step by step
    slack_seconds: float  # how long each step sends


FULL = Sizes(per_client=150, rounds=3, slack_steps=(1, 4, 16, 32, 64), slack_seconds=5.0)
QUICK = Sizes(per_client=5, rounds=1, slack_steps=(1, 4), slack_seconds=1.0)


@dataclass(frozen=True)
class Batch:
    """Codes for one kind of run, handed out round by round and client by client; ``slugs`` the accounts."""

    batch: str
    codes: list[str]
    slugs: list[str]

    def share(self, run: int, client: int, per_client: int) -> list[str]:
        first = (run * CLIENTS + client) * per_client
        return self.codes[first : first + per_client]


def run(*, postgres_url: str | None, quick: bool = False) -> bool:
    if not postgres_url:
        print(
            "\nConcurrency: skipped (it needs PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL, or --postgres)"
        )
        return True
    sizes = QUICK if quick else FULL
    with (
        scratch("postgresql", postgres_url) as db,
        tempfile.TemporaryDirectory() as folder,
        SlackStandIn() as standin,
    ):
        url = db.engine.url.render_as_string(hide_password=False)
        settings = {
            "DATABASE_URL": url,
            "JOANBOT_CODE_KEY": CODE_KEY,
            "JOANBOT_HOME": folder,
            "SLACK_API_URL": standin.url,
        } | concurrency_slack.SETTINGS
        billing = open_billing(Settings.from_env(settings))
        try:
            key, batches = _setup(billing, sizes)
        finally:
            billing.db.dispose()
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        print(f"\nConcurrency: 2 joanbot serve instances on one PostgreSQL database, {CLIENTS} clients")
        with serving(settings, Path(folder)) as bases:
            rows = [_redemptions(bases, key, conninfo, batches, sizes)]
            rows.append(concurrency_slack.bench_slack(bases, standin, sizes.slack_steps, sizes.slack_seconds))
    print_table(rows)
    return all(row.met for row in rows)


def _setup(billing: Billing, sizes: Sizes) -> tuple[str, dict[str, Batch]]:
    """Accounts, codes and a portal key; the Slack account with three blocks."""
    now = datetime.now(UTC)
    per_run = CLIENTS * sizes.per_client
    plans = {
        "api": ([f"api{i}" for i in range(CLIENTS)], sizes.rounds),
        "raw": ([f"raw{i}" for i in range(CLIENTS)], sizes.rounds),
        "api-shared": (["api-shared"], 1),
        "raw-shared": (["raw-shared"], 1),
    }
    batches = {}
    for name, (slugs, runs) in plans.items():
        for slug in slugs:
            billing.accounts.create_account(slug=slug, name=slug.title(), actor=STAFF, now=now)
        issued = billing.issuing.issue_subscription_codes(
            solution="room", level="professional", units=5, term_months=12, actor=STAFF, now=now, count=per_run * runs
        )
        batches[name] = Batch(issued.batch, [c.code for c in issued.codes], slugs)
    concurrency_slack.setup(billing, now)
    key = billing.api_keys.create(name="bench", scope="portal", read_only=False, actor=STAFF, now=now).key
    return key, batches


def _api_client(base: str, key: str, slug: str, codes: list[str], statuses: list[int]) -> Client:
    def client(barrier: threading.Barrier) -> None:
        with KeepAlive(base, headers={"Authorization": f"Bearer {key}"}) as http:
            http.ok("GET", "/healthz")  # the keep-alive connection, before the clock starts
            barrier.wait()
            for code in codes:
                statuses.append(http.request("POST", f"/api/v1/accounts/{slug}/redemptions", json_body={"code": code}))

    return client


def _raw_client(conninfo: str, slug: str, codes: list[str]) -> Client:
    key = CodeKey(CODE_KEY.encode())  # as the instances read JOANBOT_CODE_KEY

    def client(barrier: threading.Barrier) -> None:
        with psycopg.connect(conninfo) as connection:
            connection.execute("SELECT 1").fetchall()
            connection.commit()
            barrier.wait()
            for code in codes:
                raw_redeem.redeem(connection, code, slug, key)

    return client


def _rate(clients: list[Client], count: int) -> float:
    start, end = drive(clients)
    return count / (end - start)


Runs = tuple[float, float, list[int]]  # the API's and the raw rate (medians), the API's answers


def _runs(bases: list[str], key: str, conninfo: str, api: Batch, raw: Batch, per_client: int, runs: int) -> Runs:
    """``runs`` rounds of the API run then the raw run: their rates, and the API's answers."""
    statuses: list[int] = []
    ours: list[float] = []
    reference: list[float] = []
    for n in range(runs):
        shared = len(api.slugs) == 1
        api_clients = [
            _api_client(bases[i % 2], key, api.slugs[0 if shared else i], api.share(n, i, per_client), statuses)
            for i in range(CLIENTS)
        ]
        ours.append(_rate(api_clients, CLIENTS * per_client))
        raw_clients = [
            _raw_client(conninfo, raw.slugs[0 if shared else i], raw.share(n, i, per_client)) for i in range(CLIENTS)
        ]
        reference.append(_rate(raw_clients, CLIENTS * per_client))
        print(f"  round {n + 1}: API {ours[-1]:7.1f} redemptions/s | raw {reference[-1]:7.1f} redemptions/s")
    return statistics.median(ours), statistics.median(reference), statuses


def _redemptions(bases: list[str], key: str, conninfo: str, batches: dict[str, Batch], sizes: Sizes) -> Row:
    per_client = sizes.per_client
    print(f"Redemptions, one account per client ({CLIENTS} x {per_client} per round, {sizes.rounds} rounds)")
    ours, raw, statuses = _runs(bases, key, conninfo, batches["api"], batches["raw"], per_client, sizes.rounds)
    print(f"Redemptions, all {CLIENTS} clients on one account ({CLIENTS} x {per_client})")
    shared = _runs(bases, key, conninfo, batches["api-shared"], batches["raw-shared"], per_client, 1)
    statuses += shared[2]
    print(f"  one account: API {shared[0]:.1f}/s vs raw {shared[1]:.1f}/s = {shared[0] / shared[1]:.2f}x")
    problems = [f"{count} answers {status}" for status, count in _counts(statuses).items() if status != 201]
    problems += [problem for batch in batches.values() for problem in _verify(conninfo, batch)]
    for problem in problems:
        print(f"  FAILED: {problem}")
    ratio = ours / raw
    note = f"one shared account: {shared[0]:.0f}/s vs {shared[1]:.0f}/s = {shared[0] / shared[1]:.2f}x"
    return Row(
        f"redemptions/s, {CLIENTS} clients, Portal API on 2 instances vs raw psycopg",
        "postgresql",
        f"{ours:,.1f}/s",
        f"{raw:,.1f}/s",
        ratio,
        f">= {TARGET}x",
        ratio >= TARGET and not problems,
        "; ".join(problems) or note,
    )


def _counts(statuses: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def _verify(conninfo: str, batch: Batch) -> list[str]:
    """Every code of the batch redeemed exactly once, into the batch's accounts, with its event."""
    expected = len(batch.codes)
    with psycopg.connect(conninfo) as connection:
        found = connection.execute(
            "SELECT (SELECT count(*) FROM prepaid_codes WHERE batch = %(b)s AND status = 'redeemed'),"
            " count(*), count(DISTINCT r.code_id), count(*) FILTER (WHERE a.slug = ANY(%(slugs)s))"
            " FROM redemptions r JOIN prepaid_codes p ON p.id = r.code_id JOIN accounts a ON a.id = r.account_id"
            " WHERE p.batch = %(b)s",
            {"b": batch.batch, "slugs": batch.slugs},
        ).fetchone()
        events = connection.execute(
            "SELECT count(*) FROM events e JOIN accounts a ON a.id = e.account_id"
            " WHERE e.type = 'code.redeemed' AND a.slug = ANY(%s)",
            (batch.slugs,),
        ).fetchone()
    assert found is not None and events is not None
    names = ("codes redeemed", "redemption rows", "distinct codes redeemed", "redemptions into its accounts")
    wrong = [f"{name} {got} of {expected}" for name, got in zip(names, found, strict=True) if got != expected]
    if events[0] != expected:
        wrong.append(f"code.redeemed events {events[0]} of {expected}")
    return [f"{batch.slugs[0]}...: {problem}" for problem in wrong]
