"""Who sets and who is shown an account's contact addresses."""

import pytest

from billing.actors import Actor, NotAllowed
from tests.billing.builders import account, reseller
from tests.conftest import STAFF, at

PORTAL = Actor(ref="api:portal", role="portal")


@pytest.fixture
def initech(billing):
    """Northwind's customer initech, and the direct account acme."""
    reseller(billing, now=at("2026-03-01"))
    account(billing, "initech", reseller="northwind", pays="reseller", now=at("2026-03-01"))
    account(billing, "acme", now=at("2026-03-01"))
    return billing


def _member(billing) -> Actor:
    return Actor(ref="api:erp", role="reseller", reseller_id=billing.resellers.get_reseller(slug="northwind").id)


def test_the_portal_sets_an_accounts_own_contacts(initech):
    view = initech.contacts.set_account_emails(
        slug="acme", emails=["it@acme.example"], actor=PORTAL, now=at("2026-03-02")
    )

    assert view.contact_emails == ("it@acme.example",)


def test_the_portal_may_not_set_a_resellers_contacts_nor_may_a_reseller_member_set_an_accounts(initech):
    with pytest.raises(NotAllowed):
        initech.contacts.set_reseller_emails(
            slug="northwind", emails=["a@n.example"], actor=PORTAL, now=at("2026-03-02")
        )
    with pytest.raises(NotAllowed):
        initech.contacts.set_account_emails(
            slug="initech", emails=["a@n.example"], actor=_member(initech), now=at("2026-03-02")
        )


def test_the_portal_and_a_reseller_member_on_its_own_customer_are_shown_the_contacts(initech):
    initech.contacts.set_account_emails(
        slug="initech", emails=["it@initech.example"], actor=STAFF, now=at("2026-03-02")
    )

    assert initech.accounts.get_account(slug="initech", actor=PORTAL).contact_emails == ("it@initech.example",)
    assert initech.accounts.get_account(slug="initech", actor=_member(initech)).contact_emails == (
        "it@initech.example",
    )
    (listed,) = initech.accounts.list_accounts(actor=_member(initech))
    assert listed.contact_emails == ("it@initech.example",)
