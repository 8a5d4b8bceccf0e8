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
