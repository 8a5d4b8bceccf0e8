"""Failed redemptions are counted per key and account (and per On-Behalf-Of user when the key names one),
never per key alone: one Portal key serves every customer. Every 429 says when to try again."""

from __future__ import annotations

from billing.attempts import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ACTOR
from tests.billing.builders import account, code
from tests.conftest import at

WRONG = {"code": "0000000000000000000000000"}


def _fail(client, headers, slug="acme", times=1):
    for _ in range(times):
        answer = client.post(f"/api/v1/accounts/{slug}/redemptions", json=WRONG, headers=headers)
        assert answer.status_code in (404, 409, 422, 429), answer.text
    return answer


def test_a_portal_key_mistyping_into_one_account_can_still_redeem_into_another(billing, client, portal, acme):
    account(billing, "globex", now=at("2026-03-01"))
    _fail(client, portal, "acme", times=MAX_FAILURES_PER_ACTOR + 2)
    good = code(billing, now=at("2026-03-01"))
    answer = client.post("/api/v1/accounts/globex/redemptions", json={"code": good}, headers=portal)
    assert answer.status_code == 201, answer.text


def test_the_key_is_still_limited_in_the_account_it_mistyped_into(billing, client, portal, acme):
    _fail(client, portal, "acme", times=MAX_FAILURES_PER_ACTOR)
    good = code(billing, now=at("2026-03-01"))
    answer = client.post("/api/v1/accounts/acme/redemptions", json={"code": good}, headers=portal)
    assert (answer.status_code, answer.json()["code"]) == (429, "too_many_attempts")


def test_a_429_says_in_seconds_when_to_try_again_in_its_header_and_its_detail(client, portal, acme, clock):
    _fail(client, portal, "acme", times=1)
    clock.advance(minutes=5)
    _fail(client, portal, "acme", times=MAX_FAILURES_PER_ACTOR - 1)
    clock.advance(seconds=30)
    blocked = _fail(client, portal, "acme")
    assert blocked.status_code == 429
    # The first failure leaves the 15-minute window 15:00 - 5:30 = 9:30 from now, and the count drops below 10.
    assert blocked.headers["Retry-After"] == "570"
    assert "570 seconds" in blocked.json()["detail"]


def test_the_account_limit_holds_across_end_users(client, portal, acme):
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        _fail(client, {**portal, "On-Behalf-Of": f"user-{n}@acme.example"})
    blocked = _fail(client, {**portal, "On-Behalf-Of": "ana@acme.example"})
    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")
    assert int(blocked.headers["Retry-After"]) == 15 * 60
