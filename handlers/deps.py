"""What every listener needs from Bolt's context: the billing core, the clock, and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from billing import Actor, Billing, ChatUser
from handlers.user_teams import UserTeams, event_user_team

CONTEXT_KEY = "joanbot"


@dataclass(frozen=True)
class Services:
    """Put into every request's context by the app's one global middleware (no I/O there: ack first)."""

    billing: Billing
    clock: Callable[[], datetime]
    admins: Collection[str]
    home_team_id: str | None = None  # None: the installation's team, from Bolt's auth.test result
    user_teams: UserTeams = field(default_factory=UserTeams)  # events' acting users' own teams, cached


def services(context: Any) -> Services:
    found = context[CONTEXT_KEY]
    assert isinstance(found, Services)
    return found


def home_team(context: Any) -> str | None:
    configured = services(context).home_team_id
    if configured:
        return configured
    result = getattr(context, "authorize_result", None)
    return getattr(result, "team_id", None) if result is not None else None


def acting_user(body: dict[str, Any], context: Any) -> ChatUser:
    """The person behind a request and their own team: never the channel's, never the installation's."""
    user = body.get("user")
    if isinstance(user, dict):  # interactivity: block_actions, view_submission, shortcut, block_suggestion
        return ChatUser(str(user.get("id") or ""), user.get("team_id"))
    if "user_id" in body:  # slash command (form fields)
        return ChatUser(str(body["user_id"]), body.get("team_id"))
    event = body.get("event") or {}
    if not isinstance(event, dict):
        return ChatUser("", None)
    # The envelope's team_id is the installation's: the user's own team comes from Slack's word on the user.
    team = event_user_team(event, getattr(context, "client", None), services(context).user_teams)
    user = event.get("user")
    return ChatUser(user if isinstance(user, str) else "", team)


def actor(context: Any, body: dict[str, Any]) -> Actor | None:
    found = services(context)
    return found.billing.identity.actor_for(
        acting_user(body, context), home_team_id=home_team(context), admins=found.admins
    )


def now(context: Any) -> datetime:
    return services(context).clock()


def request_ref(body: dict[str, Any]) -> str:
    """What the audit log records as the Slack request behind a change."""
    for key in ("trigger_id", "event_id"):
        if body.get(key):
            return f"slack:{key}:{body[key]}"[:200]
    return "slack"
