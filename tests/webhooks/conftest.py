"""Webhooks under test: the billing core with http:// to loopback allowed, a real receiver, a deliverer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billing import Billing
from handlers.outbound.webhooks import Deliverer
from tests.api.conftest import MovableClock, api_app, client, northwind, portal  # noqa: F401 (fixtures)
from tests.bot.cli.conftest import card_customer, joanbot, run  # noqa: F401 (fixtures)
from tests.conftest import STAFF, at
from tests.handlers.conftest import standin, world  # noqa: F401 (fixtures)
from tests.webhooks.receiver import Receiver, receiving


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(at("2026-03-02"))


@pytest.fixture
def hooks(billing: Billing) -> Billing:
    billing.webhooks.allow_http = True
    return billing


@pytest.fixture
def receiver(hooks: Billing, clock: MovableClock) -> Iterator[Receiver]:
    """A receiver registered as the endpoint ``portal`` for every event."""
    with receiving() as found:
        _view, secret = hooks.webhooks.add(
            name="portal", url=found.url, event_types=None, reseller=None, actor=STAFF, now=clock()
        )
        found.secrets.append(secret)
        yield found


@pytest.fixture
def deliverer(hooks: Billing, clock: MovableClock) -> Iterator[Deliverer]:
    found = Deliverer(hooks, clock=clock, sales_channel="C0SALES", timeout=1.0)
    yield found
    found.close()


@pytest.fixture
def joanbot_hooks(database_url, monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    """The real ``joanbot`` entry point, with http:// webhooks to loopback allowed."""
    monkeypatch.setenv("JOANBOT_WEBHOOKS_ALLOW_HTTP", "1")
    return joanbot.__wrapped__(database_url, monkeypatch, capsys, tmp_path)
