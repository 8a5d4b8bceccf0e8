"""``joanbot serve``: one ASGI application (``bot.web``) on uvicorn, in HTTP or Socket Mode.

Slack's requests reach Bolt through ``SlackEndpoint``: Bolt parses a request before it checks the signature,
so the raw bytes go to ``bot.slack_edge`` first (unsigned requests get 401 and odd signed ones 400 before
Bolt sees them), and until the bot's identity is known (``auth.test``, retried in the background while
Slack is unreachable) every Slack request gets 503, which Slack retries.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import slack_edge

log = logging.getLogger("joanbot.server")

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are a few kilobytes; refuse anything absurd before reading it
JSON: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}


class SlackIdentity:
    """The bot's identity (``auth.test`` on its token), learned in the background: retried with backoff
    while Slack is unreachable, so that a start during a Slack outage serves the API all the same."""

    def __init__(self, client: WebClient, *, first_wait: float = 1.0, max_wait: float = 60.0) -> None:
        self.client = client
        self.first_wait, self.max_wait = first_wait, max_wait
        self.team_id: str | None = None
        self._known = threading.Event()

    @property
    def known(self) -> bool:
        return self._known.is_set()

    def learn(self, stop: threading.Event) -> None:
        """Call ``auth.test`` until it answers (or ``stop`` is set)."""
        wait = self.first_wait
        while not stop.is_set():
            try:
                answer = self.client.auth_test()
            except (SlackClientError, OSError) as error:
                log.warning("Slack is unreachable (auth.test: %s); retrying in %.0f s", type(error).__name__, wait)
            else:
                self.team_id = answer.get("team_id")
                self._known.set()
                log.info("Slack identity known: team %s", self.team_id)
                return
            stop.wait(wait)
            wait = min(wait * 2, self.max_wait)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.learn, args=(stop,), name="joanbot-slack-identity", daemon=True)
        thread.start()
        return thread


class SlackEndpoint:
    """``/slack/events`` without the HTTP: the raw body and headers in, Bolt's response out. Synchronous:
    the web app calls it on a worker thread, never on the event loop."""

    def __init__(self, app: App, *, signing_secret: str, identity: SlackIdentity | None = None) -> None:
        self.app = app
        self._secret = signing_secret
        self.identity = identity

    @property
    def ready(self) -> bool:
        return self.identity is None or self.identity.known

    def handle(self, raw: bytes, headers: Mapping[str, str | Sequence[str]], query: str = "") -> BoltResponse:
        if not self.ready:
            return BoltResponse(status=503, body='{"error": "slack_identity_unknown"}', headers=dict(JSON))
        verified = slack_edge.verify(raw, dict(headers), secret=self._secret, query=query)
        if isinstance(verified, slack_edge.Refusal):
            return BoltResponse(status=verified.status, body=verified.body, headers=dict(JSON))
        return self.app.dispatch(verified)


def serve_socket_mode(app: App, app_token: str, stop: threading.Event) -> Callable[[], None]:
    """Connect to Slack over the socket in the background, retrying while Slack is unreachable; returns the
    function that closes the connection."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)

    def connect() -> None:
        wait = 1.0
        while not stop.is_set():
            try:
                handler.connect()  # type: ignore[no-untyped-call]
                log.info("connected in Socket Mode")
                return
            except (SlackClientError, OSError) as error:
                log.warning("Socket Mode cannot connect (%s); retrying in %.0f s", type(error).__name__, wait)
            stop.wait(wait)
            wait = min(wait * 2, 60.0)

    threading.Thread(target=connect, name="joanbot-socket-mode", daemon=True).start()
    return lambda: handler.close()  # type: ignore[no-untyped-call]


def run() -> None:
    """``joanbot serve``: settings from the environment (failing fast by name), then serve until SIGTERM or
    Ctrl-C, which finish the requests in flight and the background work's current item, then exit 0."""
    from bot import logsafe
    from bot.assembly import assemble
    from bot.runtime import Runtime
    from bot.serving import serve_forever
    from bot.settings import LogSettings, ServerSettings, SettingsError

    logsafe.configure(LogSettings.from_env(default_level="INFO"))
    runtime = Runtime()
    slack, server = runtime.slack, ServerSettings.from_env()
    if slack.sales_channel is None:
        raise SettingsError(
            "JOANBOT_SALES_CHANNEL is not set: the channel id (C...) where reminders and alerts of direct accounts go"
        )
    web = assemble(runtime, server)
    # uvicorn re-raises the signal it stopped on once it is done; by then the stop was graceful: exit 0.
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        serve_forever(web, host=server.bind, port=slack.port, shutdown_seconds=server.shutdown_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        runtime.close()


def _stopped(_signum: int, _frame: Any) -> None:
    log.info("stopped")
