"""How many licenses one code, cohort or change may carry."""

from __future__ import annotations

from billing.errors import InvalidInput

MAX_UNITS = 100_000


class InvalidUnits(InvalidInput):
    code = "invalid_units"


def check_units(units: int) -> int:
    if not 1 <= units <= MAX_UNITS:
        raise InvalidUnits(f"units must be between 1 and {MAX_UNITS:,}", units=units)
    return units


class NotANumber(InvalidInput):
    code = "not_a_number"


def parse_whole(text: str, what: str) -> int:
    """A whole number as people type it (``5``, ``-1``, ``5,000``, ``5_000``); the range is the use case's to check."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        raise NotANumber(f"{what} must be a whole number, not {text.strip()!r}", text=text) from None
