from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.assignments import AlreadyAssigned, CapacityExceeded
from billing.models import Assignment, AuditEvent
from tests.billing.builders import account, licenses
from tests.conftest import STAFF, at


def test_all_licenses_are_usable_at_once_and_assigning_beyond_capacity_is_refused(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, solution="room", units=2, now=at("2024-01-01"))
    assign = billing.assignments.assign
    assert assign(account="acme", solution="room", subject="lobby-1", actor=STAFF, now=at("2024-01-02")) == 1
    assert assign(account="acme", solution="room", subject="lobby-2", actor=STAFF, now=at("2024-01-02")) == 0
    with pytest.raises(CapacityExceeded):
        assign(account="acme", solution="room", subject="lobby-3", actor=STAFF, now=at("2024-01-02"))
    with pytest.raises(AlreadyAssigned):
        assign(account="acme", solution="room", subject="lobby-1", actor=STAFF, now=at("2024-01-02"))


def test_removing_a_device_frees_its_license(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, solution="room", units=1, now=at("2024-01-01"))
    billing.assignments.assign(account="acme", solution="room", subject="lobby-1", actor=STAFF, now=at("2024-01-02"))
    billing.assignments.unassign(account="acme", solution="room", subject="lobby-1", actor=STAFF, now=at("2024-01-03"))
    billing.assignments.assign(account="acme", solution="room", subject="lobby-2", actor=STAFF, now=at("2024-01-03"))
    (room,) = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2024-01-03")).solutions
    assert room.in_use == 1


def test_users_idle_more_than_60_days_are_released_with_the_reason_and_devices_never(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, solution="desk", level="standard", units=3, now=at("2024-01-01"))
    licenses(billing, solution="room", units=1, now=at("2024-01-01"))
    start = at("2024-01-02")
    for user in ("ana", "bob"):
        billing.assignments.assign(account="acme", solution="desk", subject=user, actor=STAFF, now=start)
    billing.assignments.assign(account="acme", solution="room", subject="lobby", actor=STAFF, now=start)
    billing.assignments.record_activity(
        account="acme", solution="desk", subject="bob", actor=STAFF, now=start + timedelta(days=30)
    )

    assert billing.assignments.release_idle_users(actor=STAFF, now=start + timedelta(days=60)) == 0
    assert billing.assignments.release_idle_users(actor=STAFF, now=start + timedelta(days=61)) == 1
    assert billing.assignments.release_idle_users(actor=STAFF, now=start + timedelta(days=61)) == 0
    with billing.db.read() as session:
        released = session.scalars(select(Assignment).where(Assignment.released_at.is_not(None))).all()
        assert [(a.subject, a.release_reason) for a in released] == [("ana", "idle_60_days")]
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.released_idle")).all()
        assert [e.subject_id for e in audit] == ["ana"]


def test_when_a_cohort_lapses_nothing_is_unassigned_and_the_account_is_over_capacity(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, solution="room", units=2, months=1, now=at("2024-01-01"))
    licenses(billing, solution="room", units=1, months=12, now=at("2024-01-01"))
    for device in ("a", "b", "c"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2024-01-02"))
    (room,) = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2024-02-01")).solutions
    assert (room.total, room.in_use, room.over_capacity) == (1, 3, 2)
