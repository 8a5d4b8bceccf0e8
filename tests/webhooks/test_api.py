"""The Portal API's doors: /webhooks for portal keys, /events scoped like the endpoints, and changes made
through the API reaching the receiver."""

from __future__ import annotations

from fastapi.testclient import TestClient

from billing import Billing
from handlers.outbound.webhooks import Deliverer
from tests.api.conftest import MovableClock, bearer, new_key
from tests.billing.builders import account, code, licenses, reseller
from tests.conftest import at
from tests.webhooks.receiver import Receiver, receiving


def _drain(deliverer: Deliverer, clock: MovableClock) -> None:
    deliverer.drain(sleep=lambda seconds: clock.advance(seconds=seconds), max_wait=1e9)


def test_a_portal_key_adds_lists_and_removes_a_webhook_and_sees_the_secret_once(
    hooks: Billing, client: TestClient, portal: dict[str, str]
) -> None:
    created = client.post("/api/v1/webhooks", json={"name": "crm", "url": "http://127.0.0.1:9/x"}, headers=portal)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=portal).json()["data"]
    assert [(w["name"], w["state"]) for w in listed] == [("crm", "active")] and "secret" not in listed[0]
    assert client.delete("/api/v1/webhooks/crm", headers=portal).status_code == 204
    assert client.delete("/api/v1/webhooks/crm", headers=portal).status_code == 404


def test_a_reseller_key_may_not_manage_webhooks_and_an_http_url_is_refused_unless_allowed(
    hooks: Billing, client: TestClient, portal: dict[str, str], northwind: str
) -> None:
    key = bearer(new_key(hooks, "nw", "reseller=northwind"))
    assert (
        client.post("/api/v1/webhooks", json={"name": "x", "url": "https://example.com/h"}, headers=key).status_code
        == 403
    )
    hooks.webhooks.allow_http = False
    refused = client.post("/api/v1/webhooks", json={"name": "x", "url": "http://127.0.0.1:9/h"}, headers=portal)
    assert refused.status_code == 422 and refused.json()["code"] == "webhook_url_refused"
    private = client.post("/api/v1/webhooks", json={"name": "x", "url": "https://10.0.0.8/h"}, headers=portal)
    assert private.status_code == 422


def test_the_event_log_lists_oldest_first_by_cursor_and_a_reseller_key_sees_its_own_without_amounts(
    hooks: Billing, client: TestClient, portal: dict[str, str], clock: MovableClock
) -> None:
    reseller(hooks, now=at("2026-03-01"))
    account(hooks, "globex", pays="card", now=at("2026-03-01"))
    account(hooks, "initech", reseller="northwind", pays="reseller", now=at("2026-03-01"))
    licenses(hooks, units=2, account_slug="globex", now=clock())
    licenses(hooks, units=2, account_slug="initech", now=clock())
    first = client.get("/api/v1/events?limit=3", headers=portal).json()
    assert [e["data"]["account"] for e in first["data"]] == ["globex", "globex", "initech"]
    rest = client.get(f"/api/v1/events?after={first['next_cursor']}", headers=portal).json()
    assert [e["type"] for e in rest["data"]] == ["licenses.added"] and rest["next_cursor"] is None
    typed = client.get("/api/v1/events?type=code.redeemed", headers=portal).json()["data"]
    assert {e["type"] for e in typed} == {"code.redeemed"} and len(typed) == 2
    nw = bearer(new_key(hooks, "nw", "reseller=northwind"))
    theirs = client.get("/api/v1/events", headers=nw).json()["data"]
    assert {e["data"]["account"] for e in theirs} == {"initech"}
    assert client.get("/api/v1/events?type=nope", headers=portal).status_code == 422
    clock.advance(days=31)
    assert client.get("/api/v1/events", headers=portal).json()["data"] == []


def test_a_redemption_and_a_device_removed_through_the_api_reach_the_receiver(
    hooks: Billing,
    client: TestClient,
    portal: dict[str, str],
    clock: MovableClock,
    receiver: Receiver,
    deliverer: Deliverer,
) -> None:
    account(hooks, now=at("2026-03-01"))
    text = code(hooks, now=clock(), units=4)
    assert client.post("/api/v1/accounts/acme/redemptions", json={"code": text}, headers=portal).status_code == 201
    assert client.post("/api/v1/accounts/acme/redemptions", json={"code": text}, headers=portal).status_code >= 400
    path = "/api/v1/accounts/acme/solutions/room/devices/lobby"
    assert client.put(path, headers=portal).status_code == 201
    assert client.delete(path, headers=portal).status_code == 204
    _drain(deliverer, clock)
    assert receiver.types() == ["code.redeemed", "licenses.added", "licenses.released"]
    assert receiver.of_type("licenses.released")[0]["data"]["device"] == "lobby"


def test_webhooks_cli_adds_tests_rotates_and_removes(joanbot_hooks) -> None:
    run = joanbot_hooks
    with receiving() as receiver:
        code_, out, err = run("webhooks", "add", "crm", receiver.url, "--events", "licenses.added,code.redeemed")
        assert code_ == 0 and out.strip().startswith("whsec_") and "shown only now" in err
        receiver.secrets.append(out.strip())
        assert run("webhooks", "test", "crm")[0] == 0
        assert receiver.types() == ["webhook.test"]
        code_, new_secret, _ = run("webhooks", "rotate-secret", "crm")
        receiver.secrets[:] = [new_secret.strip()]  # the new secret verifies
        assert run("webhooks", "test", "crm")[0] == 0
        assert len(receiver.delivered[-1].headers["webhook-signature"].split(" ")) == 2  # signed with both
        code_, out, _ = run("webhooks", "list")
        assert "crm" in out and "licenses.added,code.redeemed" in out
        assert run("webhooks", "add", "bad", "http://127.0.0.1:1/x", "--events", "nope")[0] == 1
        assert run("webhooks", "remove", "crm")[0] == 0
        assert run("webhooks", "test", "crm")[0] == 1
