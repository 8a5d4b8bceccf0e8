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
    assert joanbot("codes", "void", text)[0] == 0
    before = counts(database_url)
    code, _, err = joanbot("redeem", text, "acme", "--yes")
    assert code == 1 and "voided" in err
    typo = text[:-1] + ("0" if text[-1] != "0" else "1")
    code, _, err = joanbot("redeem", typo, "acme", "--yes")
    assert code == 1 and "typo" in err
    assert counts(database_url) == before
