import pytest
from sqlalchemy import select

from billing.account_changes import AccountEdit
from billing.accounts import AccountNotFound, InvalidPaymentMethod
from billing.actors import Actor, NotAllowed
from billing.models import AuditEvent
from billing.names import InvalidSlug, SlugTaken
from billing.periods import UnknownTimeZone
from tests.billing.builders import account, reseller
from tests.conftest import STAFF, at


def test_an_account_has_a_slug_time_zone_currency_payment_method_and_reseller(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    created = account(
        billing, "acme", reseller="northwind", tz="Europe/Ljubljana", currency="eur", now=at("2024-01-01")
    )
    assert (created.payment_method, created.reseller_slug, created.currency, created.time_zone) == (
        "reseller",
        "northwind",
        "EUR",
        "Europe/Ljubljana",
    )
    assert not created.shows_prices
    assert billing.accounts.get_account(slug="ACME ", actor=STAFF) == created


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"slug": "Acme Inc!"}, InvalidSlug),
        ({"time_zone": "Mars/Olympus"}, UnknownTimeZone),
        ({"payment_method": "bitcoin"}, InvalidPaymentMethod),
        ({"payment_method": "reseller"}, InvalidPaymentMethod),
    ],
)
def test_bad_account_input_is_refused_and_nothing_is_created(billing, options, error):
    arguments = {"slug": "acme", "name": "Acme", "actor": STAFF, "now": at("2024-01-01"), **options}
    with pytest.raises(error):
        billing.accounts.create_account(**arguments)
    assert billing.accounts.list_accounts(actor=STAFF) == []


def test_slugs_are_unique(billing):
    account(billing, "acme", now=at("2024-01-01"))
    with pytest.raises(SlugTaken):
        account(billing, "acme", now=at("2024-01-01"))


def test_reseller_members_see_only_their_resellers_accounts(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "southwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", now=at("2024-01-01"))
    account(billing, "globex", reseller="southwind", now=at("2024-01-01"))
    account(billing, "direct", now=at("2024-01-01"))
    member = Actor(ref="m", role="reseller", reseller_id=billing.resellers.get_reseller(slug="northwind").id)
    assert [a.slug for a in billing.accounts.list_accounts(actor=member)] == ["acme"]
    for hidden in ("globex", "direct"):
        with pytest.raises(AccountNotFound):
            billing.accounts.get_account(slug=hidden, actor=member)
        with pytest.raises(AccountNotFound):
            billing.licenses.breakdown(account=hidden, actor=member, now=at("2024-01-02"))
    with pytest.raises(NotAllowed):
        billing.accounts.create_account(slug="new", name="New", actor=member, now=at("2024-01-02"))


def test_account_changes_are_audited_with_before_and_after(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    account(billing, "acme", now=at("2024-01-01"))
    billing.account_changes.set(
        slug="acme",
        edit=AccountEdit(reseller="northwind", payment_method="reseller"),
        actor=STAFF,
        now=at("2024-01-02"),
    )
    with billing.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.updated"))
        assert event.details["before"]["payment_method"] == "card"
        assert event.details["before"] == {"payment_method": "card", "reseller": None}
        assert event.details["after"] == {"payment_method": "reseller", "reseller": "northwind"}
        assert event.actor == STAFF.ref


def test_staff_roles_are_set_by_admins_only(billing):
    billing.staff.add_staff(slack_user_id="U0SALES", role="sales", actor=STAFF, now=at("2024-01-01"))
    assert billing.staff.staff_role("U0SALES") == "sales"
    sales = Actor(ref="slack:T/U0SALES", role="sales")
    with pytest.raises(NotAllowed):
        billing.staff.add_staff(slack_user_id="U0OTHER", role="admin", actor=sales, now=at("2024-01-01"))
    billing.staff.remove_staff(slack_user_id="U0SALES", actor=STAFF, now=at("2024-01-02"))
    assert billing.staff.staff_role("U0SALES") is None
