"""Changing a plan over real HTTP: quote, commit (201 with the invoice, or the scheduled change), withdraw;
portal keys only, on accounts billed directly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.models import AuditEvent, Invoice, PlanChange
from billing.models.licensing import PlanChangeStatus
from tests.api.conftest import bearer, new_key
from tests.billing.builders import account, subscribe
from tests.conftest import STAFF, at


@pytest.fixture
def globex(billing, clock):
    """A card account with 3 Room booking Professional at $10/year from 1 Jan 2026, renewing 1 Jan 2027; the
    clock on 2 Jul 2026, in the 7th of 12 billing months (6 left: fraction 6/12)."""
    account(billing, "globex", pays="card", now=at("2026-01-01"))
    subscribe(billing, 3, "globex", now=at("2026-01-01"))
    clock.now = at("2026-07-02")
    return "globex"


def _count(billing, model, *where) -> int:
    with billing.db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_an_upgrade_is_quoted_then_committed_201_with_its_invoice_and_audited_as_the_key(billing, http, portal, globex):
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)
    assert quote.status_code == 200
    body = quote.json()
    assert (body["timing"], body["from_level"], body["to_level"], body["effective_on"]) == (
        "now",
        "Professional",
        "Enterprise",
        "2026-07-02",
    )
    assert (body["credit"]["amount"], body["charge"]["amount"], body["amount_due"]["amount"]) == (
        "15.00",
        "30.00",
        "15.00",
    )
    (line,) = body["lines"]
    assert (line["quantity"], line["unit_price"]["amount"], line["amount"]["amount"]) == (3, "20.00", "30.00")
    assert body["credit_description"].startswith("Credit for the unused part of Room booking Professional")

    changed = http.post("/accounts/globex/plan", json={"quote_id": body["quote_id"]}, headers=portal)

    assert changed.status_code == 201
    invoice = changed.json()["invoice"]
    assert (invoice["total"]["amount"], invoice["credit_applied"]["amount"], invoice["remaining"]["amount"]) == (
        "30.00",
        "15.00",
        "15.00",
    )
    assert changed.json()["scheduled"] is None
    (room,) = http.get("/accounts/globex", headers=portal).json()["solutions"]
    assert room["level"] == "enterprise"
    (entry,) = [e for e in billing.audit.entries(actor=STAFF) if e.action == "subscription.plan_changed"]
    assert entry.actor == "api:portal"


def test_a_quote_overtaken_by_a_license_purchase_is_409_quote_changed_and_bills_nothing(billing, http, portal, globex):
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)
    more = http.post("/accounts/globex/licenses/quote", json={"solution": "room", "units": 5}, headers=portal)
    assert (
        http.post("/accounts/globex/licenses", json={"quote_id": more.json()["quote_id"]}, headers=portal).status_code
        == 201
    )
    invoices = _count(billing, Invoice)

    stale = http.post("/accounts/globex/plan", json={"quote_id": quote.json()["quote_id"]}, headers=portal)

    assert (stale.status_code, stale.json()["code"]) == (409, "quote_changed")
    assert stale.headers["content-type"] == "application/problem+json"
    assert "5 licenses" in stale.json()["detail"]  # the quote as it stands now
    assert _count(billing, Invoice) == invoices and _count(billing, PlanChange) == 0


def test_a_commit_under_an_idempotency_key_replays_its_first_answer_and_changes_once(billing, http, portal, globex):
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)
    once = {**portal, "Idempotency-Key": "upgrade-1"}
    answers = [
        http.post("/accounts/globex/plan", json={"quote_id": quote.json()["quote_id"]}, headers=once) for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert answers[1].json() == answers[0].json()
    assert _count(billing, PlanChange, PlanChange.status == PlanChangeStatus.APPLIED) == 1


def test_a_downgrade_is_scheduled_for_the_renewal_then_withdrawn_and_a_second_withdrawal_is_404(
    billing, http, portal, globex
):
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "standard"}, headers=portal)
    body = quote.json()
    assert (body["timing"], body["effective_on"], body["lines"], body["amount_due"]["amount"]) == (
        "renewal",
        "2027-01-01",
        [],
        "0.00",
    )
    invoices = _count(billing, Invoice)

    scheduled = http.post("/accounts/globex/plan", json={"quote_id": body["quote_id"]}, headers=portal)

    assert scheduled.status_code == 201
    assert scheduled.json()["invoice"] is None
    assert scheduled.json()["scheduled"] == {
        "solution": "room",
        "level": "standard",
        "interval": "year",
        "effective_on": "2027-01-01",
        "description": "changes to Standard on 1 Jan 2027",
    }
    assert _count(billing, Invoice) == invoices
    assert http.delete("/accounts/globex/plan/scheduled/room", headers=portal).status_code == 204
    assert _count(billing, PlanChange, PlanChange.status == PlanChangeStatus.WITHDRAWN) == 1
    again = http.delete("/accounts/globex/plan/scheduled/room", headers=portal)
    assert (again.status_code, again.json()["code"]) == (404, "no_scheduled_change")
    withdrawn = [e for e in billing.audit.entries(actor=STAFF) if e.action == "subscription.plan_withdrawn"]
    assert [e.actor for e in withdrawn] == ["api:portal"]


def test_a_reseller_key_is_403_on_every_plan_row_and_changes_nothing(billing, http, portal, globex, northwind):
    own = bearer(new_key(billing, "northwind-erp", "reseller=northwind"))
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)
    audited = _count(billing, AuditEvent)

    answers = [
        http.post("/accounts/initech/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=own),
        http.post("/accounts/initech/plan", json={"quote_id": quote.json()["quote_id"]}, headers=own),
        http.delete("/accounts/initech/plan/scheduled/room", headers=own),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(403, "not_allowed")] * 3
    assert _count(billing, AuditEvent) == audited and _count(billing, PlanChange) == 0


def test_an_account_paying_through_its_reseller_is_refused_409_with_the_billing_code(billing, http, portal, northwind):
    answer = http.post("/accounts/initech/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)

    assert (answer.status_code, answer.json()["code"]) == (409, "not_billed_directly")
    assert answer.headers["content-type"] == "application/problem+json"
    assert "pre-paid codes" in answer.json()["detail"]
    withdraw = http.delete("/accounts/initech/plan/scheduled/room", headers=portal)
    assert (withdraw.status_code, withdraw.json()["code"]) == (409, "not_billed_directly")


def test_a_quote_for_one_account_is_refused_on_another_and_changes_nothing(billing, http, portal, globex):
    account(billing, "umbrella", pays="card", now=at("2026-01-01"))
    subscribe(billing, 3, "umbrella", now=at("2026-01-01"))
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)

    answer = http.post("/accounts/umbrella/plan", json={"quote_id": quote.json()["quote_id"]}, headers=portal)

    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_quote_id")
    assert _count(billing, PlanChange) == 0


def test_a_read_only_portal_key_may_quote_but_not_commit_or_withdraw(billing, http, globex):
    reader = bearer(new_key(billing, "dashboard", read_only=True))
    quote = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=reader)
    assert quote.status_code == 200

    refused = [
        http.post("/accounts/globex/plan", json={"quote_id": quote.json()["quote_id"]}, headers=reader),
        http.delete("/accounts/globex/plan/scheduled/room", headers=reader),
    ]

    assert [(a.status_code, a.json()["code"]) for a in refused] == [(403, "read_only_key")] * 2
    assert _count(billing, PlanChange) == 0


def test_the_same_day_return_from_an_upgrade_which_credits_more_than_it_charges_is_staff_only(
    billing, http, portal, globex
):
    up = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "enterprise"}, headers=portal)
    assert (
        http.post("/accounts/globex/plan", json={"quote_id": up.json()["quote_id"]}, headers=portal).status_code == 201
    )

    back = http.post("/accounts/globex/plan/quote", json={"solution": "room", "level": "professional"}, headers=portal)

    assert (back.status_code, back.json()["code"]) == (403, "not_allowed")
    assert "credits more than it charges" in back.json()["detail"]
    assert _count(billing, PlanChange) == 1


def test_a_bad_interval_or_an_empty_change_is_422_naming_it(http, portal, globex):
    bad = http.post("/accounts/globex/plan/quote", json={"solution": "room", "interval": "week"}, headers=portal)
    empty = http.post("/accounts/globex/plan/quote", json={"solution": "room"}, headers=portal)

    assert (bad.status_code, [e["field"] for e in bad.json()["errors"]]) == (422, ["interval"])
    assert (empty.status_code, empty.json()["code"]) == (422, "invalid_input")
