"""Cross-account views for staff: the renewals coming up across every account."""

import pytest

from billing.actors import Actor
from billing.errors import PermissionDenied
from tests.billing.builders import account, code, licenses, redeem
from tests.conftest import SALES, STAFF, at


def test_renewals_due_lists_unrenewed_code_licenses_within_45_days_soonest_first(billing):
    account(billing, "acme", now=at("2025-01-01"))
    account(billing, "kiwi", now=at("2025-01-01"), tz="Pacific/Auckland")
    licenses(billing, units=3, account_slug="acme", now=at("2025-04-10"))  # renews 10 Apr 2026
    licenses(billing, units=4, account_slug="kiwi", now=at("2025-03-20"))  # renews 20 Mar 2026
    licenses(billing, units=5, account_slug="acme", now=at("2025-06-01"))  # 1 Jun 2026: too far

    due = billing.overview.renewals_due(actor=STAFF, now=at("2026-03-02"))

    assert [(d.account, d.units, d.days_left) for d in due] == [("kiwi", 4, 18), ("acme", 3, 39)]


def test_renewed_licenses_are_no_longer_due(billing):
    account(billing, "acme", now=at("2025-01-01"))
    old = licenses(billing, units=3, now=at("2025-04-10"))  # renews 10 Apr 2026
    redeem(billing, code(billing, now=at("2026-03-01")), now=at("2026-03-01"), renews=old.cohort_id)

    assert billing.overview.renewals_due(actor=STAFF, now=at("2026-03-02")) == []


def test_renewals_due_are_for_staff_only(billing):
    member = Actor(ref="r", role="reseller", reseller_id=1)

    with pytest.raises(PermissionDenied):
        billing.overview.renewals_due(actor=member, now=at("2026-03-02"))
    assert billing.overview.renewals_due(actor=SALES, now=at("2026-03-02")) == []
