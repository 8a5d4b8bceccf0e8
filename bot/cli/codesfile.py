"""The CSV file ``codes issue --csv`` writes: never over an existing file, never holding codes that were not stored.

The codes go, as they are made, into ``.NAME.BATCH.unstored`` beside the target (readable by the operator
only), flushed to disk before the database commits, and are renamed into place only after it committed. A
run killed before the commit leaves only that file, whose name says its codes were never stored; the next
run in that directory removes it. A run killed in the instant between the commit and the rename leaves a
complete file of stored codes under that name: the next run sees its batch in the database and puts it in
place (or beside the target, if that name was taken meanwhile).
"""

from __future__ import annotations

import csv
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click

from billing import IssuedCode

UNSTORED = re.compile(r"^\.(?P<name>.+)\.(?P<batch>[0-9a-f]{32})\.unstored$")
HEADER = ("code", "prefix")

ChunkWriter = Callable[[Sequence[IssuedCode]], None]


class CodesFileError(click.ClickException):
    """A file problem: one line, exit 1, before anything is issued."""


@dataclass(frozen=True)
class Leftover:
    path: Path
    target: Path
    batch: str

    def rows(self) -> int:
        with self.path.open(newline="") as handle:
            return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def check_target(target: Path) -> Path:
    """The resolved target, or a refusal saying what is wrong with it and what to do instead."""
    target = target.expanduser().absolute()
    if not target.parent.is_dir():
        raise CodesFileError(f"there is no directory {target.parent}; create it or choose another path")
    if target.is_dir():
        raise CodesFileError(f"{target} is a directory; give a file name, e.g. {target / 'codes.csv'}")
    if target.exists() or target.is_symlink():
        raise CodesFileError(
            f"{target} already exists and codes files are never written over; choose another name, "
            f"e.g. {free_name(target)}"
        )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise CodesFileError(f"cannot write in {target.parent}: permission denied")
    return target


def free_name(target: Path) -> Path:
    for n in range(2, 10_000):
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        if not candidate.exists():
            return candidate
    return target.with_name(f"{target.stem}-{uuid.uuid4().hex[:8]}{target.suffix}")


def leftovers(directory: Path) -> list[Leftover]:
    found = []
    for path in sorted(directory.glob(".*.unstored")):
        match = UNSTORED.match(path.name)
        if match:
            found.append(Leftover(path, directory / match["name"], match["batch"]))
    return found


def tidy(directory: Path, stored: Callable[[str], int]) -> list[str]:
    """Settle what earlier killed runs left in ``directory``; ``stored`` counts a batch's codes in the database.

    Returns a line for the operator per file settled."""
    said = []
    for leftover in leftovers(directory):
        count = stored(leftover.batch)
        if count and leftover.rows() == count:
            target = leftover.target if not leftover.target.exists() else free_name(leftover.target)
            os.replace(leftover.path, target)
            said.append(f"An interrupted run had stored {count:,} codes; their file is now {target}.")
        else:
            leftover.path.unlink(missing_ok=True)
            said.append(f"Removed {leftover.path.name}, left by an interrupted run: its codes were never stored.")
    return said


@dataclass
class CodesFile:
    on_chunk: ChunkWriter
    path: Path  # where the codes are once placed (the target, unless that name appeared meanwhile)


@contextmanager
def codes_file(target: Path, batch: str, count: int) -> Iterator[CodesFile]:
    """Yield a writer for the codes as they are made; on a clean exit (after the commit), rename into place.

    Any error, or an interrupt, before that removes the file: its codes were not stored."""
    temp = target.with_name(f".{target.name}.{batch}.unstored")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise CodesFileError(f"cannot write {temp}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            file = CodesFile(_writer(handle, count), target)
            yield file
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    file.path = _place(temp, target)


def write_rows(handle: IO[str], codes: Sequence[IssuedCode]) -> None:
    """The codes file's rows, header first, to an open stream (``--csv -``: standard output)."""
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    writer.writerows((c.code, c.prefix) for c in codes)


def _writer(handle: IO[str], count: int) -> ChunkWriter:
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    written = 0
    bar = click.progressbar(length=count, label="issuing codes", file=sys.stderr)

    def on_chunk(chunk: Sequence[IssuedCode]) -> None:
        nonlocal written
        writer.writerows([(c.code, c.prefix) for c in chunk])
        written += len(chunk)
        bar.update(len(chunk))
        if written >= count:  # the last chunk: on disk before the transaction commits
            handle.flush()
            os.fsync(handle.fileno())
            bar.render_finish()

    return on_chunk


def _place(temp: Path, target: Path) -> Path:
    """Rename without ever replacing a file that appeared meanwhile (a hard link fails if the name exists)."""
    try:
        os.link(temp, target)
    except FileExistsError:  # the codes are stored: keep them, beside the target
        target = free_name(target)
        os.replace(temp, target)
        return target
    except OSError:  # a file system without hard links: the target was checked free just before
        os.replace(temp, target)
        return target
    temp.unlink()
    return target
