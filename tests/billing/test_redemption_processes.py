"""Single use across processes, and all or nothing under kill -9: redemptions run in separate OS processes
(each with its own engine and connections, as several ``joanbot serve`` instances would), on SQLite and
PostgreSQL."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from billing.models import AuditEvent, Cohort, Event, PrepaidCode, Redemption
from tests.billing.builders import account
from tests.conftest import at

pytestmark = pytest.mark.slow

# A redeemer: waits for the start file, then redeems each code given (one per line on stdin) and prints one
# JSON line per outcome; with ``hold`` it then waits to be killed.
REDEEMER = """
import json, sys, time
from pathlib import Path
from billing import Billing, BillingError, CodeKey, Database
from billing.actors import Actor
from tests.conftest import TEST_KEY, at
url, start, who, hold = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "hold"
codes = sys.stdin.read().split()
billing = Billing(Database.from_url(url), key=TEST_KEY)
actor = Actor(ref=f"proc:{who}", role="sales")
print(json.dumps({"ready": who}), flush=True)
while not start.exists():
    time.sleep(0.001)
for text in codes:
    try:
        billing.redemptions.redeem(code=text, account="acme", renews=None, actor=actor, now=at("2024-01-02"))
        print(json.dumps({"code": text, "outcome": "redeemed"}), flush=True)
    except BillingError as error:
        print(json.dumps({"code": text, "outcome": error.code}), flush=True)
while hold:  # waits to be killed
    time.sleep(1)
"""


def _redeemer(url: str, start: Path, who: str, codes: list[str], hold: bool = False) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", REDEEMER, url, str(start), who, "hold" if hold else "exit"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n".join(codes))
    process.stdin.close()
    assert json.loads(process.stdout.readline()) == {"ready": who}, process.stderr.read() if process.stderr else ""
    return process


def _codes(billing, count: int) -> list[str]:
    batch = billing.issuing.issue_subscription_codes(
        solution="room",
        level="professional",
        units=3,
        term_months=12,
        actor=_staff(),
        now=at("2024-01-01"),
        count=count,
    )
    return [issued.code for issued in batch.codes]


def _staff():
    from billing.actors import Actor

    return Actor(ref="test:staff", role="admin")


def _written(billing) -> dict[str, object]:
    """What redemptions wrote, per kind of row, by code id (audit rows and events by the code's prefix)."""
    with billing.db.read() as session:
        prefixes = dict(session.execute(select(PrepaidCode.id, PrepaidCode.prefix)).all())
        redeemed = set(session.scalars(select(PrepaidCode.id).where(PrepaidCode.status == "redeemed")))
        events = session.execute(select(Event.type, Event.data)).all()
        return {
            "codes": sorted(redeemed),
            "redemptions": sorted(session.scalars(select(Redemption.code_id))),
            "cohorts": sorted(session.scalars(select(Cohort.code_id))),
            "audit": sorted(session.scalars(select(AuditEvent.subject_id).where(AuditEvent.action == "code.redeemed"))),
            "code.redeemed": sorted(d["code"] for t, d in events if t == "code.redeemed"),
            "licenses.added": sorted(d["code"] for t, d in events if t == "licenses.added"),
            "prefixes": sorted(prefixes[i] for i in redeemed),
        }


def test_sixteen_processes_racing_for_one_code_leave_exactly_one_redemption(billing, database_url, tmp_path):
    account(billing, now=at("2024-01-01"))
    (text,) = _codes(billing, 1)
    start = tmp_path / "start"
    processes = [_redeemer(database_url, start, f"p{n}", [text]) for n in range(16)]
    start.touch()
    outcomes = []
    for process in processes:
        assert process.stdout is not None and process.stderr is not None
        out = process.stdout.read()
        assert process.wait(timeout=120) == 0, process.stderr.read()
        outcomes += [json.loads(line)["outcome"] for line in out.splitlines()]
    assert sorted(outcomes) == ["code_already_redeemed"] * 15 + ["redeemed"]
    written = _written(billing)
    assert len(written["codes"]) == 1
    assert written["redemptions"] == written["cohorts"] == written["codes"]
    assert written["audit"] == written["code.redeemed"] == written["licenses.added"] == written["prefixes"]


def test_redeemers_killed_mid_redemption_leave_every_code_redeemed_whole_or_untouched(billing, database_url, tmp_path):
    account(billing, now=at("2024-01-01"))
    texts = _codes(billing, 1_000)
    start = tmp_path / "start"
    processes = [_redeemer(database_url, start, f"k{n}", texts[n::4], hold=True) for n in range(4)]
    start.touch()
    began, rng = time.monotonic(), random.Random(24)
    for process, moment in zip(processes, sorted(rng.uniform(0.3, 1.2) for _ in processes), strict=True):
        time.sleep(max(0.0, began + moment - time.monotonic()))
        os.kill(process.pid, signal.SIGKILL)  # at a random moment: most likely mid-transaction
    for process in processes:
        process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL
    written = _written(billing)
    assert 0 < len(written["codes"]) < len(texts), "the kills should land while codes were left"
    # Each code redeemed whole (claimed, one redemption, one block, its audit row and both events) or not at all.
    assert written["redemptions"] == written["cohorts"] == written["codes"]
    assert written["audit"] == written["code.redeemed"] == written["licenses.added"] == written["prefixes"]
    # Nothing was left locked: a code the killed processes never got to redeems now.
    staff = _staff()
    untouched = next(
        t for t in texts if billing.codes.show(code=t, actor=staff, now=at("2024-01-02")).status == "issued"
    )
    receipt = billing.redemptions.redeem(code=untouched, account="acme", renews=None, actor=staff, now=at("2024-01-02"))
    assert receipt.plan.code.status == "issued" and not receipt.replayed
