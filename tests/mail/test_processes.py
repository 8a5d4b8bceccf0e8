"""Sweeps as separate processes sending email: two started together, and one killed (SIGKILL) mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from billing.models import OutboxMessage
from billing.models.outbox import OutboxMedium
from tests.billing.builders import account, licenses
from tests.conftest import STAFF, at
from tests.mail.conftest import SENDER

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 8


def _world(billing) -> None:
    for n in range(ACCOUNTS):
        slug = f"customer{n}"
        account(billing, slug, now=at("2024-01-01"))
        billing.contacts.set_account_emails(slug=slug, emails=[f"it@{slug}.example"], actor=STAFF, now=at("2024-01-01"))
        licenses(billing, account_slug=slug, now=at("2024-01-01"))  # renewing 1 Jan 2025


def _sweep(database_url: str, smtp, *, lease: int = 120) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOANBOT_CODE_KEY": "process-test-key-" + "k" * 32,
        "JOANBOT_SMTP_URL": smtp.url,
        "JOANBOT_MAIL_FROM": SENDER,
        "JOANBOT_SMTP_PER_MINUTE": "6000",
        "JOANBOT_POST_LEASE_SECONDS": str(lease),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SLACK_BOT_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "sweep", "--date", "2024-11-17"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _every_email_delivered(billing, smtp) -> Counter[str]:
    ids = Counter(r.message_id for r in smtp.recorder.received)
    assert len(ids) == ACCOUNTS
    assert {a for r in smtp.recorder.received for a in r.envelope_to} == {
        f"it@customer{n}.example" for n in range(ACCOUNTS)
    }
    with billing.db.read() as session:
        states = Counter(
            s for (s,) in session.query(OutboxMessage.state).filter(OutboxMessage.medium == OutboxMedium.EMAIL)
        )
    assert states == {"sent": ACCOUNTS}
    return ids


@pytest.mark.slow
def test_two_sweeps_started_at_once_email_each_reminder_once(billing, database_url, smtp):
    _world(billing)
    first, second = _sweep(database_url, smtp), _sweep(database_url, smtp)
    outputs = [process.communicate(timeout=120) for process in (first, second)]

    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert max(_every_email_delivered(billing, smtp).values()) == 1


@pytest.mark.slow
def test_a_sweep_killed_while_sending_loses_nothing_and_resends_at_most_the_one_in_flight(billing, database_url, smtp):
    _world(billing)
    smtp.recorder.delay = 0.4
    victim = _sweep(database_url, smtp, lease=1)
    deadline = time.monotonic() + 60
    while len(smtp.recorder.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # inside the next DATA: the server will take a message whose 250 nobody reads
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    time.sleep(1.5)  # the dead sweep's lease runs out (and the server finishes what it was given)
    assert 0 < len(smtp.recorder.received) < ACCOUNTS

    smtp.recorder.delay = 0.0
    rerun = _sweep(database_url, smtp, lease=1)
    out, err = rerun.communicate(timeout=120)

    assert rerun.returncode == 0, (out, err)
    ids = _every_email_delivered(billing, smtp)
    assert max(ids.values()) <= 2 and list(ids.values()).count(2) <= 1  # at most the one ambiguous resend
