"""The migrations, run on an empty database, build exactly the tables the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import billing.models  # noqa: F401
from billing.db import Base


def test_upgrade_heads_on_an_empty_database_equals_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_money_revision_follows_the_initial_schema(db):
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == ("0002",)
