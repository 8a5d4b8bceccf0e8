"""One rule for every number a person types, amounts and counts alike.

Digits, optionally grouped in thousands by commas (``1,000``, ``1,000,000``; ``_`` as well, ``5_000``), then
optionally a point and decimals (``1,000.50``). A comma is only ever a thousands separator: ``12,50`` is
refused as ambiguous (a decimal comma in much of Europe, a misplaced separator here) with a message that
says so, rather than read as 12.50 by one command and 1250 by another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUPED = re.compile(r"^\d{1,3}([,_]\d{3})+$")


class NotANumeral(ValueError):
    """Why a text is not a number under the rule; the caller says what it wanted."""


@dataclass(frozen=True)
class Numeral:
    negative: bool
    whole: int
    decimals: str  # the digits after the point, as typed ("" for none)


def read_numeral(text: str) -> Numeral:
    """``text`` under the one rule, or ``NotANumeral`` saying why not."""
    cleaned = text.strip()
    negative = cleaned.startswith("-")
    body = cleaned.lstrip("+-").strip()
    whole, point, decimals = body.partition(".")
    if point and not (decimals.isascii() and decimals.isdigit()):
        raise NotANumeral("only digits may follow the point")
    if whole.isascii() and whole.isdigit():
        return Numeral(negative, int(whole), decimals)
    if _GROUPED.match(whole):
        return Numeral(negative, int(re.sub(r"[,_]", "", whole)), decimals)
    head, comma, tail = whole.rpartition(",")
    if comma and not point and tail.isascii() and tail.isdigit() and len(tail) in (1, 2) and head.isdigit():
        raise NotANumeral(
            f"it is ambiguous: a comma only separates thousands (1,000); write a decimal with a point ({head}.{tail})"
        )
    if "," in whole or "_" in whole:
        raise NotANumeral("commas separate thousands, in groups of three digits (1,000 or 1,000,000)")
    raise NotANumeral("use digits, commas between thousands and a point before decimals (1,000.50)")
