"""The buttons on what the daily sweep posts, clicked through the real app: who may, what changes, and that a
second click or a replayed request changes nothing more. Reminders and alerts come from the billing API."""

from __future__ import annotations

import json

from sqlalchemy import select

from billing.models import AuditEvent, ReminderNotice
from handlers import ids, notices
from tests.billing.builders import licenses
from tests.conftest import at
from tests.handlers.harness import (
    HOME,
    HOME_NOBODY,
    NORTH_TEAM,
    NORTH_USER,
    SALES,
    SOUTH_TEAM,
    SOUTH_USER,
    STRANGER,
    STRANGER_TEAM,
    number,
    selected,
)

CHANNEL = "CNORTHSHARED"
TS = "1772000000.000100"


def _notice_ids(world, account: str) -> list[int]:
    with world.billing.db.read() as session:
        rows = session.scalars(select(ReminderNotice).order_by(ReminderNotice.id)).all()
        slugs = {
            v.id: v.account_slug for v in world.billing.reminders.views(notice_ids=[r.id for r in rows], now=world.now)
        }
        return [r.id for r in rows if slugs[r.id] == account]


def _reminders(world) -> tuple[list[int], list[int]]:
    """Two of northwind's acme blocks and one of southwind's globex renew on 1-5 April 2026: the 30-day
    reminders are due on the world's day (2 March 2026)."""
    licenses(world.billing, units=4, account_slug="acme", now=at("2025-04-01"))
    licenses(world.billing, units=6, account_slug="acme", level="professional", now=at("2025-04-05"))
    licenses(world.billing, units=3, account_slug="globex", now=at("2025-04-02"))
    assert world.billing.reminders.plan(now=world.now) == 3
    return _notice_ids(world, "acme"), _notice_ids(world, "globex")


def _digest(world, notice_ids: list[int], note: str | None = None) -> dict:
    return notices.reminder_digest(world.billing.reminders.views(notice_ids=notice_ids, now=world.now), note=note)


def _click(world, action_id: str, value: str, message: dict, *, user_id: str, team: str):
    return world.slack.click(
        action_id, value, user_id=user_id, team=team, channel=CHANNEL, message_ts=TS, ephemeral=False, message=message
    )


def _handled_by(world, notice_id: int) -> str | None:
    with world.billing.db.read() as session:
        notice = session.get(ReminderNotice, notice_id)
        assert notice is not None
        return notice.handled_by


def _audit(world, action: str) -> int:
    with world.billing.db.read() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


# -- Issue renewal code -----------------------------------------------------------------------------------


def test_staff_get_the_issue_modal_prefilled_for_the_reminded_cohort_and_can_issue_from_it(world):
    acme, _ = _reminders(world)
    digest = _digest(world, acme)
    (first,) = world.billing.reminders.views(notice_ids=acme[:1], now=world.now)
    value = json.dumps({"notice": first.id, "cohort": first.cohort_id})

    response = _click(world, ids.ACTION_REMINDER_ISSUE_RENEWAL, value, digest, user_id=SALES, team=HOME)

    assert response.status == 200 and response.replies == []
    view = response.opened_view
    (call,) = response.to("views.open")
    assert call.body["trigger_id"].startswith("trigger-")
    assert view["callback_id"] == ids.VIEW_ISSUE
    element = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert element[ids.BLOCK_PLAN]["initial_option"]["value"] == "room:professional"
    assert element[ids.BLOCK_UNITS]["initial_value"] == "4"
    assert element[ids.BLOCK_TERM]["initial_option"]["value"] == "12"
    assert element[ids.BLOCK_ACCOUNT]["initial_option"]["value"] == "acme"
    assert element[ids.BLOCK_RESELLER]["initial_option"]["value"] == "northwind"
    assert "Renewing `acme`" in json.dumps(view)

    # Submitted as Slack would (the initial values are the state), it issues a code for acme.
    values = {
        ids.BLOCK_PLAN: {ids.ACTION_PLAN_SELECT: selected("room:professional", "static_select")},
        ids.BLOCK_UNITS: {ids.ACTION_UNITS_INPUT: number("4")},
        ids.BLOCK_TERM: {ids.ACTION_TERM_SELECT: selected("12", "static_select")},
        ids.BLOCK_COUNT: {ids.ACTION_COUNT_INPUT: number("1")},
        ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("acme")},
        ids.BLOCK_RESELLER: {ids.ACTION_RESELLER_SELECT: selected("northwind")},
    }
    issued = world.slack.submit(view, values, user_id=SALES, team=HOME)
    assert issued.json["response_action"] == "update" and issued.json["view"]["title"]["text"] == "Codes issued"


def test_reseller_members_and_strangers_are_refused_the_renewal_code_and_no_view_opens(world):
    acme, _ = _reminders(world)
    digest = _digest(world, acme)
    value = json.dumps({"notice": acme[0], "cohort": 1})
    for user_id, team in ((NORTH_USER, NORTH_TEAM), (STRANGER, STRANGER_TEAM), (HOME_NOBODY, HOME)):
        response = _click(world, ids.ACTION_REMINDER_ISSUE_RENEWAL, value, digest, user_id=user_id, team=team)
        assert response.status == 200
        assert response.to("views.open") == [] and response.to("chat.update") == []
        (reply,) = response.replies
        assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
        expected = "You do not have permission" if team == NORTH_TEAM else "Sorry, I can only help"
        assert expected in json.dumps(reply)


# -- Mark handled -----------------------------------------------------------------------------------------


def test_the_owning_resellers_member_marks_a_reminder_handled_and_the_digest_is_edited_in_place(world):
    acme, _ = _reminders(world)
    digest = _digest(world, acme, note="Northwind has no linked channel.")
    response = _click(world, ids.ACTION_REMINDER_HANDLED, str(acme[0]), digest, user_id=NORTH_USER, team=NORTH_TEAM)

    assert response.status == 200 and response.replies == []
    assert _handled_by(world, acme[0]) == f"slack:{NORTH_TEAM}/{NORTH_USER}"
    assert _handled_by(world, acme[1]) is None
    (update,) = response.to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (CHANNEL, TS)
    edited = update.body["blocks"]
    edited = json.loads(edited) if isinstance(edited, str) else edited
    assert notices.notice_ids_in(edited) == acme  # the whole digest, re-rendered
    shown = json.dumps(edited)
    assert f"Handled by <@{NORTH_USER}>" in shown
    assert f"notice_actions_{acme[0]}" not in shown and f"notice_actions_{acme[1]}" in shown
    assert "Northwind has no linked channel." in shown  # the note it was posted with stays
    assert _audit(world, "reminder.handled") == 1

    # The same click again (a double click, or the request replayed): nothing more changes, nothing fails.
    again = _click(world, ids.ACTION_REMINDER_HANDLED, str(acme[0]), digest, user_id=NORTH_USER, team=NORTH_TEAM)
    assert again.status == 200 and again.replies == []
    assert _handled_by(world, acme[0]) == f"slack:{NORTH_TEAM}/{NORTH_USER}" and _audit(world, "reminder.handled") == 1
    for call in again.to("chat.update"):  # at most the same message again
        assert (
            json.dumps(
                call.body["blocks"] if isinstance(call.body["blocks"], list) else json.loads(call.body["blocks"])
            )
            == shown
        )

    # Staff may handle any reminder; they are named on it.
    staff = _click(world, ids.ACTION_REMINDER_HANDLED, str(acme[1]), digest, user_id=SALES, team=HOME)
    assert _handled_by(world, acme[1]) == f"slack:{HOME}/{SALES}"
    assert f"Handled by <@{SALES}>" in json.dumps(staff.to("chat.update")[0].body["blocks"])


def test_another_resellers_member_or_a_stranger_cannot_mark_a_reminder_handled(world):
    acme, globex = _reminders(world)
    digest = _digest(world, acme)
    for user_id, team in ((SOUTH_USER, SOUTH_TEAM), (STRANGER, STRANGER_TEAM)):
        response = _click(world, ids.ACTION_REMINDER_HANDLED, str(acme[0]), digest, user_id=user_id, team=team)
        assert response.status == 200 and response.to("chat.update") == []
        (reply,) = response.replies
        assert reply["response_type"] == "ephemeral" and "acme" not in json.dumps(reply)
    # Nor a northwind member someone else's reminder, whatever message the button claims to sit on.
    foreign = _click(world, ids.ACTION_REMINDER_HANDLED, str(globex[0]), digest, user_id=NORTH_USER, team=NORTH_TEAM)
    assert foreign.to("chat.update") == [] and len(foreign.replies) == 1
    assert [_handled_by(world, n) for n in acme + globex] == [None, None, None]
    assert _audit(world, "reminder.handled") == 0


# -- Acknowledge ------------------------------------------------------------------------------------------


def _alerts(world):
    """acme's (northwind) and globex's (southwind) blocks lapsed on 20 February 2026, unrenewed."""
    licenses(world.billing, units=4, account_slug="acme", now=at("2025-02-20"))
    licenses(world.billing, units=3, account_slug="globex", now=at("2025-02-20"))
    world.billing.alerts.sweep(now=world.now)
    open_alerts = world.billing.alerts.open_alerts(actor=_staff())
    by_account = {a.details["account"]: a for a in open_alerts if a.kind == "lapsed"}
    return by_account["acme"], by_account["globex"]


def _staff():
    from tests.conftest import STAFF

    return STAFF


def test_the_alerts_reseller_member_acknowledges_it_and_the_alert_is_edited_in_place_once(world):
    acme, _ = _alerts(world)
    message = notices.alert_message(acme)
    response = _click(world, ids.ACTION_ALERT_ACKNOWLEDGE, str(acme.id), message, user_id=NORTH_USER, team=NORTH_TEAM)

    assert response.status == 200 and response.replies == []
    after = world.billing.alerts.get(alert_id=acme.id)
    assert after.acknowledged_by == f"slack:{NORTH_TEAM}/{NORTH_USER}" and after.version == acme.version + 1
    (update,) = response.to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (CHANNEL, TS)
    shown = json.dumps(update.body["blocks"])
    assert f"Acknowledged by <@{NORTH_USER}>" in shown and ids.ACTION_ALERT_ACKNOWLEDGE not in shown

    # Clicked again (or replayed), by them or by staff: re-rendered, no error, nothing changes.
    for user_id, team in ((NORTH_USER, NORTH_TEAM), (SALES, HOME)):
        again = _click(world, ids.ACTION_ALERT_ACKNOWLEDGE, str(acme.id), message, user_id=user_id, team=team)
        assert again.status == 200 and again.replies == []
        assert f"Acknowledged by <@{NORTH_USER}>" in json.dumps(again.to("chat.update")[0].body["blocks"])
    assert world.billing.alerts.get(alert_id=acme.id).version == acme.version + 1
    assert _audit(world, "alert.acknowledged") == 1


def test_another_resellers_member_a_stranger_or_an_unknown_alert_is_refused_and_nothing_changes(world):
    acme, globex = _alerts(world)
    message = notices.alert_message(acme)
    for user_id, team, alert_id in (
        (SOUTH_USER, SOUTH_TEAM, acme.id),
        (STRANGER, STRANGER_TEAM, acme.id),
        (NORTH_USER, NORTH_TEAM, globex.id),
        (NORTH_USER, NORTH_TEAM, 999999),
    ):
        response = _click(world, ids.ACTION_ALERT_ACKNOWLEDGE, str(alert_id), message, user_id=user_id, team=team)
        assert response.status == 200 and response.to("chat.update") == []
        (reply,) = response.replies
        assert reply["response_type"] == "ephemeral" and "globex" not in json.dumps(reply)
    assert world.billing.alerts.get(alert_id=acme.id).acknowledged_at is None
    assert world.billing.alerts.get(alert_id=globex.id).acknowledged_at is None


def test_a_message_that_cannot_be_edited_still_records_the_acknowledgement_and_says_so(world):
    acme, _ = _alerts(world)
    world.standin.fail("chat.update", "message_not_found")
    response = _click(
        world, ids.ACTION_ALERT_ACKNOWLEDGE, str(acme.id), notices.alert_message(acme), user_id=SALES, team=HOME
    )
    assert response.status == 200
    assert world.billing.alerts.get(alert_id=acme.id).acknowledged_by == f"slack:{HOME}/{SALES}"
    assert "could not update the message" in response.reply_text()


# -- App Home ---------------------------------------------------------------------------------------------


def _home(world, user_id: str) -> str:
    (publish,) = world.slack.event({"type": "app_home_opened", "user": user_id, "tab": "home"}).to("views.publish")
    view = publish.body["view"]
    return view if isinstance(view, str) else json.dumps(view)


def test_app_home_shows_staff_every_open_alert_and_a_member_only_their_resellers_never_money(world):
    from tests.billing.builders import account, credit, subscribe

    _alerts(world)
    # A credits-paying direct account whose renewal on 10 March its credit will not cover: an alert with amounts.
    account(world.billing, "cashco", pays="credits", now=at("2025-03-10"))
    credit(world.billing, "50", "cashco", now=at("2025-03-10"))
    subscribe(world.billing, 10, "cashco", level="standard", now=at("2025-03-10"))
    world.billing.alerts.sweep(now=world.now)
    kinds = {a.kind for a in world.billing.alerts.open_alerts(actor=_staff())}
    assert "credit_short" in kinds

    staff = _home(world, SALES)
    assert "Alerts appear here" not in staff and "Open alerts (3)" in staff
    assert "`acme`" in staff and "`globex`" in staff and "Credit will not cover" in staff and "$" in staff

    world.billing.resellers.add_reseller_member(
        reseller="northwind", slack_user_id="UHOMEMEMBER", actor=_staff(), now=world.now
    )
    member = _home(world, "UHOMEMEMBER")
    assert "Open alerts (1)" in member and "`acme`" in member and "Licenses lapsed without renewal" in member
    assert "globex" not in member and "cashco" not in member and "Credit will not cover" not in member
    assert not any(mark in member for mark in ("$", "USD", "needed", "balance"))
