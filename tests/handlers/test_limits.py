"""Every builder stays within Slack's limits, with large inputs: 200 cohorts, 500 accounts, 1000 codes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from billing import Actor
from billing.accounts import AccountView
from billing.alerts import AlertView
from billing.audit import AuditEntry
from billing.catalog import LevelView, SolutionView
from billing.codes import CodeView
from billing.invoicing import InvoiceView, LineView
from billing.issuing import IssuedBatch, IssuedCode
from billing.ledger import CreditBalance, CreditsOverview, RedeemedCode, TopUp
from billing.licensing import Breakdown, CohortView, RenewalLine, SolutionBreakdown, UpcomingLine
from billing.money import Money
from billing.overview import DueRenewal
from billing.redemption import Receipt
from billing.redemption_plan import RedemptionPlan
from billing.reminders import NoticeView, RenewalDraft
from billing.resellers import ResellerView
from handlers import blocks, home, kit, modals, money_blocks, notices
from handlers.parsing import Usage
from handlers.redeem_request import RedeemRequest

LONG = "Ω" * 300
TODAY = date(2026, 3, 2)
STAFF = Actor(ref="slack:THOME/UA", role="admin")
MEMBER = Actor(ref="slack:TNORTH/UB", role="reseller", reseller_id=1)


def account(i: int) -> AccountView:
    return AccountView(
        i,
        f"account-{i:04d}-with-a-long-slug"[:40],
        f"{LONG} Customer {i}",
        "Europe/Ljubljana",
        "EUR",
        "reseller",
        1,
        "northwind",
        LONG,
    )


ACCOUNTS = [account(i) for i in range(500)]


def breakdown(cohorts: int = 200, solutions: int = 3) -> Breakdown:
    lines = tuple(RenewalLine(TODAY + timedelta(days=i), 10 + i, i % 3 == 0, i % 5 == 0, (i,)) for i in range(cohorts))
    upcoming = tuple(
        UpcomingLine(TODAY + timedelta(days=i), TODAY + timedelta(days=400 + i), 5, i) for i in range(cohorts)
    )
    return Breakdown(
        account=ACCOUNTS[0],
        today=TODAY,
        solutions=tuple(
            SolutionBreakdown(f"s{n}", LONG, "enterprise", LONG, "device", 99999, 100500, lines, upcoming)
            for n in range(solutions)
        ),
    )


def code_view(kind: str = "subscription") -> CodeView:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    return CodeView(
        1,
        "ABCD",
        kind,
        "redeemed",
        "room",
        LONG,
        LONG,
        "device",
        100000,
        120,
        None,
        None,
        LONG,
        LONG,
        TODAY,
        LONG,
        "b" * 32,
        LONG,
        at,
        LONG,
        at,
        LONG,
        at,
        LONG,
    )


def cohort(i: int) -> CohortView:
    ends = TODAY + timedelta(days=i)
    return CohortView(i, "room", LONG, "pro", LONG, "device", 5, TODAY, ends, 12, False, False, None)


PLAN = RedemptionPlan(
    code=code_view(),
    account=ACCOUNTS[0],
    redeemed_on=TODAY,
    starts_on=TODAY,
    ends_on=TODAY + timedelta(days=365),
    renews=cohort(0),
    renewal_candidates=tuple(cohort(i) for i in range(1, 200)),
)
REQUEST = RedeemRequest("ABCDE-FGHJK-MNPQR-STVWX-YZ012", "account-0000-with-a-long-slug", 99999)
BATCH = IssuedBatch(
    "b" * 32, tuple(IssuedCode("ABCDE-FGHJK-MNPQR-STVWX-YZ012", "ABCD") for _ in range(1000)), code_view()
)
FEW = IssuedBatch("b" * 32, BATCH.codes[:10], code_view())
SOLUTIONS = [
    SolutionView(f"s{i}", LONG, "device", tuple(LevelView(f"l{j}", LONG, j, {}) for j in range(150)))
    for i in range(150)
]
AUDIT = [AuditEntry(datetime(2026, 3, 2, tzinfo=UTC), LONG, LONG, LONG, LONG, {}, None) for _ in range(500)]
DUE = [DueRenewal(f"a{i}", LONG, "northwind", LONG, LONG, "device", 5, TODAY, i % 45) for i in range(500)]
RESELLER = ResellerView(1, "northwind", LONG, "TNORTH", ())


def notice(i: int) -> NoticeView:
    return NoticeView(
        i,
        i,
        f"account-{i:04d}-with-a-long-slug",
        LONG,
        1,
        "room",
        LONG,
        "pro",
        LONG,
        "device",
        99999,
        TODAY + timedelta(days=30),
        30,
        i % 2 == 0,
        30,
        False,
        "slack:TNORTH/UB" if i % 3 == 0 else None,
    )


NOTICES = [notice(i) for i in range(24)]  # the most one message holds (the outbox splits at 20)
ALERT_DETAILS = {
    "lapsed": {"account": "a" * 40, "solution": LONG, "units": 99999, "renews_on": "2026-03-01"},
    "over_capacity": {"account": "a" * 40, "solution": LONG, "in_use": 99999, "licenses": 1, "over_by": 99998},
    "failed_redemptions": {"account": "a" * 40, "failures": 99999},
    "code_expiring": {"prefix": "ABCD", "redeem_by": "2026-03-09"},
    "channel_unreachable": {"channel": "C" * 20, "error": "not_in_channel", "waiting": 99999},
    "overdue_invoice": {"account": "a" * 40, "invoice": "INV-000001", "owed": "$99,999.00", "due_on": "2026-03-01"},
    "credit_short": {"account": "a" * 40, "needed": "$100.00", "balance": "$25.00"},
    "something_new": {"detail": LONG * 20},
}


def alert(i: int, kind: str, *, acknowledged: bool = False) -> AlertView:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    reseller = None if kind in notices.MONEY_KINDS or kind == "channel_unreachable" else 1
    return AlertView(
        i,
        kind,
        f"k:{i}",
        1,
        reseller,
        ALERT_DETAILS[kind],
        at,
        at if acknowledged else None,
        "slack:TNORTH/UB" if acknowledged else None,
        None,
        1,
        None,
        None,
    )


ALERTS = [alert(i, sorted(ALERT_DETAILS)[i % len(ALERT_DETAILS)], acknowledged=i % 2 == 0) for i in range(51)]
DRAFT = RenewalDraft(1, 1, "a" * 40, LONG, "r" * 40, LONG, "s0", LONG, "l149", LONG, "device", 99999, 18, TODAY)


def invoice(i: int) -> InvoiceView:
    usd = Money(123456, "USD")
    line = LineView(LONG, date(2025, 1, 1), date(2026, 1, 1), 100_000, usd, Fraction(8, 12), usd)
    return InvoiceView(
        i,
        f"INV-{i:06d}",
        LONG,
        "USD",
        date(2025, 1, 1),
        date(2025, 1, 31),
        "partially_paid",
        usd,
        usd,
        usd,
        usd,
        (line,) * 20,
        LONG,
    )


INVOICES = [invoice(i) for i in range(200)]
CREDITS = CreditsOverview(
    ACCOUNTS[0],
    date(2025, 1, 1),
    tuple(CreditBalance(c, Money(10**9, c), Money(1, c), Money(2, c)) for c in ("USD", "EUR", "GBP", "AED")),
    tuple(TopUp("ABCD", Money(5000, "USD"), date(2025, 1, 1), "topped_up") for _ in range(500)),
    tuple(RedeemedCode("WXYZ", LONG, "device", 10, 100, date(2026, 1, 1), 36) for _ in range(500)),
)


MESSAGES = {
    "help staff": lambda: blocks.help_message(STAFF),
    "help member": lambda: blocks.help_message(MEMBER),
    "usage": lambda: blocks.usage_message(Usage("code issue", LONG * 10)),
    "notice": lambda: blocks.notice(LONG * 50),
    "preview": lambda: blocks.preview_message(PLAN, REQUEST),
    "receipt": lambda: blocks.receipt_message(Receipt(PLAN, 1, 1, False)),
    "breakdown": lambda: blocks.breakdown_message(breakdown()),
    "account": lambda: blocks.account_message(ACCOUNTS[0], breakdown(), STAFF),
    "accounts staff": lambda: blocks.accounts_message(ACCOUNTS, STAFF),
    "accounts member": lambda: blocks.accounts_message(ACCOUNTS, MEMBER, "northwind"),
    "code": lambda: blocks.code_message(code_view()),
    "credit code": lambda: blocks.code_message(code_view("credit")),
    "issued many": lambda: blocks.issued_message(BATCH),
    "issued few": lambda: blocks.issued_message(FEW),
    "audit": lambda: blocks.audit_message(AUDIT, LONG),
    "panel": lambda: blocks.panel_message(RESELLER),
    "invoices": lambda: money_blocks.invoices_message(LONG, INVOICES),
    "credits": lambda: money_blocks.credits_message(CREDITS),
    "reminder digest": lambda: notices.reminder_digest(NOTICES, note=LONG * 10),
    "reminder": lambda: notices.reminder_digest(NOTICES[:1]),
    **{
        f"alert {kind}": (lambda kind=kind: notices.alert_message(alert(1, kind), note=LONG * 10))
        for kind in ALERT_DETAILS
    },
}
VIEWS = {
    "issue": lambda: modals.issue_modal(SOLUTIONS, channel="C" * 20),
    "redeem": lambda: modals.redeem_modal(account=ACCOUNTS[0], channel="C" * 20),
    "confirm": lambda: modals.confirm_modal(PLAN, REQUEST),
    "receipt": lambda: modals.receipt_modal(Receipt(PLAN, 1, 1, False)),
    "picker": lambda: modals.breakdown_picker_modal(account=ACCOUNTS[0]),
    "breakdown": lambda: modals.breakdown_modal(breakdown()),
    "accounts": lambda: modals.accounts_modal(ACCOUNTS),
    "issued": lambda: modals.issued_modal(BATCH),
    "note": lambda: modals.note_modal(LONG, LONG * 20),
    "staff home": lambda: home.staff_home(DUE),
    "reseller home": lambda: home.reseller_home(ACCOUNTS),
    "nobody home": lambda: home.nobody_home(),
    "issue renewal": lambda: modals.issue_modal(SOLUTIONS, renewal=DRAFT),
    "staff home with alerts": lambda: home.staff_home(DUE, ALERTS),
    "reseller home with alerts": lambda: home.reseller_home(ACCOUNTS, ALERTS),
}


def texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") else []
        return found + [t for value in node.values() for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return []


def check_element(element: dict[str, Any]) -> None:
    assert len(element.get("action_id", "")) <= 255
    if element.get("type") == "button":
        assert len(element["text"]["text"]) <= kit.MAX_BUTTON_TEXT
        assert len(element.get("value", "")) <= kit.MAX_BUTTON_VALUE
    options = element.get("options", [])
    assert len(options) <= (10 if element.get("type") == "radio_buttons" else kit.MAX_OPTIONS)
    groups = element.get("option_groups", [])
    assert len(groups) <= kit.MAX_OPTIONS
    for group in groups:
        assert len(group["label"]["text"]) <= kit.MAX_OPTION_TEXT and len(group["options"]) <= kit.MAX_OPTIONS
        options = options + group["options"]
    for option in options:
        assert len(option["text"]["text"]) <= kit.MAX_OPTION_TEXT and len(option["value"]) <= kit.MAX_OPTION_VALUE
        assert len(option.get("description", {}).get("text", "")) <= kit.MAX_OPTION_TEXT
    if "placeholder" in element:
        assert len(element["placeholder"]["text"]) <= 150


def check_block(block: dict[str, Any]) -> None:
    assert len(block.get("block_id", "")) <= 255
    kind = block["type"]
    if kind == "section":
        assert len(block["text"]["text"]) <= kit.MAX_SECTION_TEXT
        assert len(block.get("fields", [])) <= 10
        if "accessory" in block:
            check_element(block["accessory"])
    elif kind == "header":
        assert len(block["text"]["text"]) <= kit.MAX_HEADER_TEXT
    elif kind == "context":
        assert len(block["elements"]) <= kit.MAX_CONTEXT_ELEMENTS
    elif kind == "actions":
        assert len(block["elements"]) <= kit.MAX_ACTIONS_ELEMENTS
        for element in block["elements"]:
            check_element(element)
    elif kind == "input":
        assert len(block["label"]["text"]) <= kit.MAX_LABEL
        check_element(block["element"])
    else:
        assert kind == "divider", kind


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_stays_within_slacks_limits(name):
    message = MESSAGES[name]()
    assert 0 < len(message["blocks"]) <= kit.MAX_MESSAGE_BLOCKS
    assert 0 < len(message["text"]) <= kit.MAX_FALLBACK_TEXT
    for block in message["blocks"]:
        check_block(block)
    assert sum(len(t) for t in texts(message["blocks"])) <= 12000  # under msg_blocks_too_long


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_stays_within_slacks_limits(name):
    view = VIEWS[name]()
    assert 0 < len(view["blocks"]) <= kit.MAX_VIEW_BLOCKS
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= kit.MAX_MODAL_TITLE
    assert len(view.get("private_metadata", "")) <= kit.MAX_PRIVATE_METADATA
    assert len(view.get("callback_id", "")) <= 255
    for block in view["blocks"]:
        check_block(block)
    assert len(json.dumps(view).encode()) < 250_000


def test_long_lists_say_how_many_did_not_fit():
    shown = json.dumps(blocks.accounts_message(ACCOUNTS, STAFF))
    assert "more: narrow with" in shown
    assert "more lines" in json.dumps(blocks.breakdown_message(breakdown()))


def test_text_from_people_cannot_mention_or_link():
    hostile = AccountView(1, "x", "<!channel> <https://evil|click>", "UTC", "USD", "card", None, None, None)
    shown = json.dumps(blocks.accounts_message([hostile], STAFF))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    named = NoticeView(
        1,
        1,
        "x",
        "<!channel> <https://evil|click>",
        None,
        "room",
        "Room",
        "pro",
        "Pro",
        "device",
        1,
        TODAY,
        30,
        False,
        30,
        False,
        None,
    )
    shown = json.dumps(notices.reminder_digest([named]))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown


def test_no_builder_for_resellers_carries_a_price():
    member_facing = [
        blocks.preview_message(PLAN, REQUEST),
        blocks.receipt_message(Receipt(PLAN, 1, 1, False)),
        blocks.breakdown_message(breakdown()),
        blocks.account_message(ACCOUNTS[0], breakdown(), MEMBER),
        blocks.accounts_message(ACCOUNTS, MEMBER),
        blocks.panel_message(RESELLER),
        home.reseller_home(ACCOUNTS),
        home.reseller_home(ACCOUNTS, ALERTS),
        notices.reminder_digest(NOTICES),
    ]
    for built in member_facing:
        shown = json.dumps(built)
        assert not any(mark in shown for mark in ("$", "€", "£", "USD", "EUR", "GBP", "AED", "Pays by")), shown[:200]


def test_a_long_home_keeps_room_for_the_alerts_and_says_how_many_did_not_fit():
    staff = json.dumps(home.staff_home(DUE, ALERTS))
    assert "Open alerts (50+)" in staff and "more." in staff
    reseller = json.dumps(home.reseller_home(ACCOUNTS, ALERTS))
    assert "Open alerts" in reseller and "Credit will not cover" not in reseller and "Invoice overdue" not in reseller


def test_a_digest_can_be_read_back_from_its_blocks():
    digest = notices.reminder_digest(NOTICES[:5], note="No linked channel.")
    assert notices.notice_ids_in(digest["blocks"]) == [0, 1, 2, 3, 4]
    assert notices.note_in(digest["blocks"]) == "No linked channel."
    assert notices.note_in(notices.alert_message(alert(1, "lapsed"), note="Moved.")["blocks"]) == "Moved."
    assert notices.note_in(notices.reminder_digest(NOTICES[:2])["blocks"]) is None
