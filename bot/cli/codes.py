"""``joanbot codes``: pre-paid codes: issue (to the screen or a private CSV file), look up, void."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import click

from billing.codes import CodeView
from billing.issuing import IssuedBatch, IssuedCode
from billing.money import Money
from billing.periods import format_date, term_months
from bot.cli.common import Context, F, date_option, handled, pass_context


@click.group()
def codes() -> None:
    """Pre-paid codes: issue, look up, void."""


def _write_codes(
    batch_file: Path | None,
    issue: Callable[[Callable[[Sequence[IssuedCode]], None] | None], IssuedBatch],
    count: int,
) -> IssuedBatch:
    """Issue codes, writing them to a CSV file as they are made; the file appears only if all were issued."""
    if batch_file is None:
        return issue(None)
    batch_file = batch_file.resolve()
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (renamed into place below)
        "w", newline="", dir=batch_file.parent, prefix=".codes-", suffix=".csv", delete=False
    )
    os.chmod(handle.name, 0o600)
    try:
        writer = csv.writer(handle)
        writer.writerow(["code", "prefix"])
        with click.progressbar(length=count, label="issuing codes", file=sys.stderr) as bar:

            def on_chunk(chunk: Sequence[IssuedCode]) -> None:
                writer.writerows([(c.code, c.prefix) for c in chunk])
                bar.update(len(chunk))

            batch = issue(on_chunk)
        handle.close()
        os.replace(handle.name, batch_file)
        return batch
    except BaseException:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)
        raise


def _echo_batch(batch: IssuedBatch, csv_file: Path | None) -> None:
    template = batch.template
    click.echo(f"Issued {len(batch.codes)} code(s): {template.summary()} (batch {batch.batch})")
    if template.redeem_by:
        click.echo(f"Redeem by {format_date(template.redeem_by)}")
    if csv_file is not None:
        click.echo(f"The codes are in {csv_file} (readable by you only). They are shown only this once.")
        return
    click.echo("Shown only this once:")
    for code in batch.codes:
        click.echo(f"  {code.code}")


_target_options = [
    click.option("--count", default=1, show_default=True, type=int, help="How many codes."),
    click.option("--reseller", help="Meant for this reseller's customers only."),
    click.option("--account", help="Meant for this account only."),
    click.option("--redeem-by", callback=date_option, help="Last day to redeem (2024-03-22 or 22.3.2024)."),
    click.option("--ref", "reference", help="Free reference, e.g. the pro-forma invoice number."),
    click.option(
        "--csv",
        "csv_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the codes to this CSV file instead of the screen (for many codes).",
    ),
]


def target_options(command: F) -> F:
    for option in reversed(_target_options):
        command = option(command)
    return command


@codes.command("issue", context_settings={"ignore_unknown_options": True})  # "-3" is a (bad) number
@click.argument("solution")
@click.argument("level")
@click.argument("units", type=int)
@click.option("--kind", type=click.Choice(["device", "user"]), help="License kind (checked against the solution).")
@click.option("--years", type=int, help="Term in years (default 1).")
@click.option("--months", type=int, help="Term in months.")
@target_options
@pass_context
@handled
def codes_issue(
    ctx: Context,
    solution: str,
    level: str,
    units: int,
    kind: str | None,
    years: int | None,
    months: int | None,
    count: int,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue subscription codes: UNITS licenses of SOLUTION at LEVEL for a term."""
    term = term_months(years=years, months=months) if years is not None or months is not None else 12
    now = ctx.now()
    batch = _write_codes(
        csv_file,
        lambda on_chunk: ctx.billing.issuing.issue_subscription_codes(
            solution=solution,
            level=level,
            units=units,
            term_months=term,
            license_kind=kind,
            count=count,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
        ),
        count,
    )
    _echo_batch(batch, csv_file)


@codes.command("credit")
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
    count: int,
    reseller: str | None,
    account: str | None,
    redeem_by: date | None,
    reference: str | None,
    csv_file: Path | None,
) -> None:
    """Issue credit codes worth AMOUNT in CURRENCY."""
    money = Money.parse(amount, currency)
    now = ctx.now()
    batch = _write_codes(
        csv_file,
        lambda on_chunk: ctx.billing.issuing.issue_credit_codes(
            amount=money,
            source="promo" if promo else "topped_up",
            count=count,
            reseller=reseller,
            account=account,
            redeem_by=redeem_by,
            reference=reference,
            actor=ctx.actor,
            now=now,
            on_chunk=on_chunk,
        ),
        count,
    )
    _echo_batch(batch, csv_file)


@codes.command("show")
@click.argument("code")
@pass_context
@handled
def codes_show(ctx: Context, code: str) -> None:
    """Look a code up: status, who issued and who redeemed it, into which account."""
    click.echo(code_text(ctx.billing.codes.show(code=code, actor=ctx.actor, now=ctx.now())))


@codes.command("void")
@click.argument("code")
@pass_context
@handled
def codes_void(ctx: Context, code: str) -> None:
    """Void an unredeemed code."""
    view = ctx.billing.codes.void(code=code, actor=ctx.actor, now=ctx.now())
    click.echo(f"voided {view.display} ({view.summary()})")


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
