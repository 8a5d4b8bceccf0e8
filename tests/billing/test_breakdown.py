from billing.periods import format_date
from tests.billing.builders import account, code, licenses, redeem
from tests.conftest import at


def test_seed_example_ten_renewing_1_jan_2024_plus_five_redeemed_22_mar_2023(billing):
    account(billing, now=at("2023-01-01"))
    # 10 Room device licenses renewing 1 Jan 2024: a one-year code redeemed on 1 Jan 2023.
    licenses(billing, units=10, now=at("2023-01-01"))

    redeem(billing, code(billing, units=5, now=at("2023-03-20")), now=at("2023-03-22"))

    breakdown = billing.licenses.breakdown(account="acme", actor=_staff(), now=at("2023-03-22"))
    (room,) = breakdown.solutions
    assert room.solution == "room" and room.license_kind == "device"
    assert room.total == 15
    assert [(format_date(line.renews_on), line.units) for line in room.lines] == [
        ("1 Jan 2024", 10),
        ("22 Mar 2024", 5),
    ]


def _staff():
    from tests.conftest import STAFF

    return STAFF
