"""The vendor's existing book as three CSV files: each row read into a typed value, every problem naming its
file, line and column.

Pure: bytes in, rows and problems out. What a row means against the database (new, unchanged, conflicting)
is ``book_check``'s to say.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from billing.contacts import normalize_emails
from billing.errors import BillingError
from billing.models.catalog import BillingInterval
from billing.models.parties import PaymentMethod
from billing.money import currency_code
from billing.names import check_name, check_slug
from billing.periods import add_months, format_date, parse_date, zone
from billing.units import check_units, parse_whole

RESELLERS = "resellers.csv"
ACCOUNTS = "accounts.csv"
LICENSES = "licenses.csv"
COLUMNS: dict[str, tuple[str, ...]] = {
    RESELLERS: ("slug", "name", "slack_team_id", "emails"),
    ACCOUNTS: ("slug", "name", "reseller", "pays", "currency", "time_zone", "emails"),
    LICENSES: ("account", "solution", "level", "units", "starts", "renews", "interval", "reference"),
}
FILES = tuple(COLUMNS)
LIST_SEPARATOR = ";"
MAX_REFERENCE = 200
INTERVAL_MONTHS = {BillingInterval.MONTH: 1, BillingInterval.YEAR: 12}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.what}"


def _checked(check: Callable[[str], Any], value: str) -> Any:
    """A billing check as a pydantic validator: its refusal becomes the column's problem."""
    try:
        return check(value)
    except BillingError as error:
        raise ValueError(error.message) from None


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _emails(value: str | None) -> tuple[str, ...]:
    parts = [part for part in (value or "").split(LIST_SEPARATOR) if part.strip()]
    try:
        return tuple(normalize_emails(parts))
    except BillingError as error:
        raise ValueError(error.message) from None


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)


class ResellerRow(_Row):
    slug: str
    name: str
    slack_team_id: str | None = None
    emails: tuple[str, ...] = ()

    check_slug = field_validator("slug", mode="before")(lambda v: _checked(check_slug, v))
    check_name = field_validator("name", mode="before")(lambda v: _checked(check_name, v))
    check_emails = field_validator("emails", mode="before")(_emails)

    @field_validator("slack_team_id", mode="before")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        team = _optional(value)
        if team is not None and not (team[0] in "TE" and team[1:].isalnum() and team.isupper() and len(team) <= 32):
            raise ValueError(f"{team!r} is not a Slack team id (like T0123ABCD)")
        return team


class AccountRow(_Row):
    slug: str
    name: str
    reseller: str | None = None
    pays: PaymentMethod
    currency: str
    time_zone: str
    emails: tuple[str, ...] = ()

    check_slug = field_validator("slug", mode="before")(lambda v: _checked(check_slug, v))
    check_name = field_validator("name", mode="before")(lambda v: _checked(check_name, v))
    check_reseller = field_validator("reseller", mode="before")(
        lambda v: _checked(check_slug, v) if _optional(v) else None
    )
    check_pays = field_validator("pays", mode="before")(lambda v: (v or "").strip().lower())
    check_currency = field_validator("currency", mode="before")(lambda v: _checked(currency_code, v))
    check_zone = field_validator("time_zone", mode="before")(lambda v: _checked(lambda t: zone(t.strip()).key, v))
    check_emails = field_validator("emails", mode="before")(_emails)

    @model_validator(mode="after")
    def _reseller_pays(self) -> AccountRow:
        if self.pays == PaymentMethod.RESELLER and self.reseller is None:
            raise ValueError("reseller|an account that pays through a reseller names its reseller")
        return self


class LicenseRow(_Row):
    account: str
    solution: str
    level: str
    units: int
    starts: date
    renews: date
    interval: BillingInterval | None = None
    reference: str | None = None

    check_slugs = field_validator("account", "solution", "level", mode="before")(lambda v: (v or "").strip().lower())
    check_units = field_validator("units", mode="before")(
        lambda v: _checked(lambda t: check_units(parse_whole(t, "units")), v)
    )
    check_dates = field_validator("starts", "renews", mode="before")(lambda v: _checked(parse_date, v))
    check_interval = field_validator("interval", mode="before")(lambda v: (_optional(v) or "").lower() or None)

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        text = _optional(value)
        if text is not None and len(text) > MAX_REFERENCE:
            raise ValueError(f"at most {MAX_REFERENCE} characters")
        return text

    @model_validator(mode="after")
    def _dates_in_order(self) -> LicenseRow:
        if self.renews <= self.starts:
            raise ValueError(f"renews|must be after starts ({format_date(self.starts)})")
        if self.interval is not None and next_anniversary(self.starts, self.interval, self.renews) != self.renews:
            following = format_date(next_anniversary(self.starts, self.interval, self.renews))
            raise ValueError(
                f"renews|a {self.interval}ly subscription renews on an anniversary of its anchor "
                f"({format_date(self.starts)}); the next one from {format_date(self.renews)} is {following}"
            )
        return self

    @property
    def auto_renews(self) -> bool:
        return self.interval is not None

    @property
    def term_months(self) -> int:
        """A subscription's interval; for a block, its length in whole months (at least one)."""
        if self.interval is not None:
            return INTERVAL_MONTHS[self.interval]
        months = (self.renews.year - self.starts.year) * 12 + self.renews.month - self.starts.month
        return max(1, months - (1 if add_months(self.starts, months) > self.renews else 0))


def next_anniversary(anchor: date, interval: BillingInterval, day: date) -> date:
    """The first anniversary of ``anchor`` (one interval apart) on or after ``day``."""
    step = INTERVAL_MONTHS[interval]
    n = max(1, ((day.year - anchor.year) * 12 + day.month - anchor.month) // step - 1)
    while add_months(anchor, n * step) < day:
        n += 1
    return add_months(anchor, n * step)


R = TypeVar("R", bound=_Row)


@dataclass(frozen=True)
class BookFile:
    name: str
    sha256: str | None  # None: the file is missing
    rows: tuple[tuple[int, Any], ...] = ()  # (line, typed row) of the rows that read cleanly
    problems: tuple[Problem, ...] = ()
    bad_lines: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Book:
    files: Mapping[str, BookFile]

    def rows(self, name: str) -> tuple[tuple[int, Any], ...]:
        return self.files[name].rows

    @property
    def size(self) -> int:
        return sum(len(f.rows) + len(f.bad_lines) for f in self.files.values())


MODELS: dict[str, type[_Row]] = {RESELLERS: ResellerRow, ACCOUNTS: AccountRow, LICENSES: LicenseRow}


def read_book(contents: Mapping[str, bytes | None], *, on_rows: Callable[[int], None] | None = None) -> Book:
    """The three files (``None`` for a missing one), each read and every row checked on its own;
    ``on_rows`` hears every ``PROGRESS_STEP`` rows read (for a progress bar)."""
    return Book({name: read_file(name, contents.get(name), MODELS[name], on_rows) for name in FILES})


PROGRESS_STEP = 500


def read_file(
    name: str, content: bytes | None, model: type[R], on_rows: Callable[[int], None] | None = None
) -> BookFile:
    if content is None:
        return BookFile(name, None, problems=(Problem(name, 0, "file", "missing: give the file, with its header row"),))
    digest = hashlib.sha256(content).hexdigest()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return BookFile(name, digest, problems=(Problem(name, 1, "file", f"not UTF-8 text ({error.reason})"),))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [column.strip() for column in reader.fieldnames or []]
    header_problems = _header_problems(name, header)
    if header_problems:
        return BookFile(name, digest, problems=tuple(header_problems))
    reader.fieldnames = header
    rows: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    bad: set[int] = set()
    for count, (line, raw) in enumerate(_records(reader), start=1):
        if on_rows is not None and count % PROGRESS_STEP == 0:
            on_rows(PROGRESS_STEP)
        found = _row_problems(name, line, raw, model)
        if isinstance(found, list):
            problems.extend(found)
            bad.add(line)
        else:
            rows.append((line, found))
    return BookFile(name, digest, tuple(rows), tuple(problems), frozenset(bad))


def _records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | Any, Any]]]:
    while True:
        start = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        yield start, raw


def _header_problems(name: str, header: list[str]) -> list[Problem]:
    wanted = COLUMNS[name]
    if not header:
        return [Problem(name, 1, "header", f"the file is empty; its first row names the columns {', '.join(wanted)}")]
    missing = [Problem(name, 1, column, "missing from the header row") for column in wanted if column not in header]
    unknown = [
        Problem(name, 1, column or "(empty)", f"not a column of {name} (its columns: {', '.join(wanted)})")
        for column in header
        if column not in wanted
    ]
    return missing + unknown


def _row_problems(name: str, line: int, raw: dict[str | Any, Any], model: type[R]) -> R | list[Problem]:
    extra = raw.pop(None, None)
    if extra:
        return [Problem(name, line, "row", f"{len(extra)} more field(s) than the header's {len(COLUMNS[name])}")]
    values = {column: (value if value is not None else "") for column, value in raw.items()}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        return [_problem(name, line, detail) for detail in error.errors(include_url=False)]


def _problem(name: str, line: int, detail: Any) -> Problem:
    column = str(detail["loc"][0]) if detail["loc"] else ""
    cause = detail.get("ctx", {}).get("error")
    what = str(cause) if cause is not None else str(detail["msg"])
    if not column and "|" in what:  # a check across columns names the one it blames
        column, what = what.split("|", 1)
    if detail["type"] == "enum" and column == "pays":
        what = f"must be one of {', '.join(PaymentMethod)}"
    elif detail["type"] == "enum" and column == "interval":
        what = "must be month, year, or empty for a block bought with codes"
    return Problem(name, line, column or "row", what)
