"""The catalog: solutions, plan levels and prices, loaded from a CSV file the deployment edits.

File format: one price per line, ``#`` starts a comment line, the first other line is the header
``solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price``; a price of
zero is refused unless written ``free``, and a rank is unique within a solution (levels the file does not
list keep theirs).
A file is checked completely before anything is written, and then loaded in one transaction: a bad file
is refused with its line number and the reason, and the catalog stays as it was.

Loading is an update: solutions and levels are matched by slug and updated; every price of a level named
in the file is replaced by the file's. Solutions and levels missing from the file are kept (codes and
cohorts refer to them) but their prices are left as they were.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from billing.db import Database
from billing.errors import InvalidInput, NotFound
from billing.models import PlanLevel, Price, Solution
from billing.models.catalog import INTERVALS, LICENSE_KINDS
from billing.money import CURRENCIES, InvalidAmount, Money

FREE = "free"  # the unit_price of a level given away
HEADER = (
    "solution",
    "solution_name",
    "license_kind",
    "level",
    "level_name",
    "rank",
    "interval",
    "currency",
    "unit_price",
)
SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class CatalogFileError(InvalidInput):
    code = "catalog_file_invalid"

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}", line=line, reason=reason)
        self.line = line
        self.reason = reason


class UnknownSolution(NotFound):
    code = "unknown_solution"


class UnknownPlanLevel(NotFound):
    code = "unknown_plan_level"


@dataclass(frozen=True)
class CatalogRow:
    line: int
    solution: str
    solution_name: str
    license_kind: str
    level: str
    level_name: str
    rank: int
    interval: str
    unit_price: Money


@dataclass(frozen=True)
class LevelView:
    slug: str
    name: str
    rank: int
    prices: dict[tuple[str, str], Money]  # (interval, currency) -> unit price


@dataclass(frozen=True)
class SolutionView:
    slug: str
    name: str
    license_kind: str
    levels: tuple[LevelView, ...]

    def level(self, slug: str) -> LevelView:
        for level in self.levels:
            if level.slug == slug:
                return level
        raise UnknownPlanLevel(
            f"{self.name} has no level {slug!r}; levels: {', '.join(lv.slug for lv in self.levels)}",
            solution=self.slug,
            level=slug,
        )


def find_solution(session: Session, slug: str) -> Solution:
    """The one lookup of a solution by slug, however it was typed."""
    solution = session.scalar(select(Solution).where(Solution.slug == slug.strip().lower()))
    if solution is None:
        raise UnknownSolution(f"unknown solution {slug!r}", solution=slug)
    return solution


def find_level(solution: Solution, slug: str) -> PlanLevel:
    """The one lookup of a plan level of ``solution`` by slug, however it was typed."""
    for level in solution.levels:
        if level.slug == slug.strip().lower():
            return level
    raise UnknownPlanLevel(f"{solution.name} has no level {slug!r}", solution=solution.slug, level=slug)


def default_catalog_text() -> str:
    return resources.files("billing").joinpath("catalog.csv").read_text(encoding="utf-8")


def parse_catalog(text: str) -> list[CatalogRow]:
    """Every row of a catalog file, checked; raises ``CatalogFileError`` at the first bad line."""
    rows: list[CatalogRow] = []
    header_seen = False
    names: dict[str, tuple[str, str]] = {}
    levels: dict[tuple[str, str], tuple[str, int]] = {}
    ranks: dict[tuple[str, int], str] = {}
    seen_prices: set[tuple[str, str, str, str]] = set()
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in next(csv.reader(io.StringIO(line)))]
        if not header_seen:
            if tuple(fields) != HEADER:
                raise CatalogFileError(line_number, f"the header must be: {','.join(HEADER)}")
            header_seen = True
            continue
        if len(fields) != len(HEADER):
            raise CatalogFileError(line_number, f"expected {len(HEADER)} fields, found {len(fields)}")
        row = _parse_row(line_number, dict(zip(HEADER, fields, strict=True)))
        key = (row.solution, row.level, row.interval, row.unit_price.currency)
        if key in seen_prices:
            raise CatalogFileError(line_number, "this price is already given on an earlier line")
        seen_prices.add(key)
        previous = names.setdefault(row.solution, (row.solution_name, row.license_kind))
        if previous != (row.solution_name, row.license_kind):
            raise CatalogFileError(
                line_number, f"solution {row.solution!r} was given another name or license kind earlier"
            )
        previous_level = levels.setdefault((row.solution, row.level), (row.level_name, row.rank))
        if previous_level != (row.level_name, row.rank):
            raise CatalogFileError(line_number, f"level {row.level!r} was given another name or rank earlier")
        holder = ranks.setdefault((row.solution, row.rank), row.level)
        if holder != row.level:
            raise CatalogFileError(line_number, f"rank {row.rank} is already taken by level {holder!r}")
        rows.append(row)
    if not rows:
        raise CatalogFileError(max(1, len(text.splitlines())), "the file has no prices")
    return rows


def _parse_row(line: int, raw: dict[str, str]) -> CatalogRow:
    for field in ("solution", "level"):
        if not SLUG.match(raw[field]):
            raise CatalogFileError(line, f"{field} {raw[field]!r} must be a lower-case slug like 'room'")
    for field in ("solution_name", "level_name"):
        if not raw[field] or len(raw[field]) > 120:
            raise CatalogFileError(line, f"{field} must be 1 to 120 characters")
    if raw["license_kind"] not in LICENSE_KINDS:
        raise CatalogFileError(line, f"license_kind must be one of {', '.join(LICENSE_KINDS)}")
    if raw["interval"] not in INTERVALS:
        raise CatalogFileError(line, f"interval must be one of {', '.join(INTERVALS)}")
    if raw["currency"] not in CURRENCIES:
        raise CatalogFileError(line, f"currency must be one of {', '.join(sorted(CURRENCIES))}")
    try:
        rank = int(raw["rank"])
    except ValueError:
        raise CatalogFileError(line, f"rank {raw['rank']!r} must be a whole number") from None
    if not 1 <= rank <= 1000:
        raise CatalogFileError(line, "rank must be between 1 and 1000")
    price = _price(line, raw)
    return CatalogRow(
        line=line,
        solution=raw["solution"],
        solution_name=raw["solution_name"],
        license_kind=raw["license_kind"],
        level=raw["level"],
        level_name=raw["level_name"],
        rank=rank,
        interval=raw["interval"],
        unit_price=price,
    )


def _price(line: int, raw: dict[str, str]) -> Money:
    """A price above zero; a level meant to be free says ``free``, so a forgotten price is never $0.00."""
    if raw["unit_price"].lower() == FREE:
        return Money(0, raw["currency"])
    try:
        price = Money.parse(raw["unit_price"], raw["currency"])
    except InvalidAmount as error:
        raise CatalogFileError(line, f"unit_price: {error}") from None
    if price.minor == 0:
        raise CatalogFileError(
            line, f"unit_price is zero: write '{FREE}' if level {raw['level']!r} is meant to be free"
        )
    return price


@dataclass(frozen=True)
class LoadReport:
    solutions: int
    levels: int
    prices: int


class Catalog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self, *, text: str) -> LoadReport:
        """Check a whole catalog file, then load it in one transaction."""
        rows = parse_catalog(text)
        with self._db.write() as session:
            return _apply(session, rows)

    def ensure_default(self) -> None:
        """Load the shipped catalog into an empty database (first start)."""
        with self._db.read() as session:
            empty = session.scalar(select(Solution.id).limit(1)) is None
        if empty:
            self.load(text=default_catalog_text())

    def solutions(self) -> list[SolutionView]:
        with self._db.read() as session:
            found = session.scalars(
                select(Solution)
                .options(selectinload(Solution.levels).selectinload(PlanLevel.prices))
                .order_by(Solution.slug)
            )
            return [_view(solution) for solution in found]

    def solution(self, slug: str) -> SolutionView:
        with self._db.read() as session:
            return _view(find_solution(session, slug))


def _view(solution: Solution) -> SolutionView:
    return SolutionView(
        slug=solution.slug,
        name=solution.name,
        license_kind=solution.license_kind,
        levels=tuple(
            LevelView(
                slug=level.slug,
                name=level.name,
                rank=level.rank,
                prices={(p.interval, p.currency): Money(p.unit_minor, p.currency) for p in level.prices},
            )
            for level in solution.levels
        ),
    )


def _apply(session: Session, rows: list[CatalogRow]) -> LoadReport:
    solutions = {s.slug: s for s in session.scalars(select(Solution))}
    for row in rows:
        solution = solutions.get(row.solution)
        if solution is None:
            solution = Solution(slug=row.solution, name=row.solution_name, license_kind=row.license_kind)
            session.add(solution)
            solutions[row.solution] = solution
        elif solution.license_kind != row.license_kind:
            raise CatalogFileError(row.line, f"solution {row.solution!r} cannot change its license kind")
        solution.name = row.solution_name
    session.flush()
    levels = {(lv.solution_id, lv.slug): lv for lv in session.scalars(select(PlanLevel))}
    kept_ranks = {id(lv): lv.rank for lv in levels.values()}
    # Ranks may be swapped by a file: park the levels being loaded on unique negative ranks first.
    for parked in levels.values():
        parked.rank = -parked.id
    session.flush()
    touched: dict[int, PlanLevel] = {}
    for row in rows:
        solution = solutions[row.solution]
        found = levels.get((solution.id, row.level))
        if found is None:
            found = PlanLevel(solution_id=solution.id, slug=row.level, name=row.level_name, rank=row.rank)
            session.add(found)
            levels[(solution.id, row.level)] = found
        level = found
        level.name, level.rank = row.level_name, row.rank
        touched[id(level)] = level
    _restore_untouched_ranks(rows, solutions, levels.values(), touched, kept_ranks)
    session.flush()
    for level in touched.values():
        session.execute(delete(Price).where(Price.plan_level_id == level.id))
    for row in rows:
        level = levels[(solutions[row.solution].id, row.level)]
        session.add(
            Price(
                plan_level_id=level.id,
                interval=row.interval,
                currency=row.unit_price.currency,
                unit_minor=row.unit_price.minor,
            )
        )
    session.flush()
    return LoadReport(
        solutions=len({row.solution for row in rows}),
        levels=len(touched),
        prices=len(rows),
    )


def _restore_untouched_ranks(
    rows: list[CatalogRow],
    solutions: dict[str, Solution],
    levels: Iterable[PlanLevel],
    touched: dict[int, PlanLevel],
    kept_ranks: dict[int, int],
) -> None:
    """Levels the file does not mention keep their rank; a file level taking it is refused, naming its line."""
    claimed = {(solutions[row.solution].id, row.rank): row for row in rows}
    for level in levels:
        if id(level) in touched:
            continue
        level.rank = kept_ranks[id(level)]
        row = claimed.get((level.solution_id, level.rank))
        if row is not None:
            raise CatalogFileError(
                row.line,
                f"rank {row.rank} of {row.solution_name} is held by level {level.slug!r}, which this file does "
                f"not list; give {row.level!r} another rank, or list {level.slug!r} too",
            )
