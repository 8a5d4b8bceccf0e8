import pytest
from sqlalchemy import func, select

from billing.models import AuditEvent
from billing.names import SlugTaken
from tests.billing.builders import account, code, reseller
from tests.conftest import STAFF, at


def _events(billing):
    with billing.db.read() as session:
        return [
            (e.action, e.actor, e.subject_type) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_every_change_to_accounts_codes_cohorts_and_assignments_is_audited_once(billing):
    now = at("2024-01-01")
    steps = [
        (lambda: reseller(billing, "northwind", now=now), "reseller.created"),
        (lambda: account(billing, "acme", reseller="northwind", now=now), "account.created"),
        (
            lambda: billing.accounts.update_account(slug="acme", time_zone="Europe/Paris", actor=STAFF, now=now),
            "account.updated",
        ),
        (lambda: code(billing, now=now), "code.issued"),
        (lambda: billing.codes.void(code=code(billing, now=now), actor=STAFF, now=now), "code.voided"),
        (
            lambda: billing.redemptions.redeem(code=code(billing, now=now), account="acme", actor=STAFF, now=now),
            "code.redeemed",
        ),
        (
            lambda: billing.assignments.assign(account="acme", solution="room", subject="d1", actor=STAFF, now=now),
            "assignment.added",
        ),
        (
            lambda: billing.assignments.unassign(account="acme", solution="room", subject="d1", actor=STAFF, now=now),
            "assignment.removed",
        ),
        (lambda: billing.staff.add_staff(slack_user_id="U0X", role="sales", actor=STAFF, now=now), "staff.added"),
    ]
    for step, action in steps:
        before = _events(billing)
        step()
        new = _events(billing)[len(before) :]
        assert action in [a for a, _, _ in new], action
        assert all(actor == STAFF.ref for _, actor, _ in new)


def test_a_batch_of_codes_is_audited_per_code(billing):
    billing.issuing.issue_subscription_codes(
        solution="room", level="standard", units=1, term_months=12, count=25, actor=STAFF, now=at("2024-01-01")
    )
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "code.issued")) == 25


def test_a_refused_change_leaves_no_audit_row(billing):
    account(billing, "acme", now=at("2024-01-01"))
    before = _events(billing)

    with pytest.raises(SlugTaken) as refused:
        account(billing, "acme", now=at("2024-01-01"))

    assert refused.value.code == "slug_taken" and refused.value.details == {"slug": "acme"}
    assert _events(billing) == before


def test_admins_read_the_log_newest_first_by_account(billing):
    account(billing, "acme", now=at("2024-01-01"))
    billing.redemptions.redeem(
        code=code(billing, now=at("2024-01-01")), account="acme", actor=STAFF, now=at("2024-01-02")
    )
    acme = billing.accounts.get_account(slug="acme", actor=STAFF)
    entries = billing.audit.entries(actor=STAFF, account_id=acme.id)
    assert [e.action for e in entries] == ["code.redeemed", "account.created"]
