"""Delivery under faults: a receiver answering 500, hanging past the timeout, dropping the connection;
deliverers killed mid-delivery; a receiver that never accepts (failed after three days, with alerts)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import timedelta

from billing import Billing, BillingSettings, Database
from billing.models.notices import AlertKind
from billing.models.outbox import OutboxMedium
from handlers.outbound.webhooks import Deliverer
from tests.api.conftest import MovableClock
from tests.billing.builders import account, licenses
from tests.conftest import STAFF, TEST_KEY, at
from tests.webhooks.receiver import Receiver


def _drain(deliverer: Deliverer, clock: MovableClock) -> None:
    deliverer.drain(sleep=lambda seconds: clock.advance(seconds=seconds), max_wait=1e9)


def test_500_hang_and_drop_are_retried_with_the_same_webhook_id_until_delivered(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    receiver.faults = ["500", "hang", "drop", "500"]
    receiver.hang_seconds = 2.0  # the deliverer's timeout is 1 s in these tests
    account(hooks, now=at("2026-03-01"))
    licenses(hooks, units=3, now=clock())  # two events
    _drain(deliverer, clock)
    by_id = {d.webhook_id: d.body["type"] for d in receiver.delivered}  # as receivers de-duplicate
    assert sorted(by_id.values()) == ["code.redeemed", "licenses.added"]
    assert all(
        d.body == next(e.body for e in receiver.delivered if e.webhook_id == d.webhook_id) for d in receiver.delivered
    )
    assert receiver.unverified == []
    assert set(receiver.attempts) == set(receiver.ids)  # every attempt carried one of the two ids
    assert len(receiver.attempts) >= 6  # four faults, then both delivered


def test_a_receiver_that_never_accepts_fails_after_three_days_with_an_alert_and_is_disabled(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    receiver.faults = ["500"] * 1000
    account(hooks, now=at("2026-03-01"))
    started = clock()
    licenses(hooks, units=3, now=clock())
    _drain(deliverer, clock)
    assert clock() - started >= timedelta(days=3)
    assert receiver.delivered == []
    assert len(set(receiver.attempts)) == 2 and 15 <= len(receiver.attempts) // 2 <= 40
    counts = hooks.outbox.counts()
    assert counts.get("failed") == 2
    alerts = {a.kind: a for a in hooks.alerts.open_alerts(actor=STAFF)}
    assert alerts[AlertKind.WEBHOOK_FAILED].details["endpoint"] == "portal"
    assert alerts[AlertKind.WEBHOOK_DISABLED].details["endpoint"] == "portal"
    assert [v.state for v in hooks.webhooks.all(actor=STAFF)] == ["disabled"]
    hooks.sweep.run(now=clock())  # the sweep keeps both alerts open while their conditions hold
    assert {a.kind for a in hooks.alerts.open_alerts(actor=STAFF)} >= {AlertKind.WEBHOOK_FAILED, "webhook_disabled"}
    licenses(hooks, units=1, now=clock())  # a disabled endpoint is sent nothing new
    assert hooks.outbox.next_ready_at(medium=OutboxMedium.WEBHOOK) is None


def _deliver_forever(url: str, allow_http: bool) -> None:
    db = Database.from_url(url)
    billing = Billing(db, key=TEST_KEY, settings=BillingSettings(outbox_lease=timedelta(seconds=3)))
    billing.webhooks.allow_http = allow_http
    from datetime import UTC, datetime

    deliverer = Deliverer(billing, clock=lambda: datetime.now(UTC), timeout=1.0, batch=5)
    while True:
        deliverer.drain(sleep=time.sleep, max_wait=0.2)
        time.sleep(0.05)


def test_two_deliverers_one_killed_mid_delivery_lose_nothing(
    hooks: Billing, receiver: Receiver, database_url: str
) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    account(hooks, now=now)
    for _ in range(20):
        licenses(hooks, units=1, now=now)  # 40 events
    receiver.faults = ["hang"] * 3  # slow first answers, so a kill lands mid-delivery
    receiver.hang_seconds = 0.5
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_deliver_forever, args=(database_url, True)) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 60
        while not receiver.attempts and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers[0].pid is not None
        os.kill(workers[0].pid, signal.SIGKILL)
        while len(set(receiver.ids)) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for worker in workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGKILL)
            worker.join()
    assert len(set(receiver.ids)) == 40  # every event received (some perhaps twice), none lost
    assert set(receiver.attempts) == set(receiver.ids)
    assert receiver.unverified == []
