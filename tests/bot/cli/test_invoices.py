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
    assert "Total owed: $30.00" in run("debt").output
    assert "0 renewal invoices; 0 refused" in run("renew").output


def test_a_card_invoice_says_its_payment_is_recorded_by_hand_everywhere_it_is_shown(run, card_customer):
    listed = run("invoices", "acme").output
    debt = run("debt").output

    assert "Card invoices are not charged by joanbot" in listed and "joanbot payments record" in listed
    assert "acme: INV-000001" in debt and "(card: awaiting a payment recorded by hand)" in debt
    assert "Total owed: $30.00" in debt


def test_a_card_invoice_once_its_payment_is_recorded_leaves_debt_and_its_note(run, card_customer):
    paid = run("payments", "record", "INV-000001", "30").output

    assert "not charged by joanbot" not in paid
    assert "Total owed: nothing" in run("debt").output


def test_a_card_customer_adding_licenses_is_told_to_record_the_card_payment(run, card_customer):
    result = run("licenses", "add", "acme", "room", "3", "-y")

    assert result.exit_code == 0 and "owed $15.00" in result.output
    assert "Card invoices are not charged by joanbot" in result.output
