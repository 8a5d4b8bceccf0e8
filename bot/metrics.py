"""Prometheus metrics on a port of their own (``JOANBOT_METRICS_PORT``). The names are a contract: dashboards
and alerts rely on them (README, "Running in production").

Counters and histograms are this process's; gauges about shared state (the outbox, open alerts) are read
from the database when scraped, with grouped queries whose answers are a handful of rows. Labels hold route
templates and small fixed sets, never a raw path or an account.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from billing import BillingError, Database

log = logging.getLogger("joanbot.metrics")

KINDS = ("slack", "email", "webhook")  # outbox kinds always reported, with 0 when there are none
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

OUTBOX_COUNTS = text("SELECT medium, state, COUNT(*) FROM outbox_messages GROUP BY medium, state")
OUTBOX_OLDEST = text("SELECT medium, MIN(created_at) FROM outbox_messages WHERE state = 'pending' GROUP BY medium")
ALERTS_OPEN = text("SELECT kind, COUNT(*) FROM alerts WHERE resolved_at IS NULL GROUP BY kind")


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.http_requests = Counter(
            "joanbot_http_requests",
            "HTTP requests answered, by surface, route template, method and status",
            ["surface", "route", "method", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "joanbot_http_request_duration_seconds",
            "Time to answer an HTTP request, by surface and route template",
            ["surface", "route"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.sweep_runs = Counter(
            "joanbot_sweep_runs",
            "Sweeps run by this process, by result (ok, skipped, failed)",
            ["result"],
            registry=self.registry,
        )
        self.sweep_duration = Histogram(
            "joanbot_sweep_duration_seconds",
            "Time a sweep took",
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
            registry=self.registry,
        )
        self.sweep_last_success = Gauge(
            "joanbot_sweep_last_success_timestamp_seconds",
            "When this process last finished a sweep (Unix time); 0 until it has",
            registry=self.registry,
        )
        self.redemptions = Counter(
            "joanbot_redemptions",
            "Code redemptions, by door (slack, api, cli) and result (ok or the refusal's code)",
            ["door", "result"],
            registry=self.registry,
        )

    def request(self, *, surface: str, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.http_requests.labels(surface, route, method, str(status)).inc()
        self.http_duration.labels(surface, route).observe(seconds)

    def sweep(self, result: str, seconds: float) -> None:
        self.sweep_runs.labels(result).inc()
        if result != "failed":
            self.sweep_duration.observe(seconds)
        if result == "ok":
            self.sweep_last_success.set(datetime.now(UTC).timestamp())

    def read_database(self, db: Database) -> None:
        self.registry.register(SharedState(db))

    def serve(self, host: str, port: int) -> Callable[[], None]:
        """``/metrics`` on ``port`` in a thread of its own; returns the function that stops it."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)
        log.info("metrics on %s:%s/metrics", host, port)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return stop


class SharedState(Collector):
    """The outbox and the open alerts, read when scraped (three grouped queries)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()  # one scrape at a time reads the database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        messages = GaugeMetricFamily(
            "joanbot_outbox_messages", "Outbox messages, by kind and state", labels=["kind", "state"]
        )
        oldest = GaugeMetricFamily(
            "joanbot_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox message, by kind (0 when none is pending)",
            labels=["kind"],
        )
        alerts = GaugeMetricFamily("joanbot_alerts_open", "Open alerts, by kind", labels=["kind"])
        try:
            counts, firsts, open_alerts = self._read()
        except SQLAlchemyError as error:
            log.warning("metrics: the database does not answer (%s)", type(error).__name__)
            return
        now = datetime.now(UTC)
        for (kind, state), count in sorted(counts.items()):
            messages.add_metric([kind, state], count)
        for kind in sorted(set(KINDS) | {kind for kind, _ in counts} | set(firsts)):
            first = firsts.get(kind)
            oldest.add_metric([kind], max(0.0, (now - first).total_seconds()) if first else 0.0)
        for kind, count in sorted(open_alerts.items()):
            alerts.add_metric([kind], count)
        yield from (messages, oldest, alerts)

    def _read(self) -> tuple[dict[tuple[str, str], int], dict[str, datetime], dict[str, int]]:
        with self._lock, self.db.engine.connect() as connection:
            counts = {(str(m), str(s)): int(n) for m, s, n in connection.execute(OUTBOX_COUNTS)}
            firsts = {str(m): _aware(t) for m, t in connection.execute(OUTBOX_OLDEST) if t is not None}
            open_alerts = {str(k): int(n) for k, n in connection.execute(ALERTS_OPEN)}
        return counts, firsts, open_alerts


def _aware(value: Any) -> datetime:
    """SQLite hands a timestamp back as text, or naive: both are UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CountedRedemptions:
    """``billing.redemptions`` for one door, counting each redemption's result."""

    def __init__(self, redemptions: Any, *, door: str, metrics: Metrics) -> None:
        self._inner, self._door, self._metrics = redemptions, door, metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def redeem(self, **kwargs: Any) -> Any:
        try:
            receipt = self._inner.redeem(**kwargs)
        except BillingError as error:
            self._metrics.redemptions.labels(self._door, error.code).inc()
            raise
        self._metrics.redemptions.labels(self._door, "ok").inc()
        return receipt
