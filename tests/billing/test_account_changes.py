"""Correcting accounts and closing them: each rule, each refusal, each change audited with before and after."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.account_changes import AccountEdit, AlreadyClosed, CurrencyInUse, SubscriptionRunning
from billing.accounts import AccountClosed, AccountNotFound, InvalidPaymentMethod
from billing.actors import Actor, NotAllowed
from billing.models import Alert, AuditEvent
from tests.billing.builders import account, code, credit, licenses, redeem, reseller, subscribe
from tests.conftest import STAFF, at

NOW = at("2024-01-10")
PORTAL = Actor(ref="api:portal", role="portal")


def _member(billing, slug: str) -> Actor:
    return Actor(ref=f"m:{slug}", role="reseller", reseller_id=billing.resellers.get_reseller(slug=slug).id)


def _set(billing, slug="acme", actor=STAFF, now=NOW, **fields):
    return billing.account_changes.set(slug=slug, edit=AccountEdit(**fields), actor=actor, now=now)


@pytest.fixture
def resold(billing):
    """Acme buys Room licenses through Northwind with codes; Southwind is another reseller."""
    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "southwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", now=at("2024-01-01"))
    licenses(billing, units=10, now=at("2024-01-02"))


def test_staff_correct_the_name_and_the_change_is_audited_with_before_and_after(billing, resold):
    view = _set(billing, name="Acme Corporation")

    with billing.db.read() as session:
        details = session.scalar(select(AuditEvent.details).where(AuditEvent.action == "account.updated"))
    assert view.name == "Acme Corporation"
    assert details["before"] == {"name": "Acme"} and details["after"] == {"name": "Acme Corporation"}


def test_moving_to_another_reseller_hides_the_account_from_the_old_resellers_members_at_once(billing, resold):
    _set(billing, reseller="southwind")

    with pytest.raises(AccountNotFound):
        billing.accounts.get_account(slug="acme", actor=_member(billing, "northwind"))
    with pytest.raises(AccountNotFound):
        billing.licenses.breakdown(account="acme", actor=_member(billing, "northwind"), now=NOW)
    assert billing.accounts.get_account(slug="acme", actor=_member(billing, "southwind")).reseller_slug == "southwind"


def test_moving_resolves_the_open_alerts_so_the_next_sweep_raises_them_for_the_new_reseller(billing, resold):
    billing.alerts.sweep(now=at("2025-01-03"))  # the block lapsed on 2 Jan 2025
    _set(billing, reseller="southwind", now=at("2025-01-03"))
    billing.alerts.sweep(now=at("2025-01-04"))

    with billing.db.read() as session:
        alerts = session.execute(select(Alert.reseller_id, Alert.resolved_at.is_(None)).order_by(Alert.id)).all()
    southwind = billing.resellers.get_reseller(slug="southwind").id
    northwind = billing.resellers.get_reseller(slug="northwind").id
    assert [tuple(a) for a in alerts] == [(northwind, False), (southwind, True)]


def test_going_direct_needs_another_payment_method_first(billing, resold):
    with pytest.raises(InvalidPaymentMethod, match="needs one"):
        _set(billing, reseller="")

    view = _set(billing, reseller="", payment_method="card")

    assert (view.reseller_slug, view.payment_method) == (None, "card")


def test_switching_from_reseller_to_card_leaves_the_code_blocks_running(billing, resold):
    before = billing.licenses.breakdown(account="acme", actor=STAFF, now=NOW).solutions

    _set(billing, payment_method="card")

    assert billing.licenses.breakdown(account="acme", actor=STAFF, now=NOW).solutions == before


def test_switching_to_reseller_is_refused_while_a_subscription_renews(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    account(billing, "globex", pays="card", now=at("2024-01-01"))
    subscribe(billing, 3, "globex", now=at("2024-01-01"))

    with pytest.raises(SubscriptionRunning, match="cancel it first"):
        _set(billing, "globex", reseller="northwind", payment_method="reseller")

    assert billing.accounts.get_account(slug="globex", actor=STAFF).payment_method == "card"


def test_the_currency_changes_while_nothing_was_billed_or_credited(billing):
    account(billing, "globex", pays="card", now=at("2024-01-01"))

    assert _set(billing, "globex", currency="eur").currency == "EUR"


def test_the_currency_is_refused_once_there_is_an_invoice(billing):
    account(billing, "globex", pays="card", now=at("2024-01-01"))
    subscribe(billing, 3, "globex", now=at("2024-01-01"))

    with pytest.raises(CurrencyInUse, match="already has an invoice in USD"):
        _set(billing, "globex", currency="EUR")


def test_the_currency_is_refused_once_a_credit_code_was_redeemed(billing):
    account(billing, "globex", pays="credits", now=at("2024-01-01"))
    credit(billing, "25", "globex", now=at("2024-01-02"))

    with pytest.raises(CurrencyInUse, match="a credit entry"):
        _set(billing, "globex", currency="EUR")


def test_a_time_zone_change_moves_today_and_the_reminder_days(billing, resold):
    # The block renews 2 Jan 2025; its 30-day reminder is due on 3 Dec 2024, local time.
    late_evening = at("2024-12-02", hour=23)
    assert [r.threshold for r in billing.reminders.due(now=late_evening)] == [45]

    _set(billing, time_zone="Pacific/Auckland", now=late_evening)

    assert [r.threshold for r in billing.reminders.due(now=late_evening)] == [30]
    assert billing.licenses.breakdown(account="acme", actor=STAFF, now=late_evening).today.isoformat() == "2024-12-03"


def test_the_portal_changes_name_and_time_zone_only(billing, resold):
    assert _set(billing, actor=PORTAL, name="ACME", time_zone="Europe/Paris").time_zone == "Europe/Paris"

    with pytest.raises(NotAllowed, match="name and time zone only"):
        _set(billing, actor=PORTAL, currency="EUR")


def test_a_reseller_member_changes_nothing(billing, resold):
    with pytest.raises(NotAllowed):
        _set(billing, actor=_member(billing, "northwind"), name="Mine now")


def test_a_closed_account_refuses_redemptions_assignments_and_purchases(billing, resold):
    account(billing, "globex", pays="card", now=at("2024-01-01"))
    for slug in ("acme", "globex"):
        billing.account_changes.close(slug=slug, actor=STAFF, now=NOW)

    with pytest.raises(AccountClosed, match="reopen"):
        redeem(billing, code(billing, now=NOW), now=NOW)
    with pytest.raises(AccountClosed):
        billing.assignments.assign(account="acme", solution="room", subject="d1", actor=STAFF, now=NOW)
    with pytest.raises(AccountClosed):
        subscribe(billing, 3, "globex", now=NOW)


def test_a_closed_account_gets_no_reminders_or_alerts_and_its_open_alerts_resolve(billing, resold):
    billing.alerts.sweep(now=at("2025-01-03"))

    billing.account_changes.close(slug="acme", actor=STAFF, now=at("2025-01-03"))
    billing.alerts.sweep(now=at("2025-01-04"))

    with billing.db.read() as session:
        assert session.scalars(select(Alert).where(Alert.resolved_at.is_(None))).all() == []
    assert billing.reminders.due(now=at("2024-12-03")) == []


def test_a_closed_account_keeps_its_history_for_staff_and_reopens(billing, resold):
    billing.account_changes.close(slug="acme", actor=STAFF, now=NOW)

    shown = billing.licenses.breakdown(account="acme", actor=STAFF, now=NOW)
    reopened = billing.account_changes.reopen(slug="acme", actor=STAFF, now=NOW)

    assert shown.account.closed_at == NOW and shown.solutions[0].total == 10
    assert reopened.closed_at is None
    redeem(billing, code(billing, now=NOW, units=2), now=NOW)


def test_an_account_cannot_close_while_a_subscription_renews_nor_close_twice(billing, resold):
    account(billing, "globex", pays="card", now=at("2024-01-01"))
    subscribe(billing, 3, "globex", now=at("2024-01-01"))
    billing.account_changes.close(slug="acme", actor=STAFF, now=NOW)

    with pytest.raises(SubscriptionRunning, match="cancel it first"):
        billing.account_changes.close(slug="globex", actor=STAFF, now=NOW)
    with pytest.raises(AlreadyClosed):
        billing.account_changes.close(slug="acme", actor=STAFF, now=NOW)
