"""``joanbot codes``: issued codes shown once, or written to a private CSV file."""

import csv


def test_bulk_issue_writes_thousands_of_codes_to_a_private_csv(joanbot, tmp_path):
    code, out, err = joanbot("codes", "issue", "desk", "standard", "5", "--count", "2500", "--csv", "codes.csv")
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "codes.csv").open()))
    assert len(rows) == 2500 and len({r["code"] for r in rows}) == 2500
    assert (tmp_path / "codes.csv").stat().st_mode & 0o077 == 0
    assert rows[0]["code"] not in out + err
