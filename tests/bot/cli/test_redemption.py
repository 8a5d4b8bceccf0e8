"""``joanbot redeem``: a code issued, redeemed and looked up; a voided code and a typo refused."""

from tests.bot.cli.conftest import counts, issued


def test_issue_redeem_and_print_the_breakdown(joanbot):
    assert joanbot("accounts", "add", "acme", "Acme", "Inc")[0] == 0
    code, out, _ = joanbot("codes", "issue", "room", "professional", "10", "--years", "1", "--ref", "PI-7")
    assert code == 0
    text = issued(out)
    code, out, err = joanbot("redeem", text, "acme", "--yes")
    assert (code, err) == (0, "")
    assert "Room booking Professional (device licenses): 10 available" in out
    code, out, _ = joanbot("codes", "show", text.lower())
    assert "redeemed" in out and "cli:ops into acme" in out and "PI-7" in out
    assert text not in out


def test_a_voided_code_and_a_typo_are_refused_without_change(joanbot, database_url):
    joanbot("accounts", "add", "acme", "Acme")
    text = issued(joanbot("codes", "issue", "room", "standard", "5")[1])
    assert joanbot("codes", "void", text, "-y")[0] == 0
    before = counts(database_url)
    code, _, err = joanbot("redeem", text, "acme", "--yes")
    assert code == 1 and "voided" in err
    typo = text[:-1] + ("0" if text[-1] != "0" else "1")
    code, _, err = joanbot("redeem", typo, "acme", "--yes")
    assert code == 1 and "typo" in err
    assert counts(database_url) == before


def test_a_credit_code_preview_and_receipt_show_the_amount_the_type_in_words_and_the_new_balance(joanbot):
    joanbot("accounts", "add", "initech", "Initech", "--pays", "credits")
    joanbot("redeem", issued(joanbot("codes", "credit", "30", "USD")[1]), "initech", "--yes")
    text = issued(joanbot("codes", "credit", "20", "USD", "--promo")[1])

    code, out, err = joanbot("redeem", text, "initech", "--yes")

    assert (code, err) == (0, "")
    assert "Adds $20.00 of promo credit to Initech; its USD credit balance becomes $50.00." in out
    assert "Credit balance (USD): $50.00" in out
    assert "topped_up" not in out and "Renewal breakdown" not in out


def test_a_credit_code_in_another_currency_is_refused_unless_staff_confirm_it(joanbot, database_url):
    joanbot("accounts", "add", "initech", "Initech", "--pays", "credits")
    text = issued(joanbot("codes", "credit", "20", "EUR")[1])
    before = counts(database_url)

    code, _out, err = joanbot("redeem", text, "initech", "--yes")

    assert code == 1 and "credit in EUR but Initech is billed in USD" in err and len(err.strip().splitlines()) == 1
    assert counts(database_url) == before
    code, out, _err = joanbot("redeem", text, "initech", "--yes", "--other-currency")
    assert code == 0 and "Credit balance (EUR): €20.00" in out


def test_a_credit_code_above_the_configured_ceiling_is_refused(joanbot, database_url, monkeypatch):
    monkeypatch.setenv("JOANBOT_MAX_CREDIT_CODE", "500")
    joanbot("accounts")
    before = counts(database_url)

    code, _out, err = joanbot("codes", "credit", "999999999999", "USD")

    assert code == 1 and "at most $500.00" in err
    assert counts(database_url) == before
    assert joanbot("codes", "credit", "500", "USD")[0] == 0


def test_with_licenses_to_renew_redeem_asks_for_renews_new_or_a_block_before_anything(joanbot, database_url):
    joanbot("accounts", "add", "acme", "Acme")
    first, second = (
        issued(joanbot("codes", "issue", "room", "professional", "5", "--months", "1")[1]) for _ in range(2)
    )
    assert joanbot("redeem", first, "acme", "--yes")[0] == 0  # renewing in a month: a renewal candidate
    before = counts(database_url)

    code, out, err = joanbot("redeem", second, "acme", "--yes")

    assert code == 1 and "could renew" in err and "choose a renewal or new licenses" in err
    assert "With --renews new: Adds 5" in out and "(--renews 1)" in out
    assert counts(database_url) == before
    code, out, err = joanbot("redeem", second, "acme", "--renews", "new", "--yes")
    assert (code, err) == (0, "") and "10 available" in out
