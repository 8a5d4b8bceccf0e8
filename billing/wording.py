"""How counts read in every door's sentences: ``1 code``, ``5,000 codes``; how licenses are named on every
invoice and quote line: ``Room booking Professional, 1 license added``."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def license_phrase(units: int, solution: str | None, level: str | None, kind: str | None = None) -> str:
    """``1 Room booking Professional device license``, ``3 Desk booking Standard licenses``: names, never slugs."""
    words = " ".join(w for w in (solution, level, kind) if w)
    return plural(units, f"{words} license")


def license_line(solution: str, level: str, units: int, change: str = "") -> str:
    """An invoice or quote line's description: the catalog's names (never slugs), a counted noun and what
    happened to them (``added``, ``renewed``, ``removed``, or nothing for a new term)."""
    return " ".join(w for w in (f"{solution} {level}, {plural(units, 'license')}", change) if w)
