"""Importing the vendor's existing book: the whole book checked first, all or nothing, idempotent, and the
imported blocks living by the same rules as every other block."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from billing.book_rows import ACCOUNTS, LICENSES, RESELLERS
from billing.db import Base
from billing.models import AuditEvent, Cohort, ReminderNotice
from billing.models.licensing import CohortOrigin
from tests.billing.books import book
from tests.billing.builders import account, code, redeem, reseller, subscribe
from tests.conftest import STAFF, at

IMPORT_DAY = at("2023-03-15")


def _rows(billing) -> dict[str, int]:
    with billing.db.read() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _lines(breakdown) -> list[tuple[str, int, list[tuple[str, int]]]]:
    return [
        (s.solution, s.total, [(line.renews_on.isoformat(), line.units) for line in s.lines])
        for s in breakdown.solutions
    ]


def test_the_seeds_example_imported_then_5_redeemed_breaks_down_into_exactly_15(billing):
    report = billing.book_import.apply(contents=book(), actor=STAFF, now=IMPORT_DAY)
    redeem(billing, code(billing, now=at("2023-03-22"), units=5), now=at("2023-03-22"))

    breakdown = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2023-03-22"))

    assert report.ok
    assert _lines(breakdown) == [("room", 15, [("2024-01-01", 10), ("2024-03-22", 5)])]


def test_a_dry_run_counts_the_rows_and_writes_nothing(billing):
    before = _rows(billing)

    report = billing.book_import.check(contents=book(), actor=STAFF, now=IMPORT_DAY)

    assert report.ok
    assert {name: (c.new, c.unchanged, c.conflicting, c.invalid) for name, c in report.counts.items()} == {
        RESELLERS: (1, 0, 0, 0),
        ACCOUNTS: (1, 0, 0, 0),
        LICENSES: (1, 0, 0, 0),
    }
    assert _rows(billing) == before


def test_importing_writes_one_audit_row_with_the_counts_and_the_files_hashes(billing):
    report = billing.book_import.apply(contents=book(), actor=STAFF, now=IMPORT_DAY)

    with billing.db.read() as session:
        (details,) = session.scalars(select(AuditEvent.details).where(AuditEvent.action == "book.imported"))
        imported = session.execute(select(Cohort.origin, Cohort.auto_renew, Cohort.reference)).one()
    assert details["sha256"] == report.hashes and len(report.hashes[LICENSES]) == 64
    assert details["counts"][LICENSES] == {"new": 1, "unchanged": 0, "conflicting": 0, "invalid": 0}
    assert tuple(imported) == (CohortOrigin.IMPORTED, False, "PF-2023-001")


def test_reimporting_the_same_book_is_all_unchanged_and_changes_nothing(billing):
    billing.book_import.apply(contents=book(), actor=STAFF, now=IMPORT_DAY)
    before = _rows(billing)

    report = billing.book_import.apply(contents=book(), actor=STAFF, now=at("2023-03-16"))

    assert report.ok
    assert all((c.new, c.conflicting, c.invalid) == (0, 0, 0) for c in report.counts.values())
    assert [c.unchanged for c in report.counts.values()] == [1, 1, 1]
    assert _rows(billing)["cohorts"] == before["cohorts"] and _rows(billing)["accounts"] == before["accounts"]


BAD_BOOK = book(
    resellers=["northwind,Northwind Ltd,T0NORTH,sales@northwind.example", "southwind,Southwind,,not-an-email"],
    accounts=[
        "acme,Acme Corp,northwind,reseller,USD,UTC,",
        "globex,Globex,,card,USD,UTC,",
        "initech,Initech,eastwind,reseller,USD,UTC,",
        "umbrella,Umbrella,,card,XYZ,UTC,",
        "hooli,Hooli,,card,USD,Mars/Olympus,",
        "taken,Taken,,card,EUR,UTC,",
    ],
    licenses=[
        "acme,parking,standard,5,2023-01-01,2024-01-01,,",
        "acme,room,platinum,5,2023-01-01,2024-01-01,,",
        "acme,room,professional,5,2024-01-01,2023-06-01,,",
        "globex,room,professional,5,2023-01-31,2023-04-29,month,",
        "acme,desk,standard,5,2023-01-01,2024-01-01,,",
        "acme,desk,professional,5,2023-06-01,2024-06-01,,",
        "acme,visitor,standard,5,2021-01-01,2022-01-01,,",
    ],
)


def test_a_book_with_one_of_each_invalid_row_names_every_one_by_file_and_line(billing):
    account(billing, "taken", now=at("2023-01-01"))

    report = billing.book_import.check(contents=BAD_BOOK, actor=STAFF, now=IMPORT_DAY)

    problems = [str(p) for p in report.problems]
    expected = [
        "accounts.csv:4: reseller: unknown reseller 'eastwind'",
        "accounts.csv:5: currency: unknown currency 'XYZ'",
        "accounts.csv:6: time_zone: unknown time zone 'Mars/Olympus'",
        "accounts.csv:7: slug: account 'taken' exists with other values: currency USD (the file says EUR)",
        "licenses.csv:2: solution: unknown solution 'parking'",
        "licenses.csv:3: level: room has no level 'platinum'",
        "licenses.csv:4: renews: must be after starts (1 Jan 2024)",
        "licenses.csv:5: renews: a monthly subscription renews on an anniversary of its anchor (31 Jan 2023)",
        "licenses.csv:7: level: overlaps line 6's standard block (1 Jan 2023 to 1 Jan 2024)",
        "licenses.csv:8: renews: 1 Jan 2022 is more than 365 days ago",
        "resellers.csv:3: emails: 'not-an-email' is not an email address",
    ]
    assert len(problems) == len(expected)
    for found, wanted in zip(problems, expected, strict=True):
        assert found.startswith(wanted), found
    assert not report.ok
    assert report.counts[ACCOUNTS].conflicting == 1 and report.counts[ACCOUNTS].invalid == 3
    assert report.counts[LICENSES].invalid == 6 and report.counts[LICENSES].new == 1


def test_applying_a_book_with_problems_writes_nothing(billing):
    account(billing, "taken", now=at("2023-01-01"))
    before = _rows(billing)

    report = billing.book_import.apply(contents=BAD_BOOK, actor=STAFF, now=IMPORT_DAY)

    assert not report.ok
    assert _rows(billing) == before


def test_a_conflicting_block_is_never_overwritten(billing):
    billing.book_import.apply(contents=book(), actor=STAFF, now=IMPORT_DAY)

    changed = book(licenses=["acme,room,professional,12,2023-01-01,2024-01-01,,PF-2023-001"])
    report = billing.book_import.apply(contents=changed, actor=STAFF, now=at("2023-03-16"))

    assert [str(p) for p in report.problems] == [
        "licenses.csv:2: renews: acme's room block 1 Jan 2023 to 1 Jan 2024 exists with other values: units 10 "
        "(the file says 12); it is never overwritten"
    ]
    assert billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2023-03-16")).solutions[0].total == 10


def test_a_block_imported_36_days_before_renewal_gets_its_30_14_and_7_day_reminders_never_the_45(billing):
    billing.book_import.apply(
        contents=book(licenses=["acme,room,professional,10,2023-01-01,2023-04-20,,"]), actor=STAFF, now=IMPORT_DAY
    )

    for day in range(37):
        billing.reminders.plan(now=IMPORT_DAY + timedelta(days=day))

    with billing.db.read() as session:
        sent = list(session.scalars(select(ReminderNotice.threshold).order_by(ReminderNotice.id)))
    assert sent == [30, 14, 7]


def test_an_imported_card_subscription_is_invoiced_once_at_its_next_renewal_for_a_full_period(billing):
    books = book(
        resellers=[],
        accounts=["globex,Globex,,card,USD,UTC,"],
        licenses=["globex,room,professional,4,2022-06-01,2023-06-01,year,"],
    )
    billing.book_import.apply(contents=books, actor=STAFF, now=IMPORT_DAY)

    before = billing.renewals.renew_due(now=at("2023-05-31"))
    run = billing.renewals.renew_due(now=at("2023-06-01"))
    again = billing.renewals.renew_due(now=at("2023-06-02"))

    assert before.invoices == () and again.invoices == ()
    (invoice,) = run.invoices
    (line,) = invoice.lines
    assert (line.quantity, line.service_start.isoformat(), line.service_end.isoformat()) == (
        4,
        "2023-06-01",
        "2024-06-01",
    )
    assert invoice.total.minor == 4 * 1000
    assert len(billing.invoices.list(account="globex", actor=STAFF)) == 1


def test_export_then_import_into_an_empty_database_gives_every_account_the_same_breakdown(billing):
    reseller(billing, "northwind", now=at("2023-01-01"), team="T0NORTH")
    account(billing, "acme", reseller="northwind", now=at("2023-01-01"), tz="Europe/Paris")
    account(billing, "globex", pays="card", now=at("2023-01-01"), currency="EUR")
    billing.book_import.apply(contents=book(resellers=[], accounts=[]), actor=STAFF, now=IMPORT_DAY)
    redeem(billing, code(billing, now=at("2023-03-22"), units=5), now=at("2023-03-22"))
    renewal = code(billing, now=at("2023-12-10"), units=10)
    billing.redemptions.redeem(
        code=renewal, account="acme", actor=STAFF, now=at("2023-12-10"), renews=_imported(billing)
    )
    subscribe(billing, 3, "globex", now=at("2023-04-01"))
    now = at("2023-12-15")
    before = {slug: _shape(billing, slug, now) for slug in ("acme", "globex")}
    files = billing.book_export.export(actor=STAFF, now=now)

    _empty(billing)
    billing.catalog.ensure_default()
    report = billing.book_import.apply(contents={k: v.encode() for k, v in files.items()}, actor=STAFF, now=now)

    assert report.ok, report.problems
    assert {slug: _shape(billing, slug, now) for slug in before} == before
    assert before["acme"][0][3] == [("2024-01-01", 10, True, False), ("2024-03-22", 5, False, False)]
    assert billing.book_export.export(actor=STAFF, now=now) == files


def _shape(billing, slug, now) -> list[tuple[object, ...]]:
    """A breakdown as people see it: everything but the database's ids."""
    breakdown = billing.licenses.breakdown(account=slug, actor=STAFF, now=now)
    return [
        (
            s.solution,
            s.level,
            s.total,
            [(line.renews_on.isoformat(), line.units, line.renewed, line.auto_renew) for line in s.lines],
            [(u.starts_on, u.renews_on, u.units, u.renews_cohort_id is not None) for u in s.upcoming],
        )
        for s in breakdown.solutions
    ]


def _imported(billing) -> int:
    with billing.db.read() as session:
        return session.scalar(select(Cohort.id).where(Cohort.origin == CohortOrigin.IMPORTED))


def _empty(billing) -> None:
    with billing.db.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


def test_a_conflicting_account_names_each_differing_column_as_people_read_it(billing):
    billing.book_import.apply(contents=book(), actor=STAFF, now=IMPORT_DAY)

    changed = book(accounts=["acme,Acme Corp,northwind,reseller,USD,UTC,"])
    report = billing.book_import.check(contents=changed, actor=STAFF, now=IMPORT_DAY)

    assert [str(p) for p in report.problems] == [
        "accounts.csv:2: slug: account 'acme' exists with other values: emails it@acme.example (the file says "
        "(empty)); it is never overwritten: correct it with joanbot accounts set"
    ]
    assert report.counts[ACCOUNTS].conflicting == 1 and report.counts[LICENSES].unchanged == 1
