"""Books for import tests: the three CSV files as text, written as a test reads them."""

from __future__ import annotations

from pathlib import Path

from billing.book_rows import ACCOUNTS, COLUMNS, LICENSES, RESELLERS

SEEDS_RESELLERS = ["northwind,Northwind Ltd,T0NORTH,sales@northwind.example"]
SEEDS_ACCOUNTS = ["acme,Acme Corp,northwind,reseller,USD,UTC,it@acme.example"]
SEEDS_LICENSES = ["acme,room,professional,10,2023-01-01,2024-01-01,,PF-2023-001"]


def book(
    resellers: list[str] | None = None, accounts: list[str] | None = None, licenses: list[str] | None = None
) -> dict[str, bytes | None]:
    """The seeds' example unless told otherwise: Acme (through Northwind), 10 Room devices renewing 1 Jan 2024."""
    rows = {
        RESELLERS: SEEDS_RESELLERS if resellers is None else resellers,
        ACCOUNTS: SEEDS_ACCOUNTS if accounts is None else accounts,
        LICENSES: SEEDS_LICENSES if licenses is None else licenses,
    }
    return {name: "\n".join([",".join(COLUMNS[name]), *lines, ""]).encode() for name, lines in rows.items()}


def write_book(directory: Path, contents: dict[str, bytes | None]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        if content is not None:
            (directory / name).write_bytes(content)
    return directory
