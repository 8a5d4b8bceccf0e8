"""Background work inside ``joanbot serve``: the sweep every hour, the poster all the time.

Any number of instances may run these at once: the sweep decides through unique rows (and, on
PostgreSQL, one advisory lock), the poster through fenced claims. On SQLite every instance shares the
single-writer file, so their writes take turns: the embedded mode does not scale out.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from billing import Billing, format_date, plural
from bot.clock import Clock, SystemClock
from handlers.outbound.poster import Poster
from mail.sender import Mailer

log = logging.getLogger("joanbot.scheduler")

SWEEP_EVERY_SECONDS = 3600
POSTER_IDLE_SECONDS = 5.0


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
        return "Another instance is sweeping; nothing done."
    queued = billing.outbox.enqueue(now=now, sales_channel=sales_channel, email=email)
    alerts = report.alerts
    extra = "".join(f", {name}: {count}" for name, count in report.housekeeping.items())
    return (
        f"Swept at {format_date(now.date())} {now:%H:%M} UTC: {plural(report.reminders_planned, 'new reminder')}, "
        f"alerts opened {alerts.opened if alerts else 0} / resolved {alerts.resolved if alerts else 0}, "
        f"{plural(report.released_users, 'idle user')} released{extra}; {plural(queued, 'message')} queued"
    )


class Background:
    """Two daemon threads; ``stop()`` ends them at their next wake-up."""

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

    def start(self) -> None:
        loops = [(self._sweep_loop, "joanbot-sweep"), (self._post_loop, "joanbot-poster")]
        if self.mailer is not None:
            loops.append((self._mail_loop, "joanbot-mailer"))
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _sweep_loop(self) -> None:
        while not self._stop.is_set():
            try:
                summary = run_sweep(
                    self.billing, now=self.clock(), sales_channel=self.sales_channel, email=self.mailer is not None
                )
                log.info(summary)
            except Exception:
                log.exception("the sweep failed; it will run again in an hour")
            self._stop.wait(SWEEP_EVERY_SECONDS)

    def _post_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poster.drain(sleep=self._stop.wait, max_wait=POSTER_IDLE_SECONDS)
            except Exception:
                log.exception("the poster failed; retrying")
            self._stop.wait(POSTER_IDLE_SECONDS)

    def _mail_loop(self) -> None:
        assert self.mailer is not None
        while not self._stop.is_set():
            try:
                self.mailer.drain(sleep=self._stop.wait, max_wait=POSTER_IDLE_SECONDS)
            except Exception:
                log.exception("the mailer failed; retrying")
            self._stop.wait(POSTER_IDLE_SECONDS)
