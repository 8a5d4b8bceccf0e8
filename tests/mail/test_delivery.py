"""Reminder emails through a real SMTP server on loopback: once each, whatever the server does."""

from __future__ import annotations

from collections import Counter

from billing.models import Cohort, EmailFailure, OutboxMessage, ReminderNotice
from billing.models.notices import AlertKind
from billing.models.outbox import OutboxMedium
from bot.clock import SimulatedClock
from tests.billing.builders import account, licenses
from tests.conftest import STAFF, at
from tests.mail.conftest import customers_with_contacts, make_mailer, sweep_and_queue

DAY_45 = at("2024-11-17")


def _email_states(billing) -> Counter[str]:
    with billing.db.read() as session:
        rows = session.query(OutboxMessage.state).filter(OutboxMessage.medium == OutboxMedium.EMAIL)
        return Counter(state for (state,) in rows)


def test_a_due_reminder_is_one_email_per_recipient_list_and_a_second_drain_sends_nothing(billing, smtp, mailer):
    customers_with_contacts(billing)
    sweep_and_queue(billing, DAY_45)

    assert mailer.drain() == 3
    assert mailer.drain() == 0
    assert sweep_and_queue(billing, DAY_45) == 0 and mailer.drain() == 0

    got = smtp.recorder.received
    assert sorted(sorted(r.envelope_to) for r in got) == [
        ["boss@acme.example", "it@acme.example"],
        ["it@direct.example"],
        ["ops@northwind.example", "sales@northwind.example"],
    ]
    assert len({r.message_id for r in got}) == 3
    assert _email_states(billing) == {"sent": 3}


def test_one_connection_carries_the_whole_batch(billing, smtp, mailer):
    customers_with_contacts(billing)
    sweep_and_queue(billing, DAY_45)

    mailer.drain()

    assert mailer.transport.connections_opened == 1  # type: ignore[attr-defined]


def test_451_then_success_delivers_once(billing, smtp, mailer):
    customers_with_contacts(billing)
    sweep_and_queue(billing, DAY_45)
    smtp.recorder.data_script = ["451", "421"]

    mailer.drain()

    assert len(smtp.recorder.received) == 3
    assert Counter(r.message_id for r in smtp.recorder.received).most_common(1)[0][1] == 1
    assert _email_states(billing) == {"sent": 3}


def test_a_connection_dropped_after_data_is_resent_at_most_once_with_the_same_message_id(billing, smtp, mailer):
    customers_with_contacts(billing)
    sweep_and_queue(billing, DAY_45)
    smtp.recorder.data_script = ["drop"]

    mailer.drain()

    ids = Counter(r.message_id for r in smtp.recorder.received)
    assert sorted(ids.values()) == [1, 1, 2]  # the ambiguous one twice, as the same message
    assert _email_states(billing) == {"sent": 3}


def test_550_for_one_of_two_recipients_delivers_to_the_other_and_raises_one_alert(billing, smtp, mailer):
    customers_with_contacts(billing)
    smtp.recorder.refuse = {"boss@acme.example": "550 5.1.1 no such user"}
    sweep_and_queue(billing, DAY_45)

    mailer.drain()

    assert [r.envelope_to for r in smtp.recorder.to("it@acme.example")] == [["it@acme.example"]]
    assert smtp.recorder.to("boss@acme.example") == []
    with billing.db.read() as session:
        failures = [(f.address, f.reply) for f in session.query(EmailFailure)]
    assert failures == [("boss@acme.example", "550 5.1.1 no such user")]
    alerts = [a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == AlertKind.EMAIL_FAILED]
    assert [(a.details["account"], a.details["address"]) for a in alerts] == [("acme", "boss@acme.example")]
    assert _alert_posts_to_sales(billing) == 1

    billing.sweep.run(now=DAY_45)  # the condition keeps the same alert open: still one
    assert len([a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == AlertKind.EMAIL_FAILED]) == 1


def test_a_4xx_for_one_recipient_retries_that_recipient_alone(billing, smtp, mailer):
    customers_with_contacts(billing)
    smtp.recorder.refuse = {"boss@acme.example": "450 4.2.1 mailbox busy"}
    sweep_and_queue(billing, DAY_45)

    mailer.send_one(), mailer.send_one(), mailer.send_one()
    smtp.recorder.refuse = {}
    mailer.drain()

    assert [r.envelope_to for r in smtp.recorder.to("boss@acme.example")] == [["boss@acme.example"]]
    assert len(smtp.recorder.to("it@acme.example")) == 1


def test_a_reminder_renewed_before_its_email_goes_is_not_sent(billing, smtp, mailer):
    customers_with_contacts(billing)
    sweep_and_queue(billing, DAY_45)
    with billing.db.write() as session:
        for cohort in session.query(Cohort):
            cohort.renewed_at = DAY_45

    assert mailer.drain() == 0  # none accepted: none sent
    assert smtp.recorder.received == []
    assert _email_states(billing) == {"cancelled": 3}


def test_without_contacts_no_email_is_planned(billing, smtp, mailer):
    account(billing, "quiet", now=at("2024-01-01"))
    licenses(billing, account_slug="quiet", now=at("2024-01-01"))
    sweep_and_queue(billing, DAY_45)

    assert mailer.drain() == 0 and _email_states(billing) == {}


def _alert_posts_to_sales(billing) -> int:
    with billing.db.read() as session:
        rows = session.query(OutboxMessage).filter(OutboxMessage.medium == OutboxMedium.SLACK)
        return sum(1 for m in rows if m.payload.get("kind") == "alert" and m.channel_id == "CSALES")


def _dropped(billing) -> list[tuple[int, str | None]]:
    with billing.db.read() as session:
        rows = session.query(ReminderNotice.threshold, ReminderNotice.dropped_reason).order_by(ReminderNotice.id)
        return sorted({(threshold, reason) for threshold, reason in rows})


def test_after_a_mail_outage_only_the_newest_threshold_is_emailed_and_the_older_is_recorded_dropped(billing, smtp):
    customers_with_contacts(billing)  # renewing 1 Jan 2025
    sweep_and_queue(billing, at("2024-12-18"))  # the 14-day emails: queued, the mailer does not run for a week
    sweep_and_queue(billing, at("2024-12-25"))  # the 7-day ones

    clock = SimulatedClock(at("2024-12-25", hour=13))
    sent = make_mailer(billing, smtp, clock=clock).drain(sleep=clock.sleep)

    assert sent == 3
    assert all("(in 7 days)" in r.text() for r in smtp.recorder.received)
    assert _email_states(billing) == {"sent": 3, "cancelled": 3}
    assert _dropped(billing) == [(7, None), (14, "superseded")]


def test_an_email_that_could_only_go_after_the_renewal_date_is_dropped(billing, smtp):
    customers_with_contacts(billing)
    sweep_and_queue(billing, at("2024-12-28"))

    clock = SimulatedClock(at("2025-01-03"))
    sent = make_mailer(billing, smtp, clock=clock).drain(sleep=clock.sleep)

    assert sent == 0 and smtp.recorder.received == []
    assert _email_states(billing) == {"cancelled": 3}
    assert _dropped(billing) == [(7, "renewal_passed")]
