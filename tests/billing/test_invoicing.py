import pytest

from billing.invoicing import InvoiceNotFound, Overpayment, parse_invoice_number
from billing.money import CurrencyMismatch, Money
from tests.billing.builders import account, credit, subscribe
from tests.conftest import STAFF, at


def _pay(billing, number, amount, day, currency="USD"):
    return billing.invoices.record_payment(
        invoice=number, amount=Money.parse(amount, currency), actor=STAFF, now=at(day)
    )


def test_payments_move_an_invoice_from_open_to_partially_paid_to_paid(billing):
    account(billing, pays="invoice", now=at("2021-01-01"))
    number = subscribe(billing, 3, now=at("2021-01-01")).invoice.number

    partly = _pay(billing, number, "10", "2021-01-05")
    assert (partly.status, str(partly.amount_paid), str(partly.remaining)) == (
        "partially_paid",
        "$10.00",
        "$20.00",
    )
    paid = _pay(billing, number, "20", "2021-01-06")
    assert (paid.status, str(paid.remaining)) == ("paid", "$0.00")


def test_a_payment_larger_than_what_is_owed_is_refused_and_nothing_is_recorded(billing):
    account(billing, pays="invoice", now=at("2021-01-01"))
    number = subscribe(billing, 3, now=at("2021-01-01")).invoice.number

    with pytest.raises(Overpayment):
        _pay(billing, number, "30.01", "2021-01-05")
    with pytest.raises(CurrencyMismatch):
        _pay(billing, number, "5", "2021-01-05", currency="EUR")

    assert billing.invoices.get(invoice=number, actor=STAFF).amount_paid.minor == 0


def test_invoice_numbers_are_read_with_or_without_their_prefix_and_zeros():
    assert parse_invoice_number("INV-000012") == 12
    assert parse_invoice_number("inv12") == 12
    assert parse_invoice_number(" 12 ") == 12
    with pytest.raises(InvoiceNotFound):
        parse_invoice_number("twelve")


def test_a_eur_invoice_takes_no_usd_credit(billing):
    account(billing, pays="card", currency="EUR", now=at("2021-01-01"))
    credit(billing, "50", currency="USD", now=at("2021-01-01"), other_currency=True)
    credit(billing, "4", currency="EUR", now=at("2021-01-01"))

    invoice = subscribe(billing, 3, now=at("2021-01-01")).invoice

    assert (str(invoice.total), str(invoice.credit_applied), str(invoice.remaining)) == (
        "€30.00",
        "€4.00",
        "€26.00",
    )
    overview = billing.credits.overview(account="acme", actor=STAFF, now=at("2021-01-01"))
    assert str(overview.balance("USD").total) == "$50.00"
    assert str(overview.balance("EUR").total) == "€0.00"


def test_debt_is_what_invoices_past_their_due_date_still_owe_per_account_and_in_total(billing):
    account(billing, pays="invoice", now=at("2021-01-01"))
    account(billing, "globex", pays="card", now=at("2021-01-01"))
    acme = subscribe(billing, 3, now=at("2021-01-01")).invoice  # due 31 Jan 2021
    subscribe(billing, 2, "globex", now=at("2021-01-01"))  # card: due at once
    _pay(billing, acme.number, "5", "2021-01-10")

    on_due_date = billing.invoices.debt(actor=STAFF, now=at("2021-01-31"))
    after = billing.invoices.debt(actor=STAFF, now=at("2021-02-01"))

    assert on_due_date.by_account == {("globex", "USD"): Money(2000, "USD")}
    assert after.by_account == {("acme", "USD"): Money(2500, "USD"), ("globex", "USD"): Money(2000, "USD")}
    assert after.totals == {"USD": Money(4500, "USD")}
    assert [i.account for i in billing.invoices.debt(actor=STAFF, now=at("2021-02-01"), account="acme").invoices] == [
        "acme"
    ]
