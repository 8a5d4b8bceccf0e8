"""``joanbot codes``: pre-paid codes: issue (to the screen or a private CSV file), look up, void."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import click

from billing import CodeView, IssuedBatch, IssuedCode, Money, format_date, parse_whole, plural, term_months
from bot.cli import codesfile
from bot.cli.common import Context, F, date_option, handled, pass_context, yes_option

STDOUT = "-"  # --csv -: the CSV on standard output, as Unix tools do


@click.group()
def codes() -> None:
    """Pre-paid codes: issue, look up, void."""


def _write_codes(
    ctx: Context,
    batch_file: Path | None,
    issue: Callable[[Callable[[Sequence[IssuedCode]], None] | None, str | None], IssuedBatch],
    count: int,
) -> tuple[IssuedBatch, Path | None]:
    """Issue codes, writing them to a CSV file as they are made; the file appears only if all were stored.
    ``-`` is standard output: the codes are written there once stored (nothing can be taken back from it)."""
    if batch_file is None:
        return issue(None, None), None
    if str(batch_file) == STDOUT:
        batch = issue(None, None)
        codesfile.write_rows(sys.stdout, batch.codes)
        return batch, batch_file
    target = codesfile.check_target(batch_file)
    for line in codesfile.tidy(
        target.parent, lambda batch: len(ctx.billing.codes.batch(batch=batch, actor=ctx.actor, now=ctx.now()))
    ):
        click.echo(line, err=True)
    batch_id = uuid.uuid4().hex
    with codesfile.codes_file(target, batch_id, count) as file:
        batch = issue(file.on_chunk, batch_id)
    return batch, file.path


def _echo_batch(batch: IssuedBatch, csv_file: Path | None) -> None:
    template = batch.template
    to_stdout = csv_file is not None and str(csv_file) == STDOUT  # then stdout is the CSV alone: say the rest aside
    click.echo(f"Issued {plural(len(batch.codes), 'code')}: {template.summary()} (batch {batch.batch})", err=to_stdout)
    if template.redeem_by:
        click.echo(f"Redeem by {format_date(template.redeem_by)}", err=to_stdout)
    if to_stdout:
        click.echo("The codes went to standard output. They are shown only this once.", err=True)
        return
    if csv_file is not None:
        click.echo(f"The codes are in {csv_file} (readable by you only). They are shown only this once.")
        return
    click.echo("Shown only this once:")
    for code in batch.codes:
        click.echo(f"  {code.code}")


_target_options = [
    click.option("--count", default="1", show_default=True, help="How many codes."),
    click.option("--reseller", help="Meant for this reseller's customers only."),
    click.option("--account", help="Meant for this account only."),
    click.option("--redeem-by", callback=date_option, help="Last day to redeem (2024-03-22 or 22.3.2024)."),
    click.option("--ref", "reference", help="Free reference, e.g. the pro-forma invoice number."),
    click.option(
        "--csv",
        "csv_file",
        type=click.Path(path_type=Path),
        help="Write the codes to this CSV file instead of the screen (for many codes); - for standard output.",
    ),
]


def target_options(command: F) -> F:
    for option in reversed(_target_options):
        command = option(command)
    return command


@codes.command("issue", context_settings={"ignore_unknown_options": True})  # "-3" is a (bad) number
@click.argument("solution")
@click.argument("level")
@click.argument("units")
@click.option("--kind", type=click.Choice(["device", "user"]), help="License kind (checked against the solution).")
@click.option("--years", help="Term in years (default 1).")
@click.option("--months", help="Term in months.")
@target_options
@pass_context
@handled
def codes_issue(
    ctx: Context,
    solution: str,
    level: str,
    units: str,
    kind: str | None,
    years: str | None,
    months: str | None,
    count: str,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue subscription codes: UNITS licenses of SOLUTION at LEVEL for a term."""
    years_n = parse_whole(years, "years") if years is not None else None
    months_n = parse_whole(months, "months") if months is not None else None
    term = term_months(years=years_n, months=months_n) if years is not None or months is not None else 12
    how_many = parse_whole(count, "count")
    now = ctx.now()
    batch, written = _write_codes(
        ctx,
        csv_file,
        lambda on_chunk, batch_id: ctx.billing.issuing.issue_subscription_codes(
            solution=solution,
            level=level,
            units=parse_whole(units, "units"),
            term_months=term,
            license_kind=kind,
            count=how_many,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
            batch=batch_id,
        ),
        how_many,
    )
    _echo_batch(batch, written)


@codes.command("credit", context_settings={"ignore_unknown_options": True})
@click.argument("amount")
@click.argument("currency")
@click.option("--promo", is_flag=True, help="Free promo credit (default: topped-up, paid offline).")
@target_options
@pass_context
@handled
def codes_credit(
    ctx: Context,
    amount: str,
    currency: str,
    promo: bool,
    count: str,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue credit codes worth AMOUNT in CURRENCY."""
    money = Money.parse(amount, currency)
    how_many = parse_whole(count, "count")
    now = ctx.now()
    batch, written = _write_codes(
        ctx,
        csv_file,
        lambda on_chunk, batch_id: ctx.billing.issuing.issue_credit_codes(
            amount=money,
            source="promo" if promo else "topped_up",
            count=how_many,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
            batch=batch_id,
        ),
        how_many,
    )
    _echo_batch(batch, written)


@codes.command("show")
@click.argument("code")
@pass_context
@handled
def codes_show(ctx: Context, code: str) -> None:
    """Look a code up: status, who issued and who redeemed it, into which account."""
    click.echo(code_text(ctx.billing.codes.show(code=code, actor=ctx.actor, now=ctx.now())))


@codes.command("void")
@click.argument("code")
@yes_option
@pass_context
@handled
def codes_void(ctx: Context, code: str, yes: bool) -> None:
    """Void an unredeemed code (shows it and asks first; -y skips the question). It cannot be undone."""
    now = ctx.now()
    view = ctx.billing.codes.show(code=code, actor=ctx.actor, now=now)
    click.echo(code_text(view))
    if not yes and not click.confirm("Void it? This cannot be undone", default=False):
        raise click.ClickException("nothing voided")
    voided = ctx.billing.codes.void(code=code, actor=ctx.actor, now=now)
    click.echo(f"Voided {voided.display} ({voided.summary()}).")


def code_text(code: CodeView) -> str:
    rows = [
        ("Code", code.display),
        ("Status", code.status),  # issued, redeemed, voided or expired
        ("What", code.summary()),
        ("Reseller", code.reseller or "-"),
        ("Meant for account", code.account or "-"),
        ("Redeem by", format_date(code.redeem_by) if code.redeem_by else "-"),
        ("Reference", code.reference or "-"),
        ("Issued", f"{_when(code.issued_at)} by {code.issued_by}"),
    ]
    if code.voided_at:
        rows.append(("Voided", f"{_when(code.voided_at)} by {code.voided_by}"))
    if code.redeemed_at:
        rows.append(("Redeemed", f"{_when(code.redeemed_at)} by {code.redeemed_by} into {code.redeemed_into}"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def _when(at: datetime) -> str:
    return f"{format_date(at.date())} {at:%H:%M} UTC"
