"""The ops CLI's money commands: subscriptions (licenses), invoices, credits, payments, debt, renewals.

Each change shows its quote (amount and dates) and commits exactly that quote after confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click

from billing.invoicing import InvoiceView
from billing.ledger import CreditsOverview
from billing.money import Money
from billing.periods import format_date
from billing.quotes import Quote
from billing.subscriptions import ChangeReceipt
from bot.clikit import Context, date_option, handled, now_utc, pass_context


def invoice_text(invoice: InvoiceView) -> str:
    head = (
        f"{invoice.number}  issued {format_date(invoice.issued_on)}  due {format_date(invoice.due_on)}  "
        f"{invoice.status}  total {invoice.total}  credit {invoice.credit_applied}  "
        f"paid {invoice.amount_paid}  owed {invoice.remaining}"
    )
    lines = [
        f"    {line.description}: {format_date(line.service_start)} to {format_date(line.service_end)}, "
        f"{line.quantity} x {line.unit_price} x {line.fraction.numerator}/{line.fraction.denominator} "
        f"= {line.amount}"
        for line in invoice.lines
    ]
    return "\n".join([head, *lines])


def credits_text(overview: CreditsOverview) -> str:
    out = [f"Joan Credits of {overview.account.name}:"]
    if not overview.balances:
        out.append("  no credit")
    for balance in overview.balances:
        out.append(
            f"  {balance.currency}: {balance.total} (topped-up {balance.topped_up}, promo {balance.promo}, "
            f"adjustments {balance.adjustment})"
        )
    if overview.top_ups:
        out.append("Top-ups:")
        out.extend(
            f"  {t.code_prefix}  {t.amount}  {format_date(t.activated_on)}  {t.source}" for t in overview.top_ups
        )
    if overview.codes:
        out.append("Redeemed codes:")
        out.extend(
            f"  {c.code_prefix}  {c.solution_name}: {c.paired}/{c.allowed} {c.license_kind}s paired, "
            f"expires {format_date(c.expires_on)}, {c.duration}"
            for c in overview.codes
        )
    return "\n".join(out)


def _confirm_and_commit(quote: Quote, yes: bool, commit: Callable[[Quote], ChangeReceipt]) -> None:
    click.echo(quote.describe())
    if not yes and not click.confirm("Go ahead?", default=True):
        raise click.ClickException("nothing changed")
    receipt = commit(quote)
    if receipt.invoice is not None:
        click.echo(invoice_text(receipt.invoice))
    elif receipt.quote.action == "reduce":
        click.echo(f"credited {receipt.quote.amount} to {receipt.quote.account} (adjustment)")
    else:
        click.echo(f"renewal cancelled; the licenses stay until {format_date(receipt.quote.renews_on)}")


@click.group()
def licenses() -> None:
    """Subscriptions of card, invoice and credits accounts: start, add, reduce, cancel."""


_yes = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


@licenses.command("start")
@click.argument("account")
@click.argument("solution")
@click.argument("level")
@click.argument("units", type=int)
@click.option("--interval", type=click.Choice(["year", "month"]), default="year", show_default=True)
@click.option("--starts", callback=date_option, help="First day (default today; 2024-03-22 or 22.3.2024).")
@_yes
@pass_context
@handled
def licenses_start(
    ctx: Context,
    account: str,
    solution: str,
    level: str,
    units: int,
    interval: str,
    starts: date | None,
    yes: bool,
) -> None:
    """Start UNITS auto-renewing SOLUTION LEVEL licenses for ACCOUNT, invoiced a full term at once."""
    now = now_utc()
    quote = ctx.billing.subscriptions.preview_start(
        account=account,
        solution=solution,
        level=level,
        units=units,
        interval=interval,
        starts_on=starts,
        actor=ctx.actor,
        now=now,
    )
    _confirm_and_commit(quote, yes, lambda q: ctx.billing.subscriptions.start(quote=q, actor=ctx.actor, now=now))


@licenses.command("add")
@click.argument("account")
@click.argument("solution")
@click.argument("units", type=int)
@_yes
@pass_context
@handled
def licenses_add(ctx: Context, account: str, solution: str, units: int, yes: bool) -> None:
    """Add UNITS licenses now, invoiced at once for the rest of the period."""
    now = now_utc()
    quote = ctx.billing.subscriptions.preview_add(
        account=account, solution=solution, units=units, actor=ctx.actor, now=now
    )
    _confirm_and_commit(quote, yes, lambda q: ctx.billing.subscriptions.add(quote=q, actor=ctx.actor, now=now))


@licenses.command("reduce")
@click.argument("account")
@click.argument("solution")
@click.argument("units", type=int)
@_yes
@pass_context
@handled
def licenses_reduce(ctx: Context, account: str, solution: str, units: int, yes: bool) -> None:
    """Remove UNITS licenses now; the unused part is credited to the account (staff only)."""
    now = now_utc()
    quote = ctx.billing.subscriptions.preview_reduce(
        account=account, solution=solution, units=units, actor=ctx.actor, now=now
    )
    _confirm_and_commit(quote, yes, lambda q: ctx.billing.subscriptions.reduce(quote=q, actor=ctx.actor, now=now))


@licenses.command("cancel")
@click.argument("account")
@click.argument("solution")
@_yes
@pass_context
@handled
def licenses_cancel(ctx: Context, account: str, solution: str, yes: bool) -> None:
    """Stop renewing ACCOUNT's SOLUTION licenses; they stay until the renewal date, nothing is refunded."""
    now = now_utc()
    quote = ctx.billing.subscriptions.preview_cancel(account=account, solution=solution, actor=ctx.actor, now=now)
    _confirm_and_commit(quote, yes, lambda q: ctx.billing.subscriptions.cancel(quote=q, actor=ctx.actor, now=now))


@click.command()
@click.argument("account")
@pass_context
@handled
def invoices(ctx: Context, account: str) -> None:
    """ACCOUNT's invoices, newest first, with their lines."""
    found = ctx.billing.invoices.list(account=account, actor=ctx.actor)
    if not found:
        click.echo(f"no invoices for {account}")
    for invoice in found:
        click.echo(invoice_text(invoice))


@click.command()
@click.argument("account")
@pass_context
@handled
def credits(ctx: Context, account: str) -> None:
    """ACCOUNT's Joan Credits: balance per currency, top-ups, redeemed codes."""
    click.echo(credits_text(ctx.billing.credits.overview(account=account, actor=ctx.actor, now=now_utc())))


@click.group()
def payments() -> None:
    """Payments received against invoices."""


@payments.command("record")
@click.argument("invoice")
@click.argument("amount")
@click.option("--ref", "reference", default="", help="Free reference, e.g. the bank transfer id.")
@pass_context
@handled
def payments_record(ctx: Context, invoice: str, amount: str, reference: str) -> None:
    """Record a payment of AMOUNT (in the invoice's currency) against INVOICE (e.g. INV-000012)."""
    currency = ctx.billing.invoices.get(invoice=invoice, actor=ctx.actor).currency
    view = ctx.billing.invoices.record_payment(
        invoice=invoice,
        amount=Money.parse(amount, currency),
        reference=reference,
        actor=ctx.actor,
        now=now_utc(),
    )
    click.echo(invoice_text(view))


@click.command()
@click.argument("account", required=False)
@pass_context
@handled
def debt(ctx: Context, account: str | None) -> None:
    """Invoices past due with an amount owed, optionally for one ACCOUNT."""
    report = ctx.billing.invoices.debt(actor=ctx.actor, now=now_utc(), account=account)
    for invoice in report.invoices:
        click.echo(f"{invoice.account}: {invoice_text(invoice).splitlines()[0]}")
    click.echo("total owed: " + (", ".join(str(m) for m in report.totals.values()) or "nothing"))


@click.command()
@pass_context
@handled
def renew(ctx: Context) -> None:
    """Invoice every subscription whose renewal date has come (what the daily sweep does)."""
    run = ctx.billing.renewals.renew_due(now=now_utc(), actor=ctx.actor)
    for invoice in run.invoices:
        click.echo(f"{invoice.account}: {invoice_text(invoice).splitlines()[0]}")
    click.echo(f"{len(run.invoices)} renewal invoice(s); {len(run.failed)} refused")


def register(cli: click.Group) -> None:
    for command in (licenses, invoices, credits, payments, debt, renew):
        cli.add_command(command)
