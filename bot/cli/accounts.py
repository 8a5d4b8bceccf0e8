"""``joanbot accounts``: customer accounts: list, add."""

from __future__ import annotations

import click

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
        now=ctx.now(),
    )
    click.echo(f"Created account {account.name} ({account.slug}), paying {_PAYS[account.payment_method]}.")


_PAYS = {"reseller": "through its reseller", "card": "by card", "invoice": "by invoice", "credits": "from credit"}
