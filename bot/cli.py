"""``joanbot``: the ops CLI over the same billing use cases the Slack bot calls.

Errors are one line on stderr and a non-zero exit: 1 for a refused request, 2 for bad usage or
settings, 3 for an unexpected failure (logged; set JOANBOT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import csv
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import click

from billing import BillingError
from billing.issuing import IssuedBatch, IssuedCode
from billing.money import Money
from billing.periods import format_date, term_months
from bot.cli_money import register as register_money_commands
from bot.cli_sweep import register as register_sweep_command
from bot.clikit import Context, F, date_option, handled, now_utc, pass_context
from bot.settings import SettingsError
from bot.textviews import breakdown_text, code_text, plan_text

log = logging.getLogger("joanbot.cli")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Subscription licensing for the vendor: codes, accounts, renewals."""


# -- database and catalog ---------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database to the newest schema (also done on every start)."""
    billing = ctx.billing
    click.echo(f"database is up to date ({billing.db.engine.url.render_as_string(hide_password=True)})")


@cli.group()
def catalog() -> None:
    """Solutions, plan levels and prices."""


@catalog.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
@handled
def catalog_load(ctx: Context, file: Path) -> None:
    """Load or update the catalog from a CSV file (checked completely first; all or nothing)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not a UTF-8 text file") from None
    try:
        report = ctx.billing.catalog.load(text=text)
    except BillingError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"loaded {report.prices} prices for {report.levels} levels of {report.solutions} solutions")


@catalog.command("show")
@pass_context
def catalog_show(ctx: Context) -> None:
    """Print the catalog."""
    for solution in ctx.billing.catalog.solutions():
        click.echo(f"{solution.slug}: {solution.name} (per {solution.license_kind})")
        for level in solution.levels:
            prices = ", ".join(f"{money}/{interval}" for (interval, _), money in sorted(level.prices.items()))
            click.echo(f"  {level.rank}. {level.slug}: {prices}")


# -- codes ------------------------------------------------------------------------------------------------


@cli.group()
def codes() -> None:
    """Pre-paid codes: issue, look up, void."""


def _write_codes(
    batch_file: Path | None,
    issue: Callable[[Callable[[Sequence[IssuedCode]], None] | None], IssuedBatch],
    count: int,
) -> IssuedBatch:
    """Issue codes, writing them to a CSV file as they are made; the file appears only if all were issued."""
    if batch_file is None:
        return issue(None)
    batch_file = batch_file.resolve()
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (renamed into place below)
        "w", newline="", dir=batch_file.parent, prefix=".codes-", suffix=".csv", delete=False
    )
    os.chmod(handle.name, 0o600)
    try:
        writer = csv.writer(handle)
        writer.writerow(["code", "prefix"])
        with click.progressbar(length=count, label="issuing codes", file=sys.stderr) as bar:

            def on_chunk(chunk: Sequence[IssuedCode]) -> None:
                writer.writerows([(c.code, c.prefix) for c in chunk])
                bar.update(len(chunk))

            batch = issue(on_chunk)
        handle.close()
        os.replace(handle.name, batch_file)
        return batch
    except BaseException:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)
        raise


def _echo_batch(batch: IssuedBatch, csv_file: Path | None) -> None:
    template = batch.template
    click.echo(f"Issued {len(batch.codes)} code(s): {template.summary()} (batch {batch.batch})")
    if template.redeem_by:
        click.echo(f"Redeem by {format_date(template.redeem_by)}")
    if csv_file is not None:
        click.echo(f"The codes are in {csv_file} (readable by you only). They are shown only this once.")
        return
    click.echo("Shown only this once:")
    for code in batch.codes:
        click.echo(f"  {code.code}")


_target_options = [
    click.option("--count", default=1, show_default=True, type=int, help="How many codes."),
    click.option("--reseller", help="Meant for this reseller's customers only."),
    click.option("--account", help="Meant for this account only."),
    click.option("--redeem-by", callback=date_option, help="Last day to redeem (2024-03-22 or 22.3.2024)."),
    click.option("--ref", "reference", help="Free reference, e.g. the pro-forma invoice number."),
    click.option(
        "--csv",
        "csv_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the codes to this CSV file instead of the screen (for many codes).",
    ),
]


def target_options(command: F) -> F:
    for option in reversed(_target_options):
        command = option(command)
    return command


@codes.command("issue", context_settings={"ignore_unknown_options": True})  # "-3" is a (bad) number
@click.argument("solution")
@click.argument("level")
@click.argument("units", type=int)
@click.option("--kind", type=click.Choice(["device", "user"]), help="License kind (checked against the solution).")
@click.option("--years", type=int, help="Term in years (default 1).")
@click.option("--months", type=int, help="Term in months.")
@target_options
@pass_context
@handled
def codes_issue(
    ctx: Context,
    solution: str,
    level: str,
    units: int,
    kind: str | None,
    years: int | None,
    months: int | None,
    count: int,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue subscription codes: UNITS licenses of SOLUTION at LEVEL for a term."""
    term = term_months(years=years, months=months) if years is not None or months is not None else 12
    now = now_utc()
    batch = _write_codes(
        csv_file,
        lambda on_chunk: ctx.billing.issuing.issue_subscription_codes(
            solution=solution,
            level=level,
            units=units,
            term_months=term,
            license_kind=kind,
            count=count,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
        ),
        count,
    )
    _echo_batch(batch, csv_file)


@codes.command("credit")
@click.argument("amount")
@click.argument("currency")
@click.option("--promo", is_flag=True, help="Free promo credit (default: topped-up, paid offline).")
@target_options
@pass_context
@handled
def codes_credit(
    ctx: Context,
    amount: str,
    currency: str,
    promo: bool,
    count: int,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue credit codes worth AMOUNT in CURRENCY."""
    money = Money.parse(amount, currency)
    now = now_utc()
    batch = _write_codes(
        csv_file,
        lambda on_chunk: ctx.billing.issuing.issue_credit_codes(
            amount=money,
            source="promo" if promo else "topped_up",
            count=count,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
        ),
        count,
    )
    _echo_batch(batch, csv_file)


@codes.command("show")
@click.argument("code")
@pass_context
@handled
def codes_show(ctx: Context, code: str) -> None:
    """Look a code up: status, who issued and who redeemed it, into which account."""
    click.echo(code_text(ctx.billing.codes.show(code=code, actor=ctx.actor, now=now_utc())))


@codes.command("void")
@click.argument("code")
@pass_context
@handled
def codes_void(ctx: Context, code: str) -> None:
    """Void an unredeemed code."""
    view = ctx.billing.codes.void(code=code, actor=ctx.actor, now=now_utc())
    click.echo(f"voided {view.display} ({view.summary()})")


# -- redemption and licenses ------------------------------------------------------------------------------


@cli.command()
@click.argument("code")
@click.argument("account")
@click.option("--renews", type=int, help="Redeem as the renewal of this license block (see the preview).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_context
@handled
def redeem(ctx: Context, code: str, account: str, renews: int | None, yes: bool) -> None:
    """Redeem CODE into ACCOUNT on the customer's behalf (shows what will happen first)."""
    now = now_utc()
    plan = ctx.billing.redemptions.preview(code=code, account=account, renews=renews, actor=ctx.actor, now=now)
    click.echo(plan_text(plan))
    if not yes and not click.confirm("Redeem?", default=True):
        raise click.ClickException("nothing redeemed")
    receipt = ctx.billing.redemptions.redeem(code=code, account=account, renews=renews, actor=ctx.actor, now=now)
    click.echo(f"redeemed into {receipt.plan.account.slug}")
    click.echo(breakdown_text(ctx.billing.licenses.breakdown(account=account, actor=ctx.actor, now=now)))


@cli.command()
@click.argument("account")
@pass_context
@handled
def renewals(ctx: Context, account: str) -> None:
    """The renewal breakdown of ACCOUNT."""
    click.echo(breakdown_text(ctx.billing.licenses.breakdown(account=account, actor=ctx.actor, now=now_utc())))


@cli.group(invoke_without_command=True)
@click.option("--reseller", help="Only this reseller's customers.")
@click.pass_context
@handled
def accounts(click_ctx: click.Context, reseller: str | None) -> None:
    """List accounts (or add one: joanbot accounts add)."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.ensure_object(Context)
    found = ctx.billing.accounts.list_accounts(actor=ctx.actor, reseller=reseller)
    if not found:
        click.echo("no accounts")
    for account in found:
        via = f"via {account.reseller_slug}" if account.reseller_slug else "direct"
        click.echo(
            f"{account.slug:<24} {account.name:<32} {account.payment_method:<9} {via:<20} "
            f"{account.currency} {account.time_zone}"
        )


@accounts.command("add")
@click.argument("slug")
@click.argument("name", nargs=-1, required=True)
@click.option("--reseller", help="The reseller the customer buys through.")
@click.option(
    "--pays",
    type=click.Choice(["reseller", "card", "invoice", "credits"]),
    help="Payment method (default: reseller when --reseller is given, else card).",
)
@click.option("--currency", help="Billing currency (default from JOANBOT_CURRENCY).")
@click.option("--tz", "time_zone", help="Billing time zone, Area/City (default from JOANBOT_TIME_ZONE).")
@pass_context
@handled
def accounts_add(
    ctx: Context,
    slug: str,
    name: tuple[str, ...],
    reseller: str | None,
    pays: str | None,
    currency: str | None,
    time_zone: str | None,
) -> None:
    """Create the customer account SLUG called NAME."""
    account = ctx.billing.accounts.create_account(
        slug=slug,
        name=" ".join(name),
        reseller=reseller,
        payment_method=pays,
        currency=currency,
        time_zone=time_zone,
        actor=ctx.actor,
        now=now_utc(),
    )
    click.echo(f"created account {account.slug} ({account.name}), pays {account.payment_method}")


@cli.group(invoke_without_command=True)
@click.pass_context
def resellers(click_ctx: click.Context) -> None:
    """List resellers (or add one: joanbot resellers add)."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.ensure_object(Context)
    for reseller in ctx.billing.resellers.list_resellers():
        click.echo(f"{reseller.slug:<24} {reseller.name:<32} team {reseller.slack_team_id or '-'}")


@resellers.command("add")
@click.argument("slug")
@click.argument("name", nargs=-1, required=True)
@click.option("--team", help="The reseller's own Slack team id (its users become its members).")
@pass_context
@handled
def resellers_add(ctx: Context, slug: str, name: tuple[str, ...], team: str | None) -> None:
    """Create the reseller SLUG called NAME."""
    reseller = ctx.billing.resellers.create_reseller(
        slug=slug, name=" ".join(name), slack_team_id=team, actor=ctx.actor, now=now_utc()
    )
    click.echo(f"created reseller {reseller.slug} ({reseller.name})")


@cli.group()
def staff() -> None:
    """Staff roles (admin, sales) of users of the vendor's own Slack workspace."""


@staff.command("add")
@click.argument("user_id")
@click.argument("role", type=click.Choice(["admin", "sales"]))
@pass_context
@handled
def staff_add(ctx: Context, user_id: str, role: str) -> None:
    """Give the Slack user USER_ID a ROLE."""
    ctx.billing.staff.add_staff(slack_user_id=user_id, role=role, actor=ctx.actor, now=now_utc())
    click.echo(f"{user_id} is now {role}")


@staff.command("remove")
@click.argument("user_id")
@pass_context
@handled
def staff_remove(ctx: Context, user_id: str) -> None:
    """Take USER_ID's staff role away."""
    ctx.billing.staff.remove_staff(slack_user_id=user_id, actor=ctx.actor, now=now_utc())
    click.echo(f"{user_id} has no staff role any more")


@staff.command("list")
@pass_context
def staff_list(ctx: Context) -> None:
    for user_id, role in ctx.billing.staff.list_staff():
        click.echo(f"{user_id:<16} {role}")


@cli.command()
@click.argument("account", required=False)
@click.option("--limit", default=50, show_default=True)
@pass_context
@handled
def audit(ctx: Context, account: str | None, limit: int) -> None:
    """The audit log, newest first, optionally for one ACCOUNT."""
    account_id = ctx.billing.accounts.get_account(slug=account, actor=ctx.actor).id if account else None
    for entry in ctx.billing.audit.entries(actor=ctx.actor, account_id=account_id, limit=limit):
        click.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.actor:<20} {entry.action:<26} "
            f"{entry.subject_type}:{entry.subject_id} {entry.details}"
        )


@cli.command()
def demo() -> None:
    """Try the product without Slack: the real bot on a throwaway database, against a stand-in for Slack,
    with the calendar moved through a renewal. Prints every message the bot posts."""
    from bot.demo import run_demo

    run_demo()


register_money_commands(cli)
register_sweep_command(cli)


@cli.command()
def serve() -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT (default 3000)."""
    from bot.server import run

    run()


def main(argv: Sequence[str] | None = None) -> int:
    """The console script. Never shows a traceback unless JOANBOT_DEBUG is set."""
    logging.basicConfig(
        level=os.environ.get("JOANBOT_LOG_LEVEL", "WARNING").upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="joanbot", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
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
