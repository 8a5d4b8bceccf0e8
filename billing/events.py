"""Events: what changed, recorded by the use case that changed it, in its transaction.

``record`` (``record_many`` for a sweep's thousands) is the one way to write an event: it writes the row
and, in the same transaction, one outbox message per webhook endpoint that wants it, so an event and its
deliveries exist exactly when the change committed. The two rules about who sees what are decided here
once: an event belongs to the reseller of its account when it happened (``reseller_id``), and its amounts
are kept apart (never for an account that pays through a reseller) and shown only to those without a
reseller scope (``body``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ARRAY, BigInteger, Connection, Table, any_, bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing.actors import Actor, NotAllowed
from billing.bulk import insert_new, insert_new_returning
from billing.db import Database
from billing.models import Account, Cohort, Event, PlanLevel, Solution, WebhookEndpoint
from billing.models.events import EndpointState, EventType
from billing.models.outbox import OutboxMedium
from billing.models.parties import PaymentMethod
from billing.outbox import insert_messages
from billing.prepared import Prepared

RETENTION = timedelta(days=30)
EVENT_ID_PREFIX = "evt_"
BATCH = 5_000  # blocks per read and per ``record_many`` in ``about_cohorts`` (and in an import's events)
_EVENTS = cast(Table, Event.__table__)
_ENDPOINTS = "joanbot.webhook_endpoints"  # session.info cache: one look-up per transaction, however many events
_INSERT_SORTED = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)  # ids in row order
_EVENT_COLUMNS = ("type", "account_id", "reseller_id", "data", "amounts", "dedupe_key", "created_at")  # ``_values``
_INSERT = Prepared(insert(_EVENTS), keys=_EVENT_COLUMNS)  # when no endpoint is told of them, nothing needs ids
Endpoints = list[tuple[int, int | None, list[str] | None]]  # (id, reseller scope, event types or None: all)


@dataclass(frozen=True)
class Party:
    """What an event row needs of the account it is about."""

    id: int
    reseller_id: int | None
    slug: str
    name: str
    payment_method: PaymentMethod

    @classmethod
    def of(cls, account: Account) -> Party:
        return cls(account.id, account.reseller_id, account.slug, account.name, account.payment_method)

    @property
    def pays_through_reseller(self) -> bool:
        return self.payment_method == PaymentMethod.RESELLER


@dataclass(frozen=True)
class NewEvent:
    """One event for ``record_many``."""

    type: EventType
    party: Party
    data: Mapping[str, Any]
    amounts: Mapping[str, Any] | None = None
    key: str | None = None


_ABOUT_BLOCKS = (  # blocks by id, with what an event says of them and of their account (``about_cohorts``)
    select(
        Cohort.id,
        Cohort.license_kind,
        Cohort.units,
        Cohort.starts_on,
        Cohort.ends_on,
        Solution.slug,
        PlanLevel.slug,
        Account.id,
        Account.reseller_id,
        Account.slug,
        Account.name,
        Account.payment_method,
    )
    .join(Account, Account.id == Cohort.account_id)
    .join(Solution, Solution.id == Cohort.solution_id)
    .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
)
_BY_ID = {  # one array parameter on PostgreSQL: a thousand placeholders would be a new text psycopg parses
    "sqlite": _ABOUT_BLOCKS.where(Cohort.id.in_(bindparam("ids", expanding=True))),
    "postgresql": _ABOUT_BLOCKS.where(Cohort.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))),
}


def public_id(event_id: int) -> str:
    return f"{EVENT_ID_PREFIX}{event_id}"


def parse_id(text: str) -> int | None:
    """``evt_123`` (or ``123``) -> 123; None when it is neither."""
    digits = text.removeprefix(EVENT_ID_PREFIX)
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


_SCALARS = frozenset({str, int, bool, float, type(None)})  # most values: returned before any ABC check


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): v if type(v) in _SCALARS else _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _SCALARS else _plain(v) for v in value]
    return value


_ACTIVE_ENDPOINTS = Prepared(
    select(WebhookEndpoint.id, WebhookEndpoint.reseller_id, WebhookEndpoint.event_types).where(
        WebhookEndpoint.state == EndpointState.ACTIVE
    )
)


def active_endpoints(connection: Connection) -> Endpoints:
    """The webhook endpoints events are delivered to."""
    return [(i, r, t) for i, r, t in _ACTIVE_ENDPOINTS.rows(connection, {})]


def _endpoints(session: Session) -> Endpoints:
    cached = session.info.get(_ENDPOINTS)
    if cached is None:
        cached = session.info[_ENDPOINTS] = active_endpoints(session.connection())
    return list(cached)


def forget_endpoints(session: Session) -> None:
    """An endpoint was added, removed or disabled in this transaction: look them up again."""
    session.info.pop(_ENDPOINTS, None)


def wants(reseller_scope: int | None, types: Sequence[str] | None, event_type: str, reseller_id: int | None) -> bool:
    """Whether an endpoint (or key) of ``reseller_scope`` asking for ``types`` is shown this event."""
    in_scope = reseller_scope is None or reseller_scope == reseller_id
    return in_scope and (not types or event_type in types)


def record(
    session: Session,
    type_: EventType,
    account: Account,
    data: Mapping[str, Any],
    *,
    now: datetime,
    amounts: Mapping[str, Any] | None = None,
    key: str | None = None,
) -> int | None:
    """Write one event about ``account`` and its deliveries. With ``key``, an event already recorded under
    it makes this a no-op (returns None): for steps that may run twice."""
    values = _values(NewEvent(type_, Party.of(account), data, amounts, key), now)
    event_id: int | None
    if key is None:
        event_id = session.execute(insert(Event).returning(Event.id), values).scalar_one()
    else:
        dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
        statement = dialect.insert(Event).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Event.id)
        event_id = session.execute(statement, values).scalar()
        if event_id is None:
            return None
    messages = _deliveries(session, event_id, type_, account.reseller_id)
    insert_messages(session, messages, now=now, medium=OutboxMedium.WEBHOOK)
    return int(event_id)


def record_many(session: Session, events: Sequence[NewEvent], *, now: datetime) -> int:
    """``record`` for many events at once, in bulk (``billing.bulk``); an event whose key is taken is
    skipped. Returns how many were recorded. Only the events some endpoint is told of are read back, for
    their ids: their deliveries name them."""
    endpoints = _endpoints(session)
    told: list[NewEvent] = []
    silent: list[NewEvent] = []
    for event in events:
        wanted = any(wants(scope, types, event.type, event.party.reseller_id) for _, scope, types in endpoints)
        (told if wanted else silent).append(event)
    connection, key = session.connection(), ["dedupe_key"]
    recorded = insert_new(connection, _EVENTS, [_values(event, now) for event in silent], key=key)
    returning = (_EVENTS.c.id, _EVENTS.c.type, _EVENTS.c.reseller_id)
    new = insert_new_returning(connection, _EVENTS, [_values(e, now) for e in told], key=key, returning=returning)
    messages = [m for event_id, type_, reseller_id in new for m in _deliveries(session, event_id, type_, reseller_id)]
    insert_messages(session, messages, now=now, medium=OutboxMedium.WEBHOOK)
    return recorded + len(new)


def _values(event: NewEvent, now: datetime) -> dict[str, Any]:
    party = event.party
    # Nothing about an account that pays through a reseller carries an amount outside staff.
    amounts = None if party.pays_through_reseller else event.amounts
    return {
        "type": event.type,
        "account_id": party.id,
        "reseller_id": party.reseller_id,
        "data": _plain({"account": party.slug, "account_name": party.name, **event.data}),
        "amounts": _plain(amounts) if amounts else None,
        "dedupe_key": event.key,
        "created_at": now,
    }


def _deliveries(
    session: Session, event_id: int, type_: str, reseller_id: int | None
) -> list[tuple[str, str, dict[str, Any]]]:
    """One outbox message per active endpoint that wants the event."""
    return _to_endpoints(_endpoints(session), event_id, type_, reseller_id)


def _to_endpoints(
    endpoints: Endpoints, event_id: int, type_: str, reseller_id: int | None
) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (f"webhook:{event_id}:{endpoint_id}", f"webhook:{endpoint_id}", {"event_id": event_id})
        for endpoint_id, scope, types in endpoints
        if wants(scope, types, type_, reseller_id)
    ]


def record_together(connection: Connection, events: Sequence[NewEvent], *, endpoints: Endpoints, now: datetime) -> None:
    """A few events in one INSERT, and their deliveries to ``endpoints`` (``active_endpoints``): for a use
    case on a Core connection that records more than one (a redemption: ``code.redeemed`` and the block's)."""
    rows = [_values(event, now) for event in events]
    told = any(wants(scope, types, e.type, e.party.reseller_id) for e in events for _, scope, types in endpoints)
    if not told:  # one executemany, no RETURNING to sort back into row order
        _INSERT.many(connection, rows)
        return
    ids = [int(i) for i in connection.execute(_INSERT_SORTED, rows).scalars()]
    messages = [
        message
        for event_id, event in zip(ids, events, strict=True)
        for message in _to_endpoints(endpoints, event_id, event.type, event.party.reseller_id)
    ]
    insert_messages(connection, messages, now=now, medium=OutboxMedium.WEBHOOK)


def body(event: Event, *, amounts_visible: bool) -> dict[str, Any]:
    """The event as receivers and the event log see it."""
    data = dict(event.data)
    if amounts_visible and event.amounts:
        data.update(event.amounts)
    return {
        "id": public_id(event.id),
        "type": str(event.type),
        "created_at": event.created_at.isoformat(),
        "data": data,
    }


def cohort_data(cohort: Cohort, solution: str, level: str) -> dict[str, Any]:
    return block_data(cohort.id, solution, level, cohort.license_kind, cohort.units, cohort.starts_on, cohort.ends_on)


def block_data(
    block: int, solution: str, level: str, kind: str, units: int, starts_on: date, renews_on: date
) -> dict[str, Any]:
    """What every event about a block of licenses says of it."""
    return {
        "block": block,
        "solution": solution,
        "level": level,
        "kind": str(kind),
        "units": units,
        "starts_on": starts_on,
        "renews_on": renews_on,
    }


def about_cohort(
    session: Session,
    type_: EventType,
    cohort_id: int,
    *,
    now: datetime,
    key: str | None = None,
    amounts: Mapping[str, Any] | None = None,
    **extra: Any,
) -> int | None:
    """An event about one block of licenses: its account, solution, level, units and dates, and ``extra``."""
    cohort, account, solution, level = session.execute(
        select(Cohort, Account, Solution.slug, PlanLevel.slug)
        .join(Account, Account.id == Cohort.account_id)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(Cohort.id == cohort_id)
    ).one()
    data = {**cohort_data(cohort, solution, level), **extra}
    return record(session, type_, account, data, now=now, amounts=amounts, key=key)


def about_cohorts(
    session: Session, type_: EventType, extras: Sequence[tuple[int, str | None, Mapping[str, Any]]], *, now: datetime
) -> int:
    """``about_cohort`` for many blocks, each ``(cohort_id, key, extra)``, ``BATCH`` blocks at a time (bounded
    memory): one read of their facts (columns, not entities), then ``record_many``. Returns how many events
    were recorded."""
    connection, recorded = session.connection(), 0
    by_id = _BY_ID[connection.dialect.name]
    for start in range(0, len(extras), BATCH):
        batch = extras[start : start + BATCH]
        facts: dict[int, tuple[Party, dict[str, Any]]] = {}
        rows = connection.execute(by_id, {"ids": [cohort_id for cohort_id, _, _ in batch]})
        for cohort_id, kind, units, starts_on, ends_on, solution, level, *account in rows:
            facts[cohort_id] = (
                Party(*account),
                block_data(cohort_id, solution, level, kind, units, starts_on, ends_on),
            )
        events = [
            NewEvent(type_, facts[cohort_id][0], {**facts[cohort_id][1], **extra}, key=key)
            for cohort_id, key, extra in batch
        ]
        recorded += record_many(session, events, now=now)
    return recorded


def prune(session: Session, *, now: datetime) -> int:
    """Forget events older than 30 days (their deliveries are long settled)."""
    result = session.execute(delete(Event).where(Event.created_at < now - RETENTION))
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EventPage:
    events: list[dict[str, Any]]
    next_after: str | None  # the cursor for the next page (None: this was the last one for now)


class EventLog:
    """The last 30 days of events, oldest first, as a key (or an admin) may see them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(
        self,
        *,
        actor: Actor,
        now: datetime,
        after: int | None = None,
        types: Sequence[str] | None = None,
        limit: int = 100,
    ) -> EventPage:
        if not actor.sees_every_account and actor.reseller_id is None:
            raise NotAllowed("only staff, the Portal and resellers' keys may read the event log")
        query = select(Event).where(Event.created_at >= now - RETENTION).order_by(Event.id).limit(limit + 1)
        if after is not None:
            query = query.where(Event.id > after)
        if types:
            query = query.where(Event.type.in_(list(types)))
        if not actor.sees_every_account:
            query = query.where(Event.reseller_id == actor.reseller_id)
        with self._db.read() as session:
            rows = list(session.scalars(query))
            page = rows[:limit]
            shown = [body(event, amounts_visible=actor.reseller_id is None) for event in page]
            return EventPage(shown, public_id(page[-1].id) if len(rows) > limit else None)

    def record_lapsed(self, *, now: datetime) -> int:
        """The sweep's step: ``licenses.lapsed`` for blocks whose renewal date came (each once)."""
        from billing.event_records import record_lapsed

        with self._db.write() as session:
            return record_lapsed(session, now=now)

    def prune(self, *, now: datetime) -> int:
        with self._db.write() as session:
            return prune(session, now=now)
