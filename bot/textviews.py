"""Plain-text renderings of billing results, for the ops CLI and the demo's transcript."""

from __future__ import annotations

from billing.codes import CodeView
from billing.licensing import Breakdown
from billing.periods import format_date
from billing.redemption_plan import RedemptionPlan


def breakdown_text(breakdown: Breakdown) -> str:
    account = breakdown.account
    lines = [f"Renewal breakdown for {account.name} ({account.slug}), as of {format_date(breakdown.today)}"]
    if not breakdown.solutions:
        lines.append("  No active licenses.")
    for solution in breakdown.solutions:
        lines.append(
            f"  {solution.solution_name} {solution.level_name} ({solution.license_kind} licenses): "
            f"{solution.total} available, {solution.in_use} in use"
        )
        if solution.over_capacity:
            lines.append(f"    OVER CAPACITY by {solution.over_capacity}")
        for line in solution.lines:
            note = " (renewed)" if line.renewed else " (renews automatically)" if line.auto_renew else ""
            lines.append(f"    {line.units:>6} renewing {format_date(line.renews_on)}{note}")
        for upcoming in solution.upcoming:
            lines.append(
                f"    {upcoming.units:>6} starting {format_date(upcoming.starts_on)}, "
                f"renewing {format_date(upcoming.renews_on)}"
            )
    return "\n".join(lines)


def code_text(code: CodeView) -> str:
    rows = [
        ("Code", code.display),
        ("Status", code.status),
        ("What", code.summary()),
        ("Reseller", code.reseller or "-"),
        ("Meant for account", code.account or "-"),
        ("Redeem by", format_date(code.redeem_by) if code.redeem_by else "-"),
        ("Reference", code.reference or "-"),
        ("Issued", f"{code.issued_at:%Y-%m-%d %H:%M} UTC by {code.issued_by}"),
    ]
    if code.voided_at:
        rows.append(("Voided", f"{code.voided_at:%Y-%m-%d %H:%M} UTC by {code.voided_by}"))
    if code.redeemed_at:
        rows.append(
            ("Redeemed", f"{code.redeemed_at:%Y-%m-%d %H:%M} UTC by {code.redeemed_by} into {code.redeemed_into}")
        )
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def plan_text(plan: RedemptionPlan) -> str:
    lines = [plan.describe()]
    for candidate in plan.renewal_candidates:
        lines.append(
            f"  It could instead renew block {candidate.id}: {candidate.units} licenses renewing "
            f"{format_date(candidate.ends_on)} (use --renews {candidate.id})."
        )
    return "\n".join(lines)
