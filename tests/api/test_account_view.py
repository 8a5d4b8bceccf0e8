"""``GET /accounts/{account}``: what the contract promises the account view shows."""

from __future__ import annotations

from tests.api.conftest import bearer, new_key
from tests.billing.builders import account, subscribe
from tests.conftest import at


def _solution(client, headers, slug: str, solution: str) -> dict:
    answer = client.get(f"/api/v1/accounts/{slug}", headers=headers)
    assert answer.status_code == 200, answer.text
    return next(s for s in answer.json()["solutions"] if s["solution"] == solution)


def test_a_solution_whose_licenses_all_lapsed_with_devices_assigned_stays_over_capacity(
    billing, client, portal, acme, clock
):
    for n in range(10):
        assert client.put(f"/api/v1/accounts/acme/solutions/room/devices/d{n}", headers=portal).status_code == 201
    clock.now = at("2027-03-02")  # a year on: every block lapsed
    room = _solution(client, portal, "acme", "room")
    assert (room["total"], room["in_use"], room["free"], room["over_capacity"]) == (0, 10, 0, 10)
    assert (room["level"], room["renewals"]) == ("professional", [])


def test_a_portal_key_sees_a_direct_accounts_interval_unit_price_and_scheduled_change(billing, client, portal):
    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))
    quote = client.post(
        "/api/v1/accounts/globex/plan/quote", json={"solution": "room", "level": "standard"}, headers=portal
    )
    assert (
        client.post(
            "/api/v1/accounts/globex/plan", json={"quote_id": quote.json()["quote_id"]}, headers=portal
        ).status_code
        == 201
    )

    room = _solution(client, portal, "globex", "room")
    assert (room["interval"], room["unit_price"]) == ("year", {"amount": "10.00", "currency": "USD", "minor": 1000})
    assert room["scheduled_change"] == {
        "solution": "room",
        "level": "standard",
        "interval": "year",
        "effective_on": "2027-03-01",
        "description": "changes to Standard on 1 Mar 2027",
    }


def test_a_withdrawn_change_is_no_longer_shown(billing, client, portal):
    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))
    quote = client.post(
        "/api/v1/accounts/globex/plan/quote", json={"solution": "room", "interval": "month"}, headers=portal
    )
    client.post("/api/v1/accounts/globex/plan", json={"quote_id": quote.json()["quote_id"]}, headers=portal)
    assert (
        _solution(client, portal, "globex", "room")["scheduled_change"]["description"]
        == "changes to monthly billing on 1 Mar 2027"
    )
    assert client.delete("/api/v1/accounts/globex/plan/scheduled/room", headers=portal).status_code == 204
    assert _solution(client, portal, "globex", "room")["scheduled_change"] is None


def test_no_interval_or_price_for_accounts_paying_through_a_reseller_or_for_reseller_keys(
    billing, client, portal, northwind
):
    room = _solution(client, portal, "initech", "room")
    assert (room["interval"], room["unit_price"]) == (None, None)
    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))
    read_only = bearer(new_key(billing, "ro", read_only=True))
    assert _solution(client, read_only, "globex", "room")["unit_price"]["minor"] == 1000
    theirs = bearer(new_key(billing, "nw", "reseller=northwind"))
    room = _solution(client, theirs, "initech", "room")
    assert (room["interval"], room["unit_price"]) == (None, None)
