"""The acting user's own team for an event, from what Slack says about the user, never from the envelope.

An event's envelope ``team_id`` names the workspace the app is installed in, so a reseller member opening
App Home in a Slack Connect set-up looks like a home user. ``event.user_team`` says it when Slack sends it;
otherwise ``users.info`` does, cached briefly (a team does not change under a user), and a failed look-up
leaves the team unknown, which the identity policy refuses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("joanbot.identity")

CACHE_SECONDS = 300.0
CACHE_SIZE = 10_000


class UserTeams:
    """``users.info`` team ids by user id, remembered for ``ttl`` seconds (failures are not remembered)."""

    def __init__(self, *, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._known: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def team_of(self, client: WebClient | None, user_id: str) -> str | None:
        now = self._clock()
        with self._lock:
            found = self._known.get(user_id)
            if found is not None and now - found[0] < self._ttl:
                return found[1]
        team = _ask(client, user_id)
        if team is not None:
            with self._lock:
                self._known[user_id] = (now, team)
                self._known.move_to_end(user_id)
                while len(self._known) > CACHE_SIZE:
                    self._known.popitem(last=False)
        return team


def _ask(client: WebClient | None, user_id: str) -> str | None:
    if client is None:
        return None
    try:
        user: Any = client.users_info(user=user_id).get("user")
    except (SlackApiError, OSError, ValueError) as error:
        log.warning("could not learn the team of %s from users.info (%s): refusing", user_id, type(error).__name__)
        return None
    team = user.get("team_id") if isinstance(user, dict) else None
    return team if isinstance(team, str) and team else None


def event_user_team(event: dict[str, Any], client: WebClient | None, teams: UserTeams) -> str | None:
    """The team of the user behind ``event``: ``event.user_team``, else ``users.info``."""
    named = event.get("user_team")
    if isinstance(named, str) and named:
        return named
    user = event.get("user")
    return teams.team_of(client, user) if isinstance(user, str) and user else None
