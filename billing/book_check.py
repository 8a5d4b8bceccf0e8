"""What each row of a book means against what the database holds: new, unchanged, conflicting or invalid.

Pure: the database's side comes in as ``Known`` (the same typed rows the files are read into, so "unchanged"
is plain equality). Every rule of the product holds on imported data: known solutions and levels, one level
per solution, one subscription per solution, renewal dates not more than a year gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from billing.book_rows import ACCOUNTS, FILES, LICENSES, RESELLERS, AccountRow, Book, LicenseRow, Problem, ResellerRow
from billing.models.parties import PaymentMethod
from billing.periods import format_date, local_date

MAX_DAYS_LAPSED = 365


class RowStatus(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    CONFLICT = "conflicting"
    INVALID = "invalid"


LicenseKey = tuple[str, str, date, date]  # account, solution, starts, renews


def license_key(row: LicenseRow) -> LicenseKey:
    return (row.account, row.solution, row.starts, row.renews)


@dataclass(frozen=True)
class Known:
    """The database's side: its resellers, accounts and running blocks as book rows, and the catalog."""

    resellers: dict[str, ResellerRow] = field(default_factory=dict)
    accounts: dict[str, AccountRow] = field(default_factory=dict)
    closed: frozenset[str] = frozenset()
    levels: dict[str, frozenset[str]] = field(default_factory=dict)  # solution -> its level slugs
    prices: frozenset[tuple[str, str, str, str]] = frozenset()  # solution, level, interval, currency
    blocks: dict[str, tuple[LicenseRow, ...]] = field(default_factory=dict)  # by account slug


@dataclass(frozen=True)
class Counts:
    new: int = 0
    unchanged: int = 0
    conflicting: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class BookReport:
    counts: dict[str, Counts]
    problems: tuple[Problem, ...]
    resellers: tuple[ResellerRow, ...]  # the new rows, to write
    accounts: tuple[AccountRow, ...]
    licenses: tuple[LicenseRow, ...]
    hashes: dict[str, str | None]

    @property
    def ok(self) -> bool:
        return not self.problems


class _File:
    """One file's verdicts as they are reached: a row's worst verdict counts."""

    def __init__(self, name: str, bad_lines: Iterable[int]) -> None:
        self.name = name
        self.status: dict[int, RowStatus] = dict.fromkeys(bad_lines, RowStatus.INVALID)
        self.problems: list[Problem] = []

    def invalid(self, line: int, column: str, what: str) -> None:
        self.problems.append(Problem(self.name, line, column, what))
        self.status[line] = RowStatus.INVALID

    def conflict(self, line: int, column: str, what: str) -> None:
        self.problems.append(Problem(self.name, line, column, what))
        self.status.setdefault(line, RowStatus.CONFLICT)

    def settle(self, line: int, unchanged: bool) -> None:
        self.status.setdefault(line, RowStatus.UNCHANGED if unchanged else RowStatus.NEW)

    def is_new(self, line: int) -> bool:
        return self.status.get(line) == RowStatus.NEW

    def counts(self) -> Counts:
        tally = defaultdict(int, {s: 0 for s in RowStatus})
        for status in self.status.values():
            tally[status] += 1
        return Counts(
            tally[RowStatus.NEW], tally[RowStatus.UNCHANGED], tally[RowStatus.CONFLICT], tally[RowStatus.INVALID]
        )


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ";".join(value) or "(empty)"
    return str(value) if value not in (None, "") else "(empty)"


def _differences(old: object, new: object, columns: Iterable[str]) -> str:
    return ", ".join(
        f"{c} {_shown(getattr(old, c))} (the file says {_shown(getattr(new, c))})"
        for c in columns
        if getattr(old, c) != getattr(new, c)
    )


def check_book(book: Book, known: Known, *, now: datetime) -> BookReport:
    """Every row's verdict and every problem, all of them; nothing here writes."""
    files = {name: _File(name, book.files[name].bad_lines) for name in FILES}
    for name in FILES:
        files[name].problems.extend(book.files[name].problems)
    resellers = _check_resellers(book, known, files[RESELLERS])
    accounts = _check_accounts(book, known, files[ACCOUNTS], resellers)
    _check_licenses(book, known, files[LICENSES], accounts, now)
    new = {name: [row for line, row in book.rows(name) if files[name].is_new(line)] for name in FILES}
    return BookReport(
        counts={name: files[name].counts() for name in FILES},
        problems=tuple(sorted(p for f in files.values() for p in f.problems)),
        resellers=tuple(new[RESELLERS]),
        accounts=tuple(new[ACCOUNTS]),
        licenses=tuple(new[LICENSES]),
        hashes={name: book.files[name].sha256 for name in FILES},
    )


def _check_resellers(book: Book, known: Known, out: _File) -> set[str]:
    """The reseller slugs accounts may name: the database's and the book's valid rows."""
    first: dict[str, int] = {}
    teams = {r.slack_team_id: r.slug for r in known.resellers.values() if r.slack_team_id}
    usable = set(known.resellers)
    for line, row in book.rows(RESELLERS):
        if row.slug in first:
            out.invalid(line, "slug", f"{row.slug!r} appears again (first on line {first[row.slug]})")
            continue
        first[row.slug] = line
        owner = teams.setdefault(row.slack_team_id, row.slug) if row.slack_team_id else row.slug
        if owner != row.slug:
            out.invalid(line, "slack_team_id", f"{row.slack_team_id} is already reseller {owner!r}'s Slack team")
        old = known.resellers.get(row.slug)
        if old is not None and old != row:
            out.conflict(
                line,
                "slug",
                f"reseller {row.slug!r} exists with other values: "
                f"{_differences(old, row, ('name', 'slack_team_id', 'emails'))}; "
                "it is never overwritten: correct the file or the reseller",
            )
        out.settle(line, old == row)
        if out.status[line] != RowStatus.INVALID:
            usable.add(row.slug)
    return usable


def _check_accounts(book: Book, known: Known, out: _File, resellers: set[str]) -> dict[str, AccountRow]:
    """The accounts licenses may name, as the database has them (or as the book brings them)."""
    first: dict[str, int] = {}
    usable = dict(known.accounts)
    for line, row in book.rows(ACCOUNTS):
        if row.slug in first:
            out.invalid(line, "slug", f"{row.slug!r} appears again (first on line {first[row.slug]})")
            continue
        first[row.slug] = line
        if row.reseller is not None and row.reseller not in resellers:
            out.invalid(
                line, "reseller", f"unknown reseller {row.reseller!r}: add it to {RESELLERS} or create it first"
            )
        old = known.accounts.get(row.slug)
        if old is not None and old != row:
            columns = ("name", "reseller", "pays", "currency", "time_zone", "emails")
            out.conflict(
                line,
                "slug",
                f"account {row.slug!r} exists with other values: {_differences(old, row, columns)}; "
                "it is never overwritten: correct it with joanbot accounts set",
            )
        out.settle(line, old == row)
        if old is None and out.status[line] != RowStatus.INVALID:
            usable[row.slug] = row
    return usable


def _check_licenses(book: Book, known: Known, out: _File, accounts: dict[str, AccountRow], now: datetime) -> None:
    first: dict[LicenseKey, int] = {}
    placed: dict[tuple[str, str], list[tuple[int, LicenseRow]]] = defaultdict(list)  # valid rows so far
    existing = {slug: {license_key(b): b for b in blocks} for slug, blocks in known.blocks.items()}
    today = {tz: local_date(now, tz) for tz in {a.time_zone for a in accounts.values()}}
    for line, row in book.rows(LICENSES):
        account = accounts.get(row.account)
        if account is None:
            out.invalid(line, "account", f"unknown account {row.account!r}: add it to {ACCOUNTS} or create it first")
            continue
        key = license_key(row)
        if key in first:
            out.invalid(line, "renews", f"the same account, solution, starts and renews as line {first[key]}")
            continue
        first[key] = line
        _row_rules(row, account, known, out, line, today[account.time_zone])
        old = existing[row.account].get(key) if row.account in existing else None
        if old is not None and old != row:
            columns = ("level", "units", "interval", "reference")
            out.conflict(
                line,
                "renews",
                f"{row.account}'s {row.solution} block {format_date(row.starts)} to {format_date(row.renews)} "
                f"exists with other values: {_differences(old, row, columns)}; it is never overwritten",
            )
        elif old is None:
            group = placed[(row.account, row.solution)]
            if group or row.account in existing:
                _against(row, line, known.blocks.get(row.account, ()), group, out)
        out.settle(line, old == row)
        if old is None and out.status[line] != RowStatus.INVALID:
            placed[(row.account, row.solution)].append((line, row))


def _row_rules(row: LicenseRow, account: AccountRow, known: Known, out: _File, line: int, today: date) -> None:
    if row.account in known.closed:
        out.invalid(line, "account", f"{row.account} is closed: reopen it first (joanbot accounts reopen)")
    levels = known.levels.get(row.solution)
    if levels is None:
        out.invalid(
            line, "solution", f"unknown solution {row.solution!r}; the catalog has {', '.join(sorted(known.levels))}"
        )
    elif row.level not in levels:
        out.invalid(line, "level", f"{row.solution} has no level {row.level!r}; it has {', '.join(sorted(levels))}")
    if row.interval is not None and account.pays == PaymentMethod.RESELLER:
        out.invalid(
            line, "interval", f"{row.account} pays through a reseller: its blocks have no interval (leave it empty)"
        )
    elif (
        row.interval is not None
        and levels
        and row.level in levels
        and (row.solution, row.level, row.interval, account.currency) not in known.prices
    ):
        out.invalid(
            line,
            "interval",
            f"the catalog has no {row.interval}ly {account.currency} price for {row.solution} {row.level}, "
            "so it could not renew",
        )
    oldest = today - timedelta(days=MAX_DAYS_LAPSED)
    if row.renews < oldest:
        out.invalid(
            line,
            "renews",
            f"{format_date(row.renews)} is more than {MAX_DAYS_LAPSED} days ago (the oldest allowed is "
            f"{format_date(oldest)}): leave lapsed blocks out of the book",
        )


def _against(
    row: LicenseRow, line: int, existing: Iterable[LicenseRow], earlier: list[tuple[int, LicenseRow]], out: _File
) -> None:
    """One level per solution, and one subscription per solution, across the book and the database."""
    for other_line, other in [(0, b) for b in existing if b.solution == row.solution] + earlier:
        where = f"line {other_line}" if other_line else "the database"
        if other.level != row.level and other.starts < row.renews and row.starts < other.renews:
            out.invalid(
                line,
                "level",
                f"overlaps {where}'s {other.level} block ({format_date(other.starts)} to "
                f"{format_date(other.renews)}): one level per solution; use one level or a separate account",
            )
        elif row.interval is not None and other.interval is not None:
            report = out.conflict if not other_line else out.invalid
            report(
                line,
                "interval",
                f"{row.account} already has a renewing {row.solution} subscription ({where}, renewing "
                f"{format_date(other.renews)}): change it with the licenses commands",
            )
