"""App Home decides from the user's own team (event.user_team, else users.info), never the event's envelope."""

from __future__ import annotations

import json
import logging

import pytest

from billing import codeformat
from billing.errors import BillingError
from tests.conftest import STAFF
from tests.handlers.harness import HOME, HOME_NOBODY, NORTH_TEAM, NORTH_USER, STRANGER, STRANGER_TEAM, view_of


@pytest.fixture
def alerted(world):
    """An open failed-redemptions alert for each reseller's customer: acme (northwind), globex (southwind)."""
    for slug in ("acme", "globex"):
        for _ in range(5):
            with pytest.raises(BillingError):
                world.billing.redemptions.redeem(
                    code=codeformat.grouped(codeformat.generate()), account=slug, actor=STAFF, now=world.now
                )
    world.billing.alerts.sweep(now=world.now)
    failed = [a for a in world.billing.alerts.open_alerts(actor=STAFF) if a.kind == "failed_redemptions"]
    assert sorted(a.details["account"] for a in failed) == ["acme", "globex"]
    world.standin.user_teams.update({NORTH_USER: NORTH_TEAM, STRANGER: STRANGER_TEAM, HOME_NOBODY: HOME})
    world.standin.clear()
    return world


def _home(world, user: str, **event: str) -> tuple[str, list]:
    response = world.slack.event({"type": "app_home_opened", "user": user, "tab": "home", **event})
    assert response.status == 200
    (publish,) = response.to("views.publish")
    assert publish.body["user_id"] == user
    return json.dumps(view_of(publish)), response.to("users.info")


def test_a_reseller_member_known_only_from_users_info_sees_their_accounts_and_alerts_and_no_others(alerted):
    shown, asked = _home(alerted, NORTH_USER)
    assert len(asked) == 1
    assert "acme" in shown and "Open alerts" in shown
    assert "globex" not in shown and "southwind" not in shown.lower() and "Sorry" not in shown


def test_a_reseller_member_named_by_event_user_team_needs_no_users_info(alerted):
    alerted.standin.user_teams[NORTH_USER] = HOME  # users.info would say otherwise: user_team wins
    shown, asked = _home(alerted, NORTH_USER, user_team=NORTH_TEAM)
    assert asked == []
    assert "acme" in shown and "globex" not in shown and "Sorry" not in shown


def test_a_home_user_without_a_role_and_a_stranger_are_still_refused(alerted):
    for user in (HOME_NOBODY, STRANGER):
        shown, _ = _home(alerted, user)
        assert "Sorry, I can only help" in shown and "acme" not in shown and "globex" not in shown


def test_the_users_team_is_cached_briefly(alerted):
    _home(alerted, NORTH_USER)
    _, asked_again = _home(alerted, NORTH_USER)
    assert asked_again == []


def test_a_failed_users_info_is_refused_politely_with_one_log_line(alerted, caplog):
    caplog.set_level(logging.INFO)
    alerted.standin.fail("users.info", "user_not_found")
    shown, _ = _home(alerted, NORTH_USER)
    assert "Sorry, I can only help" in shown and "acme" not in shown
    assert [r for r in caplog.records if r.name == "joanbot.identity" and not r.exc_info]
