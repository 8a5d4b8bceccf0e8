"""A write request is one transaction (its key, its idempotency record, its change); a key is still refused
before a request's other faults, and its use is recorded even when the request is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from billing import Billing
from tests.api.conftest import bearer, new_key
from tests.billing.builders import account, code
from tests.conftest import STAFF, at


@contextmanager
def transactions(billing: Billing) -> Iterator[list[str]]:
    """Each transaction begun on the engine while the block runs."""
    begun: list[str] = []

    def began(_connection: object) -> None:
        begun.append("begin")

    event.listen(billing.db.engine, "begin", began)
    try:
        yield begun
    finally:
        event.remove(billing.db.engine, "begin", began)


def test_a_device_put_is_one_transaction_its_key_looked_up_in_it(billing, client, portal, acme):
    client.put("/api/v1/accounts/acme/solutions/room/devices/warm-up", headers=portal)  # the key's use recorded
    with transactions(billing) as begun:
        answer = client.put("/api/v1/accounts/acme/solutions/room/devices/panel-1", headers=portal)
    assert answer.status_code == 201
    assert len(begun) == 1


def test_a_redemption_under_an_idempotency_key_is_one_transaction_and_its_replay_one_more(billing, client, portal):
    account(billing, "globex", now=at("2026-03-01"))
    text = code(billing, now=at("2026-03-01"))
    client.get("/api/v1/accounts", headers=portal)  # the key's use recorded
    once = {**portal, "Idempotency-Key": "order-1"}
    with transactions(billing) as begun:
        first = client.post("/api/v1/accounts/globex/redemptions", json={"code": text}, headers=once)
    assert first.status_code == 201 and len(begun) == 1
    with transactions(billing) as begun:
        again = client.post("/api/v1/accounts/globex/redemptions", json={"code": text}, headers=once)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(begun) == 1


def test_an_unknown_key_is_401_and_a_read_only_one_writing_403_before_the_request_is_found_invalid(
    billing, client, acme
):
    revoked = bearer(new_key(billing, "old"))
    billing.api_keys.revoke(name="old", actor=STAFF, now=at("2026-03-01"))
    reader = bearer(new_key(billing, "dashboard", read_only=True))
    writer = bearer(new_key(billing, "portal"))
    invalid = {"code": 12345}
    for headers, status, code_ in ((revoked, 401, "unauthenticated"), (reader, 403, "read_only_key")):
        answer = client.post("/api/v1/accounts/acme/redemptions", json=invalid, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code_)
        bad_path = client.put("/api/v1/accounts/acme/solutions/room/devices/a%00b", headers=headers)
        assert (bad_path.status_code, bad_path.json()["code"]) == (status, code_)
    assert client.post("/api/v1/accounts/acme/redemptions", json=invalid, headers=revoked).headers[
        "WWW-Authenticate"
    ] == ("Bearer")
    answer = client.post("/api/v1/accounts/acme/redemptions", json=invalid, headers=writer)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    assert client.get("/api/v1/accounts?cursor=%%%", headers=revoked).status_code == 401


def test_a_refused_write_rolls_back_but_still_records_the_keys_use(billing, client, portal, acme, clock):
    clock.now = at("2026-03-05")
    answer = client.put("/api/v1/accounts/nosuch/solutions/room/devices/panel-1", headers=portal)
    assert answer.status_code == 404
    (key,) = billing.api_keys.list(actor=STAFF)
    assert key.last_used_at == at("2026-03-05")
