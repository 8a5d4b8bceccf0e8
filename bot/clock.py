"""The one clock abstraction: what time it is, and how to wait. The bot reads time only through a ``Clock``;
billing takes ``now`` as an argument and never reads one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))


class SimulatedClock:
    """Time that moves only when told: ``sleep`` jumps it forward (the poster's pacing costs no real time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(seconds, 0.01))


class ShiftedClock:
    """Another clock moved by a fixed offset (``joanbot sweep --date`` runs as on another day)."""

    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def __call__(self) -> datetime:
        return self.base() + self.offset

    def sleep(self, seconds: float) -> None:
        self.base.sleep(seconds)
