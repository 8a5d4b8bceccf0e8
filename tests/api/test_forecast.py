"""``GET /api/v1/forecast``: the book's figures per month and solution; values for portal keys on direct
accounts only; a reseller key sees its own accounts and no amount; the CLI's CSV says the same."""

import csv
import io

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from tests import forecast_book as book
from tests.api.conftest import bearer, new_key
from tests.conftest import STAFF


@pytest.fixture
def booked(billing, clock):
    book.build(billing)
    clock.now = book.TODAY
    return billing


def figures(body):
    return {
        (book.month(m["month"]), row["solution"]): (
            row["renewing"],
            row["renewed"],
            {v["currency"]: v["minor"] for v in row["value"] or []},
        )
        for m in body["months"]
        for row in m["solutions"]
    }


def test_a_portal_key_gets_every_month_and_solution_with_the_value_still_to_renew(booked, client, portal):
    response = client.get("/api/v1/forecast", headers=portal)

    assert response.status_code == 200
    body = response.json()
    assert [m["month"] for m in body["months"]] == [f"{m:%Y-%m}" for m in book.MONTHS]
    assert figures(body) == book.STAFF_ALL
    february = body["months"][2]
    assert (february["renewing"], february["renewed"], february["still_to_renew"]) == (13, 0, 13)
    assert february["value"] == [{"amount": "34.80", "currency": "USD", "minor": 3480}]
    assert body["today"] == "2026-12-03" and body["reseller"] is None


def test_months_narrow_the_window_and_out_of_range_is_422(booked, client, portal):
    body = client.get("/api/v1/forecast?months=2", headers=portal).json()

    assert [m["month"] for m in body["months"]] == ["2026-12", "2027-01"]
    assert client.get("/api/v1/forecast?months=37", headers=portal).status_code == 422
    assert client.get("/api/v1/forecast?months=0", headers=portal).status_code == 422


def test_a_portal_key_may_narrow_to_one_reseller_and_an_unknown_one_is_404(booked, client, portal):
    body = client.get("/api/v1/forecast?reseller=contoso", headers=portal).json()

    assert figures(body) == book.CONTOSO
    assert body["reseller"] == "contoso"
    assert client.get("/api/v1/forecast?reseller=nobody", headers=portal).status_code == 404


def test_a_reseller_key_sees_its_own_accounts_only_and_no_amount_anywhere(booked, client):
    key = bearer(new_key(booked, "northwind-key", scope="reseller=northwind"))

    for query in ("", "?reseller=contoso"):
        response = client.get(f"/api/v1/forecast{query}", headers=key)
        body = response.json()
        assert figures(body) == book.NORTHWIND
        assert all(m["value"] is None for m in body["months"])
        assert all(row["value"] is None and row["unpriced"] is None for m in body["months"] for row in m["solutions"])
        assert "minor" not in response.text and "USD" not in response.text


def test_without_a_key_it_is_401(client):
    assert client.get("/api/v1/forecast").status_code == 401


def test_the_clis_csv_equals_the_apis_json(booked, client, portal, tmp_path):
    context = Context(Runtime(billing=booked, clock=SimulatedClock(book.TODAY)), actor=STAFF)
    target = tmp_path / "forecast.csv"

    result = CliRunner().invoke(cli, ["forecast", "--csv", str(target)], obj=context)

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    body = client.get("/api/v1/forecast", headers=portal).json()
    from_api = [
        {
            "month": m["month"],
            "solution": row["solution"],
            "renewing": str(row["renewing"]),
            "renewed": str(row["renewed"]),
            "still_to_renew": str(row["still_to_renew"]),
            "value": ";".join(f"{v['currency']} {v['amount']}" for v in row["value"]),
            "unpriced": str(row["unpriced"]),
        }
        for m in body["months"]
        for row in m["solutions"]
    ]
    assert rows == from_api
    assert len(rows) == len(book.STAFF_ALL)
