"""The one clock abstraction: the system's, a simulated one, and either shifted by an offset."""

from datetime import UTC, timedelta

from bot.clock import ShiftedClock, SimulatedClock, SystemClock
from tests.conftest import at


def test_the_system_clock_tells_aware_utc_time():
    assert SystemClock()().tzinfo is UTC


def test_a_simulated_clock_moves_only_when_it_sleeps():
    clock = SimulatedClock(at("2026-03-02"))
    assert clock() == clock() == at("2026-03-02")
    clock.sleep(90)
    assert clock() == at("2026-03-02") + timedelta(seconds=90)


def test_a_shifted_clock_follows_its_base_by_the_offset_and_sleeps_on_it():
    base = SimulatedClock(at("2026-03-02"))
    shifted = ShiftedClock(base, timedelta(days=-1))
    shifted.sleep(60)
    assert base() == at("2026-03-02") + timedelta(seconds=60)
    assert shifted() == base() - timedelta(days=1)
