"""``joanbot`` itself: settings errors exit 2 naming the variable, refusals exit 1 on one line and change
nothing, and the embedded default needs no setting at all."""

import pytest

from bot.cli import main
from tests.bot.cli.conftest import counts


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
        (("codes", "issue", "room", "standard", "three"), "units must be a whole number"),
        (("sweep", "--date", "9999-12-31"), "too far ahead"),
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
    before = counts(database_url)
    code, _out, err = joanbot(*argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert counts(database_url) == before


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


def test_staff_list_shows_who_holds_a_role_and_says_so_when_nobody_does(joanbot):
    assert "No staff roles yet" in joanbot("staff", "list")[1]
    joanbot("staff", "add", "U012ABCDEF", "sales")

    code, out, _err = joanbot("staff", "list")

    assert code == 0 and out.split() == ["U012ABCDEF", "sales"]


def test_an_account_is_created_with_its_name_and_how_it_pays_in_words(joanbot):
    code, out, _err = joanbot("accounts", "add", "globex", "Globex", "Corp", "--pays", "card")

    assert (code, out.strip()) == (0, "Created account Globex Corp (globex), paying by card.")


def test_db_upgrade_says_it_created_a_new_database_then_that_it_is_up_to_date(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("JOANBOT_CODE_KEY", "cli-test-key-" + "x" * 32)

    first = main(["db", "upgrade"])
    created = capsys.readouterr().out
    second = main(["db", "upgrade"])
    again = capsys.readouterr().out

    assert (first, second) == (0, 0)
    assert created.startswith("Created the database at schema 0") and "up to date" not in created
    assert again.startswith("The database is up to date: schema 0")


def test_resellers_add_says_what_it_created_as_accounts_add_does(joanbot):
    code, out, err = joanbot("resellers", "add", "northwind", "Northwind", "Resellers", "--team", "T0NORTH")

    assert (code, err) == (0, "")
    assert out == "Created reseller Northwind Resellers (northwind), Slack team T0NORTH.\n"
