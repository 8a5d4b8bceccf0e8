"""Portal API keys and the responses kept for idempotent requests.

No plaintext key is stored: a key is found by its keyed hash (HMAC-SHA256 under the deployment secret the
code digests use); only its first characters are kept, to tell keys apart in a list.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, enum_column


class ApiScope(StrEnum):
    PORTAL = "portal"  # every account, with what staff see, without staff-only actions
    RESELLER = "reseller"  # one reseller's accounts, as a member of it: never a price


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("(scope = 'reseller') = (reseller_id IS NOT NULL)", name="reseller_scope"),
        # A name names one live key; a revoked key keeps its name in the history.
        Index(
            "uq_api_keys_live_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    key_version: Mapped[int] = mapped_column(SmallInteger)
    shown: Mapped[str] = mapped_column(String(12))  # "jbk_" and the first characters, for lists
    scope: Mapped[ApiScope] = mapped_column(enum_column(ApiScope, name="scope", length=10))
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"))
    read_only: Mapped[bool]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first response to a request with an ``Idempotency-Key``, claimed in the request's transaction."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key"),
        Index("ix_idempotency_records_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the method, path and body
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
