"""``/joan licenses change``: staff see the quote with Confirm / Cancel, through signed requests."""

from __future__ import annotations

import json

import pytest

from handlers import ids
from tests.billing import builders
from tests.conftest import STAFF, at
from tests.handlers.harness import HOME, NORTH_TEAM, NORTH_USER, SALES


@pytest.fixture
def umbrella(world):
    """3 Room booking Professional at $10/year from 1 Jan 2026, paid by card; today is 2 Mar 2026."""
    builders.account(world.billing, "umbrella", pays="card", now=at("2026-01-01"))
    builders.subscribe(world.billing, 3, "umbrella", now=at("2026-01-01"))
    return world


def _button(message: dict, action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button")


def _level(world):
    return world.billing.licenses.cohorts(account="umbrella", actor=STAFF)[0].level


def test_staff_upgrade_by_command_see_the_quote_then_confirm(umbrella):
    """2 Mar 2026 is in the 3rd of 12 billing months: 10/12 left. Credit 3 x $10.00 x 10/12 = $25.00,
    charge 3 x $20.00 x 10/12 = $50.00, due $25.00."""
    quote = umbrella.slack.command("licenses change umbrella room level=enterprise", user_id=SALES, team=HOME)
    (message,) = quote.replies
    shown = json.dumps(message, ensure_ascii=False)
    assert message["response_type"] == "ephemeral"
    assert "Credit for the unused part of Room booking Professional, 2 Mar 2026 – 1 Jan 2027: $25.00" in shown
    assert "Amount due: $25.00" in shown and _level(umbrella) == "professional"

    done = umbrella.slack.click(
        ids.ACTION_CHANGE_CONFIRM, _button(message, ids.ACTION_CHANGE_CONFIRM), user_id=SALES, team=HOME
    )

    (receipt,) = done.replies
    assert receipt["replace_original"] is True and "owed $25.00" in receipt["text"]
    assert _level(umbrella) == "enterprise"
    again = umbrella.slack.click(
        ids.ACTION_CHANGE_CONFIRM, _button(message, ids.ACTION_CHANGE_CONFIRM), user_id=SALES, team=HOME
    )
    assert "already on Room booking Enterprise" in again.replies[0]["text"]  # a second click charges nothing
    assert len(umbrella.billing.invoices.list(account="umbrella", actor=STAFF)) == 2


def test_a_switch_to_monthly_is_scheduled_and_cancel_changes_nothing(umbrella):
    asked = umbrella.slack.command("licenses change umbrella room interval=month", user_id=SALES, team=HOME)
    (message,) = asked.replies
    assert "at the renewal on 1 Jan 2027" in json.dumps(message, ensure_ascii=False)

    cancelled = umbrella.slack.click(ids.ACTION_CHANGE_CANCEL, "cancel", user_id=SALES, team=HOME)
    assert "not changed" in cancelled.replies[0]["text"]

    umbrella.slack.click(
        ids.ACTION_CHANGE_CONFIRM, _button(message, ids.ACTION_CHANGE_CONFIRM), user_id=SALES, team=HOME
    )
    renewals = umbrella.slack.command("renewals umbrella", user_id=SALES, team=HOME)
    assert "changes to monthly billing on 1 Jan 2027" in json.dumps(renewals.replies[0], ensure_ascii=False)
    withdrawn = umbrella.slack.command("licenses change umbrella room withdraw", user_id=SALES, team=HOME)
    assert "no longer changes to monthly billing" in withdrawn.replies[0]["text"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("licenses change umbrella room level=platinum", "has no level"),
        ("licenses change umbrella room level=professional", "already on Room booking Professional"),
        ("licenses change umbrella room level=standard when=now", "at the renewal on 1 Jan 2027"),
        ("licenses change acme room level=enterprise", "issue a code of the plan wanted"),
        ("licenses change umbrella", "Usage"),
    ],
)
def test_bad_changes_get_a_clear_answer_and_change_nothing(umbrella, text, says):
    response = umbrella.slack.command(text, user_id=SALES, team=HOME)

    assert says in response.replies[0]["text"]
    assert _level(umbrella) == "professional"
    assert len(umbrella.billing.invoices.list(account="umbrella", actor=STAFF)) == 1


def test_a_reseller_member_cannot_change_plans(umbrella):
    response = umbrella.slack.command("licenses change acme room level=enterprise", user_id=NORTH_USER, team=NORTH_TEAM)

    assert "Credit" not in json.dumps(response.replies[0])
    assert response.replies[0]["text"] == "You do not have permission to do that."


def test_the_credits_and_invoices_in_slack_say_what_the_adjustment_is_for(umbrella):
    quote = umbrella.billing.plans.quote(
        account="umbrella", solution="room", level="enterprise", actor=STAFF, now=umbrella.now
    )
    umbrella.billing.plans.commit(quote_id=quote.id, actor=STAFF, now=umbrella.now)
    words = "Credit for the unused part of Room booking Professional, 2 Mar 2026 – 1 Jan 2027"

    credits = umbrella.slack.command("credits umbrella", user_id=SALES, team=HOME)
    invoices = umbrella.slack.command("invoices umbrella", user_id=SALES, team=HOME)

    assert f"$25.00, {words}" in json.dumps(credits.replies[0], ensure_ascii=False)
    assert f"{words}: $25.00" in json.dumps(invoices.replies[0], ensure_ascii=False)
