"""The import door: ``joanbot import --apply`` tells ``licenses.added`` once for each block it brought in; a
dry run, or the same book applied again, tells nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from billing import Billing
from billing.models import Cohort
from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from tests.billing.books import SEEDS_LICENSES, book, write_book
from tests.conftest import STAFF, at

LICENSES = [
    *SEEDS_LICENSES,
    "acme,room,professional,5,2023-02-01,2024-02-01,,PF-2023-002",
    "acme,desk,standard,4,2023-03-01,2024-03-01,,DS-2023-003",
]


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(at("2023-03-15"))


@pytest.fixture
def run(billing: Billing, clock: SimulatedClock):  # type: ignore[no-untyped-def]
    context = Context(Runtime(billing=billing, clock=clock), actor=STAFF)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), obj=context)

    return invoke


def _added(billing: Billing) -> list[dict]:  # type: ignore[type-arg]
    found = billing.events.list(actor=STAFF, now=at("2023-03-15"), types=["licenses.added"]).events
    return [event["data"] for event in found]


def test_importing_a_book_tells_licenses_added_once_per_imported_block_and_a_dry_run_nothing(
    billing: Billing, run, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    directory = write_book(tmp_path / "book", book(licenses=LICENSES))

    dry = run("import", str(directory))
    after_dry = _added(billing)
    applied = run("import", str(directory), "--apply")
    after_apply = _added(billing)
    again = run("import", str(directory), "--apply")

    assert dry.exit_code == 0, dry.output
    assert after_dry == []
    assert applied.exit_code == 0, applied.output
    with billing.db.read() as session:
        blocks = sorted(session.scalars(select(Cohort.id)))
    assert len(blocks) == 3
    assert sorted(data["block"] for data in after_apply) == blocks
    assert {(d["solution"], d["units"], d["imported"]) for d in after_apply} == {
        ("room", 10, True),
        ("room", 5, True),
        ("desk", 4, True),
    }
    assert again.exit_code == 0, again.output
    assert _added(billing) == after_apply
