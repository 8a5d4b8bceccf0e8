"""Python's cyclic garbage collector paused around a bulk job: importing the vendor's book, issuing a batch.

Such a job builds tens of thousands of objects that live until it ends (a typed row per line of a file, a
dict of values per row written) and makes no reference cycles of note; reference counting frees them. The
cyclic collector still runs every 700 new container objects, and each run walks the survivors again: a
quarter of a 10,000-account import (0.65 s of 2.6 s, on SQLite) went to it. Paused, nothing it would have
found is lost: its first run after the job, when it is running again, finds any cycle made meanwhile.

Process-wide, as the collector is: with jobs on several threads, it runs again when the last one ends; and it
is left off after a job if it was off before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_jobs = 0
_paused_by_us = False


@contextmanager
def paused() -> Iterator[None]:
    global _jobs, _paused_by_us
    with _lock:
        if _jobs == 0:
            _paused_by_us = gc.isenabled()
            gc.disable()
        _jobs += 1
    try:
        yield
    finally:
        with _lock:
            _jobs -= 1
            if _jobs == 0 and _paused_by_us:
                gc.enable()
                _paused_by_us = False
