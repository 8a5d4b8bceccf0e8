"""One quote-then-commit protocol for every change that bills (licenses, plans, payments).

A use case quotes a change and gives it an id: the request, a digest of every figure of the quote, and a
signature with the deployment's key over both. Nothing is stored. The commit takes only the id, reads the
request back, works the quote out once more in its own transaction under the write lock, and carries it
out only if that quote comes out with the very same id; otherwise ``QuoteChanged`` and nothing changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import fields, is_dataclass
from typing import Any

from billing.codeformat import CodeKey
from billing.errors import Conflict, InvalidInput

SALT = b"joanbot-quote:"
SIGNATURE_CHARS = 32

Request = dict[str, str | int | None]


class InvalidQuoteId(InvalidInput):
    code = "invalid_quote_id"


class QuoteChanged(Conflict):
    code = "quote_changed"


def figures(quote: object) -> str:
    """Every figure of a quote in one canonical text: its dataclass fields that take part in equality
    (display-only names are declared ``compare=False`` and are left out), nested quotes included."""
    if is_dataclass(quote) and not isinstance(quote, type):
        inner = ", ".join(f"{f.name}={figures(getattr(quote, f.name))}" for f in fields(quote) if f.compare)
        return f"{type(quote).__name__}({inner})"
    if isinstance(quote, tuple | list):
        return "(" + ", ".join(figures(item) for item in quote) + ")"
    return repr(quote)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class QuoteIds:
    """Issues and reads quote ids, signed with the deployment's key."""

    def __init__(self, key: CodeKey) -> None:
        self._key = key

    def _sign(self, payload: str) -> str:
        return self._key.digest(payload, SALT).hex()[:SIGNATURE_CHARS]

    def issue(self, kind: str, request: Request, quote: object) -> str:
        digest = hashlib.sha256(figures(quote).encode()).hexdigest()[:24]
        payload = _b64(json.dumps({"k": kind, "r": request, "d": digest}, sort_keys=True).encode())
        return f"{payload}.{self._sign(payload)}"

    def request(self, quote_id: str, kind: str) -> Request:
        """The request a quote id of ``kind`` was given for; refuses an id this deployment did not sign."""
        payload, _, signature = quote_id.strip().partition(".")
        if not payload.isascii() or not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidQuoteId("that is not a quote id this service gave; ask for a new quote")
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if decoded.get("k") != kind:
            raise InvalidQuoteId(f"that is a quote for {decoded.get('k')}, not for {kind}; ask for a new quote")
        return dict(decoded["r"])

    def check(self, quote_id: str, kind: str, request: Request, again: object, *, now_reads: str) -> None:
        """Refuse with ``QuoteChanged`` unless the quote worked out again is the one the id was given for.
        ``now_reads`` is the new quote in words, for whoever asked."""
        if not hmac.compare_digest(self.issue(kind, request, again), quote_id.strip()):
            raise QuoteChanged(f"the quote is out of date (now: {now_reads}); nothing was changed")
