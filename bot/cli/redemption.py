"""``joanbot redeem``: a code redeemed on the customer's behalf, its plan shown first."""

from __future__ import annotations

import click

from billing import RedemptionPlan, format_date, parse_whole, plural
from bot.cli.common import NUMBERS, Context, handled, pass_context, yes_option
from bot.cli.licenses import breakdown_text


@click.command(context_settings=NUMBERS)
@click.argument("code")
@click.argument("account")
@click.option("--renews", help="Redeem as the renewal of this license block (see the preview).")
@click.option(
    "--other-currency", is_flag=True, help="Redeem a credit code in another currency than the account's (staff)."
)
@yes_option
@pass_context
@handled
def redeem(ctx: Context, code: str, account: str, renews: str | None, other_currency: bool, yes: bool) -> None:
    """Redeem CODE into ACCOUNT on the customer's behalf (shows what will happen first)."""
    now = ctx.now()
    block = parse_whole(renews, "the block to renew") if renews is not None else None
    redemptions = ctx.billing.redemptions
    plan = redemptions.preview(
        code=code, account=account, renews=block, other_currency=other_currency, actor=ctx.actor, now=now
    )
    click.echo(plan_text(plan))
    if not yes and not click.confirm("Redeem?", default=True):
        raise click.ClickException("nothing redeemed")
    receipt = redemptions.redeem(
        code=code, account=account, renews=block, other_currency=other_currency, actor=ctx.actor, now=now
    )
    click.echo(f"Redeemed into {receipt.plan.account.name}.")
    if receipt.plan.credit is not None:
        click.echo(f"Credit balance ({receipt.plan.credit.currency}): {receipt.plan.balance_after}")
        return
    click.echo(breakdown_text(ctx.billing.licenses.breakdown(account=account, actor=ctx.actor, now=now)))


def plan_text(plan: RedemptionPlan) -> str:
    lines = [plan.describe()]
    for candidate in plan.renewal_candidates:
        lines.append(
            f"  It could instead renew block {candidate.id}: {plural(candidate.units, 'license')} renewing "
            f"{format_date(candidate.ends_on)} (use --renews {candidate.id})."
        )
    return "\n".join(lines)
