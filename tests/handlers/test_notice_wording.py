"""Every alert kind reads as a sentence: names beside slugs, the level, plurals and `22 Mar 2024` dates."""

import pytest

from billing.alerts import AlertView
from billing.models.notices import ALERT_KINDS, AlertKind
from handlers.notices import alert_summary
from tests.conftest import at

DETAILS = {
    AlertKind.LAPSED: (
        {
            "account": "acme",
            "account_name": "Acme",
            "solution": "Room booking",
            "level": "Professional",
            "units": 10,
            "renews_on": "2024-03-22",
        },
        "10 Room booking Professional licenses of *Acme* (`acme`) reached their renewal date (22 Mar 2024)",
    ),
    AlertKind.OVER_CAPACITY: (
        {
            "account": "acme",
            "account_name": "Acme",
            "solution": "Room booking",
            "in_use": 12,
            "licenses": 10,
            "over_by": 2,
        },
        "*Acme* (`acme`) uses 12 Room booking licenses but has 10: over capacity by 2.",
    ),
    AlertKind.OVERDUE_INVOICE: (
        {
            "account": "hooli",
            "account_name": "Hooli",
            "invoice": "INV-000007",
            "owed": "$15.00",
            "due_on": "2026-12-31",
        },
        "Invoice INV-000007 of *Hooli* (`hooli`) was due on 31 Dec 2026 and $15.00 is still owed.",
    ),
    AlertKind.CREDIT_SHORT: (
        {"account": "initech", "account_name": "Initech", "needed": "$100.00", "balance": "$25.00"},
        "The credit of *Initech* (`initech`) ($25.00) will not cover the $100.00 of renewals due",
    ),
    AlertKind.FAILED_REDEMPTIONS: (
        {"account": "acme", "account_name": "Acme", "failures": 1},
        "1 failed code redemption attempt for *Acme* (`acme`) in the last 24 hours.",
    ),
    AlertKind.CODE_EXPIRING: ({"prefix": "AB12", "redeem_by": "2024-03-22"}, "must be redeemed by 22 Mar 2024."),
    AlertKind.CHANNEL_UNREACHABLE: (
        {"channel": "C0NORTH", "error": "not_in_channel", "waiting": 1},
        "The bot cannot post to <#C0NORTH> (not_in_channel); 1 message waits.",
    ),
    AlertKind.EMAIL_FAILED: (
        {"account": "acme", "address": "it@acme.example", "reply": "550 no such user"},
        "The mail server refused `it@acme.example`, a contact of `acme`: 550 no such user.",
    ),
    AlertKind.WEBHOOK_FAILED: (
        {"endpoint": "portal", "url": "https://portal.example/hooks", "failed": 2},
        "The webhook `portal` (https://portal.example/hooks) refused 2 events for three days; they were not delivered.",
    ),
    AlertKind.WEBHOOK_DISABLED: (
        {"endpoint": "portal", "url": "https://portal.example/hooks", "failing_since": "2024-03-19T12:00:00+00:00"},
        "Every delivery to the webhook `portal` (https://portal.example/hooks) has failed since 19 Mar 2024: it is",
    ),
}


def _alert(kind: str, details: dict) -> AlertView:
    return AlertView(1, kind, "k", None, None, details, at("2024-03-22"), None, None, None, 1, None, None)


def test_every_alert_kind_has_its_own_wording():
    assert set(DETAILS) == set(ALERT_KINDS)


@pytest.mark.parametrize("kind", ALERT_KINDS)
def test_an_alert_reads_as_a_sentence_with_names_and_people_dates(kind):
    details, expected = DETAILS[kind]

    text = alert_summary(_alert(kind, details))

    assert expected in text
    assert ": " not in text.split(expected)[0] and "_on" not in text and "2024-" not in text


def test_names_in_an_alert_are_escaped_for_slack():
    text = alert_summary(
        _alert(AlertKind.FAILED_REDEMPTIONS, {"account": "x", "account_name": "<!here>", "failures": 5})
    )

    assert "<!here>" not in text


def test_app_home_keeps_the_mentions_and_channel_links_it_means_and_escapes_data():
    from dataclasses import replace

    from handlers import home

    unreachable = _alert(AlertKind.CHANNEL_UNREACHABLE, {"channel": "C0NORTH", "error": "<!here> & co", "waiting": 2})
    acknowledged = replace(
        _alert(AlertKind.FAILED_REDEMPTIONS, {"account": "acme", "account_name": "<!channel>", "failures": 3}),
        acknowledged_at=at("2024-03-23"),
        acknowledged_by="slack:THOME/U0ADMIN1",
    )
    text = "\n".join(
        b["text"]["text"]
        for b in home.alert_blocks([unreachable, acknowledged], max_blocks=10, budget=5000)
        if "text" in b
    )
    assert "<#C0NORTH>" in text and "<@U0ADMIN1>" in text  # meant: kept
    assert "<!here>" not in text and "<!channel>" not in text  # data: escaped
    assert "&lt;!here&gt; &amp; co" in text and "&lt;!channel&gt;" in text


def test_one_license_reads_in_the_singular_in_alerts():
    lapsed = {
        "units": 1,
        "solution": "Room booking",
        "level": "Professional",
        "account": "acme",
        "account_name": "Acme",
        "renews_on": "2024-03-22",
    }
    over = {
        "account": "acme",
        "account_name": "Acme",
        "solution": "Room booking",
        "in_use": 1,
        "licenses": 0,
        "over_by": 1,
    }

    assert "1 Room booking Professional license of *Acme* (`acme`) reached its renewal date" in alert_summary(
        _alert("lapsed", lapsed)
    )
    assert "uses 1 Room booking license but has 0" in alert_summary(_alert("over_capacity", over))
