"""``joanbot credits``: balances per currency and top-ups."""

from tests.billing.builders import account, credit
from tests.conftest import at


def test_credits_shows_balances_and_top_ups(run, billing):
    account(billing, now=at("2021-01-01"))
    credit(billing, "50", now=at("2021-01-02"))

    result = run("credits", "acme")

    assert result.exit_code == 0
    assert "USD: $50.00 (topped-up $50.00, promo $0.00, adjustments $0.00)" in result.output
    assert "$50.00  2 Jan 2021  topped_up" in result.output
