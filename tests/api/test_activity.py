"""``POST /accounts/{account}/activity``: a user's last activity only moves forward, never past the request's
time, and a batch naming an unknown solution is refused naming the entry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from billing.models import Assignment
from tests.conftest import at


def _last_active(billing, user: str):
    with billing.db.read() as session:
        return session.scalar(select(Assignment.last_active_at).where(Assignment.subject == user))


def _post(client, headers, *events):
    body = {"events": [{"user": u, "solution": s, "at": t} for u, s, t in events]}
    return client.post("/api/v1/accounts/acme/activity", json=body, headers=headers)


def test_an_activity_in_the_future_is_recorded_as_the_request_time(billing, client, portal, acme, clock):
    assert client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal).status_code == 201
    clock.advance(days=1)
    assert _post(client, portal, ("ana", "desk", "9999-12-31T00:00:00Z")).status_code == 200
    assert _last_active(billing, "ana") == clock.now


def test_a_user_reported_in_the_future_is_still_released_60_days_after_the_request(
    billing, client, portal, acme, clock
):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    _post(client, portal, ("ana", "desk", "9999-12-31T00:00:00Z"), ("ana", "desk", "2026-03-01T00:00:00Z"))
    assert billing.sweep.run(now=clock.now + timedelta(days=61)).released_users == 1


def test_an_earlier_activity_never_overwrites_a_later_one(billing, client, portal, acme, clock):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    clock.advance(days=5)
    _post(client, portal, ("ana", "desk", "2026-03-06T09:00:00Z"))
    _post(client, portal, ("ana", "desk", "2026-03-04T09:00:00Z"))
    assert _last_active(billing, "ana") == at("2026-03-06", 9)


def test_one_unknown_solution_in_a_batch_is_422_naming_its_entry_and_records_nothing(
    billing, client, portal, acme, clock
):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    clock.advance(days=1)
    events = [("ana", "desk", "2026-03-03T09:00:00Z")] * 3 + [("ana", "desks", "2026-03-03T09:00:00Z")]
    answer = _post(client, portal, *events)
    assert (answer.status_code, answer.json()["code"]) == (422, "unknown_solution")
    assert [error["field"] for error in answer.json()["errors"]] == ["events.3.solution"]
    assert "events.3" in answer.json()["detail"]
    assert _last_active(billing, "ana") == at("2026-03-02")


def test_a_blank_user_is_422_naming_its_entry(client, portal, acme):
    answer = _post(client, portal, ("ana", "desk", "2026-03-01T09:00:00Z"), ("   ", "desk", "2026-03-01T09:00:00Z"))
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["events.1.user"]


def test_the_answer_names_users_holding_no_license(client, portal, acme):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    answer = _post(client, portal, ("ana", "desk", "2026-03-01T09:00:00Z"), ("bob", "Desk", "2026-03-01T09:00:00Z"))
    assert answer.json() == {"recorded": 2, "unlicensed": [{"user": "bob", "solution": "desk"}]}
