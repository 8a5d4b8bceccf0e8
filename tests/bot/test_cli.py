"""The ops CLI: real commands against a real database; bad input is one line, a non-zero exit, no change."""

import csv

import pytest
from sqlalchemy import func, select

from billing.db import Base, Database
from bot.cli import main


@pytest.fixture
def joanbot(database_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JOANBOT_CODE_KEY", "cli-test-key-" + "x" * 32)
    monkeypatch.setenv("JOANBOT_OPERATOR", "ops")
    monkeypatch.delenv("JOANBOT_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _counts(database_url):
    """Rows per table, except the failed redemption attempts (recorded on purpose, for rate limits)."""
    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
                if t.name != "redeem_attempts"
            }
    finally:
        db.dispose()


def _issued(out: str) -> str:
    return next(line.strip() for line in out.splitlines() if line.startswith("  ") and line.count("-") == 4)


def test_issue_redeem_and_print_the_breakdown(joanbot):
    assert joanbot("accounts", "add", "acme", "Acme", "Inc")[0] == 0
    code, out, _ = joanbot("codes", "issue", "room", "professional", "10", "--years", "1", "--ref", "PI-7")
    assert code == 0
    text = _issued(out)
    code, out, err = joanbot("redeem", text, "acme", "--yes")
    assert (code, err) == (0, "")
    assert "Room booking Professional (device licenses): 10 available" in out
    code, out, _ = joanbot("codes", "show", text.lower())
    assert "redeemed" in out and "cli:ops into acme" in out and "PI-7" in out
    assert text not in out


def test_bulk_issue_writes_thousands_of_codes_to_a_private_csv(joanbot, tmp_path):
    code, out, err = joanbot("codes", "issue", "desk", "standard", "5", "--count", "2500", "--csv", "codes.csv")
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "codes.csv").open()))
    assert len(rows) == 2500 and len({r["code"] for r in rows}) == 2500
    assert (tmp_path / "codes.csv").stat().st_mode & 0o077 == 0
    assert rows[0]["code"] not in out + err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("codes", "issue", "room", "gold", "5"), "no level 'gold'"),
        (("codes", "issue", "moon", "standard", "5"), "unknown solution"),
        (("codes", "issue", "room", "standard", "0"), "units must be between"),
        (("codes", "issue", "room", "standard", "-3"), "units must be between"),
        (("codes", "issue", "room", "standard", "5", "--years", "10000"), "between 1 month and 10 years"),
        (("codes", "issue", "room", "standard", "5", "--account", "nobody"), "no account 'nobody'"),
        (("codes", "issue", "room", "standard", "5", "--redeem-by", "32.1.2024"), "is not a date"),
        (("redeem", "not-a-code", "acme", "--yes"), "not a pre-paid code"),
        (("renewals", "nobody"), "no account 'nobody'"),
        (("codes", "credit", "12.345", "USD"), "is not an amount"),
        (("codes", "credit", "5", "XYZ"), "unknown currency"),
        (("staff", "add", "nobody", "admin"), "is not a Slack user id"),
        (("accounts", "add", "Bad Slug!", "Name"), "must be 2-40 lower-case"),
    ],
)
def test_bad_input_gives_one_clear_line_and_changes_nothing(joanbot, database_url, argv, message):
    joanbot("accounts", "add", "acme", "Acme")
    before = _counts(database_url)
    code, _out, err = joanbot(*argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _counts(database_url) == before


def test_a_voided_code_and_a_typo_are_refused_without_change(joanbot, database_url):
    joanbot("accounts", "add", "acme", "Acme")
    text = _issued(joanbot("codes", "issue", "room", "standard", "5")[1])
    assert joanbot("codes", "void", text)[0] == 0
    before = _counts(database_url)
    code, _, err = joanbot("redeem", text, "acme", "--yes")
    assert code == 1 and "voided" in err
    typo = text[:-1] + ("0" if text[-1] != "0" else "1")
    code, _, err = joanbot("redeem", typo, "acme", "--yes")
    assert code == 1 and "typo" in err
    assert _counts(database_url) == before


def test_a_catalog_file_with_a_bad_line_is_refused_naming_the_line(joanbot, tmp_path):
    bad = tmp_path / "catalog.csv"
    bad.write_text(
        "solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price\n"
        "room,Room booking,device,standard,Standard,1,year,USD,5\n"
        "room,Room booking,device,gold,Gold,9,fortnight,USD,5\n"
    )
    code, _, err = joanbot("catalog", "load", str(bad))
    assert code == 1 and "line 3" in err and "interval" in err


def test_settings_errors_name_the_variable(joanbot, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.delenv("JOANBOT_CODE_KEY")
    code, _, err = joanbot("accounts")
    assert code == 2 and "JOANBOT_CODE_KEY" in err


def test_the_embedded_default_creates_migrates_and_keys_a_sqlite_file(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("JOANBOT_CODE_KEY", raising=False)
    monkeypatch.setenv("JOANBOT_HOME", str(tmp_path / "home"))
    assert main(["accounts", "add", "acme", "Acme"]) == 0
    assert (tmp_path / "home" / "joanbot.db").exists()
    key = tmp_path / "home" / "joanbot.key"
    assert key.stat().st_mode & 0o077 == 0 and len(key.read_text()) >= 32
    key_text = key.read_text()
    assert main(["accounts"]) == 0
    assert key.read_text() == key_text
    assert "acme" in capsys.readouterr().out
