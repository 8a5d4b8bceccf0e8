"""``joanbot demo``: the product end to end on a throwaway SQLite database, printed as a transcript."""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click
from click.testing import CliRunner

STEPS: Sequence[str] = (
    "resellers add northwind Northwind Resellers --team T0NORTHWIND",
    "accounts add acme Acme Inc --reseller northwind --tz Europe/Ljubljana",
    "codes issue room professional 10 --years 1 --reseller northwind --ref PI-2026-001",
    "redeem {code} acme --yes",
    "codes issue room professional 5 --years 1 --reseller northwind --ref PI-2026-002",
    "redeem {code} acme --yes",
    "codes show {code}",
    "redeem {code} acme --yes",
    "renewals acme",
)


def run_cli_walkthrough() -> int:
    """Issue codes, redeem them, try a code twice, print the renewal breakdown."""
    from bot.cli import cli

    with tempfile.TemporaryDirectory(prefix="joanbot-demo-") as home:
        runner = CliRunner()
        env = {"JOANBOT_HOME": str(Path(home)), "DATABASE_URL": "", "JOANBOT_CODE_KEY": "", "JOANBOT_OPERATOR": "demo"}
        last_code = ""
        for step in STEPS:
            command = step.format(code=last_code)
            click.secho(f"$ joanbot {command}", bold=True)
            result = runner.invoke(cli, shlex.split(command), env=env, catch_exceptions=False)
            click.echo(result.output.rstrip())
            for line in result.output.splitlines():
                if line.startswith("  ") and line.count("-") == 4:
                    last_code = line.strip()
            click.echo()
    return 0
