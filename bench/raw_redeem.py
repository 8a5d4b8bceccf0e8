"""The minimal correct redemption on PostgreSQL, as hand-written psycopg statements in one transaction: the
reference the Portal API's redemptions are measured beside.

The same reads and writes the product does, no more: the account row locked, the failed-attempt counts,
the code by its public prefix and keyed hash, the renewal candidates and a clash with another level, the
conditional claim, the cohort, redemption and audit rows, the active webhook endpoints, and the two events
(``code.redeemed``, ``licenses.added``). No ORM, no statement building, no API key, no HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Json

from billing import CodeKey, codeformat
from billing.periods import add_months

ACCOUNT = "SELECT id, reseller_id, name, payment_method, closed_at FROM accounts WHERE slug = %s FOR UPDATE"
FAILURES = (
    "SELECT coalesce(sum(CASE WHEN actor = %(actor)s AND account_id = %(account)s THEN 1 ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN account_id = %(account)s THEN 1 ELSE 0 END), 0) FROM redeem_attempts"
    " WHERE at >= %(since)s AND reason <> 'lost_race' AND (actor = %(actor)s OR account_id = %(account)s)"
)
CODE = (
    "SELECT c.id, c.salt, c.digest, c.key_version, c.status, c.solution_id, c.plan_level_id, c.units,"
    " c.term_months, c.redeem_by, c.account_id, c.reseller_id, s.license_kind"
    " FROM prepaid_codes c JOIN solutions s ON s.id = c.solution_id WHERE c.prefix = %s"
)
CANDIDATES = (
    "SELECT id, ends_on FROM cohorts WHERE account_id = %s AND solution_id = %s AND plan_level_id = %s"
    " AND renewed_at IS NULL AND auto_renew = false AND ends_on <= %s AND ends_on > %s ORDER BY ends_on, id LIMIT 10"
)
CLASH = (
    "SELECT id FROM cohorts WHERE account_id = %s AND solution_id = %s AND plan_level_id <> %s AND ends_on > %s LIMIT 1"
)
CLAIM = "UPDATE prepaid_codes SET status = 'redeemed' WHERE id = %s AND status = 'issued'"
COHORT = (
    "INSERT INTO cohorts (account_id, solution_id, plan_level_id, license_kind, units, anchor_on, term_months,"
    " starts_on, ends_on, auto_renew, origin, code_id, created_at, created_on)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, false, 'code', %s, %s, %s) RETURNING id"
)
REDEMPTION = (
    "INSERT INTO redemptions (code_id, account_id, redeemed_by, on_behalf, redeemed_at, cohort_id)"
    " VALUES (%s, %s, %s, false, %s, %s)"
)
AUDIT = (
    "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, account_id, details, request_ref)"
    " VALUES (%s, %s, 'code.redeemed', 'code', %s, %s, %s, %s)"
)
ENDPOINTS = "SELECT id, reseller_id, event_types FROM webhook_endpoints WHERE state = 'active'"
EVENT = "INSERT INTO events (type, account_id, reseller_id, data, created_at) VALUES (%s, %s, %s, %s, %s) RETURNING id"
WINDOW = timedelta(minutes=15)
ACTOR = "raw:bench"


class Refused(Exception):
    """The raw redemption found what the product would refuse: a benchmark failure, never expected."""


def redeem(connection: psycopg.Connection[Any], code: str, slug: str, key: CodeKey) -> None:
    """Redeem ``code`` into account ``slug`` as new licenses, in one transaction."""
    canonical = codeformat.normalize(code)
    now = datetime.now(UTC).replace(tzinfo=None)  # the columns hold naive UTC
    today = now.date()
    with connection.transaction(), connection.cursor() as cursor:
        found = cursor.execute(ACCOUNT, (slug,)).fetchone()
        if found is None or found[4] is not None:
            raise Refused(f"no open account {slug!r}")
        account_id, reseller_id, name = found[0], found[1], found[2]
        counts = cursor.execute(FAILURES, {"actor": ACTOR, "account": account_id, "since": now - WINDOW}).fetchone()
        if counts is None or counts[0] >= 10 or counts[1] >= 30:
            raise Refused("too many failed attempts")
        code_row = _code(cursor, canonical, key)
        code_id, solution_id, level_id, units, months, kind = (code_row[i] for i in (0, 5, 6, 7, 8, 12))
        if code_row[4] != "issued" or (code_row[9] is not None and code_row[9] < today):
            raise Refused("the code is not redeemable")
        if code_row[10] not in (None, account_id) or code_row[11] not in (None, reseller_id):
            raise Refused("the code is for another account")
        horizon, floor = today + timedelta(days=45), today - timedelta(days=365)
        if cursor.execute(CANDIDATES, (account_id, solution_id, level_id, horizon, floor)).fetchall():
            raise Refused("licenses to renew: a choice is needed")
        if cursor.execute(CLASH, (account_id, solution_id, level_id, today)).fetchall():
            raise Refused("another level of the solution")
        if cursor.execute(CLAIM, (code_id,)).rowcount != 1:
            raise Refused("redeemed meanwhile")
        ends = add_months(today, months)
        cohort = (account_id, solution_id, level_id, kind, units, today, months, today, ends, code_id, now, today)
        cohort_row = cursor.execute(COHORT, cohort).fetchone()
        assert cohort_row is not None
        cohort_id = cohort_row[0]
        prefix = codeformat.prefix_of(canonical)
        cursor.execute(REDEMPTION, (code_id, account_id, ACTOR, now, cohort_id))
        details = {"account": slug, "cohort": cohort_id, "starts_on": today.isoformat(), "ends_on": ends.isoformat()}
        cursor.execute(AUDIT, (now, ACTOR, prefix, account_id, Json(details), "raw"))
        cursor.execute(ENDPOINTS).fetchall()  # none in the benchmark: no outbox rows, as for the product
        about = {"account": slug, "account_name": name}
        redeemed = about | {"code": prefix, "code_kind": "subscription", "block": cohort_id}
        cursor.execute(EVENT, ("code.redeemed", account_id, reseller_id, Json(redeemed), now))
        added = about | {"block": cohort_id, "kind": kind, "units": units, "starts_on": today.isoformat()}
        added |= {"renews_on": ends.isoformat(), "code": prefix}
        cursor.execute(EVENT, ("licenses.added", account_id, reseller_id, Json(added), now))


def _code(cursor: psycopg.Cursor[Any], canonical: str, key: CodeKey) -> tuple[Any, ...]:
    for row in cursor.execute(CODE, (codeformat.prefix_of(canonical),)).fetchall():
        if row[3] == key.version and key.matches(canonical, salt=bytes(row[1]), digest=bytes(row[2])):
            return tuple(row)
    raise Refused("no such code")
