"""``joanbot redeem``: a code redeemed on the customer's behalf, its plan shown first."""

from __future__ import annotations

import click

from billing import NOT_CHOSEN, RedemptionPlan, RenewalChoice, choice_required, format_date, parse_whole, plural
from bot.cli.common import NUMBERS, Context, handled, pass_context, yes_option
from bot.cli.licenses import breakdown_text


@click.command(context_settings=NUMBERS)
@click.argument("code")
@click.argument("account")
@click.option(
    "--renews", help="Redeem as the renewal of this license block, or `new` for new licenses (see the preview)."
)
@click.option(
    "--other-currency", is_flag=True, help="Redeem a credit code in another currency than the account's (staff)."
)
@yes_option
@pass_context
@handled
def redeem(ctx: Context, code: str, account: str, renews: str | None, other_currency: bool, yes: bool) -> None:
    """Redeem CODE into ACCOUNT on the customer's behalf (shows what will happen first)."""
    now = ctx.now()
    block = _choice(renews)
    redemptions = ctx.billing.redemptions
    plan = redemptions.preview(
        code=code, account=account, renews=block, other_currency=other_currency, actor=ctx.actor, now=now
    )
    click.echo(plan_text(plan))
    if plan.renewal_choice_needed:  # asked before anything: which one is for the person to say
        raise choice_required(plan)
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


def _choice(renews: str | None) -> RenewalChoice:
    if renews is None:
        return NOT_CHOSEN
    if renews.strip().lower() == "new":
        return None
    return parse_whole(renews, "the block to renew")


def plan_text(plan: RedemptionPlan) -> str:
    lines = [("With --renews new: " if plan.renewal_choice_needed else "") + plan.describe()]
    for candidate in plan.renewal_candidates:
        lines.append(
            f"  {'It could instead renew' if not plan.renewal_choice_needed else 'Or renew'} block {candidate.id}: "
            f"{plural(candidate.units, 'license')} renewing {format_date(candidate.ends_on)} "
            f"(--renews {candidate.id})."
        )
    return "\n".join(lines)
