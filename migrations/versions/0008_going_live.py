"""going live: imported blocks, their reference, closed accounts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00

Cohorts brought in by ``joanbot import`` have the origin ``imported`` (the unused value ``import`` that
0002 allowed is replaced; no row holds it) and keep the book's reference. Accounts get ``closed_at``:
a closed account keeps its history and refuses new business.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ORIGINS = ("code", "card", "invoice", "credits", "import")
NEW_ORIGINS = ("code", "card", "invoice", "credits", "imported")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _origins(values: Sequence[str], *, rename: tuple[str, str] | None = None) -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_constraint(op.f("ck_cohorts_origin"), type_="check")
    if rename is not None:
        op.execute(f"UPDATE cohorts SET origin = '{rename[1]}' WHERE origin = '{rename[0]}'")
    with op.batch_alter_table("cohorts") as batch:
        batch.create_check_constraint(op.f("ck_cohorts_origin"), _in("origin", values))


def upgrade() -> None:
    _origins(NEW_ORIGINS)
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=200), nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("closed_at")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("reference")
    _origins(OLD_ORIGINS, rename=("imported", "import"))
