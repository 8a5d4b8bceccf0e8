"""The ops CLI's doors record the same events: a purchase confirmed (one set of events) or declined (none),
and the sweep command."""

from __future__ import annotations

from billing import Billing
from tests.conftest import STAFF, at


def _types(billing: Billing) -> list[str]:
    return [e["type"] for e in billing.events.list(actor=STAFF, now=at("2021-07-02")).events]


def test_licenses_add_at_the_cli_records_its_invoice_and_licenses_and_a_declined_one_nothing(
    run,
    billing,
    card_customer,
) -> None:  # type: ignore[no-untyped-def]
    before = _types(billing)
    assert run("licenses", "add", "acme", "room", "3", input="n\n").exit_code == 1
    assert _types(billing) == before
    assert run("licenses", "add", "acme", "room", "3", input="y\n").exit_code == 0
    added = _types(billing)[len(before) :]
    assert added == ["invoice.created", "licenses.added"]


def test_a_scheduled_downgrade_tells_plan_changed_when_the_renewal_applies_it(billing: Billing) -> None:
    from tests.billing.builders import account, subscribe

    account(billing, "globex", pays="card", now=at("2026-01-05"))
    subscribe(billing, 3, "globex", now=at("2026-01-05"), level="enterprise")
    quote = billing.plans.quote(account="globex", solution="room", level="standard", actor=STAFF, now=at("2026-02-01"))
    billing.plans.commit(quote_id=quote.id, actor=STAFF, now=at("2026-02-01"))
    assert "plan.changed" not in [e["type"] for e in billing.events.list(actor=STAFF, now=at("2026-02-01")).events]
    billing.sweep.run(now=at("2027-01-05"))
    billing.sweep.run(now=at("2027-01-05", 18))
    found = billing.events.list(actor=STAFF, now=at("2027-01-05"), types=["plan.changed", "licenses.renewed"]).events
    assert [e["type"] for e in found] == ["plan.changed", "licenses.renewed"]
    assert (found[0]["data"]["from_level"], found[0]["data"]["level"]) == ("enterprise", "standard")
