"""The one drain loop every outbox medium runs (Slack posts, emails, webhooks): take what is ready, and
when nothing is, sleep until the outbox says the next message may go (at most ``max_wait`` at a time, so a
stop or a newly queued message is noticed). Time and sleeping are the caller's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def drain(
    step: Callable[[], int | None],
    ready_at: Callable[[], datetime | None],
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], object],
    until: datetime | None = None,
    max_wait: float = 5.0,
    idle: Callable[[], None] | None = None,
) -> int:
    """Run ``step`` (None when nothing could be claimed, else how many of the messages it claimed went out)
    until the outbox has nothing pending (or ``until`` passes). ``idle`` runs before a wait longer than
    ``max_wait`` (a mailer closes its connection there). Returns the messages that went out (not the
    attempts, which may fail)."""
    handled = 0
    while until is None or clock() < until:
        done = step()
        if done is not None:
            handled += done
            continue
        next_at = ready_at()
        if next_at is None:
            break
        wait = (next_at - clock()).total_seconds()
        if idle is not None and wait > max_wait:
            idle()
        sleep(min(max(wait, 0.05), max_wait))
    return handled
