"""A quote's line names the licenses as the invoice it becomes does: the catalog's names, counted."""

from __future__ import annotations

from tests.billing.builders import account, subscribe
from tests.conftest import at


def test_a_quote_line_reads_as_the_invoice_line_it_becomes(billing, client, portal):
    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))

    quote = client.post("/api/v1/accounts/globex/licenses/quote", json={"solution": "room", "units": 4}, headers=portal)
    bought = client.post(
        "/api/v1/accounts/globex/licenses", json={"quote_id": quote.json()["quote_id"]}, headers=portal
    )

    (quoted,) = quote.json()["lines"]
    (invoiced,) = bought.json()["invoice"]["lines"]
    assert quoted["description"] == invoiced["description"] == "Room booking Professional, 1 license added"
