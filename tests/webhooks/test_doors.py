"""The Slack door makes the same events as the others (one per change, even when Confirm is clicked twice),
and the address rules keep deliveries out of the deployment's own network."""

from __future__ import annotations

import ipaddress

import pytest

from billing import Billing
from billing.webhook_urls import WebhookUrlRefused, address_allowed, checked_addresses, parse
from handlers import ids
from handlers.outbound.webhooks import Deliverer
from tests.api.conftest import MovableClock
from tests.conftest import STAFF
from tests.handlers.harness import NORTH_TEAM, NORTH_USER, PANEL_CHANNEL
from tests.webhooks.receiver import receiving


def _button(message: dict, action_id: str) -> str:  # type: ignore[type-arg]
    for block in message["blocks"]:
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


def test_a_redemption_confirmed_twice_in_slack_tells_the_receiver_once(world) -> None:  # type: ignore[no-untyped-def]
    billing: Billing = world.billing
    billing.webhooks.allow_http = True
    with receiving() as receiver:
        _v, secret = billing.webhooks.add(
            name="portal", url=receiver.url, event_types=None, reseller=None, actor=STAFF, now=world.now
        )
        receiver.secrets.append(secret)
        code = world.code(reseller="northwind")
        who = {"user_id": NORTH_USER, "team": NORTH_TEAM, "channel": PANEL_CHANNEL}
        (message,) = world.slack.command(f"redeem {code} acme", **who).replies
        confirm = _button(message, ids.ACTION_REDEEM_CONFIRM)
        world.slack.click(ids.ACTION_REDEEM_CONFIRM, confirm, **who)
        world.slack.click(ids.ACTION_REDEEM_CONFIRM, confirm, **who)  # a double click
        deliverer = Deliverer(billing, clock=MovableClock(world.now), timeout=1.0)
        deliverer.drain(sleep=lambda _s: None)
        deliverer.close()
        assert receiver.types() == ["code.redeemed", "licenses.added"]
        assert "credit" not in receiver.delivered[0].body["data"]


@pytest.mark.parametrize(
    ("scheme", "address", "allowed"),
    [
        ("https", "93.184.216.34", True),
        ("https", "10.1.2.3", False),
        ("https", "192.168.0.1", False),
        ("https", "172.16.5.5", False),
        ("https", "127.0.0.1", False),
        ("https", "169.254.169.254", False),  # the cloud metadata service
        ("https", "::1", False),
        ("https", "fe80::1", False),
        ("https", "fd00::1", False),
        ("https", "::ffff:10.0.0.1", False),
        ("https", "2606:4700::1111", True),
        ("http", "127.0.0.1", True),
        ("http", "93.184.216.34", False),
    ],
)
def test_only_public_addresses_for_https_and_only_loopback_for_http(scheme: str, address: str, allowed: bool) -> None:
    assert address_allowed(scheme, ipaddress.ip_address(address)) is allowed


def test_a_name_resolving_to_a_private_address_is_refused_before_any_request() -> None:
    target = parse("https://hooks.example.com/x", allow_http=False)
    with pytest.raises(WebhookUrlRefused):
        checked_addresses(target, resolve=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    assert checked_addresses(target, resolve=lambda host, port: ["93.184.216.34"]) == ["93.184.216.34"]


def test_http_is_refused_unless_allowed_and_credentials_in_urls_always() -> None:
    with pytest.raises(WebhookUrlRefused):
        parse("http://127.0.0.1/x", allow_http=False)
    with pytest.raises(WebhookUrlRefused):
        parse("https://user:pw@hooks.example.com/x", allow_http=False)
    with pytest.raises(WebhookUrlRefused):
        parse("ftp://hooks.example.com/x", allow_http=True)


def test_a_delivery_whose_name_now_resolves_inside_is_not_sent_and_waits(hooks: Billing, clock: MovableClock) -> None:
    from tests.billing.builders import account, licenses
    from tests.conftest import at

    hooks.webhooks.allow_http = False
    account(hooks, now=at("2026-03-01"))
    with receiving() as receiver:
        hooks.webhooks._resolve = lambda host, port: ["93.184.216.34"]  # public when registered
        hooks.webhooks.add(
            name="moved", url="https://hooks.example.com/x", event_types=None, reseller=None, actor=STAFF, now=clock()
        )
        deliverer = Deliverer(hooks, clock=clock, timeout=1.0, resolve=lambda host, port: ["127.0.0.1"])
        licenses(hooks, units=1, now=clock())
        deliverer.deliver_batch()
        deliverer.close()
        assert receiver.attempts == []
    rows = hooks.outbox.counts()
    assert rows.get("pending") == 2  # waiting for the next attempt, not sent
