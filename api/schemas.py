"""The request and response models: the endpoints validate with them and the OpenAPI document is made
from them, so the document cannot drift from the code."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from billing import MAX_SUBJECT, NOT_CHOSEN, BillingInterval, RenewalChoice
from billing import Money as BillingMoney

MAX_EVENTS = 1000
# No control characters (NUL above all, which PostgreSQL text cannot hold): refused as 422 at the door.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Slug = Annotated[str, Field(pattern=PRINTABLE, min_length=1, max_length=100)]
Subject = Annotated[str, Field(pattern=PRINTABLE, min_length=1, max_length=MAX_SUBJECT)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Money(BaseModel):
    amount: str  # decimal text, exact
    currency: str
    minor: int

    @classmethod
    def of(cls, money: BillingMoney) -> Money:
        return cls(amount=money.plain(), currency=money.currency, minor=money.minor)


class AccountOut(BaseModel):
    slug: str
    name: str
    reseller: str | None
    time_zone: str
    currency: str
    payment_method: str | None  # only for portal keys, on accounts that do not pay through a reseller


class AccountPage(BaseModel):
    data: list[AccountOut]
    next_cursor: str | None


class RenewalOut(BaseModel):
    renews_on: date
    units: int
    renewed: bool


class UpcomingOut(BaseModel):
    starts_on: date
    renews_on: date
    units: int


class ScheduledOut(BaseModel):
    solution: str
    level: str
    interval: str
    effective_on: date
    description: str  # "changes to Standard on 1 Jan 2027"


class SolutionPlanOut(BaseModel):
    solution: str
    solution_name: str
    level: str
    level_name: str
    kind: str
    total: int
    in_use: int
    free: int
    over_capacity: int
    renewals: list[RenewalOut]
    upcoming: list[UpcomingOut]
    scheduled_change: ScheduledOut | None  # a change of level or interval waiting for the renewal
    interval: BillingInterval | None  # how auto-renewing licenses renew; portal keys, accounts billed directly
    unit_price: Money | None  # the catalog's, per license and interval; portal keys, accounts billed directly


class AccountPlanOut(AccountOut):
    contact_emails: list[str]  # where reminder emails go
    solutions: list[SolutionPlanOut]


class RedemptionIn(Strict):
    code: Annotated[str, Field(pattern=PRINTABLE, min_length=1, max_length=100)]
    renews: Annotated[
        int | None,
        Field(
            ge=1,
            le=2**53,
            description="The block to renew, or null for new licenses. Required (null included) to redeem into an "
            "account with licenses the code could renew (the preview's `renewal_candidates`): left out, that "
            "is 422 `renewal_choice_required` naming `renews`.",
        ),
    ] = None

    @property
    def renewal_choice(self) -> RenewalChoice:
        """``renews`` as sent: a block, null (new licenses), or not sent at all (not chosen)."""
        return self.renews if "renews" in self.model_fields_set else NOT_CHOSEN


class BlockOut(BaseModel):
    id: int
    solution: str
    level: str
    kind: str
    units: int
    starts_on: date
    renews_on: date


class RedemptionPlanOut(BaseModel):
    kind: str
    description: str
    solution: str | None
    level: str | None
    license_kind: str | None
    units: int | None
    starts_on: date | None
    renews_on: date | None
    renews: BlockOut | None
    renewal_candidates: list[BlockOut]
    credit: Money | None  # only where prices are shown


class RedemptionOut(RedemptionPlanOut):
    redemption_id: int
    block_id: int | None


class AssignmentOut(BaseModel):
    account: str
    solution: str
    kind: str
    subject: str
    licenses_free: int  # left after this assignment (or after the one it already held)


class ActivityEvent(Strict):
    user: Subject
    solution: Slug
    at: Annotated[
        AwareDatetime,
        Field(description="with its offset (`Z` or `+01:00`); a later time than the request's counts as the request's"),
    ]


class ActivityIn(Strict):
    events: Annotated[list[ActivityEvent], Field(min_length=1, max_length=MAX_EVENTS)]


class Unlicensed(BaseModel):
    user: str
    solution: str


class ActivityOut(BaseModel):
    recorded: int
    unlicensed: list[Unlicensed]  # hold no license (released, or never assigned): assign them again


class BalanceOut(BaseModel):
    currency: str
    topped_up: Money
    promo: Money
    adjustment: Money
    total: Money


class TopUpOut(BaseModel):
    code_prefix: str
    amount: Money
    activated_on: date
    source: str


class RedeemedCodeOut(BaseModel):
    code_prefix: str
    solution_name: str
    kind: str
    paired: int
    allowed: int
    expires_on: date
    duration: str


class CreditsOut(BaseModel):
    balances: list[BalanceOut]  # empty where prices are not shown
    top_ups: list[TopUpOut]  # empty where prices are not shown
    codes: list[RedeemedCodeOut]


class FractionOut(BaseModel):
    """The share of the service period a line is billed for (1/1 for a full term)."""

    numerator: int
    denominator: int


class LineOut(BaseModel):
    """``amount`` is ``quantity`` x ``unit_price`` x ``fraction``, rounded once (half-up)."""

    description: str
    service_start: date
    service_end: date
    quantity: int
    unit_price: Money
    fraction: FractionOut
    amount: Money


class InvoiceOut(BaseModel):
    number: str
    issued_on: date
    due_on: date
    status: str
    total: Money
    credit_applied: Money
    paid: Money
    remaining: Money
    lines: list[LineOut]


class InvoicePage(BaseModel):
    data: list[InvoiceOut]
    next_cursor: str | None


class QuoteIn(Strict):
    solution: Slug
    units: Annotated[int, Field(ge=0, le=100_000)]


class QuoteOut(BaseModel):
    quote_id: str
    action: str
    solution: str
    units_before: int
    units_after: int
    lines: list[LineOut]
    amount: Money
    service_start: date
    service_end: date
    renews_on: date
    description: str


class PurchaseIn(Strict):
    quote_id: Annotated[str, Field(pattern=PRINTABLE, min_length=1, max_length=2000)]


class PurchaseOut(BaseModel):
    units_after: int
    invoice: InvoiceOut | None


class PlanQuoteIn(Strict):
    solution: Slug
    level: Slug | None = None
    interval: BillingInterval | None = None


class PlanQuoteOut(BaseModel):
    quote_id: str
    solution: str
    units: int
    from_level: str  # level names, for people
    from_interval: str
    to_level: str
    to_interval: str
    timing: str  # "now", or "renewal": scheduled for the next renewal, nothing billed or credited now
    effective_on: date
    renews_on: date  # the renewal date after the change
    unit_price: Money  # of the new plan, per license and interval
    credit: Money  # for the unused part of the current plan, as adjustment credit (zero when scheduled)
    credit_description: str | None
    lines: list[LineOut]  # the new plan's lines billed now (none when scheduled)
    charge: Money
    credit_available: Money  # the balance before the change; the invoice spends it first
    amount_due: Money  # what the invoice leaves owed after both credits
    replaces: str | None  # the scheduled change this one takes the place of, in words
    description: str


class PlanIn(Strict):
    quote_id: Annotated[str, Field(pattern=PRINTABLE, min_length=1, max_length=2000)]


class PlanChangeOut(BaseModel):
    timing: str
    effective_on: date
    renews_on: date
    invoice: InvoiceOut | None  # an upgrade or a switch to yearly, carried out now
    scheduled: ScheduledOut | None  # a downgrade or a switch to monthly, waiting for the renewal


MAX_CONTACTS_GIVEN = 50  # billing keeps at most 10 distinct ones; this only bounds the request
Email = Annotated[str, Field(pattern=PRINTABLE, max_length=320)]


class ContactsIn(Strict):
    emails: Annotated[list[Email], Field(max_length=MAX_CONTACTS_GIVEN)]


class ContactsOut(BaseModel):
    account: str
    contact_emails: list[str]
