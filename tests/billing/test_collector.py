"""The cyclic garbage collector is paused for a bulk job's length (``billing.collector``) and runs again
after it: after the last of several jobs at once, and never when it was off before."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from billing import book_import, collector, issuing
from tests.billing.books import book
from tests.conftest import STAFF, at


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_a_job_pauses_the_collector_and_it_runs_again_after_even_when_the_job_fails():
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("the job failed")
    assert gc.isenabled()


def test_with_two_jobs_at_once_it_runs_again_only_after_the_last():
    first_inside, second_may_end = threading.Event(), threading.Event()

    def other_job() -> None:
        with collector.paused():
            first_inside.set()
            second_may_end.wait(10)

    thread = threading.Thread(target=other_job)
    thread.start()
    assert first_inside.wait(10)
    with collector.paused():
        pass
    assert not gc.isenabled()  # the other job is still running
    second_may_end.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_the_book_is_read_checked_and_written_and_a_batch_issued_with_the_collector_paused(billing, monkeypatch):
    seen: list[tuple[str, bool]] = []

    def watching(module, name: str) -> None:
        real = getattr(module, name)

        def watched(*args, **kwargs):
            seen.append((name, gc.isenabled()))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, watched)

    for name in ("read_book", "check_book", "_write"):
        watching(book_import, name)
    watching(issuing, "_audit_issued")

    billing.book_import.check(contents=book(), actor=STAFF, now=at("2023-03-15"))
    assert billing.book_import.apply(contents=book(), actor=STAFF, now=at("2023-03-15")).ok
    billing.issuing.issue_subscription_codes(
        solution="room", level="standard", units=1, term_months=12, actor=STAFF, now=at("2023-03-15"), count=3
    )

    assert seen == [
        ("read_book", False),
        ("check_book", False),
        ("read_book", False),
        ("check_book", False),
        ("_write", False),
        ("_audit_issued", False),
    ]
    assert gc.isenabled()
