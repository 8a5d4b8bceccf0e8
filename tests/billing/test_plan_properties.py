"""Random plans, dates and plan changes keep the money and the one-level rule."""

from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from billing import BillingError
from billing.models import Account, Cohort, CreditEntry, InvoiceLine, LineCredit, PlanChange
from tests.billing.builders import account, add, credit, subscribe
from tests.conftest import STAFF, at

_accounts = count()
LEVELS = ("standard", "professional", "enterprise")

changes = st.lists(
    st.one_of(
        st.tuples(st.just("level"), st.sampled_from(LEVELS)),
        st.tuples(st.just("interval"), st.sampled_from(["month", "year"])),
        st.tuples(st.just("withdraw"), st.just("")),
        st.tuples(st.just("add"), st.integers(1, 4)),
        st.tuples(st.just("wait"), st.integers(0, 200)),
    ),
    max_size=10,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pays=st.sampled_from(["card", "invoice", "credits"]),
    policy=st.sampled_from(["months", "days"]),
    level=st.sampled_from(LEVELS),
    interval=st.sampled_from(["year", "month"]),
    units=st.integers(1, 6),
    start_offset=st.integers(0, 400),
    steps=changes,
)
def test_every_plan_change_keeps_credits_within_charges_and_one_level(
    billing, db, pays, policy, level, interval, units, start_offset, steps
):
    billing.plans.proration = policy
    slug = f"plan-{next(_accounts)}"
    now = at("2021-01-01") + timedelta(days=start_offset)
    account(billing, slug, pays=pays, now=now)
    if pays == "credits":
        credit(billing, "40.00", slug, now=now)
    subscribe(billing, units, slug, level=level, interval=interval, now=now)
    for action, value in steps:
        try:
            if action == "level":
                _change(billing, slug, now, level=value)
            elif action == "interval":
                _change(billing, slug, now, interval=value)
            elif action == "withdraw":
                billing.plans.withdraw(account=slug, solution="room", actor=STAFF, now=now)
            elif action == "add":
                add(billing, value, slug, now=now)
            else:
                now += timedelta(days=value)
                billing.renewals.renew_due(now=now)
        except BillingError:
            pass  # a refusal (the same plan, nothing to withdraw, ...) changes nothing; the checks still hold
        _check(db, slug)


def _change(billing, slug, now, **wanted):
    quote = billing.plans.quote(account=slug, solution="room", actor=STAFF, now=now, **wanted)
    return billing.plans.commit(quote_id=quote.id, actor=STAFF, now=now)


def _check(db, slug):
    with db.read() as session:
        account_id = session.scalar(select(Account.id).where(Account.slug == slug))
        entries = list(session.scalars(select(CreditEntry).where(CreditEntry.account_id == account_id)))
        assert sum(e.amount_minor for e in entries) >= 0, "the ledger went negative"
        credited = dict(
            session.execute(
                select(LineCredit.invoice_line_id, func.sum(LineCredit.amount_minor)).group_by(
                    LineCredit.invoice_line_id
                )
            ).all()
        )
        cohorts = list(session.scalars(select(Cohort).where(Cohort.account_id == account_id)))
        for line in session.scalars(select(InvoiceLine).where(InvoiceLine.cohort_id.in_([c.id for c in cohorts]))):
            assert credited.get(line.id, 0) <= line.amount_minor, "credited more than was charged for the period"
        levels = {c.plan_level_id for c in cohorts}
        assert len(cohorts) == 1 and len(levels) == 1, "one level per solution"
        scheduled = session.scalar(
            select(func.count()).where(PlanChange.cohort_id == cohorts[0].id, PlanChange.status == "scheduled")
        )
        assert scheduled <= 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    policy=st.sampled_from(["months", "days"]),
    start=st.sampled_from(["standard", "professional"]),
    units=st.integers(1, 40),
    start_offset=st.integers(0, 400),
    change_after=st.integers(0, 364),
)
def test_an_upgrade_and_the_immediate_return_net_to_zero_on_the_same_day(
    billing, policy, start, units, start_offset, change_after
):
    billing.plans.proration = policy
    slug = f"undo-{next(_accounts)}"
    began = at("2021-01-01") + timedelta(days=start_offset)
    now = began + timedelta(days=change_after)
    account(billing, slug, pays="card", now=began)
    subscribe(billing, units, slug, level=start, now=began)

    (before,) = billing.licenses.cohorts(account=slug, actor=STAFF)

    up = _change(billing, slug, now, level="enterprise")
    back = _change(billing, slug, now, level=start)

    net = up.quote.charge - up.quote.credit + back.quote.charge - back.quote.credit
    assert net.minor == 0
    (after,) = billing.licenses.cohorts(account=slug, actor=STAFF)
    assert (after.level, after.ends_on) == (start, before.ends_on)
