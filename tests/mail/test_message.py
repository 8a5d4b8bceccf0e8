"""What a reminder email says, and what it cannot be made to say."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default

from billing.alerts import AlertView
from billing.email_plan import Audience
from billing.emails import ReminderEmail
from handlers.notices import alert_summary
from mail.message import build, message_id

NOW = datetime(2024, 11, 17, 12, tzinfo=UTC)
PRICE = re.compile(r"(\$|€|£|USD|EUR|GBP|AED)\s?\d|\d[\d,.]*\s?(\$|€|£|USD|EUR|GBP|AED)")


def _view(name: str = "Acme Inc", reseller: str | None = "Northwind Resellers", units: int = 10) -> ReminderEmail:
    return ReminderEmail(
        notice_id=12,
        account_slug="acme",
        account_name=name,
        reseller_name=reseller,
        solution_name="Room",
        level_name="Professional",
        license_kind="device",
        units=units,
        renews_on=date(2025, 1, 1),
        days_left=45,
        renewed=False,
    )


def _build(view: ReminderEmail, audience: Audience = Audience.CUSTOMER):
    sent = build(
        view,
        audience=audience,
        to=["it@acme.example"],
        sender="renewals@vendor.example",
        dedupe_key=f"email:12:{audience}",
        now=NOW,
    )
    return message_from_bytes(sent.as_bytes(), policy=default)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_customers_email_names_the_reseller_to_contact_and_what_renews_when():
    message = _build(_view())

    assert message["Subject"] == "Your 10 Room Professional device licenses renew on 1 Jan 2025"
    assert "renew on 1 Jan 2025 (in 45 days)" in _text(message)
    assert "please contact Northwind Resellers" in _text(message)
    assert message.get_body(("html",)) is not None


def test_one_license_is_one_license_that_renews_in_every_sentence():
    customer, reseller = _build(_view(units=1)), _build(_view(units=1), Audience.RESELLER)

    assert customer["Subject"] == "Your 1 Room Professional device license renews on 1 Jan 2025"
    assert "Your 1 Room Professional device license renews on 1 Jan 2025 (in 45 days), and it is not renewed" in (
        _text(customer)
    )
    assert "has 1 Room Professional device license that renews on 1 Jan 2025" in _text(reseller)
    assert "licenses renew" not in _text(customer) + _text(reseller) + customer["Subject"] + reseller["Subject"]


def test_the_resellers_email_names_the_customer():
    message = _build(_view(), Audience.RESELLER)

    assert message["Subject"] == "Acme Inc: 10 Room Professional device licenses renew on 1 Jan 2025"
    assert "Your customer Acme Inc (acme)" in _text(message)


def test_headers_are_date_from_to_and_a_message_id_made_from_the_outbox_key():
    message = _build(_view())

    assert message["From"] == "renewals@vendor.example" and message["To"] == "it@acme.example"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == message_id("email:12:customer", "renewals@vendor.example")
    assert message["Message-ID"] == "<joanbot.email.12.customer@vendor.example>"


def test_no_email_about_a_reseller_paid_account_carries_an_amount():
    for audience in Audience:
        message = _build(_view(), audience)
        whole = message.as_string()
        assert PRICE.search(_text(message) + message.get_body(("html",)).get_content() + whole) is None


def test_a_hostile_name_cannot_add_a_header_or_markup():
    message = _build(_view(name="Evil\r\nBcc: victim@x.example\r\n\r\n<script>alert(1)</script>"), Audience.RESELLER)

    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def test_the_email_failed_alert_names_the_account_and_the_address():
    alert = AlertView(
        1,
        "email_failed",
        "email:1:x",
        1,
        None,
        {"account": "acme", "address": "boss@acme.example", "reply": "550 5.1.1 no such user"},
        NOW,
        None,
        None,
        None,
        1,
        None,
        None,
    )

    summary = alert_summary(alert)

    assert "`boss@acme.example`" in summary and "`acme`" in summary and "550 5.1.1" in summary
