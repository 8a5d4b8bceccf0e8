from datetime import date

import pytest
from sqlalchemy import func, select

from billing.actors import Actor
from billing.attempts import TooManyAttempts
from billing.codeformat import MistypedCode
from billing.codes import CodeAlreadyRedeemed, CodeExpired, CodeVoided, UnknownCode
from billing.models import Cohort, PrepaidCode, RedeemAttempt, Redemption
from billing.money import Money
from billing.periods import format_date
from billing.plan_levels import LevelConflict
from billing.redemption_plan import AlreadyRenewed, CodeNotForAccount, RenewalChoiceRequired, RenewalMismatch
from tests.billing.builders import account, code, licenses, redeem, reseller
from tests.conftest import STAFF, at


def _count(billing, model):
    with billing.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_three_year_enterprise_code_redeemed_on_feb_29_2024_renews_on_feb_28_2027(billing):
    account(billing, now=at("2024-02-01"))
    receipt = redeem(
        billing, code(billing, level="enterprise", units=10, months=36, now=at("2024-02-01")), now=at("2024-02-29")
    )
    assert receipt.plan.starts_on == date(2024, 2, 29)
    assert receipt.plan.ends_on == date(2027, 2, 28)


def test_a_one_month_code_redeemed_on_jan_31_renews_on_the_last_day_of_february(billing):
    account(billing, now=at("2025-01-01"))
    receipt = redeem(billing, code(billing, months=1, now=at("2025-01-01")), now=at("2025-01-31"))
    assert receipt.plan.ends_on == date(2025, 2, 28)


def test_the_renewal_date_is_the_calendar_date_in_the_accounts_time_zone(billing):
    account(billing, tz="Pacific/Auckland", now=at("2024-03-01"))
    # 21 Mar 2024 20:00 UTC is already 22 Mar in Auckland.
    receipt = redeem(billing, code(billing, now=at("2024-03-01")), now=at("2024-03-21", hour=20))
    assert receipt.plan.starts_on == date(2024, 3, 22)
    assert receipt.plan.ends_on == date(2025, 3, 22)


def test_an_enterprise_code_is_refused_while_professional_licenses_are_active_and_allowed_after(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, level="professional", units=10, months=12, now=at("2024-01-01"))
    enterprise = code(billing, level="enterprise", units=10, now=at("2024-06-01"))

    with pytest.raises(LevelConflict) as refused:
        redeem(billing, enterprise, now=at("2024-06-01"))
    message = str(refused.value)
    assert "Room booking Professional" in message and "one plan level per solution" in message
    assert "separate account" in message
    assert _count(billing, Cohort) == 1

    receipt = redeem(billing, enterprise, now=at("2025-01-01"))  # the Professional block lapsed that day
    assert receipt.plan.starts_on == date(2025, 1, 1)


def test_another_solution_may_have_another_level(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, solution="room", level="professional", now=at("2024-01-01"))
    licenses(billing, solution="desk", level="enterprise", now=at("2024-01-02"))
    assert _count(billing, Cohort) == 2


def test_early_renewal_starts_on_the_old_renewal_date_and_is_never_counted_twice(billing):
    account(billing, now=at("2023-01-01"))
    old = licenses(billing, units=10, now=at("2023-01-01"))  # renews 1 Jan 2024
    renewal_code = code(billing, units=10, now=at("2023-12-12"))

    preview = billing.redemptions.preview(code=renewal_code, account="acme", actor=STAFF, now=at("2023-12-12"))
    assert [c.id for c in preview.renewal_candidates] == [old.cohort_id]

    receipt = redeem(billing, renewal_code, now=at("2023-12-12"), renews=old.cohort_id)  # 20 days early
    assert receipt.plan.starts_on == date(2024, 1, 1)
    assert receipt.plan.ends_on == date(2025, 1, 1)

    for day in ("2023-12-12", "2023-12-31", "2024-01-01", "2024-06-01"):
        (room,) = billing.licenses.breakdown(account="acme", actor=STAFF, now=at(day)).solutions
        assert room.total == 10, day
    before = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2023-12-31")).solutions[0]
    assert [(line.renews_on, line.renewed) for line in before.lines] == [(date(2024, 1, 1), True)]
    assert [(u.starts_on, u.renews_on, u.units) for u in before.upcoming] == [(date(2024, 1, 1), date(2025, 1, 1), 10)]
    after = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2024-01-01")).solutions[0]
    assert [(line.renews_on, line.renewed) for line in after.lines] == [(date(2025, 1, 1), False)]


def test_a_late_renewal_starts_on_the_redemption_date(billing):
    account(billing, now=at("2023-01-01"))
    old = licenses(billing, units=10, now=at("2023-01-01"))
    receipt = redeem(billing, code(billing, now=at("2024-01-10")), now=at("2024-01-10"), renews=old.cohort_id)
    assert receipt.plan.starts_on == date(2024, 1, 10)
    assert format_date(receipt.plan.ends_on) == "10 Jan 2025"


def test_a_cohort_is_renewed_once(billing):
    account(billing, now=at("2023-01-01"))
    old = licenses(billing, now=at("2023-01-01"))
    redeem(billing, code(billing, now=at("2023-12-20")), now=at("2023-12-20"), renews=old.cohort_id)
    second = code(billing, now=at("2023-12-21"))
    with pytest.raises(AlreadyRenewed):
        redeem(billing, second, now=at("2023-12-21"), renews=old.cohort_id)


def test_a_renewal_must_match_the_plan_and_be_within_45_days(billing):
    account(billing, now=at("2023-01-01"))
    old = licenses(billing, now=at("2023-01-01"))
    with pytest.raises(RenewalMismatch):
        redeem(
            billing, code(billing, solution="desk", now=at("2023-12-20")), now=at("2023-12-20"), renews=old.cohort_id
        )
    with pytest.raises(RenewalMismatch):  # 1 Jan 2024 is more than 45 days after 1 Nov 2023
        redeem(billing, code(billing, now=at("2023-11-01")), now=at("2023-11-01"), renews=old.cohort_id)


def test_a_code_is_redeemed_once(billing):
    account(billing, now=at("2024-01-01"))
    account(billing, "globex", now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    redeem(billing, text, now=at("2024-01-02"))
    with pytest.raises(CodeAlreadyRedeemed):
        redeem(billing, text, now=at("2024-01-03"))
    with pytest.raises(CodeAlreadyRedeemed):
        redeem(billing, text, "globex", now=at("2024-01-03"))
    assert _count(billing, Cohort) == 1
    assert _count(billing, Redemption) == 1


def test_a_replayed_request_returns_the_first_result_and_changes_nothing(billing):
    account(billing, now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    receipts = [
        billing.redemptions.redeem(
            code=text, account="acme", actor=STAFF, now=at("2024-01-02"), scope="slack:confirm:123"
        )
        for _ in range(5)
    ]
    assert [r.replayed for r in receipts] == [False, True, True, True, True]
    assert {r.cohort_id for r in receipts} == {receipts[0].cohort_id}
    assert _count(billing, Cohort) == 1


def test_a_typo_is_caught_by_the_check_symbol_without_asking_the_database(billing, monkeypatch):
    account(billing, now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    typo = text[:-1] + ("0" if text[-1] != "0" else "1")
    import billing.redemption_rows as rows_module

    def no_lookup(*args, **kwargs):
        raise AssertionError("the database was asked")

    monkeypatch.setattr(rows_module, "code", no_lookup)
    with pytest.raises(MistypedCode):
        redeem(billing, typo, now=at("2024-01-02"))


def test_the_same_code_in_lower_case_without_hyphens_inside_slack_formatting_is_accepted(billing):
    account(billing, now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    receipt = redeem(billing, f"*`{text.replace('-', '').lower()}`*", now=at("2024-01-02"))
    assert receipt.plan.code.units == 10


def test_no_plaintext_code_is_stored(billing):
    account(billing, now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    redeem(billing, text, now=at("2024-01-02"))
    canonical = text.replace("-", "")
    with billing.db.engine.connect() as connection:
        dump = "\n".join(
            repr(row)
            for table in ("prepaid_codes", "redemptions", "audit_events", "cohorts", "redeem_attempts")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert canonical not in dump and text not in dump and canonical[4:] not in dump


def test_voided_unknown_and_expired_codes_are_refused(billing):
    account(billing, now=at("2024-01-01"))
    voided = code(billing, now=at("2024-01-01"))
    billing.codes.void(code=voided, actor=STAFF, now=at("2024-01-01"))
    with pytest.raises(CodeVoided):
        redeem(billing, voided, now=at("2024-01-02"))

    from billing import codeformat

    with pytest.raises(UnknownCode):
        redeem(billing, codeformat.grouped(codeformat.generate()), now=at("2024-01-02"))

    expiring = code(billing, now=at("2024-01-01"), redeem_by=date(2024, 1, 31))
    with pytest.raises(CodeExpired):
        redeem(billing, expiring, now=at("2024-02-01"))
    assert redeem(billing, expiring, now=at("2024-01-31")).plan.starts_on == date(2024, 1, 31)


def test_a_code_meant_for_a_reseller_only_goes_into_that_resellers_accounts(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "southwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", now=at("2024-01-01"))
    account(billing, "globex", reseller="southwind", now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"), reseller="northwind")
    with pytest.raises(CodeNotForAccount):
        redeem(billing, text, "globex", now=at("2024-01-02"))
    assert redeem(billing, text, "acme", now=at("2024-01-02")).plan.account.slug == "acme"


def test_a_reseller_member_redeems_for_their_own_customers_only_and_is_recorded(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "southwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", now=at("2024-01-01"))
    account(billing, "globex", reseller="southwind", now=at("2024-01-01"))
    northwind = billing.resellers.get_reseller(slug="northwind")
    member = Actor(ref="slack:TNORTH/U1", role="reseller", reseller_id=northwind.id)
    text = code(billing, now=at("2024-01-01"))

    from billing.accounts import AccountNotFound

    with pytest.raises(AccountNotFound):
        billing.redemptions.redeem(code=text, account="globex", actor=member, now=at("2024-01-02"))
    billing.redemptions.redeem(code=text, account="acme", actor=member, now=at("2024-01-02"))
    view = billing.codes.show(code=text, actor=STAFF, now=at("2024-01-02"))
    assert (view.redeemed_by, view.redeemed_into, view.status) == ("slack:TNORTH/U1", "acme", "redeemed")
    with billing.db.read() as session:
        assert session.scalar(select(Redemption.on_behalf)) is False


def test_repeated_failures_are_recorded_and_then_rate_limited(billing):
    account(billing, now=at("2024-01-01"))
    from billing import codeformat

    for _ in range(10):
        with pytest.raises(UnknownCode):
            redeem(billing, codeformat.grouped(codeformat.generate()), now=at("2024-01-02"))
    good = code(billing, now=at("2024-01-02"))
    with pytest.raises(TooManyAttempts):
        redeem(billing, good, now=at("2024-01-02"))
    assert _count(billing, RedeemAttempt) == 10
    # After the window the good code goes through.
    assert redeem(billing, good, now=at("2024-01-02", hour=13)).cohort_id is not None


def test_a_credit_code_adds_a_ledger_entry_not_licenses(billing):
    account(billing, now=at("2024-01-01"))
    from billing.models import CreditEntry
    from billing.money import Money

    batch = billing.issuing.issue_credit_codes(
        amount=Money(5000, "USD"), source="topped_up", actor=STAFF, now=at("2024-01-01")
    )
    receipt = redeem(billing, batch.codes[0].code, now=at("2024-01-02"))
    assert receipt.plan.credit == Money(5000, "USD") and receipt.cohort_id is None
    assert _count(billing, Cohort) == 0
    with billing.db.read() as session:
        entry = session.scalar(select(CreditEntry))
        assert (entry.amount_minor, entry.source, entry.currency) == (5000, "topped_up", "USD")


def test_codes_row_keeps_only_prefix_salt_and_digest(billing):
    text = code(billing, now=at("2024-01-01"))
    with billing.db.read() as session:
        row = session.scalar(select(PrepaidCode))
        assert row.prefix == text[:4] and len(row.digest) == 32 and len(row.salt) == 16


def test_the_same_code_typed_differently_in_one_scope_redeems_once(billing):
    account(billing, now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"))
    first = billing.redemptions.redeem(code=text, account="acme", actor=STAFF, now=at("2024-01-02"), scope="m:1")
    again = billing.redemptions.redeem(
        code=f" {text.lower().replace('-', ' ')} ", account="acme", actor=STAFF, now=at("2024-01-02"), scope="m:1"
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.cohort_id == first.cohort_id


def test_licenses_lapsed_over_a_year_ago_are_not_offered_for_renewal_and_cannot_be_renewed(billing):
    account(billing, now=at("2022-01-01"))
    long_lapsed = licenses(billing, units=3, now=at("2022-01-01"))  # lapsed unrenewed on 1 Jan 2023
    due_soon = licenses(billing, units=4, now=at("2023-03-01"))  # renews 1 Mar 2024
    renewal_code = code(billing, units=4, now=at("2024-02-01"))

    preview = billing.redemptions.preview(code=renewal_code, account="acme", actor=STAFF, now=at("2024-02-01"))

    assert [c.id for c in preview.renewal_candidates] == [due_soon.cohort_id]
    with pytest.raises(RenewalMismatch, match="close 365 days after"):
        redeem(billing, renewal_code, now=at("2024-02-01"), renews=long_lapsed.cohort_id)


def test_the_redeem_preview_lists_the_nine_soonest_renewal_choices_and_counts_the_others(billing):
    account(billing, now=at("2023-01-01"))
    blocks = [licenses(billing, units=1 + n, now=at(f"2023-01-{1 + n:02d}")) for n in range(12)]
    renewal_code = code(billing, units=1, now=at("2023-12-20"))

    preview = billing.redemptions.preview(code=renewal_code, account="acme", actor=STAFF, now=at("2023-12-20"))

    assert [c.id for c in preview.renewal_candidates] == [b.cohort_id for b in blocks[:9]]
    assert preview.more_renewal_candidates == 3
    receipt = redeem(billing, renewal_code, now=at("2023-12-20"), renews=blocks[11].cohort_id)  # an unlisted one
    assert receipt.plan.renews is not None and receipt.plan.renews.id == blocks[11].cohort_id


def test_a_reseller_member_never_sees_a_credit_codes_amount_even_on_an_account_paying_from_credit(billing):
    reseller(billing, "northwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", pays="credits", now=at("2024-01-01"))
    northwind = billing.resellers.get_reseller(slug="northwind")
    member = Actor(ref="slack:TNORTH/U1", role="reseller", reseller_id=northwind.id)
    batch = billing.issuing.issue_credit_codes(
        amount=Money(5000, "USD"), source="topped_up", actor=STAFF, now=at("2024-01-01")
    )
    text = batch.codes[0].code

    seen_by_member = billing.redemptions.preview(code=text, account="acme", actor=member, now=at("2024-01-02"))
    seen_by_staff = billing.redemptions.preview(code=text, account="acme", actor=STAFF, now=at("2024-01-02"))
    receipt = billing.redemptions.redeem(code=text, account="acme", actor=member, now=at("2024-01-02"))

    assert "$" not in seen_by_member.describe() and "50.00" not in seen_by_member.describe()
    assert "$" not in receipt.plan.describe()
    assert "$50.00" in seen_by_staff.describe()


def test_redeeming_without_a_choice_into_an_account_with_licenses_to_renew_is_refused_not_defaulted(billing):
    account(billing, now=at("2024-01-01"))
    old = licenses(billing, units=5, months=1, now=at("2024-01-01"))  # renewing 1 Feb 2024
    text = code(billing, units=5, now=at("2024-01-10"))

    preview = billing.redemptions.preview(code=text, account="acme", actor=STAFF, now=at("2024-01-10"))
    with pytest.raises(RenewalChoiceRequired) as refused:
        billing.redemptions.redeem(code=text, account="acme", actor=STAFF, now=at("2024-01-10"))

    assert preview.renewal_choice_needed and [c.id for c in preview.renewal_candidates] == [old.cohort_id]
    assert refused.value.details["field"] == "renews"
    chosen = billing.redemptions.redeem(code=text, account="acme", actor=STAFF, now=at("2024-01-10"), renews=None)
    assert not chosen.plan.is_renewal and chosen.plan.starts_on == at("2024-01-10").date()


def test_renewal_choices_beyond_those_shown_are_counted_up_to_a_hundred(billing):
    """However long the history, the count is bounded (the redemption stays as fast with 10,000 lapsed blocks)."""
    from sqlalchemy import insert

    from billing.redemption_rows import MORE_COUNTED

    account(billing, now=at("2023-01-01"))
    first = licenses(billing, units=1, now=at("2023-01-01"))
    with billing.db.write() as session:
        template = session.get_one(Cohort, first.cohort_id)
        row = {c.key: getattr(template, c.key) for c in Cohort.__table__.columns if c.key not in ("id", "code_id")}
        session.execute(insert(Cohort), [row] * (MORE_COUNTED + 20))  # blocks without a code of their own
    renewal_code = code(billing, units=1, now=at("2023-12-20"))

    preview = billing.redemptions.preview(code=renewal_code, account="acme", actor=STAFF, now=at("2023-12-20"))

    assert len(preview.renewal_candidates) == 9
    assert preview.more_renewal_candidates == MORE_COUNTED  # of the 121 - 9 there are
