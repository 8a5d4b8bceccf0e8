"""``joanbot invoices``, ``payments``, ``debt`` and ``renew``: invoices, the payments received against them,
what is owed, and the renewal invoices of subscriptions that are due."""

from __future__ import annotations

import click

from billing import InvoiceView, Money, format_date, line_text, plural
from bot.cli.common import NUMBERS, Context, handled, pass_context


@click.command()
@click.argument("account")
@pass_context
@handled
def invoices(ctx: Context, account: str) -> None:
    """ACCOUNT's invoices, newest first, with their lines."""
    found = ctx.billing.invoices.list(account=account, actor=ctx.actor)
    if not found:
        click.echo(f"No invoices for {account}.")
    for invoice in found:
        click.echo(invoice_text(invoice))


@click.group()
def payments() -> None:
    """Payments received against invoices."""


@payments.command("record", context_settings=NUMBERS)
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
        now=ctx.now(),
    )
    click.echo(invoice_text(view))


@click.command()
@click.argument("account", required=False)
@pass_context
@handled
def debt(ctx: Context, account: str | None) -> None:
    """Invoices past due with an amount owed, optionally for one ACCOUNT."""
    report = ctx.billing.invoices.debt(actor=ctx.actor, now=ctx.now(), account=account)
    for invoice in report.invoices:
        mark = "  (card: awaiting a payment recorded by hand)" if invoice.recorded_by_hand else ""
        click.echo(f"{invoice.account}: {invoice_text(invoice).splitlines()[0]}{mark}")
    click.echo("Total owed: " + (", ".join(str(m) for m in report.totals.values()) or "nothing"))
    if any(invoice.recorded_by_hand for invoice in report.invoices):
        click.echo(CARD_NOTE)


@click.command()
@pass_context
@handled
def renew(ctx: Context) -> None:
    """Invoice every subscription whose renewal date has come (what the daily sweep does)."""
    run = ctx.billing.renewals.renew_due(now=ctx.now(), actor=ctx.actor)
    for invoice in run.invoices:
        click.echo(f"{invoice.account}: {invoice_text(invoice).splitlines()[0]}")
    click.echo(f"{plural(len(run.invoices), 'renewal invoice')}; {len(run.failed):,} refused")
    if any(invoice.recorded_by_hand for invoice in run.invoices):
        click.echo(CARD_NOTE)


CARD_NOTE = (
    "Card invoices are not charged by joanbot: charge the card, then record the payment with "
    "`joanbot payments record INV-... AMOUNT`; until then they count as owed."
)


def invoice_text(invoice: InvoiceView) -> str:
    head = (
        f"{invoice.number}  issued {format_date(invoice.issued_on)}  due {format_date(invoice.due_on)}  "
        f"{invoice.status.replace('_', ' ')}  total {invoice.total}  credit {invoice.credit_applied}  "
        f"paid {invoice.amount_paid}  owed {invoice.remaining}"
    )
    lines = [f"    {line_text(line)}" for line in invoice.lines]
    if invoice.note:
        lines.append(f"    {invoice.note}")
    note = [f"    {CARD_NOTE}"] if invoice.recorded_by_hand else []
    return "\n".join([head, *lines, *note])
