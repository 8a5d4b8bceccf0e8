"""``PATCH /accounts/{account}`` and closed accounts through the Portal API; the seeds' imported book as the
Portal sees it."""

from __future__ import annotations

from billing.account_changes import AccountEdit
from tests.api.conftest import bearer, new_key
from tests.billing.books import book
from tests.billing.builders import code
from tests.conftest import STAFF, at


def test_the_seeds_example_imported_then_5_redeemed_through_the_api_shows_exactly_15(billing, http, portal, clock):
    billing.book_import.apply(contents=book(), actor=STAFF, now=at("2023-03-15"))
    clock.now = at("2023-03-22")

    redeemed = http.post(
        "/accounts/acme/redemptions", json={"code": code(billing, now=clock.now, units=5)}, headers=portal
    )
    (room,) = http.get("/accounts/acme", headers=portal).json()["solutions"]

    assert redeemed.status_code == 201
    assert room["total"] == 15
    assert [(r["renews_on"], r["units"]) for r in room["renewals"]] == [("2024-01-01", 10), ("2024-03-22", 5)]


def test_a_portal_key_corrects_the_name_and_time_zone_and_the_change_is_audited(billing, http, portal, acme):
    answer = http.patch("/accounts/acme", json={"name": "Acme Corp", "time_zone": "Europe/Paris"}, headers=portal)

    assert answer.status_code == 200
    assert (answer.json()["name"], answer.json()["time_zone"]) == ("Acme Corp", "Europe/Paris")
    (entry,) = [e for e in billing.audit.entries(actor=STAFF) if e.action == "account.updated"]
    assert entry.actor == "api:portal"
    assert entry.details["before"] == {"name": "Acme", "time_zone": "UTC"}


def test_other_fields_are_403_for_a_portal_key_and_change_nothing(billing, http, portal, acme):
    answer = http.patch("/accounts/acme", json={"name": "Acme Corp", "currency": "EUR"}, headers=portal)

    assert (answer.status_code, answer.json()["code"]) == (403, "not_allowed")
    assert billing.accounts.get_account(slug="acme", actor=STAFF).name == "Acme"


def test_an_unknown_time_zone_is_422(http, portal, acme):
    answer = http.patch("/accounts/acme", json={"time_zone": "Mars/Olympus"}, headers=portal)

    assert (answer.status_code, answer.json()["code"]) == (422, "unknown_time_zone")


def test_a_reseller_key_may_not_patch_and_an_account_moved_away_is_404_for_it(billing, http, acme, northwind):
    own = bearer(new_key(billing, "north", "reseller=northwind"))
    assert http.patch("/accounts/initech", json={"name": "Mine"}, headers=own).status_code == 403
    assert http.get("/accounts/initech", headers=own).status_code == 200

    billing.account_changes.set(
        slug="initech", edit=AccountEdit(reseller="", payment_method="card"), actor=STAFF, now=at("2026-03-02")
    )

    gone = http.get("/accounts/initech", headers=own)
    assert (gone.status_code, gone.json()["code"]) == (404, "account_not_found")
    assert http.get("/accounts", headers=own).json()["data"] == []


def test_a_closed_account_refuses_redemptions_and_assignments_with_409_account_closed(billing, http, portal, acme):
    billing.account_changes.close(slug="acme", actor=STAFF, now=at("2026-03-02"))

    redeemed = http.post(
        "/accounts/acme/redemptions", json={"code": code(billing, now=at("2026-03-02"))}, headers=portal
    )
    paired = http.put("/accounts/acme/solutions/room/devices/d1", headers=portal)
    quoted = http.post("/accounts/acme/licenses/quote", json={"solution": "room", "units": 12}, headers=portal)
    shown = http.get("/accounts/acme", headers=portal)

    assert (redeemed.status_code, redeemed.json()["code"]) == (409, "account_closed")
    assert (paired.status_code, paired.json()["code"]) == (409, "account_closed")
    assert (quoted.status_code, quoted.json()["code"]) == (409, "account_closed")
    assert shown.status_code == 200 and [s["total"] for s in shown.json()["solutions"]] == [3, 10]


def test_the_openapi_document_describes_the_patch_and_account_closed(http):
    document = http.get("/openapi.json").json()

    assert "patch" in document["paths"]["/api/v1/accounts/{account}"]
    assert "account_closed" in document["info"]["description"]
