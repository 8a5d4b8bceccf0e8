"""Pure builders of the App Home tab: renewals ahead for staff, their own accounts for reseller members."""

from __future__ import annotations

from collections.abc import Sequence

from billing.accounts import AccountView
from billing.overview import DueRenewal
from billing.periods import format_date
from handlers import blocks, errors, ids, kit
from handlers.kit import Block, escape

HOME_DAYS = 45


def _home(body: list[Block]) -> Block:
    return {"type": "home", "blocks": body[: kit.MAX_VIEW_BLOCKS]}


def staff_home(due: Sequence[DueRenewal]) -> Block:
    body: list[Block] = [
        kit.header("joanbot"),
        kit.actions(
            kit.button("Issue codes", ids.ACTION_HOME_ISSUE, style="primary"),
            kit.button("Redeem a code", ids.ACTION_HOME_REDEEM),
        ),
        kit.header(f"Renewals in the next {HOME_DAYS} days"),
    ]
    lines = [
        f"{format_date(r.renews_on)} ({r.days_left} d) · `{escape(r.account)}` {escape(r.account_name)}: "
        f"{r.units} {escape(r.solution_name)} {escape(r.level_name)}"
        + (f" · via {escape(r.reseller)}" if r.reseller else "")
        for r in due
    ]
    if lines:
        body += kit.text_sections(lines, max_blocks=kit.MAX_VIEW_BLOCKS - 6, budget=kit.VIEW_TEXT_BUDGET)
    else:
        body.append(kit.section("Nothing renews in the next 45 days."))
    body += [kit.header("Open alerts"), kit.section("Alerts appear here once the daily sweep runs.")]
    return _home(body)


def reseller_home(accounts: Sequence[AccountView]) -> Block:
    body: list[Block] = [
        kit.header("joanbot"),
        kit.section("Your customers' accounts. Redeem a code, or see renewals from your channel's panel."),
        kit.actions(kit.button("Redeem a code", ids.ACTION_HOME_REDEEM, style="primary")),
        kit.header(f"Your accounts ({len(accounts)})"),
    ]
    if accounts:
        body += kit.text_sections(blocks.account_lines(accounts, show_reseller=False),
                                  max_blocks=kit.MAX_VIEW_BLOCKS - len(body), budget=kit.VIEW_TEXT_BUDGET)  # fmt: skip
    else:
        body.append(kit.section("No accounts yet."))
    return _home(body)


def nobody_home() -> Block:
    return _home([kit.header("joanbot"), kit.section(errors.REFUSAL)])
