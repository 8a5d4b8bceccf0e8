"""``joanbot renewals`` keeps showing a solution whose licenses all lapsed while devices hold them."""

from tests.billing.builders import account, licenses
from tests.conftest import STAFF, at


def test_renewals_shows_a_lapsed_solution_still_in_use_as_over_capacity(billing, run):
    account(billing, now=at("2020-07-01"))
    licenses(billing, units=10, now=at("2020-07-01"))  # lapses on 1 Jul 2021, the day before the CLI's today
    for n in range(10):
        billing.assignments.assign(account="acme", solution="room", subject=f"d{n}", actor=STAFF, now=at("2020-07-02"))
    shown = run("renewals", "acme").output
    assert "No active licenses" not in shown
    assert "Room booking Professional (device licenses): 0 available, 10 in use" in shown
    assert "OVER CAPACITY by 10" in shown
