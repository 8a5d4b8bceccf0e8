"""The catalog: solutions, plan levels and prices, loaded from a CSV file the deployment edits.

File format: one price per line, ``#`` starts a comment line, the first other line is the header
``solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price``.
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
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from billing.db import Database
from billing.errors import InvalidInput, NotFound
from billing.models import PlanLevel, Price, Solution
from billing.models.catalog import INTERVALS, LICENSE_KINDS
from billing.money import CURRENCIES, InvalidAmount, Money

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
    try:
        price = Money.parse(raw["unit_price"], raw["currency"])
    except InvalidAmount as error:
        raise CatalogFileError(line, f"unit_price: {error}") from None
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
    _restore_untouched_ranks(session, levels.values(), touched)
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


def _restore_untouched_ranks(session: Session, levels: object, touched: dict[int, PlanLevel]) -> None:
    """Levels the file does not mention keep their place after the ones it does."""
    by_solution: dict[int, list[PlanLevel]] = {}
    for level in levels:  # type: ignore[attr-defined]
        by_solution.setdefault(level.solution_id, []).append(level)
    for solution_levels in by_solution.values():
        taken = {lv.rank for lv in solution_levels if id(lv) in touched}
        next_rank = max(taken, default=0) + 1
        for level in sorted(solution_levels, key=lambda lv: lv.id or 0):
            if id(level) not in touched:
                while next_rank in taken:
                    next_rank += 1
                level.rank = next_rank
                taken.add(next_rank)
