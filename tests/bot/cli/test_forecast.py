"""``joanbot forecast``: the summary on stdout, the figures as CSV, the chart as PNG."""

import csv
import io

import pytest
from click.testing import CliRunner
from PIL import Image

from billing.actors import Actor
from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from tests import forecast_book as book
from tests.conftest import STAFF


@pytest.fixture
def booked(billing):
    book.build(billing)
    return billing


def invoke(billing, *args, actor=STAFF):
    context = Context(Runtime(billing=billing, clock=SimulatedClock(book.TODAY)), actor=actor)
    return CliRunner().invoke(cli, ["forecast", *args], obj=context)


def test_it_prints_the_totals_and_writes_the_csv_and_the_png(booked, tmp_path):
    result = invoke(booked, "--csv", str(tmp_path / "f.csv"), "--png", str(tmp_path / "f.png"))

    assert result.exit_code == 0, result.output
    assert "56 licenses, 10 already renewed, 46 still to renew" in result.output
    assert "Busiest month: Feb 2027, 13 licenses." in result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text())))
    counted = {
        (book.month(r["month"]), r["solution"]): (int(r["renewing"]), int(r["renewed"]), r["value"]) for r in rows
    }
    assert counted[(book.month("2027-02"), "room")] == (11, 0, "USD 30.00")
    assert counted[(book.month("2027-05"), "room")] == (6, 0, "EUR 30.00")
    assert {k: v[:2] for k, v in counted.items()} == {k: v[:2] for k, v in book.STAFF_ALL.items()}
    assert Image.open(tmp_path / "f.png").size >= (800, 400)


def test_one_resellers_accounts_for_a_few_months(booked, tmp_path):
    result = invoke(booked, "--reseller", "northwind", "--months", "3", "--csv", str(tmp_path / "f.csv"))

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text())))
    assert [(r["month"], r["solution"], r["renewing"], r["renewed"], r["value"]) for r in rows] == [
        ("2027-01", "room", "10", "10", "")
    ]


def test_a_reseller_member_gets_no_value_column(booked, tmp_path):
    member = Actor(ref="x", role="reseller", reseller_id=booked.resellers.get_reseller(slug="northwind").id)

    result = invoke(booked, "--csv", str(tmp_path / "f.csv"), actor=member)

    assert result.exit_code == 0, result.output
    header = (tmp_path / "f.csv").read_text().splitlines()[0]
    assert header == "month,solution,renewing,renewed,still_to_renew"


def test_months_out_of_range_are_refused_in_one_line(booked):
    result = invoke(booked, "--months", "40")

    assert result.exit_code == 1
    assert "1 to 36 months" in result.output
