"""Reading the book's files: each row into a typed value, each problem naming its file, line and column."""

from __future__ import annotations

import re
from datetime import date

import pytest

from billing.book_rows import ACCOUNTS, LICENSES, RESELLERS, LicenseRow, _email, read_book
from billing.contacts import InvalidEmail, normalize_emails
from tests.billing.books import book


def _problems(contents) -> list[str]:
    found = read_book(contents)
    return [str(p) for f in found.files.values() for p in f.problems]


def test_a_good_row_becomes_a_typed_value():
    ((line, row),) = read_book(book()).rows(LICENSES)

    assert line == 2
    assert row == LicenseRow(
        account="acme",
        solution="room",
        level="professional",
        units=10,
        starts=date(2023, 1, 1),
        renews=date(2024, 1, 1),
        interval=None,
        reference="PF-2023-001",
    )


def test_a_header_missing_a_column_or_naming_an_unknown_one_is_named_on_line_1():
    contents = book()
    contents[ACCOUNTS] = b"slug,name,reseller,pays,currency,zone,emails\nacme,Acme,,card,USD,UTC,\n"

    assert _problems(contents) == [
        "accounts.csv:1: time_zone: missing from the header row",
        "accounts.csv:1: zone: not a column of accounts.csv (its columns: slug, name, reseller, pays, currency, "
        "time_zone, emails)",
    ]


def test_every_problem_of_a_row_is_named_by_its_column():
    rows = ["Acme Corp,,northwind,cash,USD,UTC,", "globex,Globex,,card,USD,UTC,a@b.example;bad"]

    assert _problems(book(accounts=rows)) == [
        "accounts.csv:2: slug: 'Acme Corp' must be 2-40 lower-case letters, digits or hyphens, like 'acme'",
        "accounts.csv:2: name: a name must be 1 to 200 characters",
        "accounts.csv:2: pays: must be one of reseller, card, invoice, credits",
        "accounts.csv:3: emails: 'bad' is not an email address: An email address must have an @-sign.",
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("acme,room,professional,0,2023-01-01,2024-01-01,,", "units: must be between 1 and 100,000"),
        ("acme,room,professional,100001,2023-01-01,2024-01-01,,", "units: must be between 1 and 100,000"),
        ("acme,room,professional,ten,2023-01-01,2024-01-01,,", "units: 'ten' is not a whole number"),
        ("acme,room,professional,5,1/1/2023,2024-01-01,,", "starts: '1/1/2023' is not a date; write 2024-03-22"),
        ("acme,room,professional,5,2023-01-01,2024-01-01,weekly,", "interval: must be month, year, or empty"),
        ("acme,room,professional,5,2023-01-01,2024-01-01,,,extra", "row: 1 more field(s) than the header's 8"),
        ("acme,room,professional,5,2023-01-01", "renews: missing: the row has fewer fields than the header"),
    ],
)
def test_a_bad_license_row_is_named_by_line_and_column(row, problem):
    assert [p.startswith(f"licenses.csv:2: {problem}") for p in _problems(book(licenses=[row]))] == [True]


def test_a_reseller_account_without_its_reseller_blames_the_reseller_column():
    assert _problems(book(accounts=["acme,Acme,,reseller,USD,UTC,"])) == [
        "accounts.csv:2: reseller: an account that pays through a reseller names its reseller"
    ]


def test_a_missing_file_and_text_that_is_not_utf8_are_problems():
    contents = book()
    contents[RESELLERS] = None
    contents[LICENSES] = b"account,solution\n\xff\xfe\n"

    assert _problems(contents)[0] == "resellers.csv:0: file: missing: give the file, with its header row"
    assert _problems(contents)[1].startswith("licenses.csv:1: file: not UTF-8 text")


@pytest.mark.parametrize(
    "address",
    ["IT@Acme.Example", "first.last+tag@sub.example.co.uk", "a_b%c-d@x-y.example", "Boss@EXAMPLE.ORG"],
)
def test_plain_addresses_are_normalized_exactly_as_email_validator_does(address):
    assert _email(address) == normalize_emails([address])[0]


@pytest.mark.parametrize("address", ["it@printer.local", "x@localhost", "a..b@example.com", "it@sub.test"])
def test_special_use_domains_and_odd_addresses_are_left_to_email_validator(address):
    with pytest.raises(InvalidEmail, match=f"^'{re.escape(address)}' is not an email address: "):
        _email(address)


def test_at_most_10_addresses():
    many = ";".join(f"u{n}@acme.example" for n in range(11))

    assert _problems(book(accounts=[f"acme,Acme,northwind,reseller,USD,UTC,{many}"])) == [
        "accounts.csv:2: emails: at most 10 contact addresses"
    ]
