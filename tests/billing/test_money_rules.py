"""The money rules as pure functions over facts, without a database: a charge line's amount, the credit for
removed licenses, the one-level-per-solution rule, and quote ids."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import SYSTEM, Actor
from billing.accounts import AccountView, amounts_visible
from billing.codeformat import CodeKey
from billing.invoicing import charge_line
from billing.licensing import CohortView
from billing.models.invoicing import ChangeKind
from billing.money import Money
from billing.periods import Period, add_months
from billing.plan_levels import LevelConflict, level_clash, refuse_level_clash
from billing.proration import Charged, allocate, months_fraction
from billing.quote_ids import InvalidQuoteId, QuoteChanged, QuoteIds
from billing.quotes import change_quote
from billing.subscription_facts import SubscriptionFacts
from tests.conftest import SALES

YEAR = Period(date(2021, 1, 1), date(2022, 1, 1))
days = st.integers(0, 364).map(lambda n: date.fromordinal(YEAR.start.toordinal() + n))
prices = st.integers(1, 100_000)


def _charged(line_id: int, units: int, unit: int, share: Fraction, credited: tuple[int, int] = (0, 0)) -> Charged:
    line = charge_line("x", period=YEAR, quantity=units, unit=Money(unit, "USD"), fraction=share)
    return Charged(line_id, "INV-1", YEAR, units, line.unit_price, line.amount, *credited)


def test_example_a_three_devices_added_on_2_jul_are_charged_half_a_year():
    share = months_fraction(period=YEAR, on=date(2021, 7, 2))

    line = charge_line(
        "x", period=Period(date(2021, 7, 2), YEAR.end), quantity=3, unit=Money(1000, "USD"), fraction=share
    )

    assert (share, str(line.amount)) == (Fraction(1, 2), "$15.00")


@given(on=days, units=st.integers(1, 50), unit=prices)
def test_adding_then_removing_the_same_units_on_the_same_day_nets_to_zero(on, units, unit):
    share = months_fraction(period=YEAR, on=on)
    added = _charged(2, units, unit, share)
    original = _charged(1, 10, unit, Fraction(1))

    credit = allocate([added, original], units=units, share=share)

    assert sum(a.amount.minor for a in credit) == added.amount.minor
    assert all(a.line_id == 2 for a in credit)  # the newest licenses, those just added


@given(
    on=days,
    lines=st.lists(st.tuples(st.integers(1, 20), prices, st.integers(1, 12)), min_size=1, max_size=5),
    removed=st.integers(1, 100),
    already=st.integers(0, 20),
)
def test_a_credit_never_exceeds_what_was_charged_for_those_units_in_the_period(on, lines, removed, already):
    share = months_fraction(period=YEAR, on=on)
    charged = []
    for n, (units, unit, twelfths) in enumerate(lines):
        line = _charged(n, units, unit, Fraction(twelfths, 12))
        taken = min(already, units)
        charged.append(
            Charged(n, "INV-1", YEAR, units, line.unit, line.amount, taken, line.amount.minor * taken // units)
        )

    credit = allocate(charged, units=removed, share=share)

    by_line = {c.line_id: c for c in charged}
    for part in credit:
        line = by_line[part.line_id]
        assert part.quantity <= line.quantity - line.credited_quantity
        assert part.amount.minor <= line.amount.minor - line.credited_amount
    assert sum(a.quantity for a in credit) <= removed


def _block(id: int, level: str, starts: str, ends: str) -> CohortView:
    return CohortView(
        id, "room", "Room booking", level, level.title(), "device", 3, date.fromisoformat(starts),
        date.fromisoformat(ends), 12, True, False, None,
    )  # fmt: skip


class _Wanted:
    name, slug = "Enterprise", "enterprise"


def test_a_period_overlapping_another_level_clashes_with_the_block_running_longest():
    held = [_block(1, "standard", "2021-01-01", "2022-01-01"), _block(2, "standard", "2021-06-01", "2022-06-01")]

    clash = level_clash(held, level="enterprise", period=Period(date(2021, 7, 1), date(2022, 7, 1)))

    assert clash is not None and clash.id == 2


def test_the_same_level_the_block_changed_and_periods_that_only_touch_do_not_clash():
    held = [_block(1, "enterprise", "2021-01-01", "2022-01-01"), _block(2, "standard", "2020-01-01", "2021-01-01")]
    changed = _block(3, "standard", "2021-01-01", "2022-01-01")

    assert level_clash([*held, changed], level="enterprise", period=YEAR, ignore=3) is None
    with pytest.raises(LevelConflict) as refused:
        refuse_level_clash([changed], account_name="Acme", account_slug="acme", wanted=_Wanted(), period=YEAR)
    assert refused.value.details["existing_level"] == "standard"


def test_a_quote_id_is_refused_when_forged_of_another_kind_or_when_its_figures_moved():
    ids = QuoteIds(CodeKey(b"k" * 32))
    quote_id = ids.issue("licenses", {"units": 3}, Money(1500, "USD"))

    assert ids.request(quote_id, "licenses") == {"units": 3}
    ids.check(quote_id, "licenses", {"units": 3}, Money(1500, "USD"), now_reads="")
    with pytest.raises(QuoteChanged):
        ids.check(quote_id, "licenses", {"units": 3}, Money(1501, "USD"), now_reads="")
    with pytest.raises(InvalidQuoteId):
        ids.request(quote_id, "plan")
    with pytest.raises(InvalidQuoteId):
        ids.request(quote_id[:-1] + ("0" if quote_id[-1] != "0" else "1"), "licenses")
    with pytest.raises(InvalidQuoteId):
        QuoteIds(CodeKey(b"o" * 32)).request(quote_id, "licenses")


def test_a_full_term_line_is_the_unit_price_times_the_quantity():
    start = date(2021, 1, 31)
    period = Period(start, add_months(start, 12))

    assert (
        charge_line("x", period=period, quantity=7, unit=Money(999, "USD"), fraction=Fraction(1)).amount.minor == 6993
    )


def _account(pays: str) -> AccountView:
    return AccountView(1, "acme", "Acme", "UTC", "USD", pays, None, None, None)


@pytest.mark.parametrize(
    ("actor", "pays", "visible"),
    [
        (SALES, "reseller", True),
        (SYSTEM, "reseller", True),
        (Actor(ref="api:portal", role="portal"), "card", True),
        (Actor(ref="api:portal", role="portal"), "reseller", False),
        (Actor(ref="slack:TN/U1", role="reseller", reseller_id=1), "card", False),
    ],
)
def test_who_sees_amounts_is_decided_once(actor, pays, visible):
    assert amounts_visible(actor, _account(pays)) is visible


def _facts(today: str, units: int, charged: tuple[Charged, ...], balance: int = 0) -> SubscriptionFacts:
    return SubscriptionFacts(
        "acme", "Acme", "room", "Room booking", "professional", "Professional", "year", units,
        date(2021, 1, 1), date(2022, 1, 1), 12, date.fromisoformat(today), Money(1000, "USD"), charged,
        Money(balance, "USD"),
    )  # fmt: skip


def test_example_a_as_a_quote_from_facts_alone_added_then_removed():
    bought = _charged(1, 3, 1000, Fraction(1))

    added = change_quote(_facts("2021-07-02", 3, (bought,), balance=500), ChangeKind.ADD, 3, policy="months")

    (line,) = added.lines
    assert (str(line.amount), line.fraction, line.period) == (
        "$15.00",
        Fraction(1, 2),
        Period(date(2021, 7, 2), YEAR.end),
    )
    assert (str(added.credit_applied), str(added.due), added.units_after) == ("$5.00", "$10.00", 6)
    charged_too = Charged(2, "INV-2", line.period, 3, line.unit_price, line.amount)
    removed = change_quote(_facts("2021-07-02", 6, (charged_too, bought)), ChangeKind.REDUCE, 3, policy="months")
    assert (removed.amount, [a.invoice for a in removed.allocations]) == (line.amount, ["INV-2"])
