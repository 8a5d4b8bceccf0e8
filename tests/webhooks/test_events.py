"""Each change records its event, once, in its own transaction, and the receiver gets it signed."""

from __future__ import annotations

import pytest

from billing import Billing
from billing.errors import BillingError
from billing.money import Money
from handlers.outbound.webhooks import Deliverer
from tests.api.conftest import MovableClock
from tests.billing.builders import account, add, code, licenses, redeem, reseller, subscribe
from tests.conftest import STAFF, at
from tests.webhooks.receiver import Receiver


def _deliver(deliverer: Deliverer) -> None:
    """Deliver what is due; waiting moves the test's clock (a delivery is never due later here)."""
    deliverer.drain(sleep=lambda seconds: deliverer.clock.advance(seconds=seconds))  # type: ignore[attr-defined]


def test_redeeming_a_code_tells_code_redeemed_and_licenses_added_with_the_block(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, now=at("2026-03-01"))
    licenses(hooks, units=7, now=clock())
    _deliver(deliverer)
    assert receiver.types() == ["code.redeemed", "licenses.added"]
    added = receiver.of_type("licenses.added")[0]["data"]
    assert (added["account"], added["solution"], added["level"], added["units"]) == ("acme", "room", "professional", 7)
    assert (added["starts_on"], added["renews_on"]) == ("2026-03-02", "2027-03-02")
    assert receiver.unverified == []


def test_a_renewal_by_code_tells_licenses_renewed_naming_the_block_it_renews(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, now=at("2026-03-01"))
    first = licenses(hooks, units=5, now=clock())
    clock.advance(days=340)
    redeem(hooks, code(hooks, now=clock(), units=5), now=clock(), renews=first.cohort_id)
    _deliver(deliverer)
    renewed = receiver.of_type("licenses.renewed")
    assert len(renewed) == 1
    assert renewed[0]["data"]["renews_block"] == first.cohort_id
    assert renewed[0]["data"]["starts_on"] == "2027-03-02"


def test_a_refused_redemption_records_no_event(hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock):
    account(hooks, now=at("2026-03-01"))
    text = code(hooks, now=clock())
    redeem(hooks, text, now=clock())
    with pytest.raises(BillingError):
        redeem(hooks, text, now=clock())  # already redeemed
    _deliver(deliverer)
    assert receiver.types() == ["code.redeemed", "licenses.added"]


def test_a_card_subscription_tells_licenses_added_and_invoice_created_with_amounts(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, "globex", pays="card", now=at("2026-03-01"))
    subscribe(hooks, 3, "globex", now=clock())
    clock.advance(days=1)
    add(hooks, 2, "globex", now=clock())
    _deliver(deliverer)
    assert receiver.types() == ["invoice.created", "licenses.added", "invoice.created", "licenses.added"]
    invoice = receiver.of_type("invoice.created")[0]["data"]
    assert invoice["total"]["currency"] == "USD" and invoice["amount_remaining"]["minor"] > 0
    assert [e["data"]["added"] for e in receiver.of_type("licenses.added")] == [3, 2]


def test_recording_the_payment_that_settles_an_invoice_tells_invoice_paid(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, "globex", pays="invoice", now=at("2026-03-01"))
    receipt = subscribe(hooks, 3, "globex", now=clock())
    assert receipt.invoice is not None
    owed = receipt.invoice.remaining
    half = Money(owed.minor // 2, owed.currency)
    hooks.invoices.record_payment(invoice=receipt.invoice.number, amount=half, actor=STAFF, now=clock())
    assert "invoice.paid" not in [e for e in receiver.types()]
    hooks.invoices.record_payment(invoice=receipt.invoice.number, amount=owed - half, actor=STAFF, now=clock())
    _deliver(deliverer)
    paid = receiver.of_type("invoice.paid")
    assert len(paid) == 1 and paid[0]["data"]["invoice"] == receipt.invoice.number
    assert paid[0]["data"]["amount_remaining"]["minor"] == 0


def test_an_upgrade_tells_plan_changed_from_the_old_level(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, "globex", pays="card", now=at("2026-03-01"))
    subscribe(hooks, 3, "globex", now=clock())
    quote = hooks.plans.quote(account="globex", solution="room", level="enterprise", actor=STAFF, now=clock())
    hooks.plans.commit(quote_id=quote.id, actor=STAFF, now=clock())
    _deliver(deliverer)
    changed = receiver.of_type("plan.changed")
    assert len(changed) == 1
    assert (changed[0]["data"]["from_level"], changed[0]["data"]["level"]) == ("professional", "enterprise")


def test_the_sweep_tells_renewed_lapsed_reminder_due_released_over_capacity_and_restored_each_once(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, now=at("2026-03-01"))
    account(hooks, "globex", pays="card", now=at("2026-03-01"))
    block = licenses(hooks, units=1, months=1, now=clock())  # renews 2 Apr
    subscribe(hooks, 2, "globex", now=clock(), interval="month")
    hooks.assignments.assign(account="acme", solution="room", subject="d1", actor=STAFF, now=clock())
    for _day in range(45):  # the daily sweep, twice a day
        clock.advance(days=1)
        hooks.sweep.run(now=clock())
        hooks.sweep.run(now=clock())
    _deliver(deliverer)
    kinds = receiver.types()
    assert kinds.count("licenses.lapsed") == 1
    assert receiver.of_type("licenses.lapsed")[0]["data"]["block"] == block.cohort_id
    assert kinds.count("licenses.renewed") == 1  # globex's monthly subscription, on 2 Apr
    reminders = [e["data"]["days_before"] for e in receiver.of_type("reminder.due")]
    assert reminders == [14, 7]  # the one-month block's (45 and 30 had passed when it was made)
    assert kinds.count("account.over_capacity") == 1  # d1 holds a license that lapsed
    hooks.assignments.unassign(account="acme", solution="room", subject="d1", actor=STAFF, now=clock())
    hooks.sweep.run(now=clock())
    _deliver(deliverer)
    assert receiver.types().count("licenses.released") == 1
    assert receiver.types().count("account.capacity_restored") == 1
    assert len(set(receiver.ids)) == len(receiver.ids)


def test_an_idle_user_released_by_the_sweep_tells_licenses_released_with_the_reason(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, now=at("2026-03-01"))
    licenses(hooks, solution="desk", level="standard", units=3, now=clock())
    hooks.assignments.assign(account="acme", solution="desk", subject="ana", actor=STAFF, now=clock())
    clock.advance(days=61)
    hooks.sweep.run(now=clock())
    clock.advance(days=1)
    hooks.sweep.run(now=clock())
    _deliver(deliverer)
    released = receiver.of_type("licenses.released")
    assert len(released) == 1
    assert released[0]["data"]["user"] == "ana" and released[0]["data"]["reason"] == "idle_60_days"


def test_a_reseller_scoped_endpoint_gets_only_its_accounts_events_and_no_amount(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    from tests.webhooks.receiver import receiving

    reseller(hooks, now=at("2026-03-01"))
    reseller(hooks, "contoso", now=at("2026-03-01"))
    account(hooks, "initech", reseller="northwind", pays="reseller", now=at("2026-03-01"))
    account(hooks, "umbrella", reseller="contoso", pays="card", now=at("2026-03-01"))
    with receiving() as scoped:
        _v, secret = hooks.webhooks.add(
            name="northwind-crm", url=scoped.url, event_types=None, reseller="northwind", actor=STAFF, now=clock()
        )
        scoped.secrets.append(secret)
        _v, secret = hooks.webhooks.add(
            name="contoso-crm", url=scoped.url, event_types=None, reseller="contoso", actor=STAFF, now=clock()
        )
        scoped.secrets.append(secret)
        licenses(hooks, units=2, account_slug="initech", now=clock())
        subscribe(hooks, 2, "umbrella", now=clock())
        _deliver(deliverer)
        seen = {(d.body["type"], d.body["data"]["account"]) for d in scoped.delivered}
        assert seen == {
            ("code.redeemed", "initech"),
            ("licenses.added", "initech"),
            ("invoice.created", "umbrella"),
            ("licenses.added", "umbrella"),
        }
        assert all("total" not in d.body["data"] and "credit" not in d.body["data"] for d in scoped.delivered)
    assert "total" in receiver.of_type("invoice.created")[0]["data"]  # the unscoped endpoint sees amounts


def test_an_endpoint_asking_for_some_types_gets_only_those(hooks: Billing, deliverer: Deliverer, clock) -> None:
    from tests.webhooks.receiver import receiving

    account(hooks, now=at("2026-03-01"))
    with receiving() as picky:
        _v, secret = hooks.webhooks.add(
            name="picky", url=picky.url, event_types=["licenses.added"], reseller=None, actor=STAFF, now=clock()
        )
        picky.secrets.append(secret)
        licenses(hooks, units=2, now=clock())
        _deliver(deliverer)
        assert picky.types() == ["licenses.added"]


def test_an_event_id_is_never_reused_after_old_events_are_pruned(
    hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock: MovableClock
) -> None:
    account(hooks, now=at("2026-03-01"))
    licenses(hooks, units=1, now=clock())
    _deliver(deliverer)
    clock.advance(days=40)
    assert hooks.events.prune(now=clock()) == 2
    licenses(hooks, units=1, now=clock())
    _deliver(deliverer)
    assert len(receiver.ids) == 4 and len(set(receiver.ids)) == 4  # new ids, and delivered
