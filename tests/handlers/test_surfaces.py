"""The rest of the command grammar, App Home, the panel, and failures reaching the user."""

from __future__ import annotations

import json

from billing.codeformat import CODE_SHAPED
from handlers import ids
from tests.handlers.harness import ADMIN, HOME, HOME_NOBODY, NORTH_TEAM, NORTH_USER, PANEL_CHANNEL, SALES, view_of


def _said(response) -> str:
    return response.reply_text()


def test_reseller_link_posts_the_panel_in_the_channel_and_remembers_it(world):
    response = world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel=PANEL_CHANNEL)
    (post,) = response.to("chat.postMessage")
    assert post.body["channel"] == PANEL_CHANNEL
    actions = [e["action_id"] for b in post.body["blocks"] for e in b.get("elements", []) if b["type"] == "actions"]
    assert actions == [ids.ACTION_PANEL_BREAKDOWN, ids.ACTION_PANEL_REDEEM, ids.ACTION_PANEL_ACCOUNTS]
    assert world.billing.identity.panel_message(channel_id=PANEL_CHANNEL) is not None
    assert "posted the panel" in _said(response)


def test_linking_again_updates_the_panel_in_place(world):
    first = world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel=PANEL_CHANNEL)
    ts = first.to("chat.postMessage")[0]
    again = world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel=PANEL_CHANNEL)
    (update,) = again.to("chat.update")
    assert again.to("chat.postMessage") == []
    assert update.body["ts"] == world.billing.identity.panel_message(channel_id=PANEL_CHANNEL)
    assert ts.method == "chat.postMessage"


def test_reseller_link_where_the_bot_is_not_a_member_says_to_invite_it(world):
    world.standin.fail("chat.postMessage", "not_in_channel")
    response = world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel="CPRIVATE")
    assert "invite me" in _said(response)
    assert world.billing.identity.panel_message(channel_id="CPRIVATE") is None


def test_staff_create_resellers_and_accounts_and_see_them(world):
    assert "Created reseller" in _said(
        world.slack.command("reseller new eastwind East Wind team=TEAST", user_id=ADMIN, team=HOME)
    )
    created = world.slack.command(
        "account new hooli Hooli Inc reseller=eastwind tz=Europe/Ljubljana", user_id=ADMIN, team=HOME
    )
    assert "Created account Hooli Inc (hooli), a customer of East Wind" in _said(created)
    listed = world.slack.command("accounts eastwind", user_id=SALES, team=HOME)
    assert "hooli" in _said(listed) and "acme" not in _said(listed)
    shown = world.slack.command("account hooli", user_id=SALES, team=HOME)
    assert "Pays by" in _said(shown) and "No active licenses" in _said(shown)
    as_member = world.slack.command("account acme", user_id=NORTH_USER, team=NORTH_TEAM)
    assert "Pays by" not in _said(as_member) and "Acme" in _said(as_member)


def test_code_show_and_void_show_the_prefix_only(world):
    code = world.code()
    shown = world.slack.command(f"code show {code}", user_id=SALES, team=HOME)
    assert code[:4] + "…" in shown.replies[0]["text"] and not CODE_SHAPED.findall(_said(shown))
    voided = world.slack.command(f"code void {code}", user_id=SALES, team=HOME)
    assert "Voided code" in _said(voided)
    again = world.slack.command(f"code void {code}", user_id=SALES, team=HOME)
    assert "already voided" in _said(again)


def test_staff_see_credits_and_invoices_and_reseller_members_never_do(world):
    from tests.billing.builders import account, credit, subscribe

    issued = world.slack.command("code credit 50 USD promo", user_id=SALES, team=HOME)
    assert "promo credit" in _said(issued)
    account(world.billing, "paysco", pays="credits", now=world.now)
    credit(world.billing, "50", "paysco", now=world.now)
    subscribe(world.billing, 4, "paysco", level="standard", now=world.now)  # $20.00, paid from credit

    credits = _said(world.slack.command("credits paysco", user_id=SALES, team=HOME))
    assert "$30.00" in credits and "topped-up credit" in credits
    invoices = _said(world.slack.command("invoices paysco", user_id=SALES, team=HOME))
    assert "INV-000001" in invoices and "$20.00" in invoices and "owed $0.00" in invoices
    for command in ("credits acme", "invoices acme"):
        refused = _said(world.slack.command(command, user_id=NORTH_USER, team=NORTH_TEAM))
        assert "$" not in refused and "INV-" not in refused


def test_admins_read_the_audit_log_by_account_and_by_code(world):
    code = world.code()
    world.slack.command(f"code void {code}", user_id=SALES, team=HOME)
    by_code = world.slack.command(f"audit {code}", user_id=ADMIN, team=HOME)
    assert "code.voided" in _said(by_code) and "codes.issued" in _said(by_code)
    assert code not in _said(by_code)
    by_account = world.slack.command("audit acme", user_id=ADMIN, team=HOME)
    assert "account.created" in _said(by_account)
    assert "permission" in _said(world.slack.command("audit", user_id=SALES, team=HOME))


def test_commands_without_arguments_open_their_modals(world):
    assert (
        world.slack.command("redeem", user_id=NORTH_USER, team=NORTH_TEAM).opened_view["callback_id"] == ids.VIEW_REDEEM
    )
    assert world.slack.command("code issue", user_id=SALES, team=HOME).opened_view["callback_id"] == ids.VIEW_ISSUE


def test_app_home_shows_staff_the_renewals_ahead(world):
    from tests.billing.builders import licenses
    from tests.conftest import at

    licenses(world.billing, units=4, account_slug="acme", now=at("2025-03-20"))
    response = world.slack.event(
        {"type": "app_home_opened", "user": SALES, "channel": "D1", "tab": "home", "event_ts": "1700000000.1"}
    )
    assert response.status == 200
    (publish,) = response.to("views.publish")
    assert publish.body["user_id"] == SALES
    shown = json.dumps(view_of(publish))
    assert "Renewals in the next 45 days" in shown and "`acme`" in shown and "Open alerts" in shown


def test_app_home_shows_a_reseller_member_their_accounts_and_nobody_the_refusal(world):
    world.billing.resellers.add_reseller_member(
        reseller="northwind", slack_user_id="UHOMEMEMBER", actor=_staff(), now=world.now
    )
    member = world.slack.event({"type": "app_home_opened", "user": "UHOMEMEMBER", "tab": "home"})
    shown = json.dumps(view_of(member.to("views.publish")[0]))
    assert "acme" in shown and "globex" not in shown and "Renewals in the next" not in shown
    nobody = world.slack.event({"type": "app_home_opened", "user": HOME_NOBODY, "tab": "home"})
    assert "Sorry, I can only help" in json.dumps(view_of(nobody.to("views.publish")[0]))
    messages_tab = world.slack.event({"type": "app_home_opened", "user": SALES, "tab": "messages"})
    assert messages_tab.to("views.publish") == []


def test_home_buttons_open_the_modals(world):
    issue = world.slack.click(ids.ACTION_HOME_ISSUE, "", user_id=SALES, team=HOME)
    assert issue.opened_view["callback_id"] == ids.VIEW_ISSUE
    redeem = world.slack.click(ids.ACTION_HOME_REDEEM, "", user_id=NORTH_USER, team=NORTH_TEAM)
    assert redeem.opened_view["callback_id"] == ids.VIEW_REDEEM


def test_an_unexpected_failure_tells_the_user_with_a_reference_and_logs_it(world, caplog, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(world.billing.licenses, "breakdown", broken)
    response = world.slack.command("renewals acme", user_id=SALES, team=HOME)
    (reply,) = response.replies
    assert "Something went wrong" in reply["text"] and "reference" in reply["text"]
    ref = reply["text"].rsplit(" ", 1)[-1].rstrip(".")
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


def test_cancel_replaces_the_preview(world):
    response = world.slack.click(ids.ACTION_REDEEM_CANCEL, "cancel", user_id=SALES, team=HOME)
    assert response.replies[0]["replace_original"] is True and "nothing was redeemed" in response.replies[0]["text"]


def _staff():
    from tests.conftest import STAFF

    return STAFF


def test_a_card_invoice_in_slack_says_its_payment_is_recorded_by_hand(world):
    from tests.billing.builders import account, subscribe

    account(world.billing, "cardco", pays="card", now=world.now)
    subscribe(world.billing, 3, "cardco", now=world.now)

    invoices = _said(world.slack.command("invoices cardco", user_id=SALES, team=HOME))

    assert "owed $30.00" in invoices and "record the payment by hand" in invoices
