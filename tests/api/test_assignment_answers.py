"""What PUT and DELETE on a device or user answer, and which methods each path allows."""

from __future__ import annotations

import pytest

from tests.billing.builders import account
from tests.conftest import at

DEVICE = "/api/v1/accounts/acme/solutions/room/devices/panel-1"


def test_a_repeated_put_answers_200_with_the_licenses_still_free(client, portal, acme):
    first = client.put(DEVICE, headers=portal)
    again = client.put(DEVICE, headers=portal)
    assert (first.status_code, first.json()["licenses_free"]) == (201, 9)
    assert (again.status_code, again.json()["licenses_free"]) == (200, 9)


def test_a_user_on_an_account_without_desk_licenses_is_told_it_has_none(billing, client, portal):
    account(billing, "globex", now=at("2026-03-01"))
    answer = client.put("/api/v1/accounts/globex/solutions/desk/users/ana", headers=portal)
    assert (answer.status_code, answer.json()["code"]) == (409, "over_capacity")
    assert answer.json()["detail"] == "Globex has no Desk booking licenses"


def test_a_device_id_of_100_characters_is_assigned_and_one_of_101_is_422(billing, client, portal, acme):
    longest = client.put(f"/api/v1/accounts/acme/solutions/room/devices/{'d' * 100}", headers=portal)
    assert longest.status_code == 201
    assert client.delete(f"/api/v1/accounts/acme/solutions/room/devices/{'d' * 100}", headers=portal).status_code == 204
    too_long = client.put(f"/api/v1/accounts/acme/solutions/room/devices/{'d' * 101}", headers=portal)
    assert (too_long.status_code, too_long.json()["code"]) == (422, "invalid_request")


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "GET", "PATCH"])
def test_an_unserved_method_is_405_allowing_every_method_of_the_path(client, portal, acme, method):
    answer = client.request(method, DEVICE, headers=portal)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "DELETE, PUT")
    assert answer.headers["content-type"] == "application/problem+json"
