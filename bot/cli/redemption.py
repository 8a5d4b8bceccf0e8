"""``joanbot redeem``: a code redeemed on the customer's behalf, its plan shown first."""

from __future__ import annotations

import click

from billing.periods import format_date
from billing.redemption_plan import RedemptionPlan
from bot.cli.common import Context, handled, pass_context, yes_option
from bot.cli.licenses import breakdown_text


@click.command()
@click.argument("code")
@click.argument("account")
@click.option("--renews", type=int, help="Redeem as the renewal of this license block (see the preview).")
@yes_option
@pass_context
@handled
def redeem(ctx: Context, code: str, account: str, renews: int | None, yes: bool) -> None:
    """Redeem CODE into ACCOUNT on the customer's behalf (shows what will happen first)."""
    now = ctx.now()
    plan = ctx.billing.redemptions.preview(code=code, account=account, renews=renews, actor=ctx.actor, now=now)
    click.echo(plan_text(plan))
    if not yes and not click.confirm("Redeem?", default=True):
        raise click.ClickException("nothing redeemed")
    receipt = ctx.billing.redemptions.redeem(code=code, account=account, renews=renews, actor=ctx.actor, now=now)
    click.echo(f"redeemed into {receipt.plan.account.slug}")
    click.echo(breakdown_text(ctx.billing.licenses.breakdown(account=account, actor=ctx.actor, now=now)))


def plan_text(plan: RedemptionPlan) -> str:
    lines = [plan.describe()]
    for candidate in plan.renewal_candidates:
        lines.append(
            f"  It could instead renew block {candidate.id}: {candidate.units} licenses renewing "
            f"{format_date(candidate.ends_on)} (use --renews {candidate.id})."
        )
    return "\n".join(lines)
