"""The Portal API under test: the real FastAPI app over the billing core, on a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import build_api
from billing import Billing
from bot.serving import serving
from bot.web import web_app
from tests.billing.builders import account, licenses, reseller
from tests.conftest import STAFF, at


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: at("2026-03-02"))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def api_app(billing: Billing, clock: MovableClock) -> FastAPI:
    return build_api(billing, now=clock)


@pytest.fixture
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app, raise_server_exceptions=False) as test_client:
        yield test_client


def new_key(billing: Billing, name: str = "portal", scope: str = "portal", *, read_only: bool = False) -> str:
    return billing.api_keys.create(name=name, scope=scope, read_only=read_only, actor=STAFF, now=at("2026-03-01")).key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def portal(billing: Billing) -> dict[str, str]:
    """Headers of a portal key."""
    return bearer(new_key(billing))


@pytest.fixture
def acme(billing: Billing) -> str:
    """A direct account with 10 free room (device) licenses and 3 desk (user) licenses."""
    account(billing, now=at("2026-03-01"))
    licenses(billing, solution="room", units=10, now=at("2026-03-01"))
    licenses(billing, solution="desk", level="standard", units=3, now=at("2026-03-01"))
    return "acme"


@pytest.fixture
def northwind(billing: Billing) -> str:
    """Reseller northwind with its customer initech (pays through the reseller, 2 room licenses)."""
    reseller(billing, now=at("2026-03-01"))
    account(billing, "initech", reseller="northwind", pays="reseller", now=at("2026-03-01"))
    licenses(billing, solution="room", units=2, account_slug="initech", now=at("2026-03-01"))
    return "initech"


@pytest.fixture
def served(billing: Billing, clock: MovableClock) -> Iterator[str]:
    """The API and the rest of ``joanbot serve``'s web app on a real uvicorn server on loopback."""
    with serving(web_app(billing, now=clock)) as base:
        yield f"{base}/api/v1"


@pytest.fixture
def http(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served, timeout=30) as client:
        yield client
