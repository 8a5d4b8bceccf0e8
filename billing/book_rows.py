"""The vendor's existing book as three CSV files: each row read into a typed value, every problem naming its
file, line and column.

Pure: bytes in, rows and problems out. What a row means against the database (new, unchanged, conflicting)
is ``book_check``'s to say.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, TypeVar

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from billing.contacts import MAX_CONTACTS, normalize_emails
from billing.errors import BillingError
from billing.models.catalog import BillingInterval
from billing.models.parties import PaymentMethod
from billing.money import currency_code
from billing.names import check_name
from billing.periods import add_months, format_date, zone
from billing.units import MAX_UNITS

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


SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"  # ``names.SLUG``, checked by pydantic's own regex engine
TEAM_PATTERN = r"^[TE][A-Z0-9]{1,31}$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
# A plain ASCII address, the overwhelming case, is normalized here as email-validator would (domain lower-cased);
# anything else, and every special-use domain, goes to email-validator itself.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$", re.IGNORECASE
)
_SPECIAL = tuple(SPECIAL_USE_DOMAIN_NAMES)
_ZONES: dict[str, str] = {}


def _checked(check: Callable[[Any], Any], value: Any) -> Any:
    """A billing check as a pydantic validator: its refusal becomes the column's problem."""
    try:
        return check(value)
    except BillingError as error:
        raise ValueError(error.message) from None


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _email(text: str) -> str:
    plain = _PLAIN_EMAIL.match(text)
    if plain is not None and len(text) <= 254 and text.index("@") <= 64:
        domain = plain.group(1).lower()
        if not any(domain == d or domain.endswith("." + d) for d in _SPECIAL):
            return f"{text[: text.index('@')]}@{domain}"
    return normalize_emails([text])[0]


def _emails(value: str | None) -> tuple[str, ...]:
    found: list[str] = []
    for part in (value or "").split(LIST_SEPARATOR):
        text = part.strip()
        if text:
            address = _checked(_email, text)
            if address not in found:
                found.append(address)
    if len(found) > MAX_CONTACTS:
        raise ValueError(f"at most {MAX_CONTACTS} contact addresses")
    return tuple(found)


def _zone(value: str) -> str:
    name = (value or "").strip()
    if name not in _ZONES:
        _ZONES[name] = _checked(lambda text: zone(text).key, name)
    return _ZONES[name]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)


class ResellerRow(_Row):
    slug: Slug
    name: str
    slack_team_id: Annotated[str, Field(pattern=TEAM_PATTERN)] | None = None
    emails: tuple[str, ...] = ()

    check_name = field_validator("name", mode="before")(lambda v: _checked(check_name, v))
    check_team = field_validator("slack_team_id", mode="before")(_optional)
    check_emails = field_validator("emails", mode="before")(_emails)


class AccountRow(_Row):
    slug: Slug
    name: str
    reseller: Slug | None = None
    pays: PaymentMethod
    currency: str
    time_zone: str
    emails: tuple[str, ...] = ()

    check_name = field_validator("name", mode="before")(lambda v: _checked(check_name, v))
    check_reseller = field_validator("reseller", mode="before")(_optional)
    check_currency = field_validator("currency", mode="before")(lambda v: _checked(currency_code, v))
    check_zone = field_validator("time_zone", mode="before")(_zone)
    check_emails = field_validator("emails", mode="before")(_emails)

    @model_validator(mode="after")
    def _reseller_pays(self) -> AccountRow:
        if self.pays == PaymentMethod.RESELLER and self.reseller is None:
            raise ValueError("reseller|an account that pays through a reseller names its reseller")
        return self


class LicenseRow(_Row):
    account: Slug
    solution: Slug
    level: Slug
    units: Annotated[int, Field(ge=1, le=MAX_UNITS)]
    starts: date
    renews: date
    interval: BillingInterval | None = None
    reference: Annotated[str, Field(max_length=MAX_REFERENCE)] | None = None

    check_interval = field_validator("interval", mode="before")(_optional)
    check_reference = field_validator("reference", mode="before")(_optional)

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
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    header_problems = _header_problems(name, header)
    if header_problems:
        return BookFile(name, digest, problems=tuple(header_problems))
    rows: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    bad: set[int] = set()
    line = reader.line_num + 1
    for count, fields in enumerate(reader, start=1):
        if on_rows is not None and count % PROGRESS_STEP == 0:
            on_rows(PROGRESS_STEP)
        if fields:  # a blank line is no row
            found = _row_problems(name, line, header, fields, model)
            if isinstance(found, list):
                problems.extend(found)
                bad.add(line)
            else:
                rows.append((line, found))
        line = reader.line_num + 1
    return BookFile(name, digest, tuple(rows), tuple(problems), frozenset(bad))


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


def _row_problems(name: str, line: int, header: list[str], fields: list[str], model: type[R]) -> R | list[Problem]:
    if len(fields) > len(header):
        return [
            Problem(name, line, "row", f"{len(fields) - len(header)} more field(s) than the header's {len(header)}")
        ]
    try:
        return model.model_validate(dict(zip(header, fields, strict=False)))
    except ValidationError as error:
        return [_problem(name, line, detail) for detail in error.errors(include_url=False)]


_WORDING = {
    "string_pattern_mismatch": "{input!r} must be 2-40 lower-case letters, digits or hyphens, like 'acme'",
    "greater_than_equal": f"must be between 1 and {MAX_UNITS:,}",
    "less_than_equal": f"must be between 1 and {MAX_UNITS:,}",
    "int_parsing": "{input!r} is not a whole number",
    "date_from_datetime_parsing": "{input!r} is not a date; write 2024-03-22",
    "date_parsing": "{input!r} is not a date; write 2024-03-22",
    "string_too_long": f"at most {MAX_REFERENCE} characters",
    "missing": "missing: the row has fewer fields than the header",
}
_COLUMN_WORDING = {
    "slack_team_id": "{input!r} is not a Slack team id (like T0123ABCD)",
    "pays": f"must be one of {', '.join(PaymentMethod)}",
    "interval": "must be month, year, or empty for a block bought with codes",
}


def _problem(name: str, line: int, detail: Any) -> Problem:
    column = str(detail["loc"][0]) if detail["loc"] else ""
    cause = detail.get("ctx", {}).get("error")
    what = str(cause) if cause is not None else str(detail["msg"])
    if not column and "|" in what:  # a check across columns names the one it blames
        column, what = what.split("|", 1)
    if detail["type"] != "value_error":  # pydantic's own check: our wording (ours already have theirs)
        template = _COLUMN_WORDING.get(column) or _WORDING.get(detail["type"])
        if template is not None:
            what = template.format(input=detail.get("input"))
    return Problem(name, line, column or "row", what)
