"""``/joan licenses start|add|reduce|cancel`` and ``/joan payment record``: the sales team works the seeds'
Example A in Slack, through signed requests, on a clock the test moves; the CLI and the Portal API quote the
same figures for the same change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from slack_sdk import WebClient

from api.app import build_api
from billing import Billing
from bot.app import build_app
from bot.cli import cli
from bot.cli.common import Context
from bot.runtime import Runtime
from bot.sandbox.standin import SlackStandIn
from bot.server import SlackEndpoint
from handlers import ids
from tests.api.conftest import MovableClock, bearer, new_key
from tests.billing import builders
from tests.conftest import STAFF, at
from tests.handlers.conftest import settings
from tests.handlers.harness import (
    HOME,
    HOME_NOBODY,
    NORTH_TEAM,
    NORTH_USER,
    SALES,
    SECRET,
    STRANGER,
    STRANGER_TEAM,
    InlineExecutor,
    Response,
    SlackDriver,
)


@dataclass
class Sales:
    billing: Billing
    slack: SlackDriver
    clock: MovableClock

    def on(self, day: str) -> None:
        self.clock.now = at(day)

    def ask(self, text: str, user: str = SALES, team: str = HOME) -> dict:
        (reply,) = self.slack.command(text, user_id=user, team=team).replies
        return reply

    def click(self, message: dict, action_id: str, user: str = SALES, team: str = HOME) -> Response:
        return self.slack.click(action_id, _button(message, action_id), user_id=user, team=team)

    def invoices(self) -> list:
        return self.billing.invoices.list(account="umbrella", actor=STAFF)

    def units(self) -> int:
        (cohort,) = self.billing.licenses.cohorts(account="umbrella", actor=STAFF)
        return cohort.units


@pytest.fixture
def sales(billing: Billing) -> Iterator[Sales]:
    """Umbrella pays by card; northwind is a reseller; SALES is on the sales team. The clock starts 1 Jan 2021."""
    clock = MovableClock(at("2021-01-01"))
    builders.reseller(billing, "northwind", now=clock.now, team=NORTH_TEAM)
    builders.account(billing, "umbrella", pays="card", now=clock.now)
    billing.staff.add_staff(slack_user_id=SALES, role="sales", actor=STAFF, now=clock.now)
    config = settings()
    with SlackStandIn(team_id=HOME) as standin:
        app = build_app(
            config,
            billing,
            client=WebClient(token=config.bot_token, base_url=standin.url),
            clock=clock,
            listener_executor=InlineExecutor(),
        )
        yield Sales(billing, SlackDriver(SlackEndpoint(app, signing_secret=SECRET), standin, secret=SECRET), clock)


def _button(message: dict, action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {message}")


def _shown(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_example_a_in_slack_start_add_cancel_replay_reduce_and_a_payment(sales):
    started = sales.ask("licenses start umbrella room 3 level=professional")
    assert started["response_type"] == "ephemeral"
    assert "1 Jan 2021 to 1 Jan 2022, 3 x $10.00 x 1/1 = $30.00" in _shown(started)
    assert "Amount due: $30.00" in _shown(started) and sales.invoices() == []
    sales.click(started, ids.ACTION_LICENSES_CONFIRM)
    (first,) = sales.invoices()
    assert (str(first.total), sales.units()) == ("$30.00", 3)

    sales.on("2021-07-02")
    asked = sales.ask("licenses add umbrella room 3")
    assert "Room booking Professional, 3 licenses added: 2 Jul 2021 to 1 Jan 2022, 3 x $10.00 x 1/2 = $15.00" in (
        _shown(asked)
    )
    assert "Credit applied: $0.00" in _shown(asked) and "Amount due: $15.00" in _shown(asked)
    cancelled = sales.click(asked, ids.ACTION_LICENSES_CANCEL)
    assert "nothing was changed" in cancelled.replies[0]["text"]
    assert (len(sales.invoices()), sales.units()) == (1, 3)

    done = sales.click(asked, ids.ACTION_LICENSES_CONFIRM)
    assert "INV-000002" in done.replies[0]["text"] and "owed $15.00" in done.replies[0]["text"]
    replayed = sales.click(asked, ids.ACTION_LICENSES_CONFIRM)
    assert "nothing was changed" in replayed.replies[0]["text"]
    second = sales.invoices()[0]
    assert (len(sales.invoices()), sales.units(), str(second.total)) == (2, 6, "$15.00")
    assert (second.lines[0].fraction.numerator, second.lines[0].fraction.denominator) == (1, 2)

    sales.on("2022-01-01")
    (renewal,) = sales.billing.renewals.renew_due(now=sales.clock.now).invoices
    assert str(renewal.total) == "$60.00"

    sales.on("2022-07-02")
    reduce = sales.ask("licenses reduce umbrella room 3")
    assert "Credit: $15.00 (adjustment credit) for 2 Jul 2022 to 1 Jan 2023" in _shown(reduce)
    assert f"{renewal.number}, 1 Jan 2022 to 1 Jan 2023: 3 licenses, $15.00" in _shown(reduce)
    sales.click(reduce, ids.ACTION_LICENSES_CONFIRM)
    balance = sales.billing.credits.overview(account="umbrella", actor=STAFF, now=sales.clock.now).balance("USD")
    assert (sales.units(), str(balance.total)) == (3, "$15.00")

    payment = sales.ask(f"payment record {first.number} 30.00 ref=TRX-1")
    assert "Owed after this payment: $0.00 (paid)" in _shown(payment)
    recorded = sales.click(payment, ids.ACTION_PAYMENT_CONFIRM)
    assert "owed $0.00 (paid)" in recorded.replies[0]["text"]
    again = sales.click(payment, ids.ACTION_PAYMENT_CONFIRM)
    assert "is paid: it takes no payment" in again.replies[0]["text"]
    paid = next(i for i in sales.invoices() if i.number == first.number)
    assert (paid.status, str(paid.amount_paid)) == ("paid", "$30.00")


def test_a_quote_overtaken_by_another_change_is_refused_and_bills_nothing(sales):
    builders.subscribe(sales.billing, 3, "umbrella", now=sales.clock.now)
    sales.on("2021-07-02")
    stale = sales.ask("licenses add umbrella room 2")
    builders.add(sales.billing, 1, "umbrella", now=sales.clock.now)

    refused = sales.click(stale, ids.ACTION_LICENSES_CONFIRM)

    assert "out of date" in refused.replies[0]["text"] and "nothing was changed" in refused.replies[0]["text"]
    assert (len(sales.invoices()), sales.units()) == (2, 4)


def test_cancel_stops_the_renewal_through_slack(sales):
    builders.subscribe(sales.billing, 3, "umbrella", now=sales.clock.now)
    asked = sales.ask("licenses cancel umbrella room")
    assert "They stay until 1 Jan 2022" in _shown(asked)

    sales.click(asked, ids.ACTION_LICENSES_CONFIRM)

    (cohort,) = sales.billing.licenses.cohorts(account="umbrella", actor=STAFF)
    assert cohort.auto_renew is False


OUTSIDERS = [(NORTH_USER, NORTH_TEAM), (STRANGER, STRANGER_TEAM), (HOME_NOBODY, HOME), (SALES, STRANGER_TEAM)]
COMMANDS = [
    "licenses start umbrella desk 2 level=standard",
    "licenses add umbrella room 3",
    "licenses reduce umbrella room 1",
    "licenses cancel umbrella room",
    "payment record INV-000001 30.00",
]


@pytest.mark.parametrize(("user", "team"), OUTSIDERS)
@pytest.mark.parametrize("text", COMMANDS)
def test_reseller_members_and_strangers_are_refused_every_command_and_see_no_amount(sales, user, team, text):
    builders.subscribe(sales.billing, 3, "umbrella", now=sales.clock.now)

    reply = sales.ask(text, user=user, team=team)

    assert "$" not in _shown(reply) and "Confirm" not in _shown(reply)
    assert (len(sales.invoices()), sales.units()) == (1, 3)


@pytest.mark.parametrize(("user", "team"), OUTSIDERS)
def test_a_confirm_clicked_by_an_outsider_changes_nothing(sales, user, team):
    builders.subscribe(sales.billing, 3, "umbrella", now=sales.clock.now)
    added = sales.ask("licenses add umbrella room 3")
    paid = sales.ask("payment record INV-000001 30.00")

    clicks = [
        sales.click(added, ids.ACTION_LICENSES_CONFIRM, user=user, team=team),
        sales.click(paid, ids.ACTION_PAYMENT_CONFIRM, user=user, team=team),
    ]

    assert all("$" not in _shown(reply) for click in clicks for reply in click.replies)
    assert (len(sales.invoices()), sales.units()) == (1, 3)
    assert str(sales.invoices()[0].amount_paid) == "$0.00"


def test_slack_the_cli_and_the_portal_api_quote_the_same_figures_for_the_same_change(sales):
    builders.subscribe(sales.billing, 3, "umbrella", now=sales.clock.now)
    sales.on("2021-07-02")

    slack = _shown(sales.ask("licenses add umbrella room 3"))
    context = Context(Runtime(billing=sales.billing, clock=sales.clock), actor=STAFF)
    printed = CliRunner().invoke(cli, ["licenses", "add", "umbrella", "room", "3"], obj=context, input="n\n").output
    with TestClient(build_api(sales.billing, now=sales.clock)) as http:
        headers = bearer(new_key(sales.billing))
        api = http.post(
            "/api/v1/accounts/umbrella/licenses/quote", json={"solution": "room", "units": 6}, headers=headers
        )
        quote_id = {"quote_id": api.json()["quote_id"]}
        bought = http.post("/api/v1/accounts/umbrella/licenses", json=quote_id, headers=headers)
    (line,) = api.json()["lines"]

    assert (line["fraction"], line["amount"]["amount"], line["unit_price"]["amount"]) == (
        {"numerator": 1, "denominator": 2},
        "15.00",
        "10.00",
    )
    assert (line["service_start"], line["service_end"], line["quantity"]) == ("2021-07-02", "2022-01-01", 3)
    figures = "Room booking Professional, 3 licenses added: 2 Jul 2021 to 1 Jan 2022, 3 x $10.00 x 1/2 = $15.00"
    assert figures in slack and figures in printed
    assert line["description"] == "Room booking Professional, 3 licenses added"
    assert "Amount due: $15.00" in slack and "Amount due: $15.00" in printed
    assert bought.status_code == 201 and bought.json()["invoice"]["lines"] == [line]  # invoiced exactly as quoted
    assert (len(sales.invoices()), sales.units()) == (2, 6)
