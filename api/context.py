"""What every endpoint needs: the billing core and the clock (called for the current UTC instant)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from billing import Billing


@dataclass(frozen=True)
class ApiContext:
    billing: Billing
    now: Callable[[], datetime]
