"""The money half of ``joanbot demo``: the seeds' card and credits customers, through the ops CLI.

Example A: a card customer with 3 Room booking Professional licenses ($10/device/year) adds 3 on 2 Jul
2021: $15.00 for the rest of the year. Example B: a credits customer with 10 Standard licenses ($5) tops up
$50, adds 10 on 2 Jul 2021 ($25.00, paid from credit); its renewal on 1 Jan 2022 costs $100.00, the
$25.00 left pays part, and $75.00 is owed. Example A goes on: on 2 Jul 2022 Globex removes 3 of its 6
licenses, and $15.00 is credited (the seed says $30; by its own rule it is 3 x $10 x 6/12, and the demo says so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import click
from click.testing import CliRunner

from billing import operator
from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime

Echo = Callable[[str], None]


class MoneyDemo:
    def __init__(self, runtime: Runtime, clock: SimulatedClock, echo: Echo) -> None:
        self.runtime, self.clock, self.echo = runtime, clock, echo
        self.context = Context(runtime, actor=operator("ana"))

    def on(self, day: date, title: str) -> None:
        self.clock.now = datetime.combine(day, time(9), UTC)
        self.echo(click.style(f"\n--- {day:%-d %b %Y}: {title} ---", fg="cyan", bold=True))

    def joanbot(self, *args: str) -> str:
        self.echo(click.style(f"\nAna runs: joanbot {' '.join(args)}", bold=True))
        result = CliRunner().invoke(cli, [*args, "--yes"] if args[0] == "licenses" else list(args), obj=self.context)
        output = result.output if result.exit_code == 0 else f"(refused) {result.output}"
        self.echo("\n".join("   " + line for line in output.rstrip().splitlines()))
        return output

    def run(self) -> None:
        self.echo(
            click.style("\nCard and credits customers (the calendar is set to the worked examples' dates)", fg="green")
        )
        self.on(date(2021, 1, 1), "two direct customers start")
        self.joanbot("accounts", "add", "globex", "Globex", "Corp", "--pays", "card")
        self.joanbot("licenses", "start", "globex", "room", "professional", "3")
        self.joanbot("accounts", "add", "initech", "Initech", "--pays", "credits")
        code = _code(self.joanbot("codes", "credit", "50", "USD", "--ref", "BANK-0101"))
        self.joanbot("redeem", code, "initech", "--yes")
        self.joanbot("licenses", "start", "initech", "room", "standard", "10")
        self.on(date(2021, 7, 2), "half-way through the year, both add licenses")
        self.joanbot("licenses", "add", "globex", "room", "3")
        self.joanbot("payments", "record", "INV-000001", "30.00", "--ref", "CARD-0101")
        self.joanbot("payments", "record", "INV-000003", "15.00", "--ref", "CARD-0702")
        code = _code(self.joanbot("codes", "credit", "50", "USD", "--ref", "BANK-0702"))
        self.joanbot("redeem", code, "initech", "--yes")
        self.joanbot("licenses", "add", "initech", "room", "10")
        self.on(date(2022, 1, 1), "renewal day")
        self.joanbot("renew")
        self.on(date(2022, 1, 2), "the day after: what is owed")
        self.joanbot("debt")
        self.on(date(2022, 7, 2), "half-way through the next year, Globex removes 3 of its 6 licenses")
        self.joanbot("licenses", "reduce", "globex", "room", "3")
        self.echo(
            "   The seed's example says this returns $30. By its own rule (the unused part until the next billing\n"
            "   date) it is 3 devices x $10 x 6/12 = $15.00, the same as adding 3 on 2 Jul 2021 cost; $30 would\n"
            "   refund a whole year for half of one. joanbot credits $15.00, as Globex's credit balance shows:"
        )
        self.joanbot("credits", "globex")


def _code(output: str) -> str:
    return next(line.strip() for line in output.splitlines() if line.startswith("  ") and line.count("-") == 4)
