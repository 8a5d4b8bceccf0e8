"""Money: an integer of minor units plus a currency. Never a float.

Exact arithmetic happens on ``Fraction``; ``round_minor`` is the one place a fraction becomes minor
units, with the one rounding mode, ``ROUNDING`` (half-up: a half cent rounds away from zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from billing.errors import InvalidInput
from billing.numerals import NotANumeral, read_numeral

ROUNDING = ROUND_HALF_UP

# ISO 4217 minor-unit exponents of the currencies the product sells in.
CURRENCIES: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "AED": 2}
SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£"}


class UnknownCurrency(InvalidInput):
    code = "unknown_currency"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"


def currency_code(text: str) -> str:
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise UnknownCurrency(f"unknown currency {text!r}; use one of {', '.join(sorted(CURRENCIES))}", currency=text)
    return code


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise UnknownCurrency(f"unknown currency {self.currency!r}", currency=self.currency)
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidAmount(f"money must be an integer of minor units, not {self.minor!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a typed amount such as ``50``, ``12.5`` or ``1,000.50`` in ``currency`` (``numerals``' one
        rule: ``12,50`` is refused as ambiguous, never read as 12.50 or 1250)."""
        currency = currency_code(currency)
        exponent = CURRENCIES[currency]
        cleaned = text.strip().lstrip("$€£").strip()
        try:
            numeral = read_numeral(cleaned)
        except NotANumeral as why:
            raise InvalidAmount(f"{text.strip()!r} is not an amount of {currency}: {why}", amount=text) from None
        if numeral.negative or len(numeral.decimals) > exponent or numeral.whole >= 10**12:
            raise InvalidAmount(f"{text!r} is not an amount of {currency} (up to {exponent} decimals)", amount=text)
        return cls(numeral.whole * 10**exponent + int(numeral.decimals.ljust(exponent, "0") or "0"), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def times(self, factor: Fraction | int) -> Money:
        """Multiply exactly and round once, half-up."""
        return Money(round_minor(Fraction(self.minor) * factor), self.currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-CURRENCIES[self.currency])

    def plain(self) -> str:
        """Machine form: ``12.50`` (files, CSV)."""
        return f"{self.decimal:.{CURRENCIES[self.currency]}f}"

    def __str__(self) -> str:
        symbol = SYMBOLS.get(self.currency)
        sign = "-" if self.minor < 0 else ""
        amount = f"{abs(self.decimal):,.{CURRENCIES[self.currency]}f}"
        return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {self.currency}"


def round_minor(value: Fraction) -> int:
    """The single rounding point: an exact fraction of minor units to an int, half-up (away from zero)."""
    quotient, remainder = divmod(abs(value.numerator), value.denominator)
    if 2 * remainder >= value.denominator:  # ROUNDING: half-up, away from zero
        quotient += 1
    return quotient if value >= 0 else -quotient
