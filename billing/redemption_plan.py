"""The redemption rule as a pure function: given the facts loaded first, what a redemption would do.

``plan(facts, now=...)`` reads no database and no clock. It refuses a code that is voided, redeemed,
expired or meant for someone else, a renewal of licenses that cannot be renewed by this code, and a second
plan level of one solution; otherwise it works out the dates. A renewal starts on the old renewal date when
that is still ahead, else today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Literal

from billing.accounts import AccountView
from billing.codes import LOST_RACE_WINDOW, CodeAlreadyRedeemed, CodeExpired, CodeView, CodeVoided, RedeemedMeanwhile
from billing.errors import Conflict, InvalidInput, NotFound
from billing.licensing import RENEWAL_LAPSED_DAYS, RENEWAL_WINDOW_DAYS, CohortView, renewal_window
from billing.models.codes import CodeKind, CodeStatus
from billing.models.ledger import CreditSource
from billing.money import Money
from billing.periods import Period, add_months, format_date, local_date
from billing.plan_levels import refuse_level_clash
from billing.wording import license_phrase


class CodeNotForAccount(Conflict):
    code = "code_not_for_account"


class CohortNotFound(NotFound):
    code = "cohort_not_found"


class RenewalMismatch(InvalidInput):
    code = "renewal_mismatch"


class AlreadyRenewed(Conflict):
    code = "already_renewed"


class CreditCurrencyMismatch(Conflict):
    code = "credit_currency_mismatch"


class RenewalChoiceRequired(InvalidInput):
    """The account has licenses the code could renew, and nobody said whether it renews them or adds new
    ones: a question to the person, not a refusal of the code (it does not count as a failed attempt)."""

    code = "renewal_choice_required"


class NotChosen(Enum):
    """No answer to "new licenses or a renewal?" (a door that asked nothing, a form left without a choice)."""

    NOT_CHOSEN = "not chosen"


NOT_CHOSEN = NotChosen.NOT_CHOSEN
# What the person chose: the cohort to renew, None for new licenses, or NOT_CHOSEN.
RenewalChoice = int | None | Literal[NotChosen.NOT_CHOSEN]


@dataclass(frozen=True)
class CodeFacts:
    """A code as stored (``status`` is the stored one: an expired code is still ``issued``)."""

    view: CodeView
    status: CodeStatus
    kind: CodeKind
    account_id: int | None = None
    reseller_id: int | None = None
    redeem_by: date | None = None
    solution_id: int | None = None
    plan_level_id: int | None = None
    level_name: str | None = None
    term_months: int | None = None
    credit: Money | None = None


@dataclass(frozen=True)
class BlockFacts:
    """A cohort (a block of licenses) with the keys the rule compares."""

    view: CohortView
    account_id: int
    solution_id: int
    plan_level_id: int
    auto_renew: bool


@dataclass(frozen=True)
class RedemptionFacts:
    code: CodeFacts
    account: AccountView
    renews: int | None = None  # the cohort id the person chose to renew, if any
    renewed: BlockFacts | None = None  # that cohort, when it exists
    candidates: tuple[BlockFacts, ...] = ()  # cohorts this code may renew, soonest first (at most the shown)
    more_candidates: int = 0  # further cohorts it may renew, counted, not loaded
    other_levels: tuple[BlockFacts, ...] = ()  # the account's cohorts of the code's solution at another level
    credit_balance: Money | None = None  # a credit code's: the account's credit in the code's currency, now
    other_currency: bool = False  # staff confirmed a credit code in another currency than the account's
    choice_made: bool = True  # False: nobody chose between new licenses and a renewal (refused if there are any)


@dataclass(frozen=True)
class RedemptionPlan:
    """What a redemption does (the preview) or did (the receipt)."""

    code: CodeView
    account: AccountView
    redeemed_on: date
    # Subscription codes:
    starts_on: date | None = None
    ends_on: date | None = None
    renews: CohortView | None = None
    renewal_candidates: tuple[CohortView, ...] = ()
    more_renewal_candidates: int = 0  # beyond those listed
    # Nobody chose between new licenses and a renewal, and there are licenses to renew: the dates above are
    # those of new licenses, and redeeming is refused until someone chooses (every door asks, none presets).
    renewal_choice_needed: bool = False
    # Credit codes:
    credit: Money | None = None
    balance_after: Money | None = None  # the account's credit in the code's currency once redeemed
    amounts_visible: bool = False  # whether whoever asked may see amounts (set for the actor by Redemptions)

    @property
    def is_renewal(self) -> bool:
        return self.renews is not None

    def describe(self) -> str:
        """One plain sentence; amounts only for whoever may see them (staff; a portal key on an account that
        does not pay through a reseller; never a reseller)."""
        code = self.code
        if code.kind == CodeKind.CREDIT:
            words = CreditSource(code.credit_source or CreditSource.PROMO).words
            if not self.amounts_visible:
                return f"Adds {words} to {self.account.name}."
            return (
                f"Adds {self.credit} of {words} to {self.account.name}; "
                f"its {self.balance_after.currency if self.balance_after else ''} credit balance becomes "
                f"{self.balance_after}."
            )
        assert self.starts_on and self.ends_on
        licenses = license_phrase(code.units or 0, code.solution_name, code.level_name, code.license_kind)
        if self.renews is not None:
            return (
                f"Renews {license_phrase(self.renews.units, code.solution_name, code.level_name)} of "
                f"{self.account.name} that renew on {format_date(self.renews.ends_on)}: {licenses} from "
                f"{format_date(self.starts_on)}, next renewal {format_date(self.ends_on)}."
            )
        return (
            f"Adds {licenses} to {self.account.name} from {format_date(self.starts_on)}, "
            f"renewing {format_date(self.ends_on)}."
        )


def _check_code(code: CodeFacts, account: AccountView, now: datetime, today: date) -> None:
    if code.status == CodeStatus.VOIDED:
        raise CodeVoided("that code was voided and cannot be redeemed")
    if code.status == CodeStatus.REDEEMED:
        redeemed_at = code.view.redeemed_at
        if redeemed_at is not None and abs(now - redeemed_at) <= LOST_RACE_WINDOW:
            raise RedeemedMeanwhile("that code has already been redeemed")
        raise CodeAlreadyRedeemed("that code has already been redeemed")
    if code.redeem_by is not None and today > code.redeem_by:
        raise CodeExpired(f"that code had to be redeemed by {format_date(code.redeem_by)}")
    if code.account_id is not None and code.account_id != account.id:
        raise CodeNotForAccount("that code was issued for another account")
    if code.reseller_id is not None and code.reseller_id != account.reseller_id:
        raise CodeNotForAccount("that code was issued for another reseller's customers")


def _check_renewal(facts: RedemptionFacts, today: date) -> BlockFacts | None:
    """The cohort this redemption renews, if one was chosen; refused unless this code may renew it."""
    if facts.renews is None:
        return None
    code, renewed = facts.code, facts.renewed
    if renewed is None or renewed.account_id != facts.account.id:
        raise CohortNotFound(f"{facts.account.name} has no license block {facts.renews}")
    if renewed.view.renewed:
        raise AlreadyRenewed(
            f"those licenses were already renewed ({renewed.view.units} renewing {format_date(renewed.view.ends_on)})"
        )
    if (renewed.solution_id, renewed.plan_level_id) != (code.solution_id, code.plan_level_id):
        raise RenewalMismatch("a renewal code must be of the same solution and level as the licenses it renews")
    if renewed.auto_renew:
        raise RenewalMismatch("those licenses renew automatically (card or invoice) and need no code")
    lapsed_after, horizon = renewal_window(today)
    if not lapsed_after < renewed.view.ends_on <= horizon:
        raise RenewalMismatch(
            f"those licenses renew on {format_date(renewed.view.ends_on)}: "
            f"renewals open {RENEWAL_WINDOW_DAYS} days before and close {RENEWAL_LAPSED_DAYS} days after"
        )
    return renewed


def _check_single_level(facts: RedemptionFacts, starts_on: date, ends_on: date) -> None:
    """One plan level per solution per account: refuse a period overlapping another level's licenses."""
    refuse_level_clash(
        [b.view for b in facts.other_levels],
        account_name=facts.account.name,
        account_slug=facts.account.slug,
        wanted=_Level(name=facts.code.level_name or "", slug=facts.code.view.level or ""),
        period=Period(starts_on, ends_on),
    )


@dataclass(frozen=True)
class _Level:
    name: str
    slug: str


def _credit_plan(facts: RedemptionFacts, today: date) -> RedemptionPlan:
    credit, account = facts.code.credit, facts.account
    assert credit is not None
    if credit.currency != account.currency and not facts.other_currency:
        raise CreditCurrencyMismatch(
            f"that code is credit in {credit.currency} but {account.name} is billed in {account.currency}: its "
            f"invoices could never spend it; staff may redeem it anyway by confirming the other currency"
        )
    before = facts.credit_balance or Money(0, credit.currency)
    return RedemptionPlan(
        code=facts.code.view, account=account, redeemed_on=today, credit=credit, balance_after=before + credit
    )


def plan(facts: RedemptionFacts, *, now: datetime) -> RedemptionPlan:
    """Check that the code may go into the account and work out the dates; raises on any refusal."""
    code, account = facts.code, facts.account
    today = local_date(now, account.time_zone)
    _check_code(code, account, now, today)
    if code.kind == CodeKind.CREDIT:
        return _credit_plan(facts, today)
    assert code.term_months is not None
    renewed = _check_renewal(facts, today)
    starts_on = renewed.view.ends_on if renewed is not None and renewed.view.ends_on > today else today
    ends_on = add_months(starts_on, code.term_months)
    _check_single_level(facts, starts_on, ends_on)
    return RedemptionPlan(
        code=code.view,
        account=account,
        redeemed_on=today,
        starts_on=starts_on,
        ends_on=ends_on,
        renews=renewed.view if renewed is not None else None,
        renewal_candidates=tuple(c.view for c in facts.candidates if renewed is None or c.view.id != renewed.view.id),
        more_renewal_candidates=facts.more_candidates,
        renewal_choice_needed=not facts.choice_made and bool(facts.candidates or facts.more_candidates),
    )


def choice_required(decided: RedemptionPlan) -> RenewalChoiceRequired:
    """The refusal of a redemption nobody chose for (``renewal_choice_needed``)."""
    first = min(decided.renewal_candidates, key=lambda c: (c.ends_on, c.id), default=None)
    which = f" ({first.units} renewing {format_date(first.ends_on)}, block {first.id})" if first else ""
    return RenewalChoiceRequired(
        f"{decided.account.name} has licenses this code could renew{which}: choose a renewal or new licenses",
        field="renews",
    )
