"""``/joan forecast`` and the forecast on staff's App Home, through the real Bolt app and the stand-in's
real file-upload calls: the chart goes to the asker's DM with the bot, never to a channel."""

import io
import json
from dataclasses import dataclass

import pytest
from PIL import Image
from slack_sdk import WebClient

from bot.app import build_app
from bot.server import SlackEndpoint
from tests import forecast_book as book
from tests.conftest import STAFF, at
from tests.handlers.conftest import settings
from tests.handlers.harness import HOME, SALES, SECRET, STRANGER, STRANGER_TEAM, InlineExecutor, SlackDriver, view_of

MEMBER = "UNW1"
UPLOAD_CALLS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


@dataclass
class Clock:
    now: object = book.TODAY

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def slack(billing, standin, clock):
    book.build(billing)
    billing.staff.add_staff(slack_user_id=SALES, role="sales", actor=STAFF, now=at("2025-01-01"))
    config = settings()
    app = build_app(
        config,
        billing,
        client=WebClient(token=config.bot_token, base_url=standin.url),
        clock=clock,
        listener_executor=InlineExecutor(),
    )
    standin.clear()
    return SlackDriver(SlackEndpoint(app, signing_secret=SECRET), standin, secret=SECRET)


def uploads(response):
    return [c.method for c in response.calls if c.method in UPLOAD_CALLS]


def nothing_in_a_channel(standin):
    assert standin.calls_to("chat.postMessage") == []
    assert all(u.channel is not None and u.channel.startswith("D") for u in standin.files.uploaded)


def test_sales_get_the_chart_and_the_values_in_their_dm_and_a_short_reply(slack, standin):
    response = slack.command("forecast", user_id=SALES, team=HOME)

    assert response.status == 200
    assert uploads(response) == UPLOAD_CALLS
    (opened,) = response.to("conversations.open")
    (uploaded,) = standin.files.uploaded
    dm = standin._conversations("conversations.open", {"users": SALES})["channel"]["id"]
    assert opened.body["users"] == SALES and uploaded.channel == dm
    image = Image.open(io.BytesIO(uploaded.content))
    assert image.format == "PNG" and image.size >= (800, 400)
    assert "56 licenses, 10 already renewed, 46 still to renew" in uploaded.initial_comment
    assert "Busiest month: Feb 2027, 13 licenses." in uploaded.initial_comment
    assert "€30.00, $87.60" in uploaded.initial_comment
    (reply,) = response.replies
    assert reply["response_type"] == "ephemeral" and "in your DM with me" in json.dumps(reply)
    nothing_in_a_channel(standin)


def test_every_months_figures_in_the_dm_are_the_hand_count(slack, standin):
    slack.command("forecast", user_id=SALES, team=HOME)

    (uploaded,) = standin.files.uploaded
    lines = {line.split(":")[0]: line for line in uploaded.initial_comment.splitlines()[3:]}
    for month in book.MONTHS:
        counted = {s: f for (m, s), f in book.STAFF_ALL.items() if m == month}
        renewing = sum(f[0] for f in counted.values())
        renewed = sum(f[1] for f in counted.values())
        line = lines[f"{month:%b %Y}"]
        assert line.startswith(f"{month:%b %Y}: {renewing} (") and f"; {renewed} renewed" in line, line
        for solution, (count, _, _) in counted.items():
            assert f"{count} {solution.title()} booking" in line, line


def test_help_offers_the_forecast_to_sales_and_reseller_members(slack, standin):
    standin.user_teams[MEMBER] = book.NORTHWIND_TEAM
    for user, team in ((SALES, HOME), (MEMBER, book.NORTHWIND_TEAM)):
        assert "/joan forecast [RESELLER] [months=N]" in slack.command("help", user_id=user, team=team).reply_text()


def test_one_reseller_for_three_months(slack, standin):
    slack.command("forecast contoso months=3", user_id=SALES, team=HOME)

    (uploaded,) = standin.files.uploaded
    assert uploaded.initial_comment.startswith("Renewals Dec 2026 – Feb 2027 (contoso's accounts): 8 licenses")


def test_a_reseller_member_gets_their_own_accounts_and_counts_only_whatever_they_name(slack, standin):
    standin.user_teams[MEMBER] = book.NORTHWIND_TEAM
    response = slack.command("forecast contoso", user_id=MEMBER, team=book.NORTHWIND_TEAM, channel="CSHARED")

    assert uploads(response) == UPLOAD_CALLS
    (uploaded,) = standin.files.uploaded
    assert "15 licenses, 10 already renewed, 5 still to renew" in uploaded.initial_comment
    shown = uploaded.initial_comment + response.reply_text()
    assert not any(sign in shown for sign in ("$", "€", "USD", "EUR", "to renew at"))
    nothing_in_a_channel(standin)


def test_strangers_are_refused_and_nothing_is_uploaded(slack, standin):
    response = slack.command("forecast", user_id=STRANGER, team=STRANGER_TEAM)

    assert "Sorry" in response.reply_text()
    assert uploads(response) == [] and standin.files.uploaded == []


def test_months_out_of_range_are_refused_in_the_reply(slack, standin):
    response = slack.command("forecast months=40", user_id=SALES, team=HOME)

    assert "1 to 36 months" in response.reply_text()
    assert uploads(response) == []


def test_staff_app_home_shows_the_next_six_months_drawn_once_a_day(slack, standin, clock):
    event = {"type": "app_home_opened", "user": SALES, "tab": "home"}

    first = slack.event(event)
    again = slack.event(event)
    clock.now = at("2026-12-04")
    next_day = slack.event(event)

    assert uploads(first) == UPLOAD_CALLS and uploads(again) == [] and uploads(next_day) == UPLOAD_CALLS
    first_file, second_file = standin.files.uploaded
    for response, uploaded in ((first, first_file), (again, first_file), (next_day, second_file)):
        view = view_of(response.to("views.publish")[0])
        images = [b for b in view["blocks"] if b["type"] == "image"]
        assert images == [{"type": "image", "slack_file": {"id": uploaded.id}, "alt_text": images[0]["alt_text"]}]
    assert "Dec 2026 – May 2027" in first_file.initial_comment
    nothing_in_a_channel(standin)


def test_a_reseller_members_app_home_has_no_chart(slack, standin):
    standin.user_teams[MEMBER] = book.NORTHWIND_TEAM
    response = slack.event({"type": "app_home_opened", "user": MEMBER, "tab": "home"})

    view = view_of(response.to("views.publish")[0])
    assert [b for b in view["blocks"] if b["type"] == "image"] == [] and uploads(response) == []


def test_app_home_still_shows_when_the_upload_fails(slack, standin):
    standin.fail("files.getUploadURLExternal", "ratelimited")

    response = slack.event({"type": "app_home_opened", "user": SALES, "tab": "home"})

    view = view_of(response.to("views.publish")[0])
    assert "Renewals in the next 45 days" in json.dumps(view)
    assert [b for b in view["blocks"] if b["type"] == "image"] == []


def test_when_the_dm_cannot_be_opened_the_asker_is_told_and_nothing_goes_to_the_channel(slack, standin):
    standin.fail("conversations.open", "cannot_dm_bot")

    response = slack.command("forecast", user_id=SALES, team=HOME)

    assert "could not send you the chart" in response.reply_text()
    assert uploads(response) == []
    nothing_in_a_channel(standin)
