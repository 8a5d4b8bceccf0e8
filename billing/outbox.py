"""The outbox's bookkeeping: what is to be posted where, and who is posting it right now.

``enqueue`` turns undelivered reminders (a digest per channel, split into messages of at most
``MAX_REMINDERS_PER_MESSAGE``) and alert changes into outbox rows, in one transaction with marking them
delivered-to-outbox: a crash in between loses nothing and duplicates nothing. ``claim`` hands one row
to one poster under a fenced lease and paces each channel to about one message per second; ``finish``
and ``retry_later`` only touch a row whose claim token still matches. Posting itself is the bot's.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    case,
    column,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing import bulk
from billing.db import Database, UTCDateTime
from billing.email_plan import plan_emails
from billing.models import Account, Alert, ChannelPacing, OutboxMessage, ReminderNotice, Reseller, ResellerChannel
from billing.models.notices import AlertKind
from billing.models.outbox import DeliveryFailure, OutboxMedium, OutboxState

MAX_REMINDERS_PER_MESSAGE = 20
MAX_ATTEMPTS = 8
PACE = timedelta(seconds=1.1)
LEASE = timedelta(minutes=2)

_NOTICES = cast(Table, ReminderNotice.__table__)
_MESSAGES = cast(Table, OutboxMessage.__table__)
# Which message delivers which reminders: built once, Core on the table (not an ORM bulk update). PostgreSQL
# takes every (notice, message) pair as two array parameters, one statement for the whole sweep (a statement
# a message, pipelined, cost 82 ms for a day's 3,900 reminders in 274 messages); SQLite has no arrays, so
# one executemany of a row a notice.
_PAIRS = (
    func.unnest(bindparam("notices", type_=ARRAY(BigInteger)), bindparam("deliveries", type_=ARRAY(BigInteger)))
    .table_valued(column("id", BigInteger), column("delivery", BigInteger))
    .render_derived(name="pairs")
)
_TAKEN = select(_MESSAGES.c.dedupe_key).where(_MESSAGES.c.dedupe_key == any_(bindparam("keys", type_=ARRAY(String))))
_DELIVER = {
    "postgresql": update(_NOTICES).where(_NOTICES.c.id == _PAIRS.c.id).values(delivery_id=_PAIRS.c.delivery),
    "sqlite": update(_NOTICES).where(_NOTICES.c.id == bindparam("notices")).values(delivery_id=bindparam("delivery")),
}


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    dedupe_key: str
    channel_id: str
    payload: dict[str, Any]
    attempts: int
    outcome_unknown: bool
    first_claimed_at: datetime

    @property
    def must_reconcile(self) -> bool:
        """A previous attempt may have posted: look for the message before posting again."""
        return self.outcome_unknown or self.attempts > 1


@dataclass(frozen=True)
class Route:
    channel_id: str | None
    note: str | None


def _reseller_routes(session: Session) -> dict[int, tuple[str | None, str]]:
    """Reseller id -> (its first linked channel or None, its name)."""
    routes: dict[int, tuple[str | None, str]] = {}
    rows = session.execute(
        select(Reseller.id, Reseller.name, ResellerChannel.channel_id)
        .join(ResellerChannel, ResellerChannel.reseller_id == Reseller.id, isouter=True)
        .order_by(Reseller.id, ResellerChannel.linked_at)
    )
    for reseller_id, name, channel_id in rows:
        if reseller_id not in routes or routes[reseller_id][0] is None:
            routes[reseller_id] = (channel_id, name)
    return routes


def route(reseller_id: int | None, routes: dict[int, tuple[str | None, str]], sales_channel: str | None) -> Route:
    if reseller_id is None:
        return Route(sales_channel, None)
    channel, name = routes.get(reseller_id, (None, "unknown reseller"))
    if channel is not None:
        return Route(channel, None)
    return Route(sales_channel, f"{name} has no linked channel: link one with /joan reseller link")


def insert_messages(
    session: Session | Connection,
    messages: list[tuple[str, str, dict[str, Any]]],
    *,
    now: datetime,
    medium: OutboxMedium = OutboxMedium.SLACK,
) -> dict[str, int]:
    """Insert ``(dedupe_key, channel, payload)`` rows, in bulk (``billing.bulk``); returns the new rows' ids
    by key (a key another sweep already inserted is skipped)."""
    if not messages:
        return {}
    rows = [
        {
            "dedupe_key": key,
            "channel_id": channel,
            "medium": medium,
            "payload": payload,
            "state": OutboxState.PENDING,
            "attempts": 0,
            "outcome_unknown": False,
            "next_attempt_at": now,
            "created_at": now,
        }
        for key, channel, payload in messages
    ]
    returning = (_MESSAGES.c.id, _MESSAGES.c.dedupe_key)
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name == "postgresql" and len(rows) >= bulk.STAGE_FROM:
        # Keys already taken are skipped before the bulk insert, whose COPY would fail on them and go again
        # through a temporary table: a message not delivered yet (Slack down, a backlog) is enqueued by
        # every sweep until it is. (Fewer rows go by INSERT ... ON CONFLICT DO NOTHING, which skips them.)
        taken = set(connection.execute(_TAKEN, {"keys": [row["dedupe_key"] for row in rows]}).scalars())
        rows = [row for row in rows if row["dedupe_key"] not in taken]
    new = bulk.insert_new_returning(connection, _MESSAGES, rows, key=["dedupe_key"], returning=returning)
    return {key: message_id for message_id, key in new}


class Outbox:
    def __init__(self, db: Database, *, pace: timedelta = PACE, lease: timedelta = LEASE) -> None:
        self._db = db
        self.pace = pace
        self.lease = lease

    def enqueue(self, *, now: datetime, sales_channel: str | None, email: bool = False) -> int:
        """Put every undelivered reminder and alert change into the outbox, and with ``email`` each reminder's
        emails too. Returns the new messages."""
        with self._db.write() as session:
            routes = _reseller_routes(session)
            created = self._enqueue_reminders(session, now, routes, sales_channel)
            created += self._enqueue_alerts(session, now, routes, sales_channel)
            if email:
                created += len(insert_messages(session, plan_emails(session, now), now=now, medium=OutboxMedium.EMAIL))
            return created

    def enqueue_alerts(self, session: Session, *, now: datetime, sales_channel: str | None) -> int:
        """Alert changes into the outbox, inside a caller's transaction (the mail side's failures)."""
        return self._enqueue_alerts(session, now, _reseller_routes(session), sales_channel)

    def _add_all(
        self, session: Session, messages: list[tuple[str, str, dict[str, Any]]], now: datetime
    ) -> dict[str, int]:
        return insert_messages(session, messages, now=now)

    def _enqueue_reminders(
        self, session: Session, now: datetime, routes: dict[int, tuple[str | None, str]], sales_channel: str | None
    ) -> int:
        rows = session.execute(
            select(ReminderNotice.id, Account.reseller_id)
            .join(Account, Account.id == ReminderNotice.account_id)
            .where(ReminderNotice.delivery_id.is_(None))
            .order_by(ReminderNotice.id)
            .with_for_update(of=ReminderNotice)
        ).all()
        groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for notice_id, reseller_id in rows:
            where = route(reseller_id, routes, sales_channel)
            if where.channel_id is not None:
                groups[(where.channel_id, where.note)].append(notice_id)
        messages, parts = [], {}
        for (channel, note), ids in groups.items():
            for start in range(0, len(ids), MAX_REMINDERS_PER_MESSAGE):
                part = ids[start : start + MAX_REMINDERS_PER_MESSAGE]
                key = f"reminders:{channel}:{part[0]}"
                messages.append((key, channel, {"kind": "reminders", "notice_ids": part, "note": note}))
                parts[key] = part
        created = self._add_all(session, messages, now)
        if created:
            connection = session.connection()
            pairs = [(n, message_id) for key, message_id in created.items() for n in parts[key]]
            deliveries: list[dict[str, Any]] | dict[str, Any] = (
                [{"notices": n, "delivery": message_id} for n, message_id in pairs]
                if connection.dialect.name == "sqlite"
                else {"notices": [n for n, _ in pairs], "deliveries": [m for _, m in pairs]}
            )
            connection.execute(_DELIVER[connection.dialect.name], deliveries)
        return len(created)

    def _enqueue_alerts(
        self, session: Session, now: datetime, routes: dict[int, tuple[str | None, str]], sales_channel: str | None
    ) -> int:
        alerts = session.scalars(
            select(Alert).where(Alert.delivered_version < Alert.version).order_by(Alert.id).with_for_update()
        ).all()
        messages: list[tuple[str, str, dict[str, Any]]] = []
        for alert in alerts:
            if alert.delivered_version == 0:
                if alert.resolved_at is not None:
                    alert.delivered_version = alert.version  # cleared before anyone was told: say nothing
                    continue
                where = route(alert.reseller_id, routes, sales_channel)
                if alert.kind == AlertKind.CHANNEL_UNREACHABLE:
                    where = Route(sales_channel, None)
                if where.channel_id is None:
                    continue
                payload = {"kind": "alert", "alert_id": alert.id, "note": where.note}
                messages.append((f"alert:{alert.id}:post", where.channel_id, payload))
            elif alert.message_ts is not None and alert.channel_id is not None:
                payload = {"kind": "alert_edit", "alert_id": alert.id, "version": alert.version}
                messages.append((f"alert:{alert.id}:v{alert.version}", alert.channel_id, payload))
        return len(self._add_all(session, messages, now))

    def claim(
        self, *, now: datetime, medium: OutboxMedium = OutboxMedium.SLACK, pace: timedelta | None = None
    ) -> Claim | None:
        """One message of ``medium`` ready to go, to a channel whose pace (default: the outbox's) allows it
        now; None when there is none."""
        with self._db.write() as session:
            ready = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.medium == medium,
                    or_(
                        (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.next_attempt_at <= now),
                        (OutboxMessage.state == OutboxState.CLAIMED) & (OutboxMessage.lease_until < now),
                    ),
                )
                .order_by(OutboxMessage.id)
                .limit(50)
                .with_for_update(skip_locked=True)
            )
            busy: set[str] = set()
            for row in session.scalars(ready):
                if row.channel_id in busy or not self._take_pace(session, row.channel_id, now, pace or self.pace):
                    busy.add(row.channel_id)
                    continue
                token = secrets.token_hex(16)
                row.state, row.claim_token, row.lease_until = OutboxState.CLAIMED, token, now + self.lease
                row.attempts += 1
                row.first_claimed_at = row.first_claimed_at or now
                return Claim(
                    row.id,
                    token,
                    row.dedupe_key,
                    row.channel_id,
                    dict(row.payload),
                    row.attempts,
                    row.outcome_unknown,
                    row.first_claimed_at,
                )
            return None

    def _take_pace(self, session: Session, channel_id: str, now: datetime, pace: timedelta) -> bool:
        dialect = sqlite if self._db.is_sqlite else postgresql
        session.execute(
            dialect.insert(ChannelPacing)
            .values(channel_id=channel_id, next_post_at=now)
            .on_conflict_do_nothing(index_elements=["channel_id"])
        )
        pacing = session.scalar(
            select(ChannelPacing).where(ChannelPacing.channel_id == channel_id).with_for_update(skip_locked=True)
        )
        if pacing is None or pacing.next_post_at > now:
            return False
        pacing.next_post_at = now + pace
        return True

    def finish(self, claim: Claim, *, now: datetime, ts: str) -> bool:
        """Record a posted (or found) message. False when the claim had expired and was taken over."""
        with self._db.write() as session:
            done = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
                .values(
                    state=OutboxState.SENT, external_ts=ts, sent_at=now, claim_token=None, last_error=None, failure=None
                )
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            alert_id = claim.payload.get("alert_id")
            if alert_id is not None:
                alert = session.get(Alert, alert_id, with_for_update=True)
                if alert is not None:
                    if claim.payload["kind"] == "alert":
                        alert.channel_id, alert.message_ts = claim.channel_id, ts
                        alert.delivered_version = max(alert.delivered_version, 1)
                    else:
                        alert.delivered_version = max(alert.delivered_version, int(claim.payload["version"]))
            return True

    def retry_later(
        self,
        claim: Claim,
        *,
        now: datetime,
        delay: timedelta,
        error: str,
        outcome_unknown: bool = False,
        unreachable: bool = False,
    ) -> OutboxState:
        """Put a message back for a later attempt (or give up after MAX_ATTEMPTS). Returns the new state.

        ``unreachable`` is the delivery side's word that the channel itself cannot be posted to (it is gone,
        archived, or the bot is not in it): such messages raise the channel-unreachable alert.
        """
        state = OutboxState.DEAD if claim.attempts >= MAX_ATTEMPTS else OutboxState.PENDING
        with self._db.write() as session:
            values: dict[str, Any] = {
                "state": state,
                "claim_token": None,
                "next_attempt_at": now + delay,
                "last_error": error[:200],
                "failure": DeliveryFailure.UNREACHABLE if unreachable else DeliveryFailure.RETRYABLE,
            }
            if outcome_unknown:
                values["outcome_unknown"] = True
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            pacing = session.get(ChannelPacing, claim.channel_id, with_for_update=True)
            if pacing is not None and pacing.next_post_at < now + delay and error == "ratelimited":
                pacing.next_post_at = now + delay
        return state

    def cancel(self, claim: Claim, *, now: datetime, reason: str) -> None:
        with self._db.write() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
                .values(state=OutboxState.CANCELLED, claim_token=None, last_error=reason[:200], sent_at=now)
                .execution_options(synchronize_session=False)
            )

    def next_ready_at(self, *, medium: OutboxMedium = OutboxMedium.SLACK) -> datetime | None:
        """When the next pending message of ``medium`` may go (the poster sleeps until then)."""
        paced = func.coalesce(ChannelPacing.next_post_at, OutboxMessage.next_attempt_at)
        ready_at = case(
            (OutboxMessage.state == OutboxState.CLAIMED, OutboxMessage.lease_until),
            (paced > OutboxMessage.next_attempt_at, paced),
            else_=OutboxMessage.next_attempt_at,
        )
        with self._db.read() as session:
            return session.scalar(
                select(type_coerce(func.min(ready_at), UTCDateTime()))
                .select_from(OutboxMessage)
                .join(ChannelPacing, ChannelPacing.channel_id == OutboxMessage.channel_id, isouter=True)
                .where(
                    OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.CLAIMED)), OutboxMessage.medium == medium
                )
            )

    def counts(self, *, medium: OutboxMedium | None = None) -> dict[str, int]:
        """Messages per state (of ``medium``, or of every medium)."""
        query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        if medium is not None:
            query = query.where(OutboxMessage.medium == medium)
        with self._db.read() as session:
            return {state: int(count) for state, count in session.execute(query)}
