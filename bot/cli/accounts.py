"""``joanbot accounts``: customer accounts: list, add, show, set (correct), close, reopen."""

from __future__ import annotations

import click

from billing import AccountEdit
from bot.cli.common import Context, handled, pass_context


@click.group(invoke_without_command=True)
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
        click.echo("No accounts yet.")
    for account in found:
        via = f"via {account.reseller_slug}" if account.reseller_slug else "direct"
        closed = " closed" if account.closed_at is not None else ""
        click.echo(
            f"{account.slug:<24} {account.name:<32} {account.payment_method:<9} {via:<20} "
            f"{account.currency} {account.time_zone}{closed}"
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
        now=ctx.now(),
    )
    click.echo(f"Created account {account.name} ({account.slug}), paying {_PAYS[account.payment_method]}.")


_PAYS = {"reseller": "through its reseller", "card": "by card", "invoice": "by invoice", "credits": "from credit"}


def email_options(emails: tuple[str, ...], no_email: bool) -> list[str]:
    """The contact list ``--email``/``--no-email`` ask for: exactly one of them must be given."""
    if no_email == bool(emails):
        raise click.UsageError("give --email ADDR (one or more times) or --no-email")
    return list(emails)


@accounts.command("set")
@click.argument("slug")
@click.option("--name", help="The display name.")
@click.option(
    "--reseller", help="Move the account to this reseller (its members see it at once, the old one's no longer)."
)
@click.option("--direct", is_flag=True, help="The account no longer belongs to a reseller.")
@click.option("--pays", type=click.Choice(["reseller", "card", "invoice", "credits"]), help="Payment method.")
@click.option("--tz", "time_zone", help="Billing time zone, Area/City.")
@click.option("--currency", help="Billing currency (only while nothing was billed or credited).")
@click.option("--email", "emails", multiple=True, metavar="ADDR", help="A contact address (repeat for several).")
@click.option("--no-email", is_flag=True, help="Remove every contact address.")
@pass_context
@handled
def accounts_set(
    ctx: Context,
    slug: str,
    name: str | None,
    reseller: str | None,
    direct: bool,
    pays: str | None,
    time_zone: str | None,
    currency: str | None,
    emails: tuple[str, ...],
    no_email: bool,
) -> None:
    """Correct account SLUG: any of its name, reseller, payment method, time zone, currency, contacts."""
    if reseller and direct:
        raise click.UsageError("give --reseller SLUG or --direct, not both")
    edit = AccountEdit(
        name=name,
        reseller="" if direct else reseller,
        payment_method=pays,
        time_zone=time_zone,
        currency=currency,
        emails=tuple(email_options(emails, no_email)) if emails or no_email else None,
    )
    if not edit.given():
        raise click.UsageError("say what to change: --name, --reseller/--direct, --pays, --tz, --currency, --email")
    account = ctx.billing.account_changes.set(slug=slug, edit=edit, actor=ctx.actor, now=ctx.now())
    if edit.emails is not None:
        click.echo(f"{account.slug} contacts: {', '.join(account.contact_emails) or 'none'}")
    via = f"through {account.reseller_slug}" if account.reseller_slug else "direct"
    click.echo(
        f"{account.slug}: {account.name}, pays {account.payment_method} ({via}), "
        f"{account.currency}, {account.time_zone}"
    )


@accounts.command("close")
@click.argument("slug")
@pass_context
@handled
def accounts_close(ctx: Context, slug: str) -> None:
    """Close account SLUG: no reminders, emails or alerts, no redemptions, purchases or assignments.

    Nothing is deleted; its history stays visible to staff. Refused while a subscription renews."""
    account = ctx.billing.account_changes.close(slug=slug, actor=ctx.actor, now=ctx.now())
    click.echo(f"Closed {account.name} ({account.slug}). Reopen it with: joanbot accounts reopen {account.slug}")


@accounts.command("reopen")
@click.argument("slug")
@pass_context
@handled
def accounts_reopen(ctx: Context, slug: str) -> None:
    """Reopen the closed account SLUG."""
    account = ctx.billing.account_changes.reopen(slug=slug, actor=ctx.actor, now=ctx.now())
    click.echo(f"Reopened {account.name} ({account.slug}).")


@accounts.command("show")
@click.argument("slug")
@pass_context
@handled
def accounts_show(ctx: Context, slug: str) -> None:
    """Show account SLUG: how it pays, through whom, and its contacts."""
    account = ctx.billing.accounts.get_account(slug=slug, actor=ctx.actor)
    via = f"through {account.reseller_name} ({account.reseller_slug})" if account.reseller_slug else "direct"
    click.echo(f"{account.slug}: {account.name}")
    click.echo(f"  pays      {account.payment_method}, {via}")
    click.echo(f"  billing   {account.currency}, {account.time_zone}")
    click.echo(f"  contacts  {', '.join(account.contact_emails) or 'none'}")
    if account.closed_at is not None:
        click.echo(f"  closed    {account.closed_at:%Y-%m-%d %H:%M} UTC")
