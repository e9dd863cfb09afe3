"""An FTS5 option set on the text indexes a store has, for the migrations that tune them."""
from __future__ import annotations

from typing import Callable

from peewee import Database, SqliteDatabase


def set_option(db: Database, tables: tuple[str, ...], option: str, value: int) -> None:
    """Set FTS5 `option` to `value` on those of `tables` that exist (nothing to do on PostgreSQL)."""
    if not isinstance(db, SqliteDatabase):
        return
    present = {row[0] for row in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in tables:
        if table in present:
            db.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('{option}', {int(value)})")


def option_migration(tables: tuple[str, ...], option: str, value: int,
                     previous: int) -> tuple[Callable, Callable]:
    """A migration's `up` (set `option` to `value`) and `down` (back to `previous`)."""
    return (lambda migrator, db: set_option(db, tables, option, value),
            lambda migrator, db: set_option(db, tables, option, previous))
