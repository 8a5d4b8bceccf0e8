"""Who a Slack user is: decided from the acting user and their team, never the channel."""

from __future__ import annotations

import pytest

from billing.identity import ChatUser, decide
from tests.billing.builders import reseller
from tests.conftest import STAFF, at

HOME = "THOME"


def _decide(user_id, team, *, staff_role=None, team_reseller=None, member_reseller=None, admins=("UADMIN",)):
    return decide(
        ChatUser(user_id, team),
        home_team_id=HOME,
        admins=admins,
        staff_role=staff_role,
        team_reseller_id=team_reseller,
        member_reseller_id=member_reseller,
    )


def test_a_home_user_listed_in_settings_is_an_admin():
    actor = _decide("UADMIN", HOME)
    assert actor is not None and actor.role == "admin" and actor.ref == "slack:THOME/UADMIN"


@pytest.mark.parametrize("role", ["admin", "sales"])
def test_a_home_user_with_a_staff_row_holds_that_role(role):
    assert _decide("U1", HOME, staff_role=role).role == role


def test_a_home_user_without_a_role_is_nobody_unless_added_to_a_reseller():
    assert _decide("U1", HOME) is None
    member = _decide("U1", HOME, member_reseller=7)
    assert member.role == "reseller" and member.reseller_id == 7


def test_a_user_of_a_resellers_org_belongs_to_that_reseller():
    actor = _decide("U9", "TNORTH", team_reseller=3)
    assert actor.role == "reseller" and actor.reseller_id == 3 and not actor.is_staff


def test_the_team_wins_over_a_member_row_of_another_reseller():
    assert _decide("U9", "TNORTH", team_reseller=3, member_reseller=4).reseller_id == 3


def test_admin_lists_and_staff_rows_never_apply_outside_the_home_team():
    assert _decide("UADMIN", "TOTHER") is None
    assert _decide("U1", "TOTHER", staff_role="admin") is None


@pytest.mark.parametrize(("user_id", "team", "home"), [("", HOME, HOME), ("U1", None, HOME), ("U1", HOME, None)])
def test_missing_identity_is_nobody(user_id, team, home):
    assert (
        decide(
            ChatUser(user_id, team),
            home_team_id=home,
            admins={"U1"},
            staff_role="admin",
            team_reseller_id=None,
            member_reseller_id=None,
        )
        is None
    )


def test_lookups_read_staff_resellers_and_members_from_the_database(billing):
    now = at("2026-01-05")
    reseller(billing, "northwind", now=now, team="TNORTH")
    billing.staff.add_staff(slack_user_id="USALES", role="sales", actor=STAFF, now=now)
    billing.resellers.add_reseller_member(reseller="northwind", slack_user_id="UGUEST", actor=STAFF, now=now)
    who = billing.identity.actor_for

    assert who(ChatUser("USALES", HOME), home_team_id=HOME, admins=()).role == "sales"
    assert who(ChatUser("USALES", "TNORTH"), home_team_id=HOME, admins=()).role == "reseller"
    assert who(ChatUser("UGUEST", "TELSEWHERE"), home_team_id=HOME, admins=()).role == "reseller"
    assert who(ChatUser("UX", "TELSEWHERE"), home_team_id=HOME, admins=()) is None
    billing.staff.remove_staff(slack_user_id="USALES", actor=STAFF, now=now)
    assert who(ChatUser("USALES", HOME), home_team_id=HOME, admins=()) is None  # revoked: at once
