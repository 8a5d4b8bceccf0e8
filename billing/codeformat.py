"""The pre-paid code format: generation, forgiving normalization, check symbol, keyed hash.

``PPPPS-SSSSS-SSSSS-SSSSS-SSSSK``: 25 Crockford base32 symbols in five groups.
``P`` is a 4-symbol public prefix (20 bits, kept for display and lookup), ``S`` a 20-symbol secret
(100 bits), ``K`` a check symbol: the value of the first 24 symbols mod 37. The 24 symbols are one draw of
15 bytes from ``secrets`` (120 bits, base32-encoded); the draw is repeated until that value is below 32, so
``K`` is always a plain symbol and never Crockford's ``*~$=U`` (``*`` and ``~`` are Slack formatting).
That costs log2(37/32) = 0.21 bits: 99.79 secret bits remain.
The check catches every single substitution and adjacent transposition before the database is asked;
it is not a security control.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass

from billing.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX_LENGTH = 4
SECRET_LENGTH = 20
LENGTH = PREFIX_LENGTH + SECRET_LENGTH + 1
GROUP = 5
SALT_BYTES = 16
KEY_MIN_BYTES = 32

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode("ascii"))
_DRAW_BYTES = (PREFIX_LENGTH + SECRET_LENGTH) * 5 // 8
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Whitespace, zero-width characters and the marks Slack formatting puts around or inside pasted text.
_NOISE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff`*_~\-\u2013\u2014]+")

# Anything shaped like a code, for log redaction, however a log line spells it: five groups of five or 25
# symbols in a row, any case, the groups split by up to three separators (space, hyphen, dash, ``+``, their
# URL-encoded and JSON-escaped forms). The edges accept a preceding escape (``%22``, ``\\u0022``, ``\\n``),
# whose last character is a letter or digit, where a plain look-behind would see a run of symbols.
SEPARATOR = (
    r"(?:[\s\-\u2013\u2014+]"  # as typed
    r"|%(?:25)?(?:20|2[bB]|2[dD]|[eE]2%(?:25)?80%(?:25)?9[34])"  # URL-encoded, once or twice
    r"|(?:\\|%5[cC])+u(?:002[dD]|2013|2014|0020))"  # JSON-escaped (possibly inside URL encoding)
)
STARTS_A_WORD = r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2})|(?<=%25[0-9A-Fa-f]{2})|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\[nrt]))"
CODE_SHAPED = re.compile(STARTS_A_WORD + rf"(?:[0-9A-Za-z]{{5}}{SEPARATOR}{{0,3}}){{4}}[0-9A-Za-z]{{5}}(?![0-9A-Za-z])")


class MalformedCode(InvalidInput):
    code = "malformed_code"


class MistypedCode(InvalidInput):
    """The check symbol does not match: a typo, caught without asking the database."""

    code = "mistyped_code"


def _check_value(symbols: str) -> int:
    value = 0
    for symbol in symbols:
        value = (value * 32 + _VALUE[symbol]) % 37
    return value


def generate() -> str:
    """A new code in its canonical 25-symbol form (no hyphens)."""
    return generate_with_salt()[0]


def generate_with_salt() -> tuple[str, bytes]:
    """A new code and a new digest salt, from one draw of random bytes (issuing makes 10^5 at a time)."""
    while True:
        drawn = secrets.token_bytes(_DRAW_BYTES + SALT_BYTES)
        body = drawn[:_DRAW_BYTES]
        # The 24 symbols are the base32 digits of ``body``: their value mod 37 is the check value.
        check = int.from_bytes(body, "big") % 37
        if check < 32:
            symbols = base64.b32encode(body).translate(_FROM_RFC4648).decode("ascii")
            return symbols + ALPHABET[check], drawn[_DRAW_BYTES:]


def grouped(canonical: str) -> str:
    """``PPPPSSSSS...`` as ``PPPPS-SSSSS-SSSSS-SSSSS-SSSSK``."""
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))


def normalize(text: str) -> str:
    """What a human typed or pasted, as the canonical code; raises on a malformed or mistyped code."""
    cleaned = _NOISE.sub("", unicodedata.normalize("NFKC", text)).upper().translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(symbol not in _VALUE for symbol in cleaned):
        raise MalformedCode(
            "that is not a pre-paid code: codes are 25 letters and digits, like XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"
        )
    if _check_value(cleaned[:-1]) != _VALUE[cleaned[-1]]:
        raise MistypedCode("that code has a typo: please check it character by character")
    return cleaned


def prefix_of(canonical: str) -> str:
    return canonical[:PREFIX_LENGTH]


def display(prefix: str) -> str:
    """The non-secret form shown after issue: the prefix and an ellipsis."""
    return f"{prefix}…"


@dataclass(frozen=True)
class CodeKey:
    """The deployment secret the code digests are keyed with (a pepper), with a version for rotation."""

    secret: bytes
    version: int = 1

    def __post_init__(self) -> None:
        if len(self.secret) < KEY_MIN_BYTES:
            raise ValueError(f"the code key must be at least {KEY_MIN_BYTES} bytes")

    def __repr__(self) -> str:
        return f"CodeKey(version={self.version}, secret=<hidden>)"

    def digest(self, canonical: str, salt: bytes) -> bytes:
        return hmac.new(self.secret, salt + canonical.encode("ascii"), hashlib.sha256).digest()

    def matches(self, canonical: str, *, salt: bytes, digest: bytes) -> bool:
        return hmac.compare_digest(self.digest(canonical, salt), digest)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def redact(text: str) -> str:
    """Replace every code-shaped run in ``text`` (used on log lines)."""
    return CODE_SHAPED.sub("[code]", text)
