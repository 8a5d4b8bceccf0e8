"""``GET /accounts/{account}``: what the contract promises the account view shows."""

from __future__ import annotations

from tests.api.conftest import bearer, new_key
from tests.billing.builders import account, licenses, subscribe
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
