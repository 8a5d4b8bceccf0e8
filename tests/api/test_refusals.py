"""Bad input gets a 4xx problem+json naming what is wrong, never a 5xx, and writes nothing; no plaintext
key is stored or logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from billing.db import Base
from billing.models import AuditEvent, IdempotencyRecord, Redemption
from tests.api.conftest import bearer, new_key
from tests.billing.builders import account, subscribe
from tests.conftest import STAFF, at


def _writes(billing) -> tuple[int, int, int]:
    with billing.db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (AuditEvent, Redemption, IdempotencyRecord)
        )


BAD = [
    ("post", "/accounts/acme/redemptions", {"code": 12345}, 422, "invalid_request"),
    ("post", "/accounts/acme/redemptions", {}, 422, "invalid_request"),
    ("post", "/accounts/acme/redemptions", {"code": "not a code"}, 422, "malformed_code"),
    ("post", "/accounts/acme/redemptions", {"code": "x", "extra": 1}, 422, "invalid_request"),
    (
        "post",
        "/accounts/acme/activity",
        {"events": [{"user": "u", "solution": "nosuch", "at": "2026-03-01T00:00:00Z"}]},
        422,
        "unknown_solution",
    ),
    (
        "post",
        "/accounts/acme/activity",
        {"events": [{"user": "u", "solution": "desk", "at": "yesterday"}]},
        422,
        "invalid_request",
    ),
    ("post", "/accounts/acme/activity", {"events": []}, 422, "invalid_request"),
    ("put", "/accounts/acme/solutions/nosuch/devices/d1", None, 404, "unknown_solution"),
    ("put", "/accounts/acme/solutions/desk/devices/d1", None, 422, "wrong_license_kind"),
    ("post", "/accounts/acme/licenses/quote", {"solution": "room", "units": "many"}, 422, "invalid_request"),
    ("post", "/accounts/acme/licenses", {"quote_id": "forged.0000"}, 422, "invalid_quote_id"),
    ("get", "/accounts?cursor=%%%", None, 422, "invalid_cursor"),
    (
        "post",
        "/accounts/acme/activity",
        {"events": [{"user": "u", "solution": "\u0000", "at": "2026-03-01T00:00:00Z"}]},
        422,
        "invalid_request",
    ),
    ("put", "/accounts/acme/solutions/room/devices/a%00b", None, 422, "invalid_request"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), BAD)
def test_bad_input_is_a_problem_naming_it_and_writes_nothing(
    client, billing, portal, acme, method, path, body, status, code
):
    before = _writes(billing)
    answer = client.request(method.upper(), f"/api/v1{path}", json=body, headers={**portal, "Idempotency-Key": "k"})
    assert (answer.status_code, answer.headers["content-type"]) == (status, "application/problem+json")
    problem = answer.json()
    assert problem["code"] == code and problem["status"] == status and problem["title"] and problem["detail"]
    assert _writes(billing)[1:] == before[1:]  # failed attempts may be counted in the audit-free attempts table


def test_a_422_names_the_offending_fields(client, portal, acme):
    answer = client.post("/api/v1/accounts/acme/licenses/quote", json={"units": -1}, headers=portal)
    assert sorted(error["field"] for error in answer.json()["errors"]) == ["solution", "units"]


def test_a_huge_body_is_413_before_it_is_read(client, portal, acme):
    answer = client.post("/api/v1/accounts/acme/activity", content=b"{" + b" " * 300_000 + b"}", headers=portal)
    assert (answer.status_code, answer.json()["code"]) == (413, "body_too_large")


def test_no_table_and_no_log_line_holds_a_plaintext_key(billing, client, acme, caplog):
    caplog.set_level(logging.DEBUG)
    key = new_key(billing, "audited")
    client.get("/api/v1/accounts/acme", headers=bearer(key))
    client.get("/api/v1/accounts/acme", headers=bearer(key + "x"))
    with billing.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert key not in repr(tuple(row)) and key[4:20] not in repr(tuple(row))
    assert key not in caplog.text


def test_a_portal_key_quotes_more_licenses_then_buys_them_and_fewer_is_staff_only(billing, client, portal):
    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))
    quote = client.post("/api/v1/accounts/globex/licenses/quote", json={"solution": "room", "units": 5}, headers=portal)
    assert quote.status_code == 200
    body = quote.json()
    assert (body["units_before"], body["units_after"], body["action"]) == (3, 5, "add")
    bought = client.post("/api/v1/accounts/globex/licenses", json={"quote_id": body["quote_id"]}, headers=portal)
    assert bought.status_code == 201 and bought.json()["units_after"] == 5
    assert bought.json()["invoice"]["total"] == body["amount"]
    stale = client.post("/api/v1/accounts/globex/licenses", json={"quote_id": body["quote_id"]}, headers=portal)
    assert (stale.status_code, stale.json()["code"]) == (409, "quote_changed")
    fewer = client.post("/api/v1/accounts/globex/licenses/quote", json={"solution": "room", "units": 2}, headers=portal)
    assert (fewer.status_code, fewer.json()["code"]) == (403, "not_allowed")
    audit = billing.audit.entries(actor=STAFF)
    assert any(entry.actor == "api:portal" for entry in audit)


def test_failed_redemptions_count_per_end_user_of_a_portal_key_and_per_account(billing, client, portal, acme):
    for _ in range(10):
        client.post(
            "/api/v1/accounts/acme/redemptions/preview",
            json={"code": "0000000000000000000000000"},
            headers={**portal, "On-Behalf-Of": "mallory@acme.example"},
        )
    blocked = client.post(
        "/api/v1/accounts/acme/redemptions/preview",
        json={"code": "0000000000000000000000000"},
        headers={**portal, "On-Behalf-Of": "mallory@acme.example"},
    )
    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")
    other = client.post(
        "/api/v1/accounts/acme/redemptions/preview",
        json={"code": "0000000000000000000000000"},
        headers={**portal, "On-Behalf-Of": "ana@acme.example"},
    )
    assert other.json()["code"] != "too_many_attempts"


def test_a_timestamp_without_its_offset_is_422_naming_it(client, portal, acme):
    events = [
        {"user": "u", "solution": "desk", "at": "2026-03-01T00:00:00Z"},
        {"user": "u", "solution": "desk", "at": "2026-03-02T09:00:00"},
    ]
    answer = client.post("/api/v1/accounts/acme/activity", json={"events": events}, headers=portal)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    assert [error["field"] for error in answer.json()["errors"]] == ["events.1.at"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}])
def test_a_path_that_is_not_utf8_is_422_naming_the_path_with_or_without_a_key(client, headers):
    answer = client.get("/api/v1/accounts/%FF", headers=headers)
    assert (answer.status_code, answer.headers["content-type"]) == (422, "application/problem+json")
    assert [error["field"] for error in answer.json()["errors"]] == ["path"]


def test_a_body_that_is_not_utf8_is_422_naming_the_body(client, portal, acme):
    body = b'{"events": [{"user": "\xff", "solution": "desk", "at": "2026-03-01T00:00:00Z"}]}'
    answer = client.post(
        "/api/v1/accounts/acme/activity", content=body, headers={**portal, "Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.headers["content-type"]) == (422, "application/problem+json")
    assert [error["field"] for error in answer.json()["errors"]] == ["body"]


def test_a_body_that_is_not_json_is_422_naming_the_body(client, portal, acme):
    answer = client.post(
        "/api/v1/accounts/acme/activity",
        content=b'{"events": [',
        headers={**portal, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["body"]


def test_a_problem_type_is_about_blank_and_its_title_the_status_phrase(client):
    problem = client.get("/api/v1/accounts").json()
    assert (problem["type"], problem["title"], problem["code"]) == ("about:blank", "Unauthorized", "unauthenticated")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}])
def test_the_server_answers_a_path_that_is_not_utf8_with_a_422_too(http, headers):
    answer = http.get("/accounts/%FF", headers=headers)
    assert (answer.status_code, answer.headers["content-type"]) == (422, "application/problem+json")
    assert [error["field"] for error in answer.json()["errors"]] == ["path"]
