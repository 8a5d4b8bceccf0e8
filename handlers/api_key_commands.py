"""``/joan api-key create|list|revoke`` for admins: the key is shown once, in the admin's ephemeral reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billing import format_date
from handlers import blocks, parsing
from handlers.parsing import Parsed, Usage

if TYPE_CHECKING:
    from handlers.commands import Request

READ_ONLY = "read-only"


def create(request: Request, parsed: Parsed) -> dict[str, Any]:
    parsing.only(parsed, {"scope"})
    words = [word.lower() for word in parsed.words]
    if not words or "scope" not in parsed.options or any(w != READ_ONLY for w in words[1:]):
        raise Usage(parsed.name, "give a name and scope=portal or scope=reseller=SLUG")
    created = request.billing.api_keys.create(
        name=parsed.words[0],
        scope=parsed.options["scope"],
        read_only=READ_ONLY in words[1:],
        actor=request.actor,
        now=request.now,
        request_ref=request.ref,
    )
    mode = "read-only" if created.view.read_only else "read-write"
    return blocks.notice(
        f"API key *{created.view.name}* ({created.view.scope_text}, {mode}). Copy it now; it is shown only "
        f"this once:\n```{created.key}```"
    )


def list_keys(request: Request, parsed: Parsed) -> dict[str, Any]:
    parsing.only(parsed, set())
    if parsed.words:
        raise Usage(parsed.name, "list takes nothing more")
    keys = request.billing.api_keys.list(actor=request.actor)
    if not keys:
        return blocks.notice("There are no live API keys. `/joan api-key create NAME scope=portal` makes one.")
    lines = [
        f"*{key.name}*  {key.scope_text}{', read-only' if key.read_only else ''}  `{key.shown}…`  last used "
        f"{format_date(key.last_used_at.date()) if key.last_used_at else 'never'}"
        for key in keys
    ]
    return blocks.notice("\n".join(lines))


def revoke(request: Request, parsed: Parsed) -> dict[str, Any]:
    name = parsing.one_word(parsed, "key's name")
    revoked = request.billing.api_keys.revoke(name=name, actor=request.actor, now=request.now, request_ref=request.ref)
    return blocks.notice(f"Revoked API key *{revoked.name}*: requests with it are refused from now on.")
