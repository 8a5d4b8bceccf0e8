"""The first sweep decides many reminders at once: each its notice, its ``reminder.due`` event and the
deliveries of that event exactly once, written in a few multi-row statements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing import bulk
from billing.events import NewEvent, Party, record_many
from billing.models import Account, Event, OutboxMessage, ReminderNotice, WebhookEndpoint
from billing.models.events import EventType
from billing.models.outbox import OutboxMedium
from billing.outbox import insert_messages
from tests.billing.builders import account, licenses, reseller
from tests.conftest import STAFF, at

FIRST_DAY = "2024-11-17"  # 45 days before the blocks renew, on 1 Jan 2025


@pytest.fixture(autouse=True, params=["by statements", "staged"])
def writes(request, monkeypatch, database_url) -> None:
    """Each test both ways PostgreSQL writes in bulk: a dozen rows are staged (COPY) when the bar is 1."""
    if request.param == "staged":
        if database_url.startswith("sqlite"):
            pytest.skip("SQLite writes by statements only")
        monkeypatch.setattr(bulk, "STAGE_FROM", 1)


def _book(billing) -> None:
    """Four accounts under each of two resellers and four direct ones, each with a block renewing 1 Jan 2025."""
    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "contoso", now=at("2024-01-01"))
    for n in range(12):
        under = ("northwind", "contoso", None)[n % 3]
        account(billing, f"a{n}", reseller=under, pays="reseller" if under else None, now=at("2024-01-01"))
        licenses(billing, units=n + 1, account_slug=f"a{n}", now=at("2024-01-01"))


def _endpoint(billing, name: str, *, reseller: str | None = None, types: list[str] | None = None) -> int:
    billing.webhooks.allow_http = True
    billing.webhooks.add(
        name=name, url="http://127.0.0.1:9/hook", event_types=types, reseller=reseller, actor=STAFF, now=at(FIRST_DAY)
    )
    with billing.db.read() as session:
        return int(session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.name == name)))


def _reminder_events(billing) -> list[tuple[int, int | None, dict, str | None]]:
    """``(id, reseller_id, data, dedupe_key)`` of every ``reminder.due`` event."""
    with billing.db.read() as session:
        query = select(Event.id, Event.reseller_id, Event.data, Event.dedupe_key).where(
            Event.type == EventType.REMINDER_DUE
        )
        return [tuple(row) for row in session.execute(query.order_by(Event.id))]


def _webhook_messages(billing) -> list[tuple[str, int]]:
    with billing.db.read() as session:
        rows = session.execute(
            select(OutboxMessage.channel_id, OutboxMessage.payload).where(OutboxMessage.medium == OutboxMedium.WEBHOOK)
        )
        return sorted((channel, payload["event_id"]) for channel, payload in rows)


def test_the_first_sweep_records_each_reminder_due_once_with_its_block_and_a_rerun_records_none(billing):
    _book(billing)
    assert billing.sweep.run(now=at(FIRST_DAY)).reminders_planned == 12
    events = _reminder_events(billing)
    with billing.db.read() as session:
        notices = {n.cohort_id: n for n in session.scalars(select(ReminderNotice))}
    assert sorted(data["block"] for _, _, data, _ in events) == sorted(notices)
    for _, _, data, key in events:
        units = int(data["account"].removeprefix("a")) + 1
        assert (data["units"], data["renews_on"], data["days_before"], data["late"]) == (units, "2025-01-01", 45, False)
        assert key == f"reminder.due:{data['block']}:2025-01-01:45"
    assert billing.sweep.run(now=at(FIRST_DAY, hour=18)).reminders_planned == 0
    assert len(_reminder_events(billing)) == 12


def test_a_reseller_scoped_endpoint_gets_one_delivery_for_each_reminder_of_its_accounts_only(billing):
    _book(billing)
    north = _endpoint(billing, "north-crm", reseller="northwind")
    everything = _endpoint(billing, "portal")
    billing.sweep.run(now=at(FIRST_DAY))
    events = _reminder_events(billing)
    with billing.db.read() as session:
        northwind = session.scalar(select(Account.reseller_id).where(Account.slug == "a0"))
    theirs = [event_id for event_id, reseller_id, _, _ in events if reseller_id == northwind]
    assert len(events) == 12 and len(theirs) == 4
    expected = [(f"webhook:{north}", i) for i in theirs] + [(f"webhook:{everything}", e[0]) for e in events]
    assert _webhook_messages(billing) == sorted(expected)
    billing.sweep.run(now=at(FIRST_DAY, hour=18))
    assert _webhook_messages(billing) == sorted(expected)


def test_record_many_skips_a_taken_key_and_drops_amounts_of_an_account_paying_through_a_reseller(billing):
    _book(billing)
    told = _endpoint(billing, "reminders-only", types=["reminder.due"])
    with billing.db.write() as session:
        direct, resold = (session.scalar(select(Account).where(Account.slug == slug)) for slug in ("a2", "a0"))
        amounts = {"total": {"minor": 100, "currency": "USD"}}

        def event(type_: EventType, about: Account, key: str | None) -> NewEvent:
            return NewEvent(type_, Party.of(about), {"n": 1}, amounts, key)

        first = [event(EventType.REMINDER_DUE, direct, "k1"), event(EventType.INVOICE_CREATED, resold, "k2")]
        assert record_many(session, first, now=at(FIRST_DAY)) == 2
        again = [
            event(EventType.REMINDER_DUE, direct, "k1"),
            event(EventType.INVOICE_CREATED, resold, "k2"),
            event(EventType.REMINDER_DUE, resold, None),
        ]
        assert record_many(session, again, now=at(FIRST_DAY)) == 1
    with billing.db.read() as session:
        rows = session.execute(select(Event.id, Event.type, Event.data, Event.amounts).order_by(Event.id)).all()
    ours = [(event_id, str(type_), amounts) for event_id, type_, data, amounts in rows if data.get("n") == 1]
    assert sorted((type_, amounts is not None) for _, type_, amounts in ours) == [
        ("invoice.created", False),
        ("reminder.due", False),
        ("reminder.due", True),
    ]
    reminder_ids = [event_id for event_id, type_, _ in ours if type_ == "reminder.due"]
    assert _webhook_messages(billing) == [(f"webhook:{told}", i) for i in reminder_ids]


def test_outbox_messages_whose_keys_are_taken_are_skipped_and_keep_their_rows(billing, monkeypatch):
    """A message not delivered yet is enqueued again by every sweep: only the new keys are inserted (by COPY,
    the taken ones skipped first: the COPY goes straight in, never again through a temporary table)."""
    monkeypatch.setattr(bulk, "_staged", lambda *_: pytest.fail("the COPY met a taken key"))
    with billing.db.write() as session:
        first = insert_messages(session, [(f"m:{n}", "C1", {"n": n}) for n in range(3)], now=at(FIRST_DAY))
    with billing.db.write() as session:
        again = insert_messages(session, [(f"m:{n}", "C2", {"n": n}) for n in range(1, 5)], now=at(FIRST_DAY))
    assert sorted(first) == ["m:0", "m:1", "m:2"] and sorted(again) == ["m:3", "m:4"]
    with billing.db.read() as session:
        rows = session.execute(select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.channel_id)).all()
    assert sorted((key, channel) for _, key, channel in rows) == [
        ("m:0", "C1"),
        ("m:1", "C1"),
        ("m:2", "C1"),
        ("m:3", "C2"),
        ("m:4", "C2"),
    ]
    assert {key: i for i, key, _ in rows} == first | again
