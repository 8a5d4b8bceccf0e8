"""The renewal forecast: per month and solution, the licenses renewing, those already renewed, and the value
still to renew.

One aggregate over the cohorts renewing in the window (grouped by month, solution and what the value and
the projection need), then a pass over its few hundred rows: never a loop over accounts or cohorts.

- **Months** are calendar months of the renewal date, which is already a date in the account's own time
  zone: a block renewing on 1 Mar in Ljubljana is March's, wherever the reader is. The window starts
  *today* in the deployment's business time zone and runs to the end of the month ``months - 1`` after
  this one (``months=1``: the rest of this month). Renewal dates before today are not in it.
- **Renewing** counts every block whose renewal date falls in the month; **renewed** those among them a
  successor block already renews (an early renewal: no reminder, nothing to sell). An auto-renewing
  subscription renews again every term: it is counted in each month of the window it renews in.
- **Value** (actors who see amounts, accounts that do not pay through a reseller): the blocks still to
  renew at today's catalog price in the account's currency, one term each; a one-month term at the monthly
  price, any other at the yearly price times its years (pro rata for months), rounded once per figure.
  Licenses the catalog has no price for are counted as ``unpriced`` instead of being valued at zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Date, Select, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from billing.actors import Actor
from billing.db import Database
from billing.errors import InvalidInput
from billing.models import Account, Cohort, Price, Solution
from billing.models.catalog import BillingInterval
from billing.models.parties import PaymentMethod
from billing.money import Money, round_minor
from billing.periods import add_months, local_date
from billing.resellers import find_reseller

DEFAULT_MONTHS = 12
MAX_MONTHS = 36


class InvalidHorizon(InvalidInput):
    code = "invalid_months"


@dataclass(frozen=True)
class SolutionMonth:
    """One solution in one month."""

    month: date  # its first day
    solution: str
    solution_name: str
    renewing: int
    renewed: int
    value: tuple[Money, ...] = ()  # still to renew, per currency (by code); empty when not shown
    unpriced: int = 0  # licenses still to renew, on accounts whose value is shown, with no catalog price

    @property
    def still_to_renew(self) -> int:
        return self.renewing - self.renewed


@dataclass(frozen=True)
class Forecast:
    today: date
    months: tuple[date, ...]  # the first day of each month of the window, in order
    reseller: str | None  # the reseller it is narrowed to
    shows_value: bool
    rows: tuple[SolutionMonth, ...]  # by month, then solution; only pairs with something renewing
    solutions: tuple[tuple[str, str], ...]  # (slug, name) of every solution in ``rows``, by slug

    def in_month(self, month: date) -> tuple[SolutionMonth, ...]:
        return tuple(row for row in self.rows if row.month == month)

    def renewing(self, month: date | None = None) -> int:
        return sum(row.renewing for row in self.rows if month is None or row.month == month)

    def renewed(self, month: date | None = None) -> int:
        return sum(row.renewed for row in self.rows if month is None or row.month == month)

    def value(self, month: date | None = None) -> tuple[Money, ...]:
        return sum_money(m for row in self.rows if month is None or row.month == month for m in row.value)

    def unpriced(self) -> int:
        return sum(row.unpriced for row in self.rows)

    @property
    def busiest(self) -> date | None:
        """The month with the most licenses renewing (the earliest of equals); None when nothing renews."""
        counts = [(self.renewing(month), -month.toordinal(), month) for month in self.months]
        best = max(counts, default=(0, 0, None))
        return best[2] if best[0] > 0 else None


def sum_money(amounts: Iterable[Money]) -> tuple[Money, ...]:
    totals: dict[str, int] = defaultdict(int)
    for amount in amounts:
        totals[amount.currency] += amount.minor
    return tuple(Money(minor, currency) for currency, minor in sorted(totals.items()))


def window(today: date, months: int) -> tuple[date, ...]:
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidHorizon(f"the forecast covers 1 to {MAX_MONTHS} months, not {months}", months=months)
    first = today.replace(day=1)
    return tuple(add_months(first, n) for n in range(months))


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


class MonthStart(FunctionElement[date]):
    """The first day of a date's month, as a date: one narrow key PostgreSQL groups in a hash table (two
    numeric ``EXTRACT``s cost it more than the scan, and made it sort every row on disk)."""

    type = Date()
    name = "month_start"
    inherit_cache = True


@compiles(MonthStart)
def _month_start(element: MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(MonthStart, "sqlite")
def _month_start_sqlite(element: MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def aggregate(*, today: date, end: date, reseller_id: int | None) -> Select[*tuple[Any, ...]]:
    """The one statement: blocks renewing in ``[today, end)``, grouped by month and by what the value
    (level, currency, whether the account pays directly, term) and the projection (auto-renewal) need."""
    month = MonthStart(Cohort.ends_on)
    direct = (Account.payment_method != PaymentMethod.RESELLER).label("direct")
    query = (
        select(
            month.label("month"),
            Cohort.solution_id,
            Cohort.plan_level_id,
            Account.currency,
            direct,
            Cohort.auto_renew,
            Cohort.term_months,
            func.sum(Cohort.units).label("units"),
            func.sum(case((Cohort.renewed_at.is_not(None), Cohort.units), else_=0)).label("renewed"),
        )
        .join(Account, Account.id == Cohort.account_id)
        .where(Cohort.ends_on >= today, Cohort.ends_on < end)
        .group_by(
            month,
            Cohort.solution_id,
            Cohort.plan_level_id,
            Account.currency,
            direct,
            Cohort.auto_renew,
            Cohort.term_months,
        )
    )
    if reseller_id is not None:
        query = query.where(Account.reseller_id == reseller_id)
    return query


@dataclass
class _Cell:
    renewing: int = 0
    renewed: int = 0
    twelfths: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # currency -> twelfths of a minor unit
    unpriced: int = 0


class Forecasts:
    def __init__(self, db: Database, *, business_time_zone: str = "UTC") -> None:
        self._db = db
        self._zone = business_time_zone

    def forecast(
        self, *, actor: Actor, now: datetime, months: int = DEFAULT_MONTHS, reseller: str | None = None
    ) -> Forecast:
        """What renews in each of the next ``months`` months, as ``actor`` may see it: a reseller member
        their own reseller's accounts whatever they name, and never a value."""
        today = local_date(now, self._zone)
        span = window(today, months)
        end = add_months(span[0], months)
        shows_value = actor.sees_every_account
        with self._db.read() as session:
            if actor.role == "reseller":
                reseller_id, reseller = actor.reseller_id, None
            elif reseller is not None:
                found = find_reseller(session, reseller)
                reseller_id, reseller = found.id, found.slug
            else:
                reseller_id = None
            rows = session.execute(aggregate(today=today, end=end, reseller_id=reseller_id)).all()
            solutions = session.execute(select(Solution.id, Solution.slug, Solution.name)).all()
            prices = _prices(
                session.execute(select(Price.plan_level_id, Price.interval, Price.currency, Price.unit_minor))
            )
        names = {solution_id: slug for solution_id, slug, _ in solutions}
        titles = {slug: name for _, slug, name in solutions}
        cells = _cells(rows, first=month_index(span[0]), months=months, prices=prices, shows_value=shows_value)
        out = [
            _row(span[index], names[solution_id], titles[names[solution_id]], cell)
            for (index, solution_id), cell in cells.items()
        ]
        out.sort(key=lambda row: (row.month, row.solution))
        present = sorted({row.solution for row in out})
        return Forecast(
            today=today,
            months=span,
            reseller=reseller,
            shows_value=shows_value,
            rows=tuple(out),
            solutions=tuple((slug, titles[slug]) for slug in present),
        )


def _prices(rows: Iterable[Any]) -> dict[tuple[int, str, str], int]:
    return {(level, str(interval), currency): unit for level, interval, currency, unit in rows}


def _cells(
    rows: Iterable[Any], *, first: int, months: int, prices: dict[tuple[int, str, str], int], shows_value: bool
) -> dict[tuple[int, int], _Cell]:
    """Fold the aggregate into (month index in the window, solution id) cells, repeating each auto-renewing
    group every term to the window's end."""
    cells: dict[tuple[int, int], _Cell] = defaultdict(_Cell)
    for month, solution_id, level_id, currency, direct, auto_renew, term, units, renewed in rows:
        index = month_index(month) - first
        still = int(units) - int(renewed)
        unit_price, per_term = _price_per_term(prices, level_id, currency, term)
        step = term if auto_renew else months  # a block renews once; a subscription every term
        for at in range(index, months, step):
            cell = cells[(at, solution_id)]
            cell.renewing += int(units)
            cell.renewed += int(renewed) if at == index else 0
            left = still if at == index else int(units)
            if not (shows_value and direct and left):
                continue
            if unit_price is None:
                cell.unpriced += left
                continue
            cell.twelfths[currency] += left * unit_price * per_term
    return cells


def _price_per_term(
    prices: dict[tuple[int, str, str], int], level_id: int, currency: str, term: int
) -> tuple[int | None, int]:
    """The unit price to apply and how many twelfths of it one term is worth."""
    if term == 1:
        return prices.get((level_id, BillingInterval.MONTH, currency)), 12
    return prices.get((level_id, BillingInterval.YEAR, currency)), term


def _row(month: date, solution: str, name: str, cell: _Cell) -> SolutionMonth:
    value = tuple(
        Money(round_minor(Fraction(amount, 12)), currency) for currency, amount in sorted(cell.twelfths.items())
    )
    return SolutionMonth(
        month=month,
        solution=solution,
        solution_name=name,
        renewing=cell.renewing,
        renewed=cell.renewed,
        value=value,
        unpriced=cell.unpriced,
    )
