"""``joanbot invoices``, ``payments``, ``debt`` and ``renew`` at a fixed date."""


def test_payments_record_pays_the_invoice_in_its_currency(run, billing, card_customer):
    result = run("payments", "record", "INV-000001", "30")

    assert result.exit_code == 0, result.output
    assert "paid  total $30.00  credit $0.00  paid $30.00  owed $0.00" in result.output


def test_invoices_lists_each_invoice_with_its_lines(run, card_customer):
    result = run("invoices", "acme")

    assert result.exit_code == 0
    assert "INV-000001  issued 1 Jan 2021  due 1 Jan 2021  open  total $30.00" in result.output
    assert "1 Jan 2021 to 1 Jan 2022, 3 x $10.00 x 1/1 = $30.00" in result.output


def test_debt_and_renew_report_what_is_owed_and_what_was_renewed(run, billing, card_customer):
    assert "total owed: $30.00" in run("debt").output
    assert "0 renewal invoice(s)" in run("renew").output
