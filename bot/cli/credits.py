"""``joanbot credits``: an account's Joan Credits."""

from __future__ import annotations

import click

from billing import CreditsOverview, format_date
from bot.cli.common import Context, handled, pass_context


@click.command()
@click.argument("account")
@pass_context
@handled
def credits(ctx: Context, account: str) -> None:
    """ACCOUNT's Joan Credits: balance per currency, top-ups, redeemed codes."""
    click.echo(credits_text(ctx.billing.credits.overview(account=account, actor=ctx.actor, now=ctx.now())))


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
    if overview.adjustments:
        out.append("Adjustments:")
        out.extend(f"  {format_date(a.on)}  {a.amount}  {a.memo}" for a in overview.adjustments)
    if overview.codes:
        out.append("Redeemed codes:")
        out.extend(
            f"  {c.code_prefix}  {c.solution_name}: {c.paired}/{c.allowed} {c.license_kind}s paired, "
            f"expires {format_date(c.expires_on)}, {c.duration}"
            for c in overview.codes
        )
    return "\n".join(out)
