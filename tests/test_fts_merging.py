"""FTS5's index segments are merged a little at a time, never all at once inside a create (SQLite).

A crisis merge (level 0 holding `crisismerge` segments) merges every full level in the
committing transaction, with the writer lock held: at a million cards that took seconds
and held every write of every worker (docs/benchmarks.md, "Stalls of every writer").
"""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"),
                                reason="FTS5 is SQLite's")

TABLES = ("contact_fts", "folio_fts", "contact_trigram")


def _merging(db, table: str) -> tuple[int | None, int | None]:
    """(automerge, crisismerge) as stored in the table's config (None: FTS5's default)."""
    config = dict(db.execute_sql(f"SELECT k, v FROM {table}_config WHERE k IN ('automerge', 'crisismerge')"))
    return tuple(int(config[key]) if key in config else None for key in ("automerge", "crisismerge"))


def test_every_text_index_merges_incrementally_long_before_a_crisis(tmp_path):
    from models.connect import open_database
    from models.schema import migrate

    db = open_database(f"sqlite:///{tmp_path}/c.db")
    migrate(db)
    # FTS5's own ratio (4 and 16) kept: the crisis comes at four times the incremental start.
    assert {table: _merging(db, table) for table in TABLES} == {table: (16, 64) for table in TABLES}
    db.close()


def test_a_store_migrated_before_keeps_its_text_indexes_and_gets_the_new_setting(tmp_path):
    from playhouse.migrations import Runner

    from models.connect import open_database
    from models.schema import MIGRATIONS_DIR, migrate

    db = open_database(f"sqlite:///{tmp_path}/old.db")
    Runner(db, MIGRATIONS_DIR).up(target="0730_contact_trigram")
    assert {table: _merging(db, table) for table in TABLES} == {table: (16, None) for table in TABLES}
    assert migrate(db)[0] == "0740_fts_crisismerge"  # later migrations follow it
    assert {table: _merging(db, table) for table in TABLES} == {table: (16, 64) for table in TABLES}
    db.close()
