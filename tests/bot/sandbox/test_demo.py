"""``joanbot demo`` runs the real bot end to end and shows every message it posts, then the worked examples'
card and credits customers through the ops CLI; it prints what a person reads, not internal summaries."""

import pytest

from bot.sandbox.demo import run_demo


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    return tmp_path_factory.mktemp("charts")


@pytest.fixture(scope="module")
def transcript(charts) -> str:
    lines: list[str] = []
    assert run_demo(lines.append, chart_dir=charts) == 0
    return "\n".join(lines)


def test_the_demo_walks_a_renewal_from_45_days_ahead_to_a_late_renewal(transcript):
    reseller_part = transcript.split("Card and credits customers")[0]
    for days in (45, 30, 14, 7):
        assert f"in {days} days." in reseller_part
    assert reseller_part.count("== Renewal reminder ==") == 4
    assert "Licenses lapsed without renewal" in reseller_part
    assert "The bot edits its earlier message" in reseller_part and "Resolved on" in reseller_part
    assert "10 available, 0 in use" in reseller_part
    assert "$" not in reseller_part.replace("$ joanbot api-keys", "")  # a reseller channel, reply or key: no price


def test_the_demo_shows_a_card_customer_adding_licenses_mid_period_for_fifteen_dollars(transcript):
    assert "Adds 3 Room booking Professional licenses for Globex Corp (6 in all)" in transcript
    assert "3 licenses added: 2 Jul 2021 to 1 Jan 2022, 3 x $10.00 x 1/2 = $15.00" in transcript
    assert "Card invoices are not charged by joanbot" in transcript


def test_the_demo_shows_a_credits_renewal_that_takes_25_dollars_of_credit_and_leaves_75_owed(transcript):
    assert "partially paid  total $100.00  credit $25.00  paid $0.00  owed $75.00" in transcript
    assert "initech: INV-000006" in transcript.split("joanbot debt")[1]


def test_the_demo_goes_on_to_example_as_removal_on_2_jul_2022_crediting_15_dollars_and_says_why(transcript):
    removal = transcript.split("2 Jul 2022", 1)[1]
    assert "joanbot licenses reduce globex room 3" in removal
    assert "Credit: $15.00 (adjustment credit)" in removal and "The seed's example says this returns $30" in removal
    assert "3 devices x $10 x 6/12 = $15.00" in removal
    assert "$15.00  Room booking Professional, 3 licenses removed" in removal


def test_the_demo_prints_no_internal_summaries(transcript):
    assert "swept at" not in transcript.lower() and "queued" not in transcript
    assert "calls reached the stand-in" not in transcript and "(refused)" not in transcript


def test_the_demo_shows_the_portal_pairing_to_capacity_and_the_sweep_releasing_an_idle_user(transcript):
    assert "PUT /api/v1/accounts/acme/solutions/room/devices/panel-10 -> 201" in transcript
    assert "PUT /api/v1/accounts/acme/solutions/room/devices/panel-11 -> 409" in transcript
    assert '"unlicensed": [{"user": "mia@acme.example", "solution": "desk"}]' in transcript


def test_the_demo_prints_the_forecast_and_writes_its_chart_beside_the_transcript(transcript, charts):
    reseller_part = transcript.split("Card and credits customers")[0]
    assert "Ana types: /joan forecast months=13" in reseller_part
    assert "10 licenses, 0 already renewed, 10 still to renew" in reseller_part
    assert "into Ana's DM (D" in reseller_part and "into Rob's DM (D" in reseller_part
    assert sorted(p.name for p in charts.iterdir()) == [
        "joanbot-demo-forecast-ana.png",
        "joanbot-demo-forecast-rob.png",
    ]
    assert (charts / "joanbot-demo-forecast-ana.png").read_bytes().startswith(b"\x89PNG")
