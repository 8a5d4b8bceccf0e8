"""``/joan`` text and modal state, parsed into small typed inputs. Nothing here talks to billing or Slack.

Grammar: ``/joan SUBCOMMAND POSITIONAL... [key=value...]``. Options may stand anywhere; the remaining words
are the positional arguments, in order. A subcommand typed without its arguments opens its modal (where
there is one) or shows its usage.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from billing import AccountEdit, BillingError, NotANumber, parse_date, parse_whole, term_months
from handlers.redeem_request import RedeemRequest

USAGE: dict[str, str] = {
    "help": "/joan help",
    "code issue": "/joan code issue SOLUTION LEVEL UNITS [kind=device|user] [years=N|months=N] [count=N] "
    "[reseller=SLUG] [account=SLUG] [redeem-by=YYYY-MM-DD] [ref=TEXT]",
    "code credit": "/joan code credit AMOUNT CURRENCY [promo] [count=N] [reseller=SLUG] [account=SLUG] "
    "[redeem-by=YYYY-MM-DD]",
    "code show": "/joan code show CODE",
    "code void": "/joan code void CODE",
    "redeem": "/joan redeem CODE ACCOUNT [renews=BLOCK|new]",
    "renewals": "/joan renewals ACCOUNT",
    "account": "/joan account ACCOUNT",
    "accounts": "/joan accounts [RESELLER]",
    "account new": "/joan account new SLUG NAME... [reseller=SLUG] [pays=reseller|card|invoice|credits] "
    "[currency=XXX] [tz=Area/City]",
    "account set": '/joan account set SLUG [name="New Name"] [reseller=SLUG|none] '
    "[pays=reseller|card|invoice|credits] [tz=Area/City] [currency=XXX] [email=a@x.example,b@x.example|none]",
    "account close": "/joan account close SLUG",
    "account reopen": "/joan account reopen SLUG",
    "reseller new": "/joan reseller new SLUG NAME... [team=TEAM_ID]",
    "reseller set": "/joan reseller set SLUG email=a@x.example,b@x.example (email=none clears)",
    "reseller link": "/joan reseller link SLUG",
    "staff add": "/joan staff add @user admin|sales",
    "staff remove": "/joan staff remove @user",
    "audit": "/joan audit [ACCOUNT|CODE]",
    "credits": "/joan credits ACCOUNT",
    "invoices": "/joan invoices ACCOUNT",
    "licenses change": "/joan licenses change ACCOUNT SOLUTION [level=LEVEL] [interval=month|year] [when=now] "
    "| licenses change ACCOUNT SOLUTION withdraw",
    "licenses start": "/joan licenses start ACCOUNT SOLUTION N level=LEVEL [interval=year|month]",
    "licenses add": "/joan licenses add ACCOUNT SOLUTION N",
    "licenses reduce": "/joan licenses reduce ACCOUNT SOLUTION N",
    "licenses cancel": "/joan licenses cancel ACCOUNT SOLUTION",
    "payment record": "/joan payment record INVOICE AMOUNT [ref=TEXT]",
    "forecast": "/joan forecast [RESELLER] [months=N]  (a chart in your DM with me; N from 1 to 36, default 12)",
    "api-key create": "/joan api-key create NAME scope=portal|reseller=SLUG [read-only]",
    "api-key list": "/joan api-key list",
    "api-key revoke": "/joan api-key revoke NAME",
}
MAX_SLACK_COUNT = 1000  # more codes than this at once: the ops CLI writes them to a CSV file
NEW_WORDS = {"new", "none"}  # renews=new: new licenses, explicitly not a renewal

_OPTION = re.compile(r"^([a-z][a-z-]*)=(.*)$", re.DOTALL)
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,30})$")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


class Usage(Exception):
    """The text does not fit the subcommand's grammar; ``str()`` says why, ``usage`` how."""

    def __init__(self, subcommand: str, reason: str = "") -> None:
        super().__init__(reason)
        self.subcommand = subcommand
        self.reason = reason
        self.usage = USAGE.get(subcommand, USAGE["help"])


@dataclass(frozen=True)
class Parsed:
    """A subcommand with its positional words and options, before typing."""

    name: str
    words: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueInput:
    solution: str
    level: str
    units: int
    term_months: int
    count: int = 1
    kind: str | None = None
    reseller: str | None = None
    account: str | None = None
    redeem_by: date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CreditInput:
    amount: str
    currency: str
    source: str
    count: int = 1
    reseller: str | None = None
    account: str | None = None
    redeem_by: date | None = None


@dataclass(frozen=True)
class AccountInput:
    slug: str
    name: str
    reseller: str | None = None
    pays: str | None = None
    currency: str | None = None
    tz: str | None = None


@dataclass(frozen=True)
class ResellerInput:
    slug: str
    name: str
    team: str | None = None


@dataclass(frozen=True)
class StaffInput:
    user_id: str
    role: str | None = None


_TWO_WORD = {"code", "staff", "licenses", "payment", "api-key"}  # always take a second word
_OPTIONAL_SECOND = {"account": ("new", "set", "close", "reopen"), "reseller": ("new", "link", "set")}


def split(text: str) -> Parsed:
    """The subcommand name (one or two words), positional words and ``key=value`` options."""
    cleaned = (text or "").translate(_QUOTES).strip()
    try:
        tokens = shlex.split(cleaned)
    except ValueError:
        tokens = cleaned.split()
    if not tokens:
        return Parsed("help", ())
    head, rest = tokens[0].lower(), tokens[1:]
    name = head
    if head in _TWO_WORD:
        if not rest:
            return Parsed(head, ())
        name, rest = f"{head} {rest[0].lower()}", rest[1:]
    elif head in _OPTIONAL_SECOND and rest and rest[0].lower() in _OPTIONAL_SECOND[head]:
        name, rest = f"{head} {rest[0].lower()}", rest[1:]
    words: list[str] = []
    options: dict[str, str] = {}
    for token in rest:
        match = _OPTION.match(token)
        if match:
            options[match.group(1).lower()] = match.group(2)
        else:
            words.append(token)
    return Parsed(name, tuple(words), options)


def only(parsed: Parsed, allowed: set[str]) -> None:
    unknown = sorted(set(parsed.options) - allowed)
    if unknown:
        raise Usage(parsed.name, f"unknown option {unknown[0]}=")


def _int(parsed: Parsed, text: str, what: str) -> int:
    try:
        return parse_whole(text, what)
    except NotANumber as error:
        raise Usage(parsed.name, error.message) from None


def _date(parsed: Parsed, key: str) -> date | None:
    value = parsed.options.get(key)
    if value is None:
        return None
    try:
        return parse_date(value)
    except BillingError:
        raise Usage(parsed.name, f"{key} must be a date like 2024-03-22 or 22.3.2024") from None


def _count(parsed: Parsed) -> int:
    count = _int(parsed, parsed.options.get("count", "1"), "count")
    if not 1 <= count <= MAX_SLACK_COUNT:
        raise Usage(parsed.name, f"count must be 1 to {MAX_SLACK_COUNT:,} in Slack (use the ops CLI for more)")
    return count


def issue_input(parsed: Parsed) -> IssueInput:
    only(parsed, {"kind", "years", "months", "count", "reseller", "account", "redeem-by", "ref"})
    if len(parsed.words) != 3:
        raise Usage(parsed.name, "give the solution, the level and the number of units")
    solution, level, units = parsed.words
    years = parsed.options.get("years")
    months = parsed.options.get("months")
    if years is not None and months is not None:
        raise Usage(parsed.name, "give years= or months=, not both")
    try:
        term = term_months(
            years=_int(parsed, years, "years") if years is not None else (None if months else 1),
            months=_int(parsed, months, "months") if months is not None else None,
        )
    except BillingError as error:
        raise Usage(parsed.name, str(error)) from None
    kind = parsed.options.get("kind")
    if kind is not None and kind not in ("device", "user"):
        raise Usage(parsed.name, "kind must be device or user")
    return IssueInput(
        solution=solution.lower(),
        level=level.lower(),
        units=_int(parsed, units, "units"),
        term_months=term,
        count=_count(parsed),
        kind=kind,
        reseller=parsed.options.get("reseller"),
        account=parsed.options.get("account"),
        redeem_by=_date(parsed, "redeem-by"),
        reference=parsed.options.get("ref"),
    )


def credit_input(parsed: Parsed) -> CreditInput:
    only(parsed, {"count", "reseller", "account", "redeem-by"})
    words = list(parsed.words)
    promo = any(w.lower() == "promo" for w in words)
    words = [w for w in words if w.lower() not in ("promo", "topped_up", "topped-up")]
    if len(words) != 2:
        raise Usage(parsed.name, "give the amount and the currency")
    amount, currency = words
    return CreditInput(
        amount=amount,
        currency=currency.upper(),
        source="promo" if promo else "topped_up",
        count=_count(parsed),
        reseller=parsed.options.get("reseller"),
        account=parsed.options.get("account"),
        redeem_by=_date(parsed, "redeem-by"),
    )


def one_word(parsed: Parsed, what: str) -> str:
    only(parsed, set())
    if len(parsed.words) != 1:
        raise Usage(parsed.name, f"give the {what}")
    return parsed.words[0]


def contacts_input(parsed: Parsed, what: str) -> tuple[str, list[str]]:
    """``SLUG email=a@x,b@x``: the slug and the addresses (``email=none`` or ``email=`` clears them)."""
    slug = one_word(Parsed(parsed.name, parsed.words), what)
    only(parsed, {"email"})
    if "email" not in parsed.options:
        raise Usage(parsed.name, "give email=ADDRESS[,ADDRESS...] or email=none")
    text = parsed.options["email"].strip()
    if text.lower() == "none":
        return slug, []
    return slug, [part.strip().strip("<>") for part in re.split(r"[,;\s]+", text) if part.strip()]


def account_edit_input(parsed: Parsed) -> tuple[str, AccountEdit]:
    """``SLUG name=... reseller=SLUG|none pays=... tz=... currency=... email=...``: what to correct."""
    slug = one_word(Parsed(parsed.name, parsed.words), "account")
    only(parsed, {"name", "reseller", "pays", "tz", "currency", "email"})
    given = parsed.options
    if not given:
        raise Usage(parsed.name, "say what to change: name=, reseller=, pays=, tz=, currency= or email=")
    reseller = given.get("reseller")
    emails = None
    if "email" in given:
        emails = tuple(contacts_input(Parsed(parsed.name, parsed.words, {"email": given["email"]}), "account")[1])
    return slug, AccountEdit(
        name=given.get("name"),
        reseller="" if reseller is not None and reseller.lower() in ("none", "direct", "") else reseller,
        payment_method=given.get("pays"),
        time_zone=given.get("tz"),
        currency=given.get("currency"),
        emails=emails,
    )


def redeem_input(parsed: Parsed) -> RedeemRequest:
    only(parsed, {"renews"})
    words = list(parsed.words)
    if len(words) > 2:  # a code typed with spaces between its groups: the account is the last word
        words = ["".join(words[:-1]), words[-1]]
    if len(words) != 2:
        raise Usage(parsed.name, "give the code and the account")
    request = RedeemRequest(words[0], words[1].lower())
    renews = parsed.options.get("renews")
    if renews is None:
        return request  # not chosen: the reply asks when there are licenses to renew
    if renews.strip().lower() in NEW_WORDS:
        return request.renewing(None)
    return request.renewing(_int(parsed, renews, "renews"))


def account_input(parsed: Parsed) -> AccountInput:
    only(parsed, {"reseller", "pays", "currency", "tz"})
    if len(parsed.words) < 2:
        raise Usage(parsed.name, "give the slug and the name")
    return AccountInput(
        slug=parsed.words[0],
        name=" ".join(parsed.words[1:]),
        reseller=parsed.options.get("reseller"),
        pays=parsed.options.get("pays"),
        currency=parsed.options.get("currency"),
        tz=parsed.options.get("tz"),
    )


def reseller_input(parsed: Parsed) -> ResellerInput:
    only(parsed, {"team"})
    if len(parsed.words) < 2:
        raise Usage(parsed.name, "give the slug and the name")
    return ResellerInput(parsed.words[0], " ".join(parsed.words[1:]), parsed.options.get("team"))


def user_id(parsed: Parsed, text: str) -> str:
    match = _USER.match(text.strip())
    if not match:
        raise Usage(parsed.name, f"{text!r} is not a Slack user: mention them, like @alice")
    return match.group(1) or match.group(2)


def staff_input(parsed: Parsed) -> StaffInput:
    only(parsed, set())
    if parsed.name == "staff add":
        if len(parsed.words) != 2 or parsed.words[1].lower() not in ("admin", "sales"):
            raise Usage(parsed.name, "give the user and the role (admin or sales)")
        return StaffInput(user_id(parsed, parsed.words[0]), parsed.words[1].lower())
    if len(parsed.words) != 1:
        raise Usage(parsed.name, "give the user")
    return StaffInput(user_id(parsed, parsed.words[0]))


# -- modal state -------------------------------------------------------------------------------------------


def state_value(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """The submitted value of one input, whatever its element type; None when left empty."""
    element = view.get("state", {}).get("values", {}).get(block_id, {}).get(action_id) or {}
    for key in ("selected_option",):
        if element.get(key):
            return str(element[key].get("value"))
    for key in ("value", "selected_date"):
        if element.get(key) not in (None, ""):
            return str(element[key]).strip() or None
    return None
