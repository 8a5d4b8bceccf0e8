"""Redeeming through the Portal into an account with licenses the code could renew: the client must say
which, ``renews`` (a block) or ``"renews": null`` (new licenses), never a default."""

from __future__ import annotations

from billing.models import Redemption
from tests.billing.builders import account, code, licenses
from tests.conftest import STAFF, at


def _lapsing(billing) -> int:
    """Acme with 5 licenses renewing 1 Apr 2026 (within 45 days of the clock's 2 Mar 2026); their block id."""
    account(billing, now=at("2026-03-01"))
    return licenses(billing, units=5, months=1, now=at("2026-03-01")).cohort_id or 0


def _redeemed(billing) -> int:
    with billing.db.read() as session:
        return session.query(Redemption).count()


def test_a_redemption_without_renews_is_422_naming_the_field_and_changes_nothing(billing, client, portal):
    block = _lapsing(billing)
    text = code(billing, units=5, now=at("2026-03-02"))
    before = _redeemed(billing)

    answer = client.post("/api/v1/accounts/acme/redemptions", json={"code": text}, headers=portal)

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "renewal_choice_required"
    assert [e["field"] for e in problem["errors"]] == ["renews"]
    assert f"block {block}" in problem["detail"]
    assert _redeemed(billing) == before


def test_renews_null_adds_new_licenses_and_renews_a_block_renews_it(billing, client, portal):
    block = _lapsing(billing)
    first, second = (code(billing, units=5, now=at("2026-03-02")) for _ in range(2))

    new = client.post("/api/v1/accounts/acme/redemptions", json={"code": first, "renews": None}, headers=portal)
    renewal = client.post("/api/v1/accounts/acme/redemptions", json={"code": second, "renews": block}, headers=portal)

    assert new.status_code == 201, new.text
    assert (new.json()["renews"], new.json()["starts_on"]) == (None, "2026-03-02")
    assert renewal.status_code == 201, renewal.text
    assert (renewal.json()["renews"]["id"], renewal.json()["starts_on"]) == (block, "2026-04-01")


def test_without_licenses_to_renew_renews_may_be_left_out(billing, client, portal, acme):
    text = code(billing, units=5, now=at("2026-03-02"))

    answer = client.post("/api/v1/accounts/acme/redemptions", json={"code": text}, headers=portal)

    assert answer.status_code == 201, answer.text


def test_the_document_says_when_renews_is_required(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["RedemptionIn"]
    assert "renewal_choice_required" in schema["properties"]["renews"]["description"]


def test_asking_which_is_not_a_failed_attempt(billing, client, portal):
    _lapsing(billing)
    text = code(billing, units=5, now=at("2026-03-02"))
    for _ in range(12):  # more than the per-person limit of failures
        client.post("/api/v1/accounts/acme/redemptions", json={"code": text}, headers=portal)

    answer = client.post("/api/v1/accounts/acme/redemptions", json={"code": text, "renews": None}, headers=portal)

    assert answer.status_code == 201, answer.text
    assert billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2026-03-02")).solutions[0].total == 10
