"""``/joan``: ack at once, then parse the text, call one billing use case, answer only the person who typed.

Answers go through the command's ``response_url`` as ephemeral messages (never ``in_channel``), so an
account's data never lands where a reseller could read it. Strangers are refused by ``listen``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from billing import Actor, Billing, BillingError, Money, code_prefix
from handlers import (
    api_key_commands,
    blocks,
    errors,
    ids,
    kit,
    license_commands,
    listen,
    modals,
    money_blocks,
    parsing,
    plan_change,
)
from handlers.outbound import direct
from handlers.parsing import Parsed, Usage

Reply = dict[str, Any] | None


@dataclass(frozen=True)
class Request:
    """One typed ``/joan`` request, as every route receives it."""

    billing: Billing
    actor: Actor
    body: dict[str, Any]
    client: WebClient
    now: datetime
    ref: str


def on_command(
    body: dict[str, Any],
    respond: Any,
    client: WebClient,
    actor: Actor,
    billing: Billing,
    now: datetime,
    request_ref: str,
) -> None:
    parsed = parsing.split(str(body.get("text") or ""))
    request = Request(billing, actor, body, client, now, request_ref)
    route = ROUTES.get(parsed.name)
    try:
        if route is None:
            raise Usage("help", f"there is no subcommand {parsed.name!r}")
        reply = route(request, parsed)
    except Usage as error:
        reply = blocks.usage_message(error)
    except BillingError as error:
        reply = blocks.notice(errors.message(error, actor))
    if reply is not None:
        respond(**reply, response_type="ephemeral")


def _help(request: Request, parsed: Parsed) -> Reply:
    return blocks.help_message(request.actor)


def _group(name: str) -> Callable[[Request, Parsed], Reply]:
    def usage(request: Request, parsed: Parsed) -> Reply:
        choices = [k.split()[1] for k in parsing.USAGE if k.startswith(parsed.name + " ")]
        raise Usage(name, f"say what to do: {', '.join(choices)}")

    return usage


def _code_issue(request: Request, parsed: Parsed) -> Reply:
    request.actor.require_staff("issue codes")
    if not parsed.words and not parsed.options:
        _open(request, modals.issue_modal(request.billing.catalog.solutions(), channel=request.body.get("channel_id")))
        return None
    given = parsing.issue_input(parsed)
    batch = request.billing.issuing.issue_subscription_codes(
        solution=given.solution,
        level=given.level,
        units=given.units,
        term_months=given.term_months,
        count=given.count,
        reseller=given.reseller,
        account=given.account,
        redeem_by=given.redeem_by,
        reference=given.reference,
        license_kind=given.kind,
        actor=request.actor,
        now=request.now,
        request_ref=request.ref,
    )
    direct.send_codes_file(request.client, request.body["user_id"], batch)
    return blocks.issued_message(batch)


def _code_credit(request: Request, parsed: Parsed) -> Reply:
    request.actor.require_staff("issue codes")
    given = parsing.credit_input(parsed)
    batch = request.billing.issuing.issue_credit_codes(
        amount=Money.parse(given.amount, given.currency),
        source=given.source,
        count=given.count,
        reseller=given.reseller,
        account=given.account,
        redeem_by=given.redeem_by,
        actor=request.actor,
        now=request.now,
        request_ref=request.ref,
    )
    direct.send_codes_file(request.client, request.body["user_id"], batch)
    return blocks.issued_message(batch)


def _code_show(request: Request, parsed: Parsed) -> Reply:
    code = parsing.one_word(parsed, "code")
    return blocks.code_message(request.billing.codes.show(code=code, actor=request.actor, now=request.now))


def _code_void(request: Request, parsed: Parsed) -> Reply:
    code = parsing.one_word(parsed, "code")
    voided = request.billing.codes.void(code=code, actor=request.actor, now=request.now, request_ref=request.ref)
    return blocks.code_message(voided, title="Voided code")


def _redeem(request: Request, parsed: Parsed) -> Reply:
    if not parsed.words and not parsed.options:
        _open(request, modals.redeem_modal(channel=request.body.get("channel_id")))
        return None
    given = parsing.redeem_input(parsed)
    plan = request.billing.redemptions.preview(
        code=given.code, account=given.account, renews=given.renews, actor=request.actor, now=request.now
    )
    return blocks.preview_message(plan, given)


def _renewals(request: Request, parsed: Parsed) -> Reply:
    account = parsing.one_word(parsed, "account")
    return blocks.breakdown_message(
        request.billing.licenses.breakdown(account=account, actor=request.actor, now=request.now)
    )


def _account(request: Request, parsed: Parsed) -> Reply:
    slug = parsing.one_word(parsed, "account")
    account = request.billing.accounts.get_account(slug=slug, actor=request.actor)
    breakdown = request.billing.licenses.breakdown(account=slug, actor=request.actor, now=request.now)
    return blocks.account_message(account, breakdown, request.actor)


def _accounts(request: Request, parsed: Parsed) -> Reply:
    parsing.only(parsed, set())
    if len(parsed.words) > 1:
        raise Usage(parsed.name, "give at most one reseller")
    # A reseller member always sees their own accounts: naming another reseller must reveal nothing.
    reseller = parsed.words[0] if parsed.words else None
    accounts = request.billing.accounts.list_accounts(actor=request.actor, reseller=reseller)
    return blocks.accounts_message(accounts, request.actor, reseller)


def _account_new(request: Request, parsed: Parsed) -> Reply:
    given = parsing.account_input(parsed)
    created = request.billing.accounts.create_account(
        slug=given.slug,
        name=given.name,
        reseller=given.reseller,
        payment_method=given.pays,
        currency=given.currency,
        time_zone=given.tz,
        actor=request.actor,
        now=request.now,
        request_ref=request.ref,
    )
    owner = f", a customer of {created.reseller_name}" if created.reseller_name else ""
    return blocks.notice(f"Created account {created.name} ({created.slug}){owner}, paying by {created.payment_method}.")


def _account_set(request: Request, parsed: Parsed) -> Reply:
    slug, emails = parsing.contacts_input(parsed, "account")
    account = request.billing.contacts.set_account_emails(
        slug=slug, emails=emails, actor=request.actor, now=request.now, request_ref=request.ref
    )
    return blocks.contacts_notice(account.name, account.contact_emails)


def _reseller_set(request: Request, parsed: Parsed) -> Reply:
    slug, emails = parsing.contacts_input(parsed, "reseller")
    reseller = request.billing.contacts.set_reseller_emails(
        slug=slug, emails=emails, actor=request.actor, now=request.now, request_ref=request.ref
    )
    return blocks.contacts_notice(reseller.name, reseller.contact_emails)


def _reseller_new(request: Request, parsed: Parsed) -> Reply:
    given = parsing.reseller_input(parsed)
    created = request.billing.resellers.create_reseller(
        slug=given.slug,
        name=given.name,
        slack_team_id=given.team,
        actor=request.actor,
        now=request.now,
        request_ref=request.ref,
    )
    team = f" (Slack team {created.slack_team_id})" if created.slack_team_id else ""
    return blocks.notice(f"Created reseller {created.name} ({created.slug}){team}.")


def _reseller_link(request: Request, parsed: Parsed) -> Reply:
    slug = parsing.one_word(parsed, "reseller")
    channel = str(request.body.get("channel_id") or "")
    previous = request.billing.identity.panel_message(channel_id=channel)
    reseller = request.billing.resellers.link_channel(
        reseller=slug, channel_id=channel, actor=request.actor, now=request.now, request_ref=request.ref
    )
    posted = direct.post_panel(request.client, channel, reseller, existing_ts=previous)
    if posted is None:
        return blocks.notice(
            f"Linked this channel to {reseller.name}, but I could not post the panel here: "
            "invite me to the channel and run the command again."
        )
    request.billing.identity.set_panel_message(
        channel_id=channel, message_ref=posted, actor=request.actor, now=request.now
    )
    return blocks.notice(f"Linked this channel to {reseller.name} and posted the panel.")


def _staff(request: Request, parsed: Parsed) -> Reply:
    given = parsing.staff_input(parsed)
    staff = request.billing.staff
    if given.role is not None:
        staff.add_staff(
            slack_user_id=given.user_id, role=given.role, actor=request.actor, now=request.now, request_ref=request.ref
        )
        return blocks.notice(kit.md("{} is now {}.", kit.mention(given.user_id), given.role))
    staff.remove_staff(slack_user_id=given.user_id, actor=request.actor, now=request.now, request_ref=request.ref)
    return blocks.notice(kit.md("{} no longer has a staff role.", kit.mention(given.user_id)))


def _audit(request: Request, parsed: Parsed) -> Reply:
    request.actor.require_admin("read the audit log")
    if len(parsed.words) > 1 or parsed.options:
        raise Usage(parsed.name, "give at most one account or code")
    audit = request.billing.audit
    if not parsed.words:
        return blocks.audit_message(audit.entries(actor=request.actor), None)
    target = parsed.words[0]
    prefix = code_prefix(target)
    if prefix is None:
        account = request.billing.accounts.get_account(slug=target, actor=request.actor)
        return blocks.audit_message(audit.entries(actor=request.actor, account_id=account.id), account.slug)
    return blocks.audit_message(audit.entries(actor=request.actor, subject=("code", prefix)), f"code {prefix}…")


def _credits(request: Request, parsed: Parsed) -> Reply:
    account = parsing.one_word(parsed, "account")
    overview = request.billing.credits.overview(account=account, actor=request.actor, now=request.now)
    return money_blocks.credits_message(overview)


def _invoices(request: Request, parsed: Parsed) -> Reply:
    account = parsing.one_word(parsed, "account")
    return money_blocks.invoices_message(account, request.billing.invoices.list(account=account, actor=request.actor))


def _licenses_change(request: Request, parsed: Parsed) -> Reply:
    return plan_change.command(request.billing, request.actor, request.now, request.ref, parsed)


def _licenses(request: Request, parsed: Parsed) -> Reply:
    return license_commands.licenses_command(request.billing, request.actor, request.now, parsed)


def _payment(request: Request, parsed: Parsed) -> Reply:
    return license_commands.payment_command(request.billing, request.actor, request.now, parsed)


def _open(request: Request, view: dict[str, Any]) -> None:
    request.client.views_open(trigger_id=request.body["trigger_id"], view=view)


ROUTES: dict[str, Callable[[Request, Parsed], Reply]] = {
    "help": _help,
    "code": _group("code issue"),
    "code issue": _code_issue,
    "code credit": _code_credit,
    "code show": _code_show,
    "code void": _code_void,
    "redeem": _redeem,
    "renewals": _renewals,
    "account": _account,
    "accounts": _accounts,
    "account new": _account_new,
    "account set": _account_set,
    "reseller": _group("reseller new"),
    "reseller new": _reseller_new,
    "reseller link": _reseller_link,
    "reseller set": _reseller_set,
    "staff": _group("staff add"),
    "staff add": _staff,
    "staff remove": _staff,
    "audit": _audit,
    "credits": _credits,
    "invoices": _invoices,
    "licenses": _group("licenses change"),
    "licenses change": _licenses_change,
    **{f"licenses {action}": _licenses for action in license_commands.ACTIONS},
    "payment": _group("payment record"),
    "payment record": _payment,
    "api-key": _group("api-key create"),
    "api-key create": api_key_commands.create,
    "api-key list": api_key_commands.list_keys,
    "api-key revoke": api_key_commands.revoke,
}


def register(app: App) -> None:
    app.command(ids.COMMAND)(listen.command(on_command))
