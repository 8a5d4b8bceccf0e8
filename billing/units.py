"""How many licenses one code, cohort or change may carry."""

from __future__ import annotations

from billing.errors import InvalidInput
from billing.numerals import NotANumeral, read_numeral

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
    """A whole number as people type it (``5``, ``-1``, ``5,000``, ``5_000``; ``numerals``' one rule); the
    range is the use case's to check."""
    try:
        numeral = read_numeral(text)
    except NotANumeral as why:
        raise NotANumber(f"{what} must be a whole number, not {text.strip()!r}: {why}", text=text) from None
    if numeral.decimals.strip("0"):
        raise NotANumber(f"{what} must be a whole number, not {text.strip()!r}", text=text)
    return -numeral.whole if numeral.negative else numeral.whole
