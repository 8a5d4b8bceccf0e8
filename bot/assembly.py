"""``joanbot serve`` put together: the web app over the runtime's parts, with the bot's identity, the
background work, Socket Mode and the metrics port started and stopped by the app's lifespan."""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.app import build_app
from bot.health import Readiness
from bot.metrics import Metrics
from bot.runtime import Runtime
from bot.server import SlackEndpoint, SlackIdentity, serve_socket_mode
from bot.settings import ServerSettings
from bot.web import Lifespan, Web, counted, web_app


def assemble(runtime: Runtime, server: ServerSettings) -> Web:
    slack, billing = runtime.slack, runtime.billing
    metrics = Metrics() if server.metrics_port is not None else None
    app = build_app(slack, counted(billing, metrics, "slack"), clock=runtime.clock)
    identity = SlackIdentity(app.client)
    stop = threading.Event()
    lifespan = Lifespan()

    def learn_identity() -> Callable[[], None]:
        identity.start(stop)
        return stop.set

    lifespan.starts.append(learn_identity)
    if slack.app_token is not None:
        app_token = slack.app_token
        lifespan.starts.append(lambda: serve_socket_mode(app, app_token, stop))
    background = runtime.background
    if metrics is not None:
        metrics.read_database(billing.db)
        background.on_sweep = metrics.sweep
        port = server.metrics_port
        assert port is not None
        lifespan.starts.append(lambda: metrics.serve(server.bind, port))

    def start_background() -> Callable[[], None]:
        background.start()
        return lambda: background.stop(timeout=server.shutdown_seconds)

    lifespan.starts.append(start_background)
    endpoint = None
    if slack.app_token is None:
        assert slack.signing_secret is not None
        endpoint = SlackEndpoint(app, signing_secret=slack.signing_secret, identity=identity)
    readiness = Readiness(billing.db, runtime.settings.code_key, slack_known=lambda: identity.known)
    return web_app(billing, now=runtime.clock, slack=endpoint, readiness=readiness, metrics=metrics, lifespan=lifespan)
