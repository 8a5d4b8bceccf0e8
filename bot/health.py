"""Readiness (``/readyz``): the database answers, is at the newest migration and holds this process's code
key. Slack's state is reported but never makes an instance unready: the Portal API does not need Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import migrations
from billing import CodeKey, Database, KeyCheck, deployment

log = logging.getLogger("joanbot.health")

OK = "ok"


class Readiness:
    def __init__(self, db: Database, key: CodeKey, *, slack_known: Callable[[], bool] | None = None) -> None:
        self.db, self.key, self.slack_known = db, key, slack_known
        self.heads = frozenset(ScriptDirectory.from_config(migrations.alembic_config()).get_heads())

    def check(self) -> tuple[bool, dict[str, str]]:
        """(ready, what each part says): ``database`` ok|unreachable, ``schema`` ok|behind|unknown, ``code_key``
        ok|mismatch|missing|unknown, ``slack`` ok|unreachable."""
        found = {"database": OK, "schema": "unknown", "code_key": "unknown"}
        try:
            with self.db.engine.connect() as connection:
                versions = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
            found["schema"] = OK if versions == self.heads else "behind"
            key = deployment.check(self.db.engine, self.key)
            found["code_key"] = {KeyCheck.OK: OK, KeyCheck.MISMATCH: "mismatch"}.get(key, "missing")
        except SQLAlchemyError as error:
            log.warning("readiness: the database does not answer (%s)", type(error).__name__)
            found["database"] = "unreachable"
        found["slack"] = OK if self.slack_known is None or self.slack_known() else "unreachable"
        ready = all(found[part] == OK for part in ("database", "schema", "code_key"))
        return ready, found
