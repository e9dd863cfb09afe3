"""Schema creation and upgrades at start-up, with Peewee's migration runner."""
from __future__ import annotations

import os

import peewee
from playhouse.migrations import Runner

from .connect import is_postgres

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
# Any constant: instances starting together on one PostgreSQL migrate one after another.
_PG_MIGRATION_LOCK = 7_345_001


def migrate(db: peewee.Database) -> list[str]:
    """Apply every pending migration in `models/migrations`; returns their names."""
    if not is_postgres(db):
        return Runner(db, MIGRATIONS_DIR).up()
    db.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_MIGRATION_LOCK,))
    try:
        return Runner(db, MIGRATIONS_DIR).up()
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_MIGRATION_LOCK,))
