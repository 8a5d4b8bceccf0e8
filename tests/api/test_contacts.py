"""An account's own contact addresses through the Portal API: set by portal keys, shown on the account."""

from __future__ import annotations

from sqlalchemy import func, select

from billing.models import AuditEvent
from tests.api.conftest import bearer, new_key
from tests.conftest import STAFF


def _audited(billing) -> int:
    with billing.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_portal_key_sets_an_accounts_contacts_and_the_account_shows_them(billing, http, portal, acme):
    answer = http.put(
        "/accounts/acme/contacts",
        json={"emails": [" IT@acme.example", "boss@acme.example", "IT@acme.example"]},
        headers=portal,
    )

    assert answer.status_code == 200
    assert answer.json() == {"account": "acme", "contact_emails": ["IT@acme.example", "boss@acme.example"]}
    assert http.get("/accounts/acme", headers=portal).json()["contact_emails"] == [
        "IT@acme.example",
        "boss@acme.example",
    ]
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == (
        "IT@acme.example",
        "boss@acme.example",
    )
    (entry,) = [e for e in billing.audit.entries(actor=STAFF) if e.action == "account.contacts_set"]
    assert entry.actor == "api:portal"


def test_an_empty_list_clears_them(billing, http, portal, acme):
    http.put("/accounts/acme/contacts", json={"emails": ["it@acme.example"]}, headers=portal)

    answer = http.put("/accounts/acme/contacts", json={"emails": []}, headers=portal)

    assert answer.json()["contact_emails"] == []
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ()


def test_a_bad_address_is_422_naming_its_entry_and_writes_nothing(billing, http, portal, acme):
    http.put("/accounts/acme/contacts", json={"emails": ["it@acme.example"]}, headers=portal)
    audited = _audited(billing)

    answer = http.put("/accounts/acme/contacts", json={"emails": ["ok@acme.example", "nope"]}, headers=portal)

    assert (answer.status_code, answer.headers["content-type"]) == (422, "application/problem+json")
    assert answer.json()["code"] == "invalid_email"
    assert [e["field"] for e in answer.json()["errors"]] == ["emails.1"]
    assert "'nope' is not an email address" in answer.json()["detail"]
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ("it@acme.example",)
    assert _audited(billing) == audited


def test_a_body_that_is_not_a_list_of_strings_is_422_naming_the_field(http, portal, acme):
    answer = http.put("/accounts/acme/contacts", json={"emails": "it@acme.example"}, headers=portal)

    assert (answer.status_code, [e["field"] for e in answer.json()["errors"]]) == (422, ["emails"])


def test_a_read_only_key_is_403_and_writes_nothing(billing, http, acme):
    reader = bearer(new_key(billing, "dashboard", read_only=True))
    audited = _audited(billing)

    answer = http.put("/accounts/acme/contacts", json={"emails": ["evil@attacker.example"]}, headers=reader)

    assert (answer.status_code, answer.json()["code"]) == (403, "read_only_key")
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ()
    assert _audited(billing) == audited


def test_a_reseller_key_sees_its_customers_contacts_but_may_set_none_and_sees_no_other_accounts(
    billing, http, portal, acme, northwind
):
    http.put("/accounts/initech/contacts", json={"emails": ["it@initech.example"]}, headers=portal)
    http.put("/accounts/acme/contacts", json={"emails": ["it@acme.example"]}, headers=portal)
    own = bearer(new_key(billing, "northwind-erp", "reseller=northwind"))

    shown = http.get("/accounts/initech", headers=own)
    refused = http.put("/accounts/initech/contacts", json={"emails": ["x@northwind.example"]}, headers=own)
    other = http.put("/accounts/acme/contacts", json={"emails": ["x@northwind.example"]}, headers=own)

    assert shown.json()["contact_emails"] == ["it@initech.example"]
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    # refused before any look-up: says nothing about acme (only the request's own id differs)
    assert {**other.json(), "request_id": None} == {**refused.json(), "request_id": None}
    assert "it@acme.example" not in http.get("/accounts/acme", headers=own).text
    assert billing.accounts.get_account(slug="initech", actor=STAFF).contact_emails == ("it@initech.example",)
