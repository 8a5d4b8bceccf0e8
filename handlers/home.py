"""Pure builders of the App Home tab: renewals ahead for staff, their own accounts for reseller members."""

from __future__ import annotations

from collections.abc import Sequence

from billing import AccountView, AlertView, DueRenewal, format_date
from handlers import blocks, errors, ids, kit, notices
from handlers.kit import Block, escape

HOME_DAYS = 45
HOME_ALERTS = 50  # the most recent open alerts shown; the rest are counted
ALERT_BLOCKS = 20  # at most this many blocks and this much text for the alerts; the rest for the lists above
ALERT_BUDGET = kit.VIEW_TEXT_BUDGET // 3


def _home(body: list[Block]) -> Block:
    return {"type": "home", "blocks": body[: kit.MAX_VIEW_BLOCKS]}


def _text(body: Sequence[Block]) -> int:
    return sum(len(b["text"]["text"]) for b in body if "text" in b)


def alert_lines(alerts: Sequence[AlertView]) -> list[str]:
    return [
        kit.md(
            "*{}* · {} · {}",
            notices.alert_title(a),
            notices.alert_summary(a),
            kit.md("acknowledged by {}", notices.who(a.acknowledged_by))
            if a.acknowledged_at is not None
            else f"open since {format_date(a.opened_at.date())}",
        )
        for a in alerts
    ]


def alert_blocks(alerts: Sequence[AlertView], *, max_blocks: int, budget: int) -> list[Block]:
    """The most recent ``HOME_ALERTS`` open alerts (pass one more to have the header say there are more)."""
    if not alerts:
        return [kit.header("Open alerts"), kit.section("No open alerts.")]
    count = f"{HOME_ALERTS}+" if len(alerts) > HOME_ALERTS else str(len(alerts))
    lines = alert_lines(alerts[:HOME_ALERTS])
    return [kit.header(f"Open alerts ({count})"), *kit.text_sections(lines, max_blocks=max_blocks - 1, budget=budget)]


def staff_home(due: Sequence[DueRenewal], alerts: Sequence[AlertView] = ()) -> Block:
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
    # The alerts keep their own share of blocks and text, however many renewals there are.
    tail = alert_blocks(alerts, max_blocks=ALERT_BLOCKS, budget=ALERT_BUDGET)
    if lines:
        body += kit.text_sections(
            lines, max_blocks=kit.MAX_VIEW_BLOCKS - len(body) - len(tail), budget=kit.VIEW_TEXT_BUDGET - _text(tail)
        )
    else:
        body.append(kit.section("Nothing renews in the next 45 days."))
    return _home(body + tail)


def reseller_home(accounts: Sequence[AccountView], alerts: Sequence[AlertView] = ()) -> Block:
    """Never an amount: alerts that carry money are not theirs (no reseller), and are dropped here as well."""
    alerts = [a for a in alerts if a.kind not in notices.MONEY_KINDS]
    body: list[Block] = [
        kit.header("joanbot"),
        kit.section("Your customers' accounts. Redeem a code, or see renewals from your channel's panel."),
        kit.actions(kit.button("Redeem a code", ids.ACTION_HOME_REDEEM, style="primary")),
        kit.header(f"Your accounts ({len(accounts)})"),
    ]
    tail = alert_blocks(alerts, max_blocks=ALERT_BLOCKS, budget=ALERT_BUDGET) if alerts else []
    if accounts:
        body += kit.text_sections(
            blocks.account_lines(accounts, show_reseller=False),
            max_blocks=kit.MAX_VIEW_BLOCKS - len(body) - len(tail),
            budget=kit.VIEW_TEXT_BUDGET - _text(tail),
        )
    else:
        body.append(kit.section("No accounts yet."))
    return _home(body + tail)


def nobody_home() -> Block:
    return _home([kit.header("joanbot"), kit.section(errors.REFUSAL)])
