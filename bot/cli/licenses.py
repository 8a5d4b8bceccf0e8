"""``joanbot licenses`` and ``joanbot renewals``: subscriptions of card, invoice and credits accounts, and the
renewal breakdown of any account.

Each change shows its quote (amount and dates) and commits exactly that quote after confirmation.
"""

from __future__ import annotations

from datetime import date

import click

from billing import Breakdown, ChangeKind, Quote, breakdown_rows, format_date, parse_whole, plain_text, quote_sheet
from bot.cli.common import NUMBERS, Context, date_option, handled, pass_context, yes_option
from bot.cli.invoices import invoice_text


def _confirm_and_commit(ctx: Context, quote: Quote, yes: bool) -> None:
    """Show the quote; on yes, commit it by its id (the commit refuses if the quote no longer holds)."""
    click.echo(plain_text(quote_sheet(quote)))
    if not yes and not click.confirm("Go ahead?", default=True):
        raise click.ClickException("nothing changed")
    receipt = ctx.billing.subscriptions.commit(quote_id=quote.id, actor=ctx.actor, now=ctx.now())
    if receipt.invoice is not None:
        click.echo(invoice_text(receipt.invoice))
    elif receipt.quote.action == ChangeKind.REDUCE:
        click.echo(
            f"Credited {receipt.quote.amount} to {receipt.quote.account_name or receipt.quote.account} "
            "(adjustment credit)."
        )
    else:
        click.echo(f"Renewal cancelled; the licenses stay until {format_date(receipt.quote.renews_on)}.")


@click.group()
def licenses() -> None:
    """Subscriptions of card, invoice and credits accounts: start, add, reduce, change, cancel."""


@licenses.command("start", context_settings=NUMBERS)
@click.argument("account")
@click.argument("solution")
@click.argument("level")
@click.argument("units")
@click.option("--interval", type=click.Choice(["year", "month"]), default="year", show_default=True)
@click.option("--starts", callback=date_option, help="First day (default today; 2024-03-22 or 22.3.2024).")
@yes_option
@pass_context
@handled
def licenses_start(
    ctx: Context,
    account: str,
    solution: str,
    level: str,
    units: str,
    interval: str,
    starts: date | None,
    yes: bool,
) -> None:
    """Start UNITS auto-renewing SOLUTION LEVEL licenses for ACCOUNT, invoiced a full term at once."""
    quote = ctx.billing.subscriptions.quote(
        action=ChangeKind.START,
        account=account,
        solution=solution,
        level=level,
        units=parse_whole(units, "units"),
        interval=interval,
        starts_on=starts,
        actor=ctx.actor,
        now=ctx.now(),
    )
    _confirm_and_commit(ctx, quote, yes)


def _count_change(action: ChangeKind, help_text: str) -> None:
    """``licenses add`` and ``licenses reduce``: the same arguments, quoted then committed by the quote's id."""

    @licenses.command(str(action), context_settings=NUMBERS, help=help_text)
    @click.argument("account")
    @click.argument("solution")
    @click.argument("units")
    @yes_option
    @pass_context
    @handled
    def change(ctx: Context, account: str, solution: str, units: str, yes: bool) -> None:
        count = parse_whole(units, "units")
        quote = ctx.billing.subscriptions.quote(
            action=action, account=account, solution=solution, units=count, actor=ctx.actor, now=ctx.now()
        )
        _confirm_and_commit(ctx, quote, yes)


_count_change(ChangeKind.ADD, "Add UNITS licenses now, invoiced at once for the rest of the period.")
_count_change(ChangeKind.REDUCE, "Remove UNITS licenses now; the unused part is credited to the account (staff only).")


@licenses.command("cancel")
@click.argument("account")
@click.argument("solution")
@yes_option
@pass_context
@handled
def licenses_cancel(ctx: Context, account: str, solution: str, yes: bool) -> None:
    """Stop renewing ACCOUNT's SOLUTION licenses; they stay until the renewal date, nothing is refunded."""
    quote = ctx.billing.subscriptions.quote(
        action=ChangeKind.CANCEL, account=account, solution=solution, actor=ctx.actor, now=ctx.now()
    )
    _confirm_and_commit(ctx, quote, yes)


@licenses.command("change")
@click.argument("account")
@click.argument("solution")
@click.option("--level", help="The level wanted: a higher one at once, a lower one at the next renewal.")
@click.option("--interval", type=click.Choice(["month", "year"]), help="Yearly at once, monthly at the renewal.")
@click.option("--now", "at_once", is_flag=True, help="Refuse unless the change can take effect at once.")
@click.option("--withdraw", is_flag=True, help="Withdraw the change scheduled for the next renewal.")
@yes_option
@pass_context
@handled
def licenses_change(
    ctx: Context,
    account: str,
    solution: str,
    level: str | None,
    interval: str | None,
    at_once: bool,
    withdraw: bool,
    yes: bool,
) -> None:
    """Change the level or the billing interval of ACCOUNT's SOLUTION subscription (shows the quote first)."""
    now = ctx.now()
    plans = ctx.billing.plans
    if withdraw:
        if level or interval:
            raise click.UsageError("--withdraw takes no --level or --interval")
        gone = plans.withdraw(account=account, solution=solution, actor=ctx.actor, now=now)
        click.echo(
            f"withdrawn: {gone.account}'s {gone.solution} subscription no longer {gone.change}; it renews as before"
        )
        return
    quote = plans.quote(
        account=account, solution=solution, level=level, interval=interval, at_once=at_once, actor=ctx.actor, now=now
    )
    click.echo(quote.describe())
    if not yes and not click.confirm("Go ahead?", default=True):
        raise click.ClickException("nothing changed")
    receipt = plans.commit(quote_id=quote.id, actor=ctx.actor, now=now)
    if receipt.invoice is not None:
        click.echo(invoice_text(receipt.invoice))
    else:
        click.echo(f"scheduled: {receipt.quote.solution_name} {receipt.quote.schedule_text}")


@click.command()
@click.argument("account")
@pass_context
@handled
def renewals(ctx: Context, account: str) -> None:
    """The renewal breakdown of ACCOUNT."""
    click.echo(breakdown_text(ctx.billing.licenses.breakdown(account=account, actor=ctx.actor, now=ctx.now())))


def breakdown_text(breakdown: Breakdown) -> str:
    account = breakdown.account
    head = f"Renewal breakdown for {account.name} ({account.slug}), as of {format_date(breakdown.today)}"
    return head + "\n" + plain_text(breakdown_rows(breakdown), base=1)
