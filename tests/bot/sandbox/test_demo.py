"""``joanbot demo`` runs the real bot end to end and shows every message it posts."""

from bot.sandbox.demo import run_demo


def test_the_demo_walks_a_renewal_from_45_days_ahead_to_a_late_renewal():
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    transcript = "\n".join(lines)
    for days in (45, 30, 14, 7):
        assert f"in {days} days." in transcript
    assert transcript.count("== Renewal reminder ==") == 4
    assert "Licenses lapsed without renewal" in transcript
    assert "The bot edits its earlier message" in transcript and "Resolved on" in transcript
    assert "10 available, 0 in use" in transcript
    assert "$" not in transcript.replace("$ joanbot api-keys", "")  # everything here is a reseller's, no price


def test_the_demo_shows_the_portal_pairing_to_capacity_and_the_sweep_releasing_an_idle_user():
    lines: list[str] = []
    run_demo(lines.append)
    transcript = "\n".join(lines)
    assert "PUT /api/v1/accounts/acme/solutions/room/devices/panel-10 -> 201" in transcript
    assert "PUT /api/v1/accounts/acme/solutions/room/devices/panel-11 -> 409" in transcript
    assert "1 idle users released" in transcript
    assert '"unlicensed": [{"user": "mia@acme.example", "solution": "desk"}]' in transcript
