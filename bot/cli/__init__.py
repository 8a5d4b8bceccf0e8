"""``joanbot``: the ops CLI over the same billing use cases the Slack bot calls, one module per noun.

Errors are one line on stderr and a non-zero exit: 1 for a refused request, 2 for bad usage or
settings, 3 for an unexpected failure (logged; set JOANBOT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

import click

from bot import logsafe
from bot.cli import (
    accounts,
    api_keys,
    audit,
    catalog,
    codes,
    credits,
    db,
    invoices,
    licenses,
    redemption,
    resellers,
    serve,
    staff,
    sweep,
)
from bot.settings import LogSettings, SettingsError

log = logging.getLogger("joanbot.cli")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="joanbot", prog_name="joanbot", message="%(prog)s %(version)s")
def cli() -> None:
    """Subscription licensing for the vendor: codes, accounts, renewals."""


for command in (
    db.db,
    catalog.catalog,
    codes.codes,
    redemption.redeem,
    licenses.renewals,
    accounts.accounts,
    resellers.resellers,
    staff.staff,
    audit.audit,
    serve.demo,
    licenses.licenses,
    invoices.invoices,
    credits.credits,
    invoices.payments,
    invoices.debt,
    invoices.renew,
    sweep.sweep,
    serve.serve,
    api_keys.api_keys,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script. Never shows a traceback unless JOANBOT_DEBUG is set."""
    try:
        logsafe.configure(LogSettings.from_env())
    except SettingsError as error:
        click.echo(f"Error: {error}", err=True)
        return 2
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="joanbot", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        return 1
    except click.exceptions.Exit as done:  # --version, --help
        return done.exit_code
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "joanbot"
        click.echo(f"Error: {error.format_message()} (see: {command} --help)", err=True)
        return error.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SettingsError as error:
        click.echo(f"Error: {error}", err=True)
        return 2
    except Exception as error:
        if os.environ.get("JOANBOT_DEBUG"):
            raise
        log.error("unexpected failure: %s: %s", type(error).__name__, error)
        click.echo(f"Error: unexpected failure ({type(error).__name__}); set JOANBOT_DEBUG=1 for details", err=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
