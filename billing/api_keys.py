"""Portal API keys: create (shown once), list, revoke, and authenticate a request's bearer key.

A key is ``jbk_`` and 43 URL-safe characters from ``secrets`` (256 bits), so secret scanners can recognise
a leaked one. It is stored as a keyed hash under the deployment's code key, never in plaintext.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.models import ApiKey, Reseller
from billing.models.api import ApiScope
from billing.names import check_slug
from billing.prepared import Prepared
from billing.resellers import find_reseller

PREFIX = "jbk_"
SECRET_BYTES = 32
SHOWN_LENGTH = 10
DIGEST_SALT = b"joanbot-api-key:"
LAST_USE_RESOLUTION = timedelta(minutes=1)  # last use is written at most once a minute per key


class InvalidScope(InvalidInput):
    code = "invalid_scope"


class ApiKeyNameTaken(Conflict):
    code = "api_key_name_taken"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    name: str
    shown: str
    scope: ApiScope
    reseller_id: int | None
    reseller_slug: str | None
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def scope_text(self) -> str:
        return f"reseller={self.reseller_slug}" if self.scope == ApiScope.RESELLER else "portal"

    def actor(self, *, on_behalf_of: str | None = None) -> Actor:
        """Who a request with this key is: ``api:<name>``, a reseller member or the portal."""
        if self.scope == ApiScope.RESELLER:
            return Actor(
                ref=f"api:{self.name}",
                role="reseller",
                reseller_id=self.reseller_id,
                on_behalf_of=on_behalf_of,
                shared=True,
            )
        return Actor(ref=f"api:{self.name}", role="portal", on_behalf_of=on_behalf_of, shared=True)


@dataclass(frozen=True)
class CreatedKey:
    key: str  # the plaintext, shown once
    view: ApiKeyView


# One statement, with the fields of ``ApiKeyView``: a request's key is looked up on every call.
_LIVE_KEY = Prepared(
    select(
        ApiKey.id,
        ApiKey.name,
        ApiKey.shown,
        ApiKey.scope,
        ApiKey.reseller_id,
        Reseller.slug.label("reseller_slug"),
        ApiKey.read_only,
        ApiKey.created_at,
        ApiKey.last_used_at,
        ApiKey.revoked_at,
    )
    .outerjoin(Reseller, Reseller.id == ApiKey.reseller_id)
    .where(ApiKey.digest == bindparam("digest"), ApiKey.revoked_at.is_(None))
)


def parse_scope(text: str) -> tuple[ApiScope, str | None]:
    """``portal`` or ``reseller=SLUG``."""
    cleaned = text.strip().lower()
    if cleaned == ApiScope.PORTAL:
        return ApiScope.PORTAL, None
    kind, _, slug = cleaned.partition("=")
    if kind == ApiScope.RESELLER and slug:
        return ApiScope.RESELLER, slug
    raise InvalidScope("the scope is portal or reseller=SLUG", scope=text)


def _view(key: ApiKey, reseller: Reseller | None) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        shown=key.shown,
        scope=key.scope,
        reseller_id=key.reseller_id,
        reseller_slug=reseller.slug if reseller else None,
        read_only=key.read_only,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


def _view_of(session: Session, key: ApiKey) -> ApiKeyView:
    return _view(key, session.get(Reseller, key.reseller_id) if key.reseller_id else None)


class ApiKeys:
    def __init__(self, db: Database, *, key: CodeKey) -> None:
        self._db = db
        self._key = key

    @staticmethod
    def well_formed(key: str) -> bool:
        """Whether ``key`` could be a key at all (``jbk_``, ASCII, not absurdly long); others are not looked up."""
        return key.startswith(PREFIX) and len(key) <= 200 and key.isascii()

    def _digest(self, plaintext: str) -> bytes:
        return self._key.digest(plaintext, DIGEST_SALT)

    def create(
        self, *, name: str, scope: str, read_only: bool, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> CreatedKey:
        actor.require_admin("create API keys")
        cleaned = check_slug(name)
        kind, reseller_slug = parse_scope(scope)
        plaintext = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
        with self._db.write() as session:
            if session.scalar(select(ApiKey.id).where(ApiKey.name == cleaned, ApiKey.revoked_at.is_(None))):
                raise ApiKeyNameTaken(f"a live API key is already named {cleaned!r}", name=cleaned)
            reseller = find_reseller(session, reseller_slug) if reseller_slug else None
            row = ApiKey(
                name=cleaned,
                digest=self._digest(plaintext),
                key_version=self._key.version,
                shown=plaintext[:SHOWN_LENGTH],
                scope=kind,
                reseller_id=reseller.id if reseller else None,
                read_only=read_only,
                created_at=now,
                created_by=actor.ref,
            )
            session.add(row)
            session.flush()
            view = _view(row, reseller)
            audit.record(
                session,
                actor=actor,
                action="api_key.created",
                subject_type="api_key",
                subject_id=cleaned,
                at=now,
                details={"scope": view.scope_text, "read_only": read_only},
                request_ref=request_ref,
            )
        return CreatedKey(key=plaintext, view=view)

    def list(self, *, actor: Actor, include_revoked: bool = False) -> list[ApiKeyView]:
        actor.require_admin("list API keys")
        query = select(ApiKey).order_by(ApiKey.name, ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        with self._db.read() as session:
            return [_view_of(session, key) for key in session.scalars(query)]

    def revoke(self, *, name: str, actor: Actor, now: datetime, request_ref: str | None = None) -> ApiKeyView:
        actor.require_admin("revoke API keys")
        cleaned = name.strip().lower()
        with self._db.write() as session:
            row = session.scalar(
                select(ApiKey).where(ApiKey.name == cleaned, ApiKey.revoked_at.is_(None)).with_for_update()
            )
            if row is None:
                raise ApiKeyNotFound(f"no live API key named {cleaned!r}", name=cleaned)
            row.revoked_at = now
            audit.record(
                session,
                actor=actor,
                action="api_key.revoked",
                subject_type="api_key",
                subject_id=cleaned,
                at=now,
                request_ref=request_ref,
            )
            return _view_of(session, row)

    def authenticate(self, *, key: str, now: datetime) -> ApiKeyView | None:
        """The live key ``key`` is, or None; records its use (to the minute)."""
        if not self.well_formed(key):
            return None
        with self._db.read() as session:
            view = self._live(session.connection(), key)
        self._used(view, now)
        return view

    @contextmanager
    def writing(self, *, key: str, now: datetime) -> Iterator[ApiKeyView | None]:
        """One write transaction for a request made with ``key``: the key is looked up in it, then the use
        cases the block calls join it, so that a request is one transaction. Yields the live key or None, as
        ``authenticate``."""
        with self._db.write_unit() as connection:  # Core: the use cases inside may not need a session
            view = self._live(connection, key) if self.well_formed(key) else None
            self._used(view, now)
            yield view

    def _live(self, connection: Connection, key: str) -> ApiKeyView | None:
        # Prepared (compiled once, run on the driver's cursor): it is on every request's path.
        rows = _LIVE_KEY.rows(connection, {"digest": self._digest(key)})
        return ApiKeyView(**rows[0]._asdict()) if rows else None

    def _used(self, view: ApiKeyView | None, now: datetime) -> None:
        """Record the key's use, at most once a minute: after the request's transaction, if one is open, in
        one of its own (a refused request, rolled back, was still a use)."""
        if view is None or (view.last_used_at is not None and now - view.last_used_at < LAST_USE_RESOLUTION):
            return

        def record() -> None:
            with self._db.write() as session:
                session.execute(update(ApiKey).where(ApiKey.id == view.id).values(last_used_at=now))

        self._db.after_transaction(record)
