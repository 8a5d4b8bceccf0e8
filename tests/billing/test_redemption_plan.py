"""The redemption rule decided from facts alone: no database, no clock."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from billing.accounts import AccountView
from billing.codes import CodeExpired, CodeView
from billing.licensing import CohortView
from billing.models.codes import CodeKind, CodeStatus
from billing.plan_levels import LevelConflict
from billing.redemption_plan import (
    AlreadyRenewed,
    BlockFacts,
    CodeFacts,
    CodeNotForAccount,
    RedemptionFacts,
    RenewalMismatch,
    plan,
)

NOW = datetime(2024, 3, 10, 12, tzinfo=UTC)
ACCOUNT = AccountView(1, "acme", "Acme", "UTC", "USD", "reseller", 7, "northwind", "Northwind")
ROOM, STANDARD, PREMIUM = 10, 20, 21


def _code_view(**changes: object) -> CodeView:
    view = CodeView(
        id=5,
        prefix="ABCD",
        kind="subscription",
        status="issued",
        solution="room",
        solution_name="Room",
        level="standard",
        license_kind="device",
        units=3,
        term_months=12,
        amount=None,
        credit_source=None,
        reseller=None,
        account=None,
        redeem_by=None,
        reference=None,
        batch="b",
        issued_by="staff",
        issued_at=datetime(2024, 1, 1, tzinfo=UTC),
        voided_by=None,
        voided_at=None,
        redeemed_by=None,
        redeemed_at=None,
        redeemed_into=None,
    )
    return replace(view, **changes)


def _code(**changes: object) -> CodeFacts:
    code = CodeFacts(
        view=_code_view(),
        status=CodeStatus.ISSUED,
        kind=CodeKind.SUBSCRIPTION,
        solution_id=ROOM,
        plan_level_id=STANDARD,
        level_name="Standard",
        term_months=12,
    )
    return replace(code, **changes)


def _block(
    block_id: int, starts_on: date, ends_on: date, *, level: int = STANDARD, renewed: bool = False
) -> BlockFacts:
    view = CohortView(
        id=block_id,
        solution="room",
        solution_name="Room",
        level="standard" if level == STANDARD else "premium",
        level_name="Standard" if level == STANDARD else "Premium",
        license_kind="device",
        units=3,
        starts_on=starts_on,
        ends_on=ends_on,
        term_months=12,
        auto_renew=False,
        renewed=renewed,
        renews_cohort_id=None,
    )
    return BlockFacts(view=view, account_id=ACCOUNT.id, solution_id=ROOM, plan_level_id=level, auto_renew=False)


def test_a_new_block_starts_today_and_renews_one_term_later():
    decided = plan(RedemptionFacts(code=_code(), account=ACCOUNT), now=NOW)

    assert (decided.starts_on, decided.ends_on, decided.renews) == (date(2024, 3, 10), date(2025, 3, 10), None)


def test_renewing_a_block_that_ends_in_the_future_starts_at_its_end():
    block = _block(3, date(2023, 4, 1), date(2024, 4, 1))
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, renews=3, renewed=block, candidates=(block,))

    decided = plan(facts, now=NOW)

    assert (decided.starts_on, decided.ends_on) == (date(2024, 4, 1), date(2025, 4, 1))
    assert decided.renews == block.view and decided.renewal_candidates == ()


def test_renewing_a_lapsed_block_starts_today():
    block = _block(3, date(2023, 2, 1), date(2024, 2, 1))
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, renews=3, renewed=block, candidates=(block,))

    decided = plan(facts, now=NOW)

    assert (decided.starts_on, decided.ends_on) == (date(2024, 3, 10), date(2025, 3, 10))


def test_renewing_a_block_outside_the_renewal_window_is_refused():
    block = _block(3, date(2024, 1, 1), date(2025, 1, 1))
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, renews=3, renewed=block, candidates=())

    with pytest.raises(RenewalMismatch, match="renewals open 45 days before"):
        plan(facts, now=NOW)


def test_renewing_a_block_already_renewed_is_refused():
    block = _block(3, date(2023, 4, 1), date(2024, 4, 1), renewed=True)
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, renews=3, renewed=block, candidates=(block,))

    with pytest.raises(AlreadyRenewed):
        plan(facts, now=NOW)


def test_a_code_of_another_level_overlapping_held_licenses_is_refused_naming_them():
    premium = _block(4, date(2024, 1, 1), date(2025, 1, 1), level=PREMIUM)
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, other_levels=(premium,))

    with pytest.raises(LevelConflict) as refused:
        plan(facts, now=NOW)

    assert refused.value.details["existing_level"] == "premium"
    assert refused.value.details["wanted_level"] == "standard"
    assert refused.value.details["until"] == "2025-01-01"


def test_a_code_of_another_level_starting_after_held_licenses_end_is_accepted():
    premium = _block(4, date(2023, 1, 1), date(2024, 3, 10), level=PREMIUM)
    facts = RedemptionFacts(code=_code(), account=ACCOUNT, other_levels=(premium,))

    assert plan(facts, now=NOW).starts_on == date(2024, 3, 10)


def test_a_code_meant_for_another_resellers_customers_is_refused():
    facts = RedemptionFacts(code=_code(reseller_id=8), account=ACCOUNT)

    with pytest.raises(CodeNotForAccount, match="another reseller"):
        plan(facts, now=NOW)


def test_a_code_meant_for_this_resellers_customers_is_accepted():
    facts = RedemptionFacts(code=_code(reseller_id=ACCOUNT.reseller_id), account=ACCOUNT)

    assert plan(facts, now=NOW).starts_on == date(2024, 3, 10)


def test_a_code_past_its_redeem_by_date_is_refused_but_accepted_on_that_day():
    with pytest.raises(CodeExpired, match="2024"):
        plan(RedemptionFacts(code=_code(redeem_by=date(2024, 3, 9)), account=ACCOUNT), now=NOW)

    assert plan(RedemptionFacts(code=_code(redeem_by=date(2024, 3, 10)), account=ACCOUNT), now=NOW).starts_on
