"""``joanbot codes``: issued codes shown once, or written to a private CSV file."""

import csv
import io
import os

import pytest

from tests.bot.cli.conftest import TODAY, counts, issued
from tests.conftest import STAFF, at


def test_bulk_issue_writes_thousands_of_codes_to_a_private_csv(joanbot, tmp_path):
    code, out, err = joanbot("codes", "issue", "desk", "standard", "5", "--count", "2500", "--csv", "codes.csv")
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "codes.csv").open()))
    assert len(rows) == 2500 and len({r["code"] for r in rows}) == 2500
    assert (tmp_path / "codes.csv").stat().st_mode & 0o077 == 0
    assert rows[0]["code"] not in out + err


def test_a_codes_file_is_never_written_over_and_the_refusal_suggests_another_name(joanbot, tmp_path, database_url):
    joanbot("codes", "issue", "desk", "standard", "5", "--count", "3", "--csv", "codes.csv")
    first = (tmp_path / "codes.csv").read_text()
    before = counts(database_url)

    code, out, err = joanbot("codes", "issue", "desk", "standard", "5", "--count", "2", "--csv", "codes.csv")

    assert code == 1 and out == ""
    assert "codes.csv already exists" in err and "codes-2.csv" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "codes.csv").read_text() == first
    assert counts(database_url) == before


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing/codes.csv", "there is no directory"),
        (".", "is a directory"),
        pytest.param(
            "locked/codes.csv",
            "permission denied",
            marks=pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere"),
        ),
    ],
)
def test_a_codes_file_that_cannot_be_written_is_a_one_line_refusal_before_anything_is_issued(
    joanbot, tmp_path, database_url, path, message
):
    (tmp_path / "locked").mkdir(mode=0o500)
    before = counts(database_url)

    code, _out, err = joanbot("codes", "credit", "5", "USD", "--csv", path)

    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert counts(database_url) == before


def test_a_refused_batch_leaves_no_file_of_codes(joanbot, tmp_path):
    code, _out, err = joanbot("codes", "issue", "desk", "gold", "5", "--count", "3", "--csv", "codes.csv")

    assert code == 1 and "no level 'gold'" in err
    assert list(tmp_path.glob("*codes*")) == [] and list(tmp_path.glob(".*codes*")) == []


def test_the_next_run_removes_what_a_killed_run_left_and_says_so(joanbot, tmp_path):
    leftover = tmp_path / f".old.csv.{'a' * 32}.unstored"
    leftover.write_text("code,prefix\nAAAAA-BBBBB-CCCCC-DDDDD-EEEEE,AAAA\n")

    code, _out, err = joanbot("codes", "issue", "desk", "standard", "5", "--csv", "codes.csv")

    assert code == 0 and "never stored" in err
    assert not leftover.exists() and not (tmp_path / "old.csv").exists()


def test_the_next_run_puts_a_stored_batch_a_killed_run_had_not_yet_renamed_in_place(joanbot, tmp_path):
    joanbot("codes", "issue", "desk", "standard", "5", "--count", "4", "--csv", "first.csv")
    stored = (tmp_path / "first.csv").read_text()
    batch = _batch_of(joanbot, stored)
    (tmp_path / "first.csv").rename(tmp_path / f".lost.csv.{batch}.unstored")  # as if killed just after the commit

    code, _out, err = joanbot("codes", "issue", "desk", "standard", "5", "--csv", "second.csv")

    assert code == 0 and "lost.csv" in err
    assert (tmp_path / "lost.csv").read_text() == stored


def _batch_of(joanbot, csv_text: str) -> str:
    prefix = next(csv.DictReader(io.StringIO(csv_text)))["prefix"]
    _code, out, _err = joanbot("audit", "--limit", "1")
    assert "codes.issued" in out and prefix in out
    return out.split("batch ")[1].split()[0]


def test_every_number_typed_follows_one_rule_for_commas_and_points(joanbot):
    code, out, err = joanbot("codes", "credit", "1,000", "USD")
    assert (code, err) == (0, "") and "$1,000.00 of topped-up credit" in out
    code, out, err = joanbot("codes", "credit", "1,000.50", "EUR", "--count", "1,0")
    assert code != 0 and "count must be a whole number, not '1,0': it is ambiguous" in err

    code, out, err = joanbot("codes", "credit", "12,50", "EUR")

    assert code != 0 and out == ""
    assert "'12,50' is not an amount of EUR: it is ambiguous: a comma only separates thousands" in err
    assert "write a decimal with a point (12.50)" in err


def test_codes_void_shows_the_code_and_asks_first_and_no_voids_nothing(run, billing):
    text = issued(run("codes", "issue", "room", "standard", "5").output)

    declined = run("codes", "void", text, input="n\n")
    assert declined.exit_code == 1 and "Void it? This cannot be undone" in declined.output
    assert "Status" in declined.output and "issued" in declined.output
    assert billing.codes.show(code=text, actor=STAFF, now=at(TODAY)).status == "issued"

    confirmed = run("codes", "void", text, "-y")
    assert confirmed.exit_code == 0 and "Voided" in confirmed.output
    assert billing.codes.show(code=text, actor=STAFF, now=at(TODAY)).status == "voided"


def test_csv_dash_writes_the_codes_to_standard_output_and_no_file(joanbot, tmp_path):
    code, out, err = joanbot("codes", "issue", "room", "standard", "5", "--count", "3", "--csv", "-")

    assert code == 0, err
    rows = out.splitlines()
    assert rows[0] == "code,prefix" and len(rows) == 4
    assert all(row.count("-") == 4 for row in rows[1:])
    assert "Issued 3 codes" in err and "standard output" in err
    assert not (tmp_path / "-").exists()
