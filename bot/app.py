"""The Bolt app: built from settings, the billing core and (for tests and the stand-in) a Web API client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import handlers
from billing import Billing
from bot import logsafe
from bot.clock import SystemClock
from bot.settings import SlackSettings
from handlers import deps, errors

log = logging.getLogger("joanbot.slack")


def build_app(
    settings: SlackSettings,
    billing: Billing,
    *,
    client: WebClient | None = None,
    clock: Callable[[], datetime] | None = None,
    listener_executor: Executor | None = None,
    home_team_id: str | None = None,
) -> App:
    """The app with every listener registered, reading time from ``clock`` (default: the system clock).
    ``home_team_id`` defaults to the installation's team (Bolt's ``auth.test`` on the bot token: at
    construction when ``client`` is given, else on the first request)."""
    logsafe.install()
    common: dict[str, Any] = {
        "signing_secret": settings.signing_secret or "socket-mode-has-no-signing-secret",
        "listener_executor": listener_executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="joanbot"),
        # Our own message for authorization failures: Bolt's default names the installation.
        "user_facing_authorize_error_message": "joanbot is not available right now.",
    }
    if client is not None:
        app = App(client=client, **common)
    else:
        # The token itself, as Bolt expects it (given a client too, Bolt warns that the token it read from
        # SLACK_BOT_TOKEN is unused). No auth.test here: Slack may be down at start; the server learns the
        # bot's identity in the background (bot.server.SlackIdentity) and Bolt asks on its first request.
        app = App(token=settings.bot_token, token_verification_enabled=False, **common)
        app.client.base_url = settings.api_url
    services = deps.Services(
        billing=billing, clock=clock or SystemClock(), admins=settings.admins, home_team_id=home_team_id
    )

    @app.middleware
    def provide_services(context: Any, next: Callable[[], None]) -> None:
        context[deps.CONTEXT_KEY] = services  # no I/O here: everything before the listener delays the ack
        next()

    handlers.register(app)

    @app.error
    def report(error: Exception, body: dict[str, Any], respond: Any, client: WebClient) -> BoltResponse:
        ref = errors.correlation_id()
        log.error(
            "unexpected failure (ref %s) in a %s request", ref, body.get("type") or body.get("command"), exc_info=error
        )
        text = errors.SOMETHING_WRONG.format(ref=ref)
        try:
            if body.get("response_url"):
                respond(text=text, response_type="ephemeral", replace_original=False)
            elif isinstance(body.get("user"), dict) and body["user"].get("id"):
                client.chat_postMessage(channel=body["user"]["id"], text=text)
        except (SlackApiError, OSError) as failure:
            log.warning("could not tell the user about failure %s: %s", ref, failure)
        return BoltResponse(status=500, body="")

    return app
