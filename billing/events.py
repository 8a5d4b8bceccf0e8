"""Events: what changed, recorded by the use case that changed it, in its transaction.

``record`` is the one way to write an event: it writes the row and, in the same transaction, one outbox
message per webhook endpoint that wants it, so an event and its deliveries exist exactly when the change
committed. The two rules about who sees what are decided here once: an event belongs to the reseller of
its account when it happened (``reseller_id``), and its amounts are kept apart (never for an account that
pays through a reseller) and shown only to those without a reseller scope (``body``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing.actors import Actor, NotAllowed
from billing.db import Database
from billing.models import Account, Cohort, Event, PlanLevel, Solution, WebhookEndpoint
from billing.models.events import EndpointState, EventType
from billing.models.outbox import OutboxMedium
from billing.models.parties import PaymentMethod
from billing.outbox import insert_messages

RETENTION = timedelta(days=30)
EVENT_ID_PREFIX = "evt_"
_ENDPOINTS = "joanbot.webhook_endpoints"  # session.info cache: one look-up per transaction, however many events


class Party(Protocol):
    """An account as events need it (the ORM row or its view)."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def reseller_id(self) -> int | None: ...
    @property
    def payment_method(self) -> str: ...


class Block(Protocol):
    """A block of licenses as events show it (the ORM row or its view)."""

    @property
    def id(self) -> int: ...
    @property
    def license_kind(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...


_EVENTS = cast(Table, Event.__table__)
_INSERT = insert(_EVENTS).returning(_EVENTS.c.id)  # built once: most changes record an event
_INSERT_SORTED = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)  # ids in row order
Endpoints = list[tuple[int, int | None, list[str] | None]]  # (id, reseller scope, event types or None: all)
Message = tuple[str, str, dict[str, Any]]


def public_id(event_id: int) -> str:
    return f"{EVENT_ID_PREFIX}{event_id}"


def parse_id(text: str) -> int | None:
    """``evt_123`` (or ``123``) -> 123; None when it is neither."""
    digits = text.removeprefix(EVENT_ID_PREFIX)
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_ACTIVE_ENDPOINTS = select(WebhookEndpoint.id, WebhookEndpoint.reseller_id, WebhookEndpoint.event_types).where(
    WebhookEndpoint.state == EndpointState.ACTIVE
)


def _endpoints(session: Session) -> Endpoints:
    cached = session.info.get(_ENDPOINTS)
    if cached is None:
        rows = session.connection().execute(_ACTIVE_ENDPOINTS)
        cached = session.info[_ENDPOINTS] = [(i, r, t) for i, r, t in rows]
    return list(cached)


def forget_endpoints(session: Session) -> None:
    """An endpoint was added, removed or disabled in this transaction: look them up again."""
    session.info.pop(_ENDPOINTS, None)


def wants(reseller_scope: int | None, types: Sequence[str] | None, event_type: str, reseller_id: int | None) -> bool:
    """Whether an endpoint (or key) of ``reseller_scope`` asking for ``types`` is shown this event."""
    in_scope = reseller_scope is None or reseller_scope == reseller_id
    return in_scope and (not types or event_type in types)


def _values(
    type_: EventType,
    account: Party,
    data: Mapping[str, Any],
    now: datetime,
    amounts: Mapping[str, Any] | None,
    key: str | None = None,
) -> dict[str, Any]:
    if account.payment_method == PaymentMethod.RESELLER:
        amounts = None  # nothing about such an account carries an amount outside staff
    return {
        "type": type_,
        "account_id": account.id,
        "reseller_id": account.reseller_id,
        "data": _plain({"account": account.slug, "account_name": account.name, **data}),
        "amounts": _plain(amounts) if amounts else None,
        "dedupe_key": key,
        "created_at": now,
    }


def _deliveries(event_id: int, type_: str, reseller_id: int | None, endpoints: Endpoints) -> list[Message]:
    return [
        (f"webhook:{event_id}:{endpoint_id}", f"webhook:{endpoint_id}", {"event_id": event_id})
        for endpoint_id, scope, types in endpoints
        if wants(scope, types, type_, reseller_id)
    ]


def record(
    session: Session,
    type_: EventType,
    account: Party,
    data: Mapping[str, Any],
    *,
    now: datetime,
    amounts: Mapping[str, Any] | None = None,
    key: str | None = None,
) -> int | None:
    """Write one event about ``account`` and its deliveries. With ``key``, an event already recorded under
    it makes this a no-op (returns None): for steps that may run twice."""
    values = _values(type_, account, data, now, amounts, key)
    event_id: int | None
    if key is None:
        event_id = session.connection().execute(_INSERT, values).scalar_one()
    else:
        dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
        statement = dialect.insert(Event).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Event.id)
        event_id = session.execute(statement, values).scalar()
        if event_id is None:
            return None
    messages = _deliveries(int(event_id), type_, account.reseller_id, _endpoints(session))
    insert_messages(session, messages, now=now, medium=OutboxMedium.WEBHOOK)
    return int(event_id)


def active_endpoints(connection: Connection) -> Endpoints:
    """The webhook endpoints events are delivered to (read once per transaction)."""
    return [(i, r, t) for i, r, t in connection.execute(_ACTIVE_ENDPOINTS)]


def record_together(
    connection: Connection,
    account: Party,
    events: Sequence[tuple[EventType, Mapping[str, Any], Mapping[str, Any] | None]],
    *,
    endpoints: Endpoints,
    now: datetime,
) -> list[int]:
    """Several events about one account, each ``(type, data, amounts)``, in one INSERT, and their deliveries
    to ``endpoints`` (``active_endpoints``): for a use case on a Core connection that records more than one."""
    rows = [_values(type_, account, data, now, amounts) for type_, data, amounts in events]
    ids = [int(i) for i in connection.execute(_INSERT_SORTED, rows).scalars()]
    messages = [
        m for i, (t, _, _) in zip(ids, events, strict=True) for m in _deliveries(i, t, account.reseller_id, endpoints)
    ]
    insert_messages(connection, messages, now=now, medium=OutboxMedium.WEBHOOK)
    return ids


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


def cohort_data(cohort: Block, solution: str, level: str) -> dict[str, Any]:
    return {
        "block": cohort.id,
        "solution": solution,
        "level": level,
        "kind": str(cohort.license_kind),
        "units": cohort.units,
        "starts_on": cohort.starts_on,
        "renews_on": cohort.ends_on,
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
