"""Proration: the share of a billing period that a mid-period change pays for (or is credited).

Two policies, both exact ``Fraction``s; money is rounded once, per invoice line, by ``Money.times``.

- ``months`` (the default; the worked examples in ``tests/billing/test_seed_examples.py`` hold to it): the
  billing months from the month of the change (counted whole) to the end of the period, over the months in
  the period. Billing months are counted from the anchor (``add_months(anchor, n)``), so a period
  starting on a clamped date (an anchor of 31 Jan) keeps its months.
- ``days``: the days left in the period (the change day included) over the days in the period.

Charges and credits use the same fraction, so adding and removing on the same day nets to zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, get_args

from billing.errors import InvalidInput
from billing.money import Money
from billing.periods import Period, add_months, format_date

ProrationPolicy = Literal["months", "days"]
POLICIES: tuple[str, ...] = get_args(ProrationPolicy)
DEFAULT_POLICY: ProrationPolicy = "months"


class UnknownPolicy(InvalidInput):
    code = "unknown_proration_policy"


class OutsidePeriod(InvalidInput):
    code = "outside_period"


def policy_named(name: str) -> ProrationPolicy:
    cleaned = name.strip().lower()
    if cleaned == "months":
        return "months"
    if cleaned == "days":
        return "days"
    raise UnknownPolicy(f"unknown proration policy {name!r}; use months or days", policy=name)


def month_index(anchor: date, day: date) -> int:
    """Whole calendar months from ``anchor``'s month to ``day``'s month."""
    return (day.year - anchor.year) * 12 + day.month - anchor.month


def _check(period: Period, on: date) -> None:
    if on not in period:
        raise OutsidePeriod(
            f"{format_date(on)} is not within the period {format_date(period.start)} to {format_date(period.end)}"
        )


def months_fraction(*, period: Period, on: date, anchor: date | None = None) -> Fraction:
    """Billing months touched by ``[on, period.end)`` over the billing months in ``period``."""
    _check(period, on)
    anchor = period.start if anchor is None else anchor
    first, last = month_index(anchor, period.start), month_index(anchor, period.end)
    if add_months(anchor, first) != period.start or add_months(anchor, last) != period.end:
        raise InvalidInput("a period must start and end on anniversaries of its anchor")
    # Billing month n is [add_months(anchor, n), add_months(anchor, n + 1)); it is touched when it ends after
    # the change day. Months are few (at most 120), so counting beats a clever closed form.
    touched = sum(1 for n in range(first, last) if add_months(anchor, n + 1) > on)
    return Fraction(touched, last - first)


def days_fraction(*, period: Period, on: date) -> Fraction:
    """Days left in ``period`` from ``on`` (included) over the days in ``period``."""
    _check(period, on)
    return Fraction((period.end - on).days, period.days)


def fraction(policy: ProrationPolicy, *, period: Period, on: date, anchor: date | None = None) -> Fraction:
    """The share of ``period`` a change on ``on`` pays for, under ``policy``."""
    if policy == "months":
        return months_fraction(period=period, on=on, anchor=anchor)
    return days_fraction(period=period, on=on)


@dataclass(frozen=True)
class Charged:
    """A charge line of the period being reduced, with what has already been credited against it."""

    line_id: int
    invoice: str  # the number of the invoice that charged it
    period: Period
    quantity: int
    unit: Money
    amount: Money
    credited_quantity: int = 0
    credited_amount: int = 0  # minor units


@dataclass(frozen=True)
class Allocation:
    """Part of a reduction's credit, against the charge line that paid for those licenses."""

    line_id: int
    invoice: str
    period: Period
    quantity: int
    amount: Money


def allocate(charged: Iterable[Charged], *, units: int, share: Fraction) -> list[Allocation]:
    """Credit for removing ``units`` at ``share`` of the period: the newest charged licenses first (``charged``
    comes newest first), each at its own unit price, never more than is left uncredited on its line. Adding
    and removing the same units on the same day therefore nets to zero."""
    allocations: list[Allocation] = []
    needed = units
    for line in charged:
        take = min(needed, line.quantity - line.credited_quantity)
        if take <= 0:
            continue
        owed = line.unit.times(take * share)
        amount = min(owed.minor, line.amount.minor - line.credited_amount)
        if amount > 0:
            allocations.append(Allocation(line.line_id, line.invoice, line.period, take, Money(amount, owed.currency)))
        needed -= take
        if needed == 0:
            break
    return allocations
