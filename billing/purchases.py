"""Buying licenses through the Portal: a quote for a new total, then its commit by ``quote_id``.

A ``quote_id`` is the quote's facts signed with the deployment key, so no quote is stored: the commit works
the quote out again and refuses (``quote_changed``) when anything a customer agreed to differs.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from billing.actors import Actor
from billing.catalog import find_solution
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import InvalidInput
from billing.models.invoicing import ChangeKind
from billing.quotes import Quote, QuoteChanged, billed_account, find_subscription
from billing.subscriptions import ChangeReceipt, Subscriptions

QUOTE_SALT = b"joanbot-license-quote:"


class NoChange(InvalidInput):
    code = "no_change"


class InvalidQuoteId(InvalidInput):
    code = "invalid_quote_id"


@dataclass(frozen=True)
class PricedQuote:
    quote: Quote
    quote_id: str


def _facts(quote: Quote) -> dict[str, object]:
    return {
        "account": quote.account,
        "solution": quote.solution,
        "action": str(quote.action),
        "units": quote.units,
        "units_after": quote.units_after,
        "amount": quote.amount.minor,
        "currency": quote.amount.currency,
        "start": quote.period.start.isoformat(),
        "end": quote.period.end.isoformat(),
    }


class Purchases:
    def __init__(self, db: Database, *, subscriptions: Subscriptions, key: CodeKey) -> None:
        self._db = db
        self._subscriptions = subscriptions
        self._key = key

    def _sign(self, payload: str) -> str:
        return self._key.digest(payload, QUOTE_SALT).hex()[:32]

    def _quote_id(self, quote: Quote) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(_facts(quote), sort_keys=True).encode()).decode().rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def _decode(self, quote_id: str) -> dict[str, object]:
        payload, _, signature = quote_id.strip().partition(".")
        if not payload.isascii() or not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidQuoteId("that is not a quote id this service gave")
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))

    def quote(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> PricedQuote:
        """What changing ``solution`` to ``units`` licenses in all costs (fewer: staff only)."""
        current = self._current_units(account=account, solution=solution, actor=actor, now=now)
        if units == current:
            raise NoChange(f"{account} already has {units} {solution} licenses", units=units)
        if units > current:
            quote = self._subscriptions.preview_add(
                account=account, solution=solution, units=units - current, actor=actor, now=now
            )
        else:
            quote = self._subscriptions.preview_reduce(
                account=account, solution=solution, units=current - units, actor=actor, now=now
            )
        return PricedQuote(quote=quote, quote_id=self._quote_id(quote))

    def commit(
        self, *, quote_id: str, account: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> ChangeReceipt:
        facts = self._decode(quote_id)
        if facts.get("account") != account:
            raise InvalidQuoteId("that quote is for another account")
        action, solution, units = ChangeKind(str(facts["action"])), str(facts["solution"]), int(str(facts["units"]))
        again = (self._subscriptions.preview_add if action == ChangeKind.ADD else self._subscriptions.preview_reduce)(
            account=account, solution=solution, units=units, actor=actor, now=now
        )
        if _facts(again) != facts:
            raise QuoteChanged(f"the quote is out of date (now: {again.describe()}); nothing was changed")
        commit = self._subscriptions.add if action == ChangeKind.ADD else self._subscriptions.reduce
        return commit(quote=again, actor=actor, now=now, request_ref=request_ref)

    def _current_units(self, *, account: str, solution: str, actor: Actor, now: datetime) -> int:
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            return find_subscription(session, found, find_solution(session, solution)).units
