"""Random sequences of top-ups, license changes, renewals and payments keep the money invariants."""

from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from billing import BillingError
from billing.models import Account, Cohort, CreditEntry, CreditSpend, Invoice, InvoiceLine, LineCredit
from billing.money import Money
from tests.billing.builders import account, add, credit, reduce, subscribe
from tests.conftest import STAFF, at

_accounts = count()

operations = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), st.integers(1, 8000)),
        st.tuples(st.just("add"), st.integers(1, 6)),
        st.tuples(st.just("reduce"), st.integers(1, 6)),
        st.tuples(st.just("pay"), st.integers(1, 9000)),
        st.tuples(st.just("wait"), st.integers(0, 200)),
    ),
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pays=st.sampled_from(["card", "invoice", "credits"]),
    interval=st.sampled_from(["year", "month"]),
    units=st.integers(1, 6),
    start_offset=st.integers(0, 400),
    steps=operations,
)
def test_every_step_keeps_ledgers_invoices_and_periods_consistent(
    billing, db, pays, interval, units, start_offset, steps
):
    slug = f"prop-{next(_accounts)}"
    now = at("2021-01-01") + timedelta(days=start_offset)
    account(billing, slug, pays=pays, now=now)
    subscribe(billing, units, slug, interval=interval, now=now)
    _check(db, slug)
    for action, number in steps:
        try:
            if action == "top_up":
                credit(billing, Money(number, "USD").plain(), slug, now=now)
            elif action == "add":
                add(billing, number, slug, now=now)
            elif action == "reduce":
                reduce(billing, number, slug, now=now)
            elif action == "pay":
                _pay_oldest(billing, slug, number, now)
            else:
                now += timedelta(days=number)
                billing.renewals.renew_due(now=now)
        except BillingError:
            pass  # a refusal (e.g. removing every license) changes nothing; the checks below still hold
        _check(db, slug)


def _pay_oldest(billing, slug, minor, now):
    owing = [i for i in billing.invoices.list(account=slug, actor=STAFF) if i.remaining.minor > 0]
    if owing:
        oldest = owing[-1]
        amount = Money(min(minor, oldest.remaining.minor), "USD")
        billing.invoices.record_payment(invoice=oldest.number, amount=amount, actor=STAFF, now=now)


def _check(db, slug):
    with db.read() as session:
        account_id = session.scalar(select(Account.id).where(Account.slug == slug))
        # Ledger: balances are sums of entries, per source, never negative; no lot is overspent.
        entries = list(session.scalars(select(CreditEntry).where(CreditEntry.account_id == account_id)))
        for source in ("topped_up", "promo", "adjustment"):
            assert sum(e.amount_minor for e in entries if e.source == source) >= 0
        spends = {s.entry_id: s for s in session.scalars(select(CreditSpend))}
        for lot in (e for e in entries if e.amount_minor > 0):
            spent = sum(e.amount_minor for e in entries if e.id in spends and spends[e.id].lot_id == lot.id)
            assert lot.amount_minor + spent >= 0
        assert all(e.id in spends for e in entries if e.amount_minor < 0)
        # Invoices: remaining = total - credit - paid, never negative; credit applied = what the ledger spent.
        for invoice in session.scalars(select(Invoice).where(Invoice.account_id == account_id)):
            assert invoice.total_minor == sum(line.amount_minor for line in invoice.lines)
            assert (
                invoice.remaining_minor
                == invoice.total_minor - invoice.credit_applied_minor - invoice.amount_paid_minor
                >= 0
            )
            spent_on_it = sum(
                e.amount_minor for e in entries if e.id in spends and spends[e.id].invoice_id == invoice.id
            )
            assert invoice.credit_applied_minor == -spent_on_it
            assert invoice.status == (
                "paid"
                if invoice.remaining_minor == 0
                else "partially_paid"
                if invoice.remaining_minor < invoice.total_minor
                else "open"
            )
        # Periods: each billed once; credits for a period never exceed what was charged for it.
        cohort_ids = list(session.scalars(select(Cohort.id).where(Cohort.account_id == account_id)))
        lines = list(session.scalars(select(InvoiceLine).where(InvoiceLine.cohort_id.in_(cohort_ids))))
        terms = [(line.cohort_id, line.service_start) for line in lines if line.kind == "term"]
        assert len(terms) == len(set(terms))
        credited = dict(
            session.execute(
                select(LineCredit.invoice_line_id, func.sum(LineCredit.amount_minor)).group_by(
                    LineCredit.invoice_line_id
                )
            ).all()
        )
        periods: dict[tuple[int, object], list[int]] = {}
        for line in lines:
            assert credited.get(line.id, 0) <= line.amount_minor
            charged_and_credited = periods.setdefault((line.cohort_id, line.service_end), [0, 0])
            charged_and_credited[0] += line.amount_minor
            charged_and_credited[1] += credited.get(line.id, 0)
        assert all(credits <= charges for charges, credits in periods.values())
