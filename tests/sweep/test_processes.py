"""Sweeps as separate processes, the way cron and several instances run them: started together, and
killed halfway (SIGKILL, not an exception) and run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from billing.models import OutboxMessage, ReminderNotice
from bot.sandbox.standin import Faults
from tests.billing.builders import account, licenses
from tests.conftest import at
from tests.sweep.conftest import SALES, keys, resellers_with_customers

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = ("CNORTH", "CSOUTH", "CEAST", "CWEST")


def _world(billing, per_channel: int = 4) -> None:
    resellers_with_customers(billing, CHANNELS, per_channel)
    account(billing, "direct", now=at("2024-01-01"))
    licenses(billing, account_slug="direct", now=at("2024-01-01"))


def _sweep(database_url: str, standin, *, lease: int = 120) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOANBOT_CODE_KEY": "process-test-key-" + "k" * 32,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": standin.url,
        "JOANBOT_SALES_CHANNEL": SALES,
        "JOANBOT_POST_LEASE_SECONDS": str(lease),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "sweep", "--date", "2024-11-17"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all_delivered_once(billing, standin) -> None:
    assert Counter(keys(standin)).most_common(1)[0][1] == 1
    with billing.db.read() as session:
        states = Counter(state for (state,) in session.query(OutboxMessage.state))
        undelivered = session.query(ReminderNotice).filter(ReminderNotice.delivery_id.is_(None)).count()
        total = session.query(ReminderNotice).count()
    assert states == {"sent": len(keys(standin))}
    assert undelivered == 0 and total == len(CHANNELS) * 4 + 1
    posted_reminders = sum(
        1
        for m in standin.posted()
        for b in m.blocks
        if b.get("block_id", "").startswith("notice_") and b["type"] == "section"
    )
    assert posted_reminders == total


@pytest.mark.slow
def test_two_sweeps_started_at_once_post_each_reminder_once(billing, database_url, standin):
    _world(billing)
    first, second = _sweep(database_url, standin), _sweep(database_url, standin)
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    _all_delivered_once(billing, standin)


@pytest.mark.slow
def test_a_sweep_killed_while_posting_loses_nothing_and_duplicates_nothing_when_run_again(
    billing, database_url, standin
):
    _world(billing)
    standin.faults = Faults(slow_posts=0.4)
    victim = _sweep(database_url, standin, lease=1)
    deadline = time.monotonic() + 60
    while len(standin.posted()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)  # mid-post: Slack has stored a message whose answer nobody will read
    victim.wait(timeout=10)
    assert 0 < len(standin.posted()) < len(CHANNELS) + 1
    time.sleep(1.2)  # the dead sweep's lease runs out

    rerun = _sweep(database_url, standin, lease=1)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, (out, err)
    _all_delivered_once(billing, standin)
    assert standin.calls_to("conversations.history")  # the uncertain post was looked up, not re-sent
