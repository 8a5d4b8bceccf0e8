"""The one listener preamble: ack, resolve who is acting, refuse strangers, hand the listener what it asks for.

Bolt injects listener arguments by parameter name (it reads the function's positional parameter names and
passes ``ack``, ``body``, ``respond``, ``client``… accordingly). ``listener`` gives Bolt a function with a
fixed set of such names, and calls the wrapped listener with only the names it declares, from these:

- from Bolt: ``ack``, ``body``, ``view``, ``event``, ``respond`` (usable only with a ``response_url``),
  ``client``, ``context``;
- resolved here: ``actor`` (the acting user's role; a stranger is refused and the listener never runs),
  ``billing``, ``now`` (the clock, read once per request) and ``request_ref`` (what the audit log records).

The actor is resolved (a database read) only for listeners that declare it, and only after the ack where the
surface acks at once: commands, buttons and shortcuts. Modal submissions and typeahead ack with their result,
so they resolve first and refuse in the ack.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from handlers import blocks, deps, errors, modals

PROVIDED = frozenset(
    {"ack", "body", "view", "event", "respond", "client", "context", "actor", "billing", "now", "request_ref"}
)


@dataclass(frozen=True)
class Incoming:
    """What Bolt handed over for one request."""

    ack: Any
    body: dict[str, Any]
    context: Any
    respond: Any | None
    client: WebClient


@dataclass(frozen=True)
class Surface:
    """Where a request comes from: whether it is acked before the listener runs, and how a stranger is refused."""

    name: str
    ack_first: bool
    refuse: Callable[[Incoming], None]


def refuse_in_reply(incoming: Incoming) -> None:
    """After the ack: an ephemeral reply where there is a ``response_url`` (commands, buttons on messages);
    the refusal in place of a modal clicked in; else a note modal (shortcuts, App Home buttons)."""
    if incoming.respond is not None and incoming.body.get("response_url"):
        incoming.respond(**blocks.notice(errors.REFUSAL), response_type="ephemeral", replace_original=False)
        return
    note = modals.note_modal("joanbot", errors.REFUSAL)
    view = incoming.body.get("view") or {}
    if view.get("type") == "modal" and view.get("id"):
        incoming.client.views_update(view_id=view["id"], view=note)
    else:
        incoming.client.views_open(trigger_id=incoming.body["trigger_id"], view=note)


def refuse_in_ack(incoming: Incoming) -> None:
    incoming.ack(response_action="update", view=modals.note_modal("joanbot", errors.REFUSAL))


def offer_nothing(incoming: Incoming) -> None:
    incoming.ack(options=[])


COMMAND = Surface("command", ack_first=True, refuse=refuse_in_reply)
ACTION = Surface("action", ack_first=True, refuse=refuse_in_reply)  # buttons, radio buttons, shortcuts
SUBMISSION = Surface("submission", ack_first=False, refuse=refuse_in_ack)
OPTIONS = Surface("options", ack_first=False, refuse=offer_nothing)


def listener(surface: Surface, function: Callable[..., None]) -> Callable[..., None]:
    """``function`` as Bolt calls it on ``surface``."""
    wanted = tuple(inspect.signature(function).parameters)
    unknown = set(wanted) - PROVIDED
    if unknown:
        raise TypeError(f"{function.__name__} asks for {sorted(unknown)}: a listener may ask for {sorted(PROVIDED)}")
    if surface.ack_first and "ack" in wanted:
        raise TypeError(f"{function.__name__} is acked before it runs ({surface.name}): it takes no ack")

    def bolt_listener(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: WebClient) -> None:
        incoming = Incoming(ack, body, context, respond, client)
        if surface.ack_first:
            ack()
        given: dict[str, Any] = {}
        if "actor" in wanted:
            actor = deps.actor(context, body)
            if actor is None:
                surface.refuse(incoming)
                return
            given["actor"] = actor
        function(**_arguments(incoming, wanted, given))

    # Bolt reads the names above (and would follow __wrapped__ to the inner ones): only the name is copied.
    bolt_listener.__name__ = bolt_listener.__qualname__ = function.__name__
    bolt_listener.__doc__ = function.__doc__
    return bolt_listener


def _arguments(incoming: Incoming, wanted: tuple[str, ...], given: dict[str, Any]) -> dict[str, Any]:
    body, context = incoming.body, incoming.context
    available: dict[str, Callable[[], Any]] = {
        "ack": lambda: incoming.ack,
        "body": lambda: body,
        "view": lambda: body.get("view") or {},
        "event": lambda: body.get("event") or {},
        "respond": lambda: incoming.respond,
        "client": lambda: incoming.client,
        "context": lambda: context,
        "billing": lambda: deps.services(context).billing,
        "now": lambda: deps.now(context),
        "request_ref": lambda: deps.request_ref(body),
    }
    return {name: given[name] if name in given else available[name]() for name in wanted}


def command(function: Callable[..., None]) -> Callable[..., None]:
    return listener(COMMAND, function)


def action(function: Callable[..., None]) -> Callable[..., None]:
    return listener(ACTION, function)


def submission(function: Callable[..., None]) -> Callable[..., None]:
    return listener(SUBMISSION, function)


def options(function: Callable[..., None]) -> Callable[..., None]:
    return listener(OPTIONS, function)
