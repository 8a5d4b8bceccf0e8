"""A book with known renewals for the forecast's tests, and its hand count.

Today is 3 Dec 2026 (UTC); the 12 months are Dec 2026 to Nov 2027.

- acme (Northwind's customer, pays through it): 10 Room licenses renewing 15 Jan 2027, already renewed
  early on 1 Dec 2026 (the successor renews in Jan 2028, beyond the window); 5 Desk renewing 22 Mar 2027;
  7 Room that lapsed on 20 Nov 2026 (before today: in no month).
- umbrella (Contoso's customer, pays through it): 8 Room renewing 1 Feb 2027.
- globex (direct, invoice, USD): a yearly Room Professional subscription of 3, renewing 10 Feb 2027
  ($10 each: $30.00), and a monthly Desk Professional one of 2, renewing on the 15th of every month
  ($2.40 each: $4.80 a month).
- initech (direct, invoice, EUR): 6 Room Standard from a 12-month code, renewing 10 May 2027 (EUR 5 each:
  EUR 30.00), and 4 from a 24-month code renewing in Apr 2028, beyond the window.
"""

from __future__ import annotations

from datetime import date

from billing import Billing
from tests.billing.builders import account, code, licenses, redeem, reseller, subscribe
from tests.conftest import at

TODAY = at("2026-12-03")
MONTHS = tuple(date(2026 + (11 + n) // 12, (11 + n) % 12 + 1, 1) for n in range(12))  # Dec 2026 .. Nov 2027
NORTHWIND_TEAM = "T0NORTHWIND"


def build(billing: Billing) -> None:
    reseller(billing, "northwind", now=at("2025-01-01"), team=NORTHWIND_TEAM)
    reseller(billing, "contoso", now=at("2025-01-01"))
    account(billing, "acme", now=at("2025-01-01"), reseller="northwind")
    account(billing, "umbrella", now=at("2025-01-01"), reseller="contoso")
    account(billing, "globex", now=at("2025-01-01"), pays="invoice")
    account(billing, "initech", now=at("2025-01-01"), pays="invoice", currency="EUR")
    early = licenses(billing, units=10, account_slug="acme", now=at("2026-01-15"))
    redeem(billing, code(billing, now=at("2026-12-01"), units=10), "acme", now=at("2026-12-01"), renews=early.cohort_id)
    licenses(billing, "desk", 5, "acme", now=at("2026-03-22"), level="standard")
    licenses(billing, units=7, account_slug="acme", now=at("2025-11-20"))  # lapsed on 20 Nov 2026
    licenses(billing, units=8, account_slug="umbrella", now=at("2026-02-01"))
    subscribe(billing, 3, "globex", now=at("2026-02-10"))
    subscribe(billing, 2, "globex", now=at("2026-11-15"), solution="desk", interval="month")
    licenses(billing, units=6, account_slug="initech", now=at("2026-05-10"), level="standard")
    licenses(billing, units=4, account_slug="initech", now=at("2026-04-05"), level="standard", months=24)


def month(text: str) -> date:
    """``"2027-02"`` -> 1 Feb 2027."""
    return date.fromisoformat(text + "-01")


# (month, solution) -> (renewing, renewed, value still to renew as staff see it), by hand from the list above.
DESK_MONTHLY = {(m, "desk"): (2, 0, {"USD": 480}) for m in MONTHS}
STAFF_ALL = {
    **DESK_MONTHLY,
    (month("2027-01"), "room"): (10, 10, {}),
    (month("2027-02"), "room"): (11, 0, {"USD": 3000}),
    (month("2027-03"), "desk"): (7, 0, {"USD": 480}),
    (month("2027-05"), "room"): (6, 0, {"EUR": 3000}),
}
NORTHWIND = {
    (month("2027-01"), "room"): (10, 10, {}),
    (month("2027-03"), "desk"): (5, 0, {}),
}
CONTOSO = {(month("2027-02"), "room"): (8, 0, {})}
