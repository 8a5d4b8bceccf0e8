"""The issue's scenarios over real HTTP: a uvicorn server on loopback, the Portal calling it with httpx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from billing import Billing
from billing.models import Assignment, Redemption
from tests.api.conftest import MovableClock, bearer, new_key
from tests.billing.builders import account, code
from tests.conftest import STAFF, at


def test_a_portal_key_previews_then_redeems_a_code_and_the_account_shows_the_new_block(billing, http, portal, clock):
    account(billing, "globex", now=at("2026-03-01"))
    text = code(billing, now=at("2026-03-01"), units=5)
    preview = http.post("/accounts/globex/redemptions/preview", json={"code": text}, headers=portal)
    assert preview.status_code == 200
    assert preview.json()["units"] == 5 and preview.json()["renews_on"] == "2027-03-02"
    assert http.get("/accounts/globex", headers=portal).json()["solutions"] == []
    redeemed = http.post("/accounts/globex/redemptions", json={"code": text}, headers=portal)
    assert redeemed.status_code == 201
    (room,) = http.get("/accounts/globex", headers=portal).json()["solutions"]
    assert (room["total"], room["in_use"], room["free"]) == (5, 0, 5)
    again = http.post("/accounts/globex/redemptions", json={"code": text}, headers=portal)
    assert (again.status_code, again.json()["code"]) == (409, "code_already_redeemed")
    assert again.headers["content-type"] == "application/problem+json"


def test_16_concurrent_pairings_on_10_free_licenses_assign_exactly_10_and_refuse_6_over_capacity(
    billing, http, served, portal, acme
):
    def pair(index: int) -> httpx.Response:
        with httpx.Client(base_url=served, timeout=60) as client:
            return client.put(f"/accounts/acme/solutions/room/devices/panel-{index}", headers=portal)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(pair, range(16)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 10 + [409] * 6
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"over_capacity"}
    (_, room) = http.get("/accounts/acme", headers=portal).json()["solutions"]
    assert (room["in_use"], room["free"]) == (10, 0)
    paired = next(a for a in answers if a.status_code == 201).json()["subject"]
    assert http.put(f"/accounts/acme/solutions/room/devices/{paired}", headers=portal).status_code == 200
    assert http.delete(f"/accounts/acme/solutions/room/devices/{paired}", headers=portal).status_code == 204
    assert http.delete(f"/accounts/acme/solutions/room/devices/{paired}", headers=portal).status_code == 404
    assert http.put("/accounts/acme/solutions/room/devices/the-11th", headers=portal).status_code == 201


def test_a_user_active_61_days_ago_is_released_by_the_sweep_and_named_by_the_activity_answer(
    billing, http, portal, acme, clock: MovableClock
):
    assert http.put("/accounts/acme/solutions/desk/users/ana", headers=portal).status_code == 201
    assert http.put("/accounts/acme/solutions/desk/users/bob", headers=portal).status_code == 201
    events = [
        {"user": "ana", "solution": "desk", "at": "2026-03-02T12:00:00Z"},
        {"user": "bob", "solution": "desk", "at": "2026-05-01T12:00:00Z"},
    ]
    clock.now = at("2026-05-01")
    answer = http.post("/accounts/acme/activity", json={"events": events}, headers=portal)
    assert answer.json() == {"recorded": 2, "unlicensed": []}
    clock.now = at("2026-05-02")  # ana: 61 days idle; bob: 1 day
    assert billing.sweep.run(now=clock.now).released_users == 1
    answer = http.post("/accounts/acme/activity", json={"events": events}, headers=portal)
    assert answer.json()["unlicensed"] == [{"user": "ana", "solution": "desk"}]
    (desk, _) = http.get("/accounts/acme", headers=portal).json()["solutions"]
    assert desk["in_use"] == 1


def test_one_idempotency_key_replayed_20_times_and_8_times_at_once_redeems_once_with_one_body(
    billing: Billing, http, served, portal
):
    account(billing, "globex", now=at("2026-03-01"))
    first, second = code(billing, now=at("2026-03-01")), code(billing, now=at("2026-03-01"))
    once = {**portal, "Idempotency-Key": "order-1"}
    answers = [http.post("/accounts/globex/redemptions", json={"code": first}, headers=once) for _ in range(20)]
    assert {a.status_code for a in answers} == {201}
    assert all(a.json() == answers[0].json() for a in answers)
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None] + ["true"] * 19

    def redeem(_: int) -> httpx.Response:
        with httpx.Client(base_url=served, timeout=60) as client:
            return client.post(
                "/accounts/globex/redemptions", json={"code": second}, headers={**portal, "Idempotency-Key": "order-2"}
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        racing = list(pool.map(redeem, range(8)))
    assert {a.status_code for a in racing} == {201}
    assert all(a.json() == racing[0].json() for a in racing)
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 2
    reused = http.post("/accounts/globex/redemptions", json={"code": second}, headers=once)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")


def test_a_reseller_key_sees_its_accounts_only_and_never_a_price_or_payment_method(billing, http, acme, northwind):
    own = bearer(new_key(billing, "northwind-erp", "reseller=northwind"))
    listed = http.get("/accounts", headers=own).json()["data"]
    assert [a["slug"] for a in listed] == ["initech"]
    hidden, missing = http.get("/accounts/acme", headers=own), http.get("/accounts/nosuch", headers=own)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "account_not_found"
    seen = [
        http.get("/accounts", headers=own),
        http.get("/accounts/initech", headers=own),
        http.get("/accounts/initech/credits", headers=own),
        http.post(
            "/accounts/initech/redemptions/preview", json={"code": code(billing, now=at("2026-03-01"))}, headers=own
        ),
    ]
    assert all(answer.status_code == 200 for answer in seen)
    for answer in seen:
        text = answer.text
        assert '"payment_method":null' in text or "payment_method" not in text
        assert '"amount"' not in text and '"unit_price":{' not in text and '"credit":{' not in text
        assert '"interval":"' not in text
    assert http.get("/accounts/initech/invoices", headers=own).status_code == 403
    assert (
        http.post("/accounts/initech/licenses/quote", json={"solution": "room", "units": 3}, headers=own).status_code
        == 403
    )


def test_a_read_only_key_may_read_but_writing_is_403_and_a_revoked_key_is_401(billing, http, acme):
    reader = bearer(new_key(billing, "dashboard", read_only=True))
    assert http.get("/accounts/acme", headers=reader).status_code == 200
    refused = http.put("/accounts/acme/solutions/room/devices/d1", headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (403, "read_only_key")
    billing.api_keys.revoke(name="dashboard", actor=STAFF, now=at("2026-03-02"))
    revoked = http.get("/accounts/acme", headers=reader)
    assert revoked.status_code == 401 and revoked.headers["WWW-Authenticate"] == "Bearer"
    assert http.get("/accounts/acme").status_code == 401
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_devices_paired_through_the_api_raise_the_over_capacity_alert_once_their_block_lapses(billing, http, portal):
    account(billing, "globex", now=at("2026-03-01"))
    text = code(billing, now=at("2026-03-01"), units=2, months=1)
    assert http.post("/accounts/globex/redemptions", json={"code": text}, headers=portal).status_code == 201
    for device in ("a", "b"):
        assert http.put(f"/accounts/globex/solutions/room/devices/{device}", headers=portal).status_code == 201
    billing.sweep.run(now=at("2026-03-20"))
    assert [a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == "over_capacity"] == []
    billing.sweep.run(now=at("2026-04-03"))  # the month's block lapsed on 2 Apr
    (alert,) = [a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == "over_capacity"]
    assert (alert.details["account"], alert.details["in_use"], alert.details["licenses"]) == ("globex", 2, 0)
