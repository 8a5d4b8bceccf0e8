"""``joanbot import DIR [--apply]`` and ``joanbot export DIR``: the vendor's existing book as three CSV files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from billing import BOOK_FILES as FILES
from billing import BookReport
from bot.cli.common import Context, handled, pass_context

directory_argument = click.argument("directory", type=click.Path(path_type=Path))


def _read(directory: Path) -> dict[str, bytes | None]:
    if not directory.is_dir():
        raise click.ClickException(f"there is no directory {directory}; give the one holding {', '.join(FILES)}")
    return {name: (directory / name).read_bytes() if (directory / name).is_file() else None for name in FILES}


def _print(report: BookReport, applied: bool) -> None:
    for name, counts in report.counts.items():
        click.echo(
            f"{name:<14} {counts.new:>7} new {counts.unchanged:>7} unchanged "
            f"{counts.conflicting:>7} conflicting {counts.invalid:>7} invalid"
        )
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems:
        raise click.ClickException(
            f"{len(report.problems)} problem(s) in the book; nothing was written (fix them, then run again)"
        )
    new = sum(c.new for c in report.counts.values())
    if applied:
        click.echo(f"Imported {new} new row(s) in one transaction.")
    else:
        click.echo(f"No problems: {new} new row(s) would be written. Run again with --apply to write them.")


@click.command("import")
@directory_argument
@click.option("--apply", "apply_", is_flag=True, help="Write the book (only if it has no problem at all).")
@pass_context
@handled
def import_book(ctx: Context, directory: Path, apply_: bool) -> None:
    """Check (and with --apply, write) the book in DIRECTORY: resellers.csv, accounts.csv, licenses.csv.

    Without --apply nothing is written. Exit status 1 when the book has any problem."""
    contents = _read(directory)
    lines = sum(content.count(b"\n") for content in contents.values() if content)
    use_case = ctx.billing.book_import
    with click.progressbar(length=lines * (2 if apply_ else 1), label="reading the book", file=sys.stderr) as bar:
        run = use_case.apply if apply_ else use_case.check
        report = run(contents=contents, actor=ctx.actor, now=ctx.now(), progress=bar.update)
    _print(report, apply_)


@click.command("export")
@directory_argument
@pass_context
@handled
def export_book(ctx: Context, directory: Path) -> None:
    """Write every reseller, account and running block to DIRECTORY as the three files import reads.

    Existing files are never written over."""
    directory.mkdir(parents=True, exist_ok=True)
    taken = [name for name in FILES if (directory / name).exists()]
    if taken:
        raise click.ClickException(
            f"{', '.join(taken)} already exist in {directory} and are never written over; choose an empty directory"
        )
    files = ctx.billing.book_export.export(actor=ctx.actor, now=ctx.now())
    for name in FILES:
        # O_EXCL: a file that appeared meanwhile is not written over either.
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(files[name])
        rows = files[name].count("\n") - 1
        click.echo(f"{directory / name}: {rows} row(s)")
