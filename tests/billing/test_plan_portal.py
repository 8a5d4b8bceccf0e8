"""What the Portal (a ``portal`` actor, not staff) may do to a plan: what charges now or waits for the
renewal, as it may buy licenses; nothing that credits more than it charges; reseller members nothing."""

import pytest

from billing.actors import Actor, NotAllowed
from billing.plan_quotes import Timing
from tests.billing.builders import account, subscribe
from tests.conftest import at

PORTAL = Actor(ref="api:portal", role="portal")


@pytest.fixture
def professional(billing):
    """3 Room booking Professional devices at $10/year from 1 Jan 2021 (card)."""
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    return billing


def _change(billing, actor, day, **change):
    quote = billing.plans.quote(account="acme", solution="room", actor=actor, now=at(day), **change)
    return billing.plans.commit(quote_id=quote.id, actor=actor, now=at(day), account="acme")


def test_the_portal_upgrades_at_once_and_schedules_a_downgrade_then_withdraws_it(professional):
    upgraded = _change(professional, PORTAL, "2021-07-02", level="enterprise")
    scheduled = _change(professional, PORTAL, "2021-08-02", level="standard")
    withdrawn = professional.plans.withdraw(account="acme", solution="room", actor=PORTAL, now=at("2021-08-03"))

    assert (upgraded.quote.timing, str(upgraded.invoice.total)) == (Timing.NOW, "$30.00")
    assert (scheduled.quote.timing, scheduled.invoice) == (Timing.RENEWAL, None)
    assert withdrawn.change == "changes to Standard on 1 Jan 2022"


def test_the_portal_may_not_return_from_an_upgrade_the_same_day_which_credits_more_than_it_charges(professional):
    _change(professional, PORTAL, "2021-07-02", level="enterprise")

    with pytest.raises(NotAllowed, match="credits more than it charges"):
        professional.plans.quote(
            account="acme", solution="room", level="professional", actor=PORTAL, now=at("2021-07-02")
        )


def test_a_reseller_member_may_not_quote_a_plan_change(professional):
    member = Actor(ref="slack:T1/U1", role="reseller", reseller_id=1)

    with pytest.raises(NotAllowed):
        professional.plans.quote(
            account="acme", solution="room", level="enterprise", actor=member, now=at("2021-07-02")
        )
