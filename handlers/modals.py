"""Pure builders of the modals: issue codes, redeem a code (and its confirm step), breakdowns, notes."""

from __future__ import annotations

from collections.abc import Sequence

from billing import (
    AccountView,
    Breakdown,
    IssuedBatch,
    Receipt,
    RedemptionPlan,
    RenewalDraft,
    SolutionView,
    describe_term,
    format_date,
    license_phrase,
)
from handlers import blocks, ids, kit
from handlers.kit import Block, escape
from handlers.redeem_request import RedeemRequest, renewal_value

TERMS = (1, 3, 6, 12, 24, 36, 48, 60, 120)
MAX_RADIO = 10


def _input(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": kit.plain(label, kit.MAX_LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = kit.plain(hint, kit.MAX_LABEL)
    if dispatch:
        block["dispatch_action"] = True
    return block


def account_option(account: AccountView) -> Block:
    return kit.option(f"{account.name} ({account.slug})", account.slug)


def _external(action_id: str, placeholder: str, initial: Block | None = None) -> Block:
    element: Block = {
        "type": "external_select",
        "action_id": action_id,
        "min_query_length": 0,
        "placeholder": kit.plain(placeholder, 150),
    }
    if initial is not None:
        element["initial_option"] = initial
    return element


def plan_options(solutions: Sequence[SolutionView]) -> list[Block]:
    """One option group per solution, one option per level (at most 100 of each)."""
    groups = []
    room = kit.MAX_OPTIONS  # in all: a catalog is a handful of solutions, but never overflow the menu
    for solution in solutions:
        options = [
            kit.option(f"{solution.name} {level.name}", f"{solution.slug}:{level.slug}", f"per {solution.license_kind}")
            for level in solution.levels[:room]
        ]
        if options:
            groups.append({"label": kit.plain(solution.name, kit.MAX_OPTION_TEXT), "options": options})
            room -= len(options)
        if room <= 0:
            break
    return groups


def _find_option(groups: Sequence[Block], value: str) -> Block | None:
    return next((o for g in groups for o in g["options"] if o["value"] == value), None)


def issue_modal(
    solutions: Sequence[SolutionView], *, channel: str | None = None, renewal: RenewalDraft | None = None
) -> Block:
    """The issue form; with ``renewal``, pre-filled for a code that renews that cohort (same plan, units
    and account, its own term when the form offers it, else a year)."""
    body = _what_fields(solutions, renewal) + _for_whom_fields(renewal)
    if renewal is not None:
        body.insert(
            0,
            kit.context(
                f"Renewing `{escape(renewal.account_slug)}`: "
                f"{license_phrase(renewal.units, escape(renewal.solution_name), escape(renewal.level_name))} "
                f"due {format_date(renewal.renews_on)}. "
                "Redeeming the code into the account offers to renew them."
            ),
        )
    return kit.modal(
        "Issue codes", body, callback_id=ids.VIEW_ISSUE, submit="Issue", close="Cancel", metadata={"channel": channel}
    )


def _what_fields(solutions: Sequence[SolutionView], renewal: RenewalDraft | None) -> list[Block]:
    """Plan, units, term and count; the renewed cohort's plan, units and term when there is one."""
    terms = [kit.option(describe_term(m), str(m)) for m in TERMS]
    groups = plan_options(solutions)
    plan: Block = {
        "type": "static_select",
        "action_id": ids.ACTION_PLAN_SELECT,
        "placeholder": kit.plain("Choose", 150),
        "option_groups": groups,
    }
    units: Block = {
        "type": "number_input",
        "action_id": ids.ACTION_UNITS_INPUT,
        "is_decimal_allowed": False,
        "min_value": "1",
    }
    term = terms[TERMS.index(12)]
    if renewal is not None:
        chosen = _find_option(groups, f"{renewal.solution}:{renewal.level}")
        if chosen is not None:
            plan["initial_option"] = chosen
        units["initial_value"] = str(renewal.units)
        if renewal.term_months in TERMS:
            term = terms[TERMS.index(renewal.term_months)]
    count: Block = {
        "type": "number_input",
        "action_id": ids.ACTION_COUNT_INPUT,
        "is_decimal_allowed": False,
        "min_value": "1",
        "initial_value": "1",
    }
    return [
        _input(ids.BLOCK_PLAN, "Solution and plan level", plan),
        _input(ids.BLOCK_UNITS, "Licenses per code", units),
        _input(
            ids.BLOCK_TERM,
            "Term",
            {"type": "static_select", "action_id": ids.ACTION_TERM_SELECT, "options": terms, "initial_option": term},
        ),
        _input(ids.BLOCK_COUNT, "How many codes", count, hint="More than 10 arrive as a file in your DMs."),
    ]


def _for_whom_fields(renewal: RenewalDraft | None) -> list[Block]:
    """Reseller, account, redeem-by date and reference; the renewed cohort's account when there is one."""
    reseller = account = None
    if renewal is not None:
        account = kit.option(f"{renewal.account_name} ({renewal.account_slug})", renewal.account_slug)
        if renewal.reseller_slug:
            reseller = kit.option(f"{renewal.reseller_name} ({renewal.reseller_slug})", renewal.reseller_slug)
    return [
        _input(
            ids.BLOCK_RESELLER,
            "Only for this reseller's customers",
            _external(ids.ACTION_RESELLER_SELECT, "Type to search resellers", reseller),
            optional=True,
        ),
        _input(
            ids.BLOCK_ACCOUNT,
            "Only for this account",
            _external(ids.ACTION_ACCOUNT_SELECT, "Type to search accounts", account),
            optional=True,
        ),
        _input(
            ids.BLOCK_REDEEM_BY, "Redeem by", {"type": "datepicker", "action_id": ids.ACTION_REDEEM_BY}, optional=True
        ),
        _input(
            ids.BLOCK_REFERENCE,
            "Reference (e.g. pro-forma invoice number)",
            {"type": "plain_text_input", "action_id": ids.ACTION_REFERENCE_INPUT, "max_length": 200},
            optional=True,
        ),
    ]


def redeem_modal(*, account: AccountView | None = None, channel: str | None = None) -> Block:
    body = [
        _input(
            ids.BLOCK_CODE,
            "Code",
            {
                "type": "plain_text_input",
                "action_id": ids.ACTION_CODE_INPUT,
                "max_length": 100,
                "placeholder": kit.plain("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX", 150),
            },
        ),
        _input(
            ids.BLOCK_ACCOUNT,
            "Account",
            _external(
                ids.ACTION_ACCOUNT_SELECT, "Type to search your accounts", account_option(account) if account else None
            ),
        ),
        kit.context("Next you see what the code will do; nothing changes until you confirm."),
    ]
    return kit.modal(
        "Redeem a code",
        body,
        callback_id=ids.VIEW_REDEEM,
        submit="Preview",
        close="Cancel",
        metadata={"channel": channel},
    )


def confirm_modal(plan: RedemptionPlan, request: RedeemRequest) -> Block:
    """The confirm step: the preview, and the renewal choice when the account has licenses it could renew."""
    body: list[Block] = [
        kit.section(f"*Code {escape(plan.code.display)} into {escape(plan.account.name)}*"),
        kit.section("\n".join(blocks.plan_lines(plan))),
    ]
    # Radio buttons take at most 10 options: new licenses, the chosen renewal, then the soonest others.
    others = sorted(plan.renewal_candidates, key=lambda c: (c.ends_on, c.id))
    candidates = ([plan.renews] if plan.renews else []) + others[: MAX_RADIO - 1 - (1 if plan.renews else 0)]
    if candidates:
        options = [kit.option("New licenses", renewal_value(None), "start today")] + [
            kit.option(f"Renew {c.units} renewing {format_date(c.ends_on)}", renewal_value(c.id), f"block {c.id}")
            for c in sorted(candidates, key=lambda c: (c.ends_on, c.id))
        ]
        element: Block = {"type": "radio_buttons", "action_id": ids.ACTION_RENEWAL_CHOICE, "options": options}
        if request.chosen:  # only what the person chose is selected: never a default (Confirm needs a choice)
            chosen = renewal_value(plan.renews.id if plan.renews is not None else None)
            element["initial_option"] = next(o for o in options if o["value"] == chosen)
        body.append(_input(ids.BLOCK_RENEWAL, "New licenses or a renewal?", element, dispatch=True))
    body.append(kit.context("Nothing changes until you confirm."))
    return kit.modal(
        "Redeem a code",
        body,
        callback_id=ids.VIEW_REDEEM_CONFIRM,
        submit="Confirm",
        close="Cancel",
        metadata=request.encode(),
    )


def info_modal(title: str, body: list[Block]) -> Block:
    return kit.modal(title, body, callback_id=ids.VIEW_INFO, close="Done")


def note_modal(title: str, text: str) -> Block:
    return info_modal(title, [kit.section(escape(text))])


def receipt_modal(receipt: Receipt) -> Block:
    return info_modal("Code redeemed", [kit.section("\n".join(blocks.receipt_lines(receipt)))])


def breakdown_picker_modal(*, account: AccountView | None = None) -> Block:
    body = [
        _input(
            ids.BLOCK_ACCOUNT,
            "Account",
            _external(
                ids.ACTION_ACCOUNT_SELECT, "Type to search your accounts", account_option(account) if account else None
            ),
        )
    ]
    return kit.modal("Renewal breakdown", body, callback_id=ids.VIEW_BREAKDOWN, submit="Show", close="Cancel")


def breakdown_modal(breakdown: Breakdown) -> Block:
    body = blocks.breakdown_blocks(breakdown, max_blocks=kit.MAX_VIEW_BLOCKS, budget=kit.VIEW_TEXT_BUDGET)
    return info_modal("Renewal breakdown", body)


def accounts_modal(accounts: Sequence[AccountView]) -> Block:
    body: list[Block] = [kit.section(f"*{len(accounts)} account{'s' if len(accounts) != 1 else ''}*")]
    body += kit.text_sections(
        blocks.account_lines(accounts, show_reseller=False),
        max_blocks=kit.MAX_VIEW_BLOCKS - 1,
        budget=kit.VIEW_TEXT_BUDGET,
    )
    return info_modal("Our accounts", body)


def issued_modal(batch: IssuedBatch) -> Block:
    return info_modal("Codes issued", blocks.issued_message(batch)["blocks"])
