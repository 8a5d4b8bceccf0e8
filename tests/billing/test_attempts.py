"""Every refused redemption attempt counts towards the limits, whatever the reason, except a lost race."""

from datetime import date, timedelta

import pytest

from billing import codeformat, redemption
from billing.actors import Actor
from billing.attempts import MAX_FAILURES_PER_ACTOR, TooManyAttempts
from billing.codes import RedeemedMeanwhile
from billing.errors import BillingError
from tests.billing.builders import account, code, redeem, reseller
from tests.conftest import STAFF, at

DAY = at("2024-01-02")
OTHER = Actor(ref="slack:THOME/UOTHER", role="sales")


def _unknown() -> str:
    return codeformat.grouped(codeformat.generate())


def _refused(billing, text: str, slug: str = "acme") -> str:
    with pytest.raises(BillingError) as refused:
        redeem(billing, text, slug, now=DAY)
    return refused.value.code


def _refusable(billing) -> dict[str, tuple[str, str]]:
    """One code per reason a real code is refused, with the account it is tried on."""
    voided = code(billing, now=at("2024-01-01"))
    billing.codes.void(code=voided, actor=STAFF, now=at("2024-01-01"))
    redeemed = code(billing, now=at("2024-01-01"))
    redeem(billing, redeemed, now=at("2024-01-01"))
    expired = code(billing, now=at("2023-12-01"), redeem_by=date(2023, 12, 31))
    another = code(billing, now=at("2024-01-01"), reseller="southwind")
    return {
        "code_voided": (voided, "acme"),
        "code_already_redeemed": (redeemed, "acme"),
        "code_expired": (expired, "acme"),
        "code_not_for_account": (another, "acme"),
    }


@pytest.fixture
def accounts(billing):
    reseller(billing, "northwind", now=at("2023-11-01"))
    reseller(billing, "southwind", now=at("2023-11-01"))
    account(billing, "acme", reseller="northwind", now=at("2023-11-01"))


def test_after_ten_unknown_codes_the_eleventh_attempt_is_refused_even_with_a_good_code(billing, accounts):
    for _ in range(MAX_FAILURES_PER_ACTOR):
        assert _refused(billing, _unknown()) == "unknown_code"
    assert _refused(billing, code(billing, now=DAY)) == TooManyAttempts.code


@pytest.mark.parametrize("reason", ["code_voided", "code_already_redeemed", "code_expired", "code_not_for_account"])
def test_nine_unknown_codes_then_a_real_but_refused_one_lock_out_the_eleventh_exactly_as_ten_unknown(
    billing, accounts, reason
):
    text, slug = _refusable(billing)[reason]
    for _ in range(MAX_FAILURES_PER_ACTOR - 1):
        _refused(billing, _unknown())
    assert _refused(billing, text, slug) == reason
    assert _refused(billing, code(billing, now=DAY)) == TooManyAttempts.code


def test_a_lost_race_is_recorded_but_does_not_count_towards_the_lockout(billing, accounts, monkeypatch):
    for _ in range(MAX_FAILURES_PER_ACTOR - 1):
        _refused(billing, _unknown())

    def lose(session, found):
        raise RedeemedMeanwhile("that code has already been redeemed")

    with monkeypatch.context() as patched:
        patched.setattr(redemption, "_claim", lose)
        assert _refused(billing, code(billing, now=DAY)) == "code_already_redeemed"
    assert redeem(billing, code(billing, now=DAY), now=DAY).cohort_id is not None


def test_a_code_found_redeemed_seconds_ago_by_a_concurrent_request_is_a_lost_race_too(billing, accounts):
    for _ in range(MAX_FAILURES_PER_ACTOR - 1):
        _refused(billing, _unknown())
    just_redeemed = code(billing, now=DAY)
    billing.redemptions.redeem(code=just_redeemed, account="acme", actor=OTHER, now=DAY - timedelta(seconds=30))
    assert _refused(billing, just_redeemed) == "code_already_redeemed"
    assert redeem(billing, code(billing, now=DAY), now=DAY).cohort_id is not None
