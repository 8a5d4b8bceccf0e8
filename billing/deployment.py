"""The code key's fingerprint: a database remembers which ``JOANBOT_CODE_KEY`` its codes were digested with.

Codes are stored as keyed digests, so a process with another key finds no code at all and would answer
"no such code" to every valid one. The fingerprint (an HMAC of a fixed label under the key, never the key)
lets every process check its key before it changes anything.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from billing.codeformat import CodeKey
from billing.db import Database
from billing.models.deployment import DeploymentFact

FINGERPRINT = "code_key_fingerprint"
_LABEL = b"joanbot code key fingerprint v1"


class KeyCheck(StrEnum):
    OK = "ok"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"  # the database predates fingerprints (or holds none yet)


def fingerprint(key: CodeKey) -> str:
    return hmac.new(key.secret, _LABEL, hashlib.sha256).hexdigest()


def stored_fingerprint(engine: Engine) -> str | None:
    """The fingerprint the database holds, or None (none yet, or a schema older than fingerprints)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(DeploymentFact.__tablename__):
            return None
        found = connection.execute(select(DeploymentFact.value).where(DeploymentFact.name == FINGERPRINT))
        return found.scalar_one_or_none()


def check(engine: Engine, key: CodeKey) -> KeyCheck:
    """Read-only: whether ``key`` is the database's key."""
    stored = stored_fingerprint(engine)
    if stored is None:
        return KeyCheck.UNKNOWN
    return KeyCheck.OK if hmac.compare_digest(stored, fingerprint(key)) else KeyCheck.MISMATCH


def claim(db: Database, key: CodeKey, *, now: datetime) -> KeyCheck:
    """Record ``key``'s fingerprint if the database holds none (the first key it is opened with wins, also
    between processes starting at once); then say whether ``key`` is the database's key."""
    if stored_fingerprint(db.engine) is None:
        try:
            with db.write() as session:
                session.add(DeploymentFact(name=FINGERPRINT, value=fingerprint(key), recorded_at=now))
        except IntegrityError:
            pass  # another process recorded its key first: compare with theirs
    return check(db.engine, key)
