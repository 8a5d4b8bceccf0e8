"""Background work inside ``joanbot serve``: the sweep every hour, the poster all the time.

Any number of instances may run these at once: the sweep decides through unique rows (and, on
PostgreSQL, one advisory lock), the poster through fenced claims. On SQLite every instance shares the
single-writer file, so their writes take turns: the embedded mode does not scale out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from billing import Billing, format_date, plural
from bot.clock import Clock, SystemClock
from handlers.outbound.poster import Poster
from mail.sender import Mailer

log = logging.getLogger("joanbot.scheduler")

SWEEP_EVERY_SECONDS = 3600
POSTER_IDLE_SECONDS = 5.0
# A delivery loop looks at its stop flag at least this often while a backlog drains, so that a stop waits
# for the current item only.
DRAIN_SLICE = timedelta(seconds=2)
SKIPPED = "Another instance is sweeping; nothing done."


def run_sweep(
    billing: Billing, *, now: datetime, sales_channel: str | None, dry_run: bool = False, email: bool = False
) -> str:
    """One sweep and the outbox filled from it (with ``email``, reminder emails too); a one-line summary."""
    report = billing.sweep.run(now=now, dry_run=dry_run)
    if dry_run:
        return (
            f"Dry run for {format_date(now.date())} {now:%H:%M} UTC: {plural(len(report.due), 'reminder')} due, "
            f"{plural(len(report.conditions), 'alert condition')}; nothing changed."
        )
    if not report.ran:
        return SKIPPED
    queued = billing.outbox.enqueue(now=now, sales_channel=sales_channel, email=email)
    alerts = report.alerts
    extra = "".join(f", {name}: {count}" for name, count in report.housekeeping.items())
    return (
        f"Swept at {format_date(now.date())} {now:%H:%M} UTC: {plural(report.reminders_planned, 'new reminder')}, "
        f"alerts opened {alerts.opened if alerts else 0} / resolved {alerts.resolved if alerts else 0}, "
        f"{plural(report.released_users, 'idle user')} released{extra}; {plural(queued, 'message')} queued"
    )


class Background:
    """Daemon threads; ``stop()`` lets each finish its current item (releasing what it claimed), then ends them."""

    def __init__(
        self,
        billing: Billing,
        poster: Poster,
        *,
        sales_channel: str | None,
        clock: Clock | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.billing = billing
        self.poster = poster
        self.mailer = mailer
        self.sales_channel = sales_channel
        self.clock: Clock = clock or SystemClock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.on_sweep: Callable[[str, float], None] | None = None  # (ok | skipped | failed, seconds)

    def start(self) -> None:
        loops = [(self._sweep_loop, "joanbot-sweep"), (self._post_loop, "joanbot-poster")]
        if self.mailer is not None:
            loops.append((self._mail_loop, "joanbot-mailer"))
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 20) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s did not finish its item in time; its lease lets another instance take it", thread.name)

    def _sweep_loop(self) -> None:
        while not self._stop.is_set():
            started, result = time.perf_counter(), "ok"
            try:
                summary = run_sweep(
                    self.billing, now=self.clock(), sales_channel=self.sales_channel, email=self.mailer is not None
                )
                result = "skipped" if summary == SKIPPED else "ok"
                log.info(summary)
            except Exception:
                result = "failed"
                log.exception("the sweep failed; it will run again in an hour")
            if self.on_sweep is not None:
                self.on_sweep(result, time.perf_counter() - started)
            self._stop.wait(SWEEP_EVERY_SECONDS)

    def _post_loop(self) -> None:
        while not self._stop.is_set():
            delivered = 0
            try:
                delivered = self.poster.drain(
                    sleep=self._stop.wait, max_wait=POSTER_IDLE_SECONDS, until=self.clock() + DRAIN_SLICE
                )
            except Exception:
                log.exception("the poster failed; retrying")
            if not delivered:
                self._stop.wait(POSTER_IDLE_SECONDS)

    def _mail_loop(self) -> None:
        assert self.mailer is not None
        while not self._stop.is_set():
            sent = 0
            try:
                sent = self.mailer.drain(
                    sleep=self._stop.wait, max_wait=POSTER_IDLE_SECONDS, until=self.clock() + DRAIN_SLICE
                )
            except Exception:
                log.exception("the mailer failed; retrying")
            if not sent:
                self._stop.wait(POSTER_IDLE_SECONDS)
