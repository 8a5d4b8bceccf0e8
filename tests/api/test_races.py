"""Races between the Portal and the sweep, on real transactions: one commit is held open (after its
statements ran, so it holds its row locks on PostgreSQL) while the other runs, then let go."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from billing.actors import SYSTEM
from billing.models import Assignment, AuditEvent
from billing.models.licensing import ReleaseReason
from tests.conftest import at


@contextmanager
def held_commit(when: Callable[[Session], bool]) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The first commit of a session ``when`` picks waits, its statements flushed, until ``go`` is set."""
    holding, go = threading.Event(), threading.Event()

    def hold(session: Session) -> None:
        if not holding.is_set() and when(session):
            session.flush()
            holding.set()
            go.wait(timeout=30)

    event.listen(Session, "before_commit", hold)
    try:
        yield holding, go
    finally:
        go.set()
        event.remove(Session, "before_commit", hold)


def _run(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    return thread, result


def _removing(session: Session) -> bool:
    return any(isinstance(o, AuditEvent) and o.action == "assignment.removed" for o in session.new)


def test_a_delete_that_answered_204_is_never_rewritten_by_the_60_day_release(billing, client, portal, acme, clock):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    clock.advance(days=61)
    with held_commit(_removing) as (holding, go):
        delete, deleted = _run(lambda: client.delete("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal))
        assert holding.wait(timeout=30)
        sweep, released = _run(lambda: billing.assignments.release_idle_users(actor=SYSTEM, now=clock.now))
        sweep.join(timeout=1)  # PostgreSQL: waits on the DELETE's row lock; SQLite: on its write lock
        go.set()
        delete.join(timeout=30)
        sweep.join(timeout=30)
    assert deleted[0].status_code == 204  # type: ignore[attr-defined]
    assert released == [0]
    with billing.db.read() as session:
        assert session.scalar(select(Assignment.release_reason)) == ReleaseReason.REMOVED
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == "ana")).all()
    assert sorted(actions) == ["assignment.added", "assignment.removed"]


def test_a_delete_after_the_release_is_404_and_records_nothing(billing, client, portal, acme, clock):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    clock.advance(days=61)
    assert billing.assignments.release_idle_users(actor=SYSTEM, now=clock.now) == 1
    answer = client.delete("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    assert (answer.status_code, answer.json()["code"]) == (404, "assignment_not_found")
    with billing.db.read() as session:
        assert session.scalar(select(Assignment.release_reason)) == ReleaseReason.IDLE_60_DAYS
        removed = select(func.count()).where(AuditEvent.action == "assignment.removed")
        assert session.scalar(removed) == 0


def test_an_earlier_activity_committing_last_never_overwrites_a_later_one(billing, client, portal, acme, clock):
    client.put("/api/v1/accounts/acme/solutions/desk/users/ana", headers=portal)
    clock.advance(days=5)

    def report(day: str) -> object:
        events = [{"user": "ana", "solution": "desk", "at": f"{day}T09:00:00Z"}]
        return billing.assignments.record_activities(
            account="acme", events=[(e["user"], e["solution"], at(day, 9)) for e in events], actor=SYSTEM, now=clock.now
        )

    with held_commit(lambda session: True) as (holding, go):
        later, _ = _run(lambda: report("2026-03-06"))
        assert holding.wait(timeout=30)
        earlier, _ = _run(lambda: report("2026-03-04"))
        earlier.join(timeout=1)
        go.set()
        later.join(timeout=30)
        earlier.join(timeout=30)
    with billing.db.read() as session:
        assert session.scalar(select(Assignment.last_active_at)) == at("2026-03-06", 9)


def test_ten_concurrent_batches_for_the_same_users_leave_each_its_newest_activity(billing, client, portal, acme, clock):
    users = [f"user-{n}" for n in range(3)]  # acme has 3 desk licenses
    for user in users:
        client.put(f"/api/v1/accounts/acme/solutions/desk/users/{user}", headers=portal)
    clock.advance(days=1)
    batches = [
        [(user, "desk", at("2026-03-02", 12) + timedelta(minutes=round_ * 7 + n)) for n, user in enumerate(users)]
        for round_ in range(10)
    ]
    for round_, batch in enumerate(batches):
        batch.sort(reverse=round_ % 2 == 1)  # half of them name the users the other way round

    errors: list[Exception] = []

    def report(batch: list) -> None:
        try:
            billing.assignments.record_activities(account="acme", events=batch, actor=SYSTEM, now=clock.now)
        except Exception as error:  # a deadlock, say: the test names it
            errors.append(error)

    threads = [threading.Thread(target=report, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []

    newest = {user: max(at for batch in batches for u, _, at in batch if u == user) for user in users}
    with billing.db.read() as session:
        found = dict(session.execute(select(Assignment.subject, Assignment.last_active_at)).all())
    assert found == newest
