"""Schema creation and upgrades at start-up, with Peewee's migration runner."""
from __future__ import annotations

import os

import peewee
from playhouse.migrations import Runner

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def migrate(db: peewee.Database) -> list[str]:
    """Apply every pending migration in `models/migrations`; returns their names."""
    return Runner(db, MIGRATIONS_DIR).up()
