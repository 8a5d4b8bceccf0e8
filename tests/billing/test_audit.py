import pytest
from sqlalchemy import select

from billing.account_changes import AccountEdit
from billing.audit import AuditEntry
from billing.errors import InvalidInput
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
            lambda: billing.account_changes.set(
                slug="acme", edit=AccountEdit(time_zone="Europe/Paris"), actor=STAFF, now=now
            ),
            "account.updated",
        ),
        (lambda: code(billing, now=now), "codes.issued"),
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


def test_a_batch_of_codes_is_audited_once_with_its_count_kind_and_prefixes(billing):
    batch = billing.issuing.issue_subscription_codes(
        solution="room", level="standard", units=1, term_months=12, count=2500, actor=STAFF, now=at("2024-01-01")
    )
    with billing.db.read() as session:
        (row,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "codes.issued"))
        assert (row.subject_type, row.subject_id) == ("batch", batch.batch)
        assert row.details == {"count": 2500, "kind": "subscription", "prefixes": [c.prefix for c in batch.codes]}


def test_a_codes_audit_trail_includes_the_batch_it_was_issued_in(billing):
    now = at("2024-01-01")
    batch = billing.issuing.issue_subscription_codes(
        solution="room", level="standard", units=1, term_months=12, count=3, actor=STAFF, now=now
    )
    billing.codes.void(code=batch.codes[1].code, actor=STAFF, now=now)

    trail = billing.audit.entries(actor=STAFF, subject=("code", batch.codes[1].prefix))

    assert [e.action for e in trail] == ["code.voided", "codes.issued"]
    assert trail[1].details_text().startswith("count: 3, kind: subscription, prefixes: ")


def test_audit_details_read_as_words_and_long_lists_are_cut():
    entry = AuditEntry(
        at("2024-01-01"), "u", "codes.issued", "batch", "b", {"count": 5000, "prefixes": ["A"] * 7, "late": True}, None
    )
    assert entry.details_text() == "count: 5,000, prefixes: A, A, A, A, A, … (+2 more), late: yes"


@pytest.mark.parametrize("limit", [0, -5, 1001])
def test_an_audit_limit_outside_1_to_1000_is_refused(billing, limit):
    with pytest.raises(InvalidInput, match="between 1 and 1,000"):
        billing.audit.entries(actor=STAFF, limit=limit)


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
