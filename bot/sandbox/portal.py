"""The demo's Portal act: the Joan Portal calling the API over real HTTP on loopback (stdlib client).

A portal key is created as ``joanbot api-keys create`` would; the Portal pairs devices up to the capacity
and one past it (refused), a customer enters a desk-booking code, a user goes idle and the daily sweep
releases them, which the next activity answer reports.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click

from billing import Billing, operator
from bot.clock import SimulatedClock
from bot.serving import serving
from bot.web import web_app

Echo = Callable[[str], Any]


class PortalClient:
    def __init__(self, base: str, key: str, echo: Echo) -> None:
        self.base, self.key, self.echo = base, key, echo

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, quiet: bool = False) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 (loopback)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        answer = json.loads(text) if text else None
        if not quiet:
            shown = (answer.get("detail") or answer.get("code")) if status >= 400 and answer else _brief(answer)
            self.echo(f"   {method} /api/v1{path} -> {status} {shown}")
        return status, answer


def _brief(answer: Any) -> str:
    text = json.dumps(answer) if answer is not None else ""
    return text if len(text) <= 140 else text[:137] + "..."


def portal_act(billing: Billing, clock: SimulatedClock, echo: Echo, sweep: Callable[[str], None]) -> None:
    admin = operator("ana")
    echo(click.style("\n--- The Joan Portal, over HTTP ---", fg="cyan", bold=True))
    created = billing.api_keys.create(name="portal", scope="portal", read_only=False, actor=admin, now=clock())
    echo(f"   $ joanbot api-keys create portal --scope portal\n   {created.key[:10]}… (shown once, in full)")
    with serving(web_app(billing, now=clock)) as base:
        portal = PortalClient(f"{base}/api/v1", created.key, echo)
        _pair_devices(portal, echo)
        _idle_user(billing, portal, clock, echo, sweep)


def _pair_devices(portal: PortalClient, echo: Echo) -> None:
    _, plan = portal.call("GET", "/accounts/acme", quiet=True)
    room = next(s for s in plan["solutions"] if s["solution"] == "room")
    echo(f"   The Portal pairs Acme's room panels: {room['free']} licenses free.")
    for index in range(1, room["free"] + 1):
        portal.call("PUT", f"/accounts/acme/solutions/room/devices/panel-{index:02d}", quiet=index < room["free"])
    portal.call("PUT", f"/accounts/acme/solutions/room/devices/panel-{room['free'] + 1:02d}")
    portal.call("GET", "/accounts/acme")


def _idle_user(
    billing: Billing, portal: PortalClient, clock: SimulatedClock, echo: Echo, sweep: Callable[[str], None]
) -> None:
    batch = billing.issuing.issue_subscription_codes(
        solution="desk",
        level="standard",
        units=5,
        term_months=12,
        reseller="northwind",
        actor=operator("ana"),
        now=clock(),
    )
    echo("   An Acme admin enters a desk-booking code in the Portal:")
    portal.call("POST", "/accounts/acme/redemptions", {"code": batch.codes[0].code})
    portal.call("PUT", "/accounts/acme/solutions/desk/users/mia@acme.example")
    event = {"user": "mia@acme.example", "solution": "desk", "at": clock().isoformat()}
    portal.call("POST", "/accounts/acme/activity", {"events": [event]})
    clock.now = clock() + timedelta(days=61)
    sweep("Mia has not opened desk booking for 61 days")
    portal.call("POST", "/accounts/acme/activity", {"events": [event]})
