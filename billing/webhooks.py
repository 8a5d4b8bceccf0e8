"""Webhook endpoints: registered by admins (CLI) or the Portal (portal keys), each with a signing secret.

The secret (``whsec_`` + base64 of 24 random bytes, the Standard Webhooks form) is shown once, when it is
made. It is stored encrypted (AES-256-GCM) under a key derived from the deployment's code key, bound to the
endpoint's name, so a copy of the database alone cannot sign. Rotating keeps the previous secret for 24
hours; deliveries are signed with both meanwhile (Standard Webhooks allows several signatures).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import audit, events
from billing.actors import Actor, NotAllowed
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.models import Reseller, WebhookEndpoint
from billing.models.events import EndpointState, EventType
from billing.resellers import find_reseller
from billing.webhook_urls import Resolver, check_at_registration, system_resolver

ROTATION_OVERLAP = timedelta(hours=24)
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class WebhookExists(Conflict):
    code = "webhook_exists"


class UnknownEventType(InvalidInput):
    code = "unknown_event_type"


@dataclass(frozen=True)
class EndpointView:
    name: str
    url: str
    event_types: tuple[str, ...] | None
    reseller: str | None
    state: str
    created_at: datetime
    failing_since: datetime | None


class SecretBox:
    """Encrypts signing secrets under a key derived from the code key (never the code key itself)."""

    def __init__(self, key: CodeKey) -> None:
        derived = hmac.new(key.secret, b"joanbot webhook signing secrets v1", hashlib.sha256).digest()
        self._aead = AESGCM(derived)

    def seal(self, secret: str, *, name: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), f"webhook:{name}".encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, *, name: str) -> str:
        raw = base64.b64decode(sealed.removeprefix("v1:"))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], f"webhook:{name}".encode()).decode()
        except InvalidTag:
            raise ValueError(f"the signing secret of webhook {name!r} was sealed under another code key") from None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def parse_event_types(given: Sequence[str] | None) -> list[str] | None:
    """The types an endpoint asks for (None or empty: every type); an unknown one is refused by name."""
    wanted = [t.strip() for t in given or () if t.strip()]
    known = {str(t) for t in EventType}
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UnknownEventType(f"unknown event type {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return list(dict.fromkeys(wanted)) or None


def _require(actor: Actor) -> None:
    if not (actor.is_admin or actor.role == "portal"):
        raise NotAllowed("only admins and the Portal may manage webhooks")


def _view(endpoint: WebhookEndpoint, reseller: str | None) -> EndpointView:
    types = tuple(endpoint.event_types) if endpoint.event_types else None
    state = str(endpoint.state)
    return EndpointView(
        endpoint.name, endpoint.url, types, reseller, state, endpoint.created_at, endpoint.failing_since
    )


class Webhooks:
    def __init__(
        self, db: Database, *, key: CodeKey, allow_http: bool = False, resolve: Resolver = system_resolver
    ) -> None:
        self._db = db
        self._box = SecretBox(key)
        self.allow_http = allow_http
        self._resolve = resolve

    def add(
        self,
        *,
        name: str,
        url: str,
        event_types: Sequence[str] | None,
        reseller: str | None,
        actor: Actor,
        now: datetime,
    ) -> tuple[EndpointView, str]:
        """Register an endpoint; returns it and its signing secret (shown this once)."""
        _require(actor)
        name = name.strip().lower()
        if not _NAME.match(name):
            raise InvalidInput("a webhook name is 1 to 60 lowercase letters, digits, '-' or '_'")
        target = check_at_registration(url, allow_http=self.allow_http, resolve=self._resolve)
        types = parse_event_types(event_types)
        secret = new_secret()
        with self._db.write() as session:
            if session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.name == name)) is not None:
                raise WebhookExists(f"a webhook named {name!r} exists; remove it first or choose another name")
            scope = find_reseller(session, reseller) if reseller else None
            endpoint = WebhookEndpoint(
                name=name,
                url=target.url,
                event_types=types,
                reseller_id=scope.id if scope else None,
                secret=self._box.seal(secret, name=name),
                state=EndpointState.ACTIVE,
                created_by=actor.ref,
                created_at=now,
            )
            session.add(endpoint)
            session.flush()
            events.forget_endpoints(session)
            details = {"url": target.url, "events": types, "reseller": scope.slug if scope else None}
            self._audit(session, actor, "webhook.added", name, now, details)
            return _view(endpoint, scope.slug if scope else None), secret

    def all(self, *, actor: Actor) -> list[EndpointView]:
        _require(actor)
        with self._db.read() as session:
            rows = session.execute(
                select(WebhookEndpoint, Reseller.slug)
                .join(Reseller, Reseller.id == WebhookEndpoint.reseller_id, isouter=True)
                .order_by(WebhookEndpoint.name)
            )
            return [_view(endpoint, slug) for endpoint, slug in rows]

    def remove(self, *, name: str, actor: Actor, now: datetime) -> None:
        """Forget an endpoint; what was still to be delivered to it is cancelled."""
        _require(actor)
        from billing.webhook_outbox import cancel_pending

        with self._db.write() as session:
            endpoint = self._find(session, name)
            cancel_pending(session, endpoint.id, now=now, reason="webhook removed")
            session.delete(endpoint)
            events.forget_endpoints(session)
            self._audit(session, actor, "webhook.removed", endpoint.name, now, {"url": endpoint.url})

    def rotate_secret(self, *, name: str, actor: Actor, now: datetime) -> str:
        """A new signing secret (returned, shown once); the old one still signs for 24 hours."""
        _require(actor)
        secret = new_secret()
        with self._db.write() as session:
            endpoint = self._find(session, name)
            endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
            endpoint.secret = self._box.seal(secret, name=endpoint.name)
            self._audit(session, actor, "webhook.secret_rotated", endpoint.name, now, {})
        return secret

    def signing_secrets(self, endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one for 24 hours."""
        found = [self._box.open(endpoint.secret, name=endpoint.name)]
        until = endpoint.previous_secret_until
        if endpoint.previous_secret and until is not None and now < until:
            found.append(self._box.open(endpoint.previous_secret, name=endpoint.name))
        return found

    def _find(self, session: Session, name: str, *, lock: bool = True) -> WebhookEndpoint:
        query = select(WebhookEndpoint).where(WebhookEndpoint.name == name.strip().lower())
        endpoint = session.scalar(query.with_for_update() if lock else query)
        if endpoint is None:
            raise WebhookNotFound(f"no webhook named {name!r}")
        return endpoint

    def endpoint(self, *, name: str) -> WebhookEndpoint:
        with self._db.read() as session:
            found = self._find(session, name, lock=False)
            session.expunge(found)
            return found

    def _audit(
        self, session: Session, actor: Actor, action: str, name: str, now: datetime, details: dict[str, Any]
    ) -> None:
        audit.record(
            session, actor=actor, action=action, subject_type="webhook", subject_id=name, at=now, details=details
        )
