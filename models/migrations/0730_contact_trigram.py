"""Substring search index (services.substring): FTS5 `trigram` on SQLite, pg_trgm GIN indexes on PostgreSQL.

Existing cards are indexed here, in batches of autokeys.
"""
from peewee import PostgresqlDatabase, SqliteDatabase

from services import substring

COLUMNS = ", ".join(substring.COLUMNS)
AUTOMERGE = 16  # as migration 0600 sets for the other FTS5 tables
BATCH = 5000


def _create_sqlite(db):
    # detail=full: phrase positions make a trigram phrase an exact substring test;
    # columnsize=0: no ranking, so no per-row sizes. The texts are stored (the recheck reads them).
    db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {substring.TABLE} USING fts5({COLUMNS}, "
                   f"tokenize='trigram', detail=full, columnsize=0)")
    db.execute_sql(f"INSERT INTO {substring.TABLE}({substring.TABLE}, rank) VALUES ('automerge', {AUTOMERGE})")
    db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {substring.VOCAB_TABLE} "
                   f"USING fts5vocab({substring.TABLE}, 'col')")


def _create_postgres(db):
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    columns = ", ".join(f"{c} TEXT NOT NULL DEFAULT ''" for c in substring.COLUMNS)
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS {substring.TABLE} (autokey INTEGER PRIMARY KEY "
                   f"REFERENCES contact (autokey) ON DELETE CASCADE, {columns})")
    for column in substring.COLUMNS:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {substring.TABLE}_{column} ON {substring.TABLE} "
                       f"USING GIN ({column} gin_trgm_ops)")


def _children(db, table, low, high, mark):
    found = {}
    for key, value in db.execute_sql(f"SELECT contact_autokey, value FROM {table} WHERE contact_autokey >= {mark} "
                                     f"AND contact_autokey < {mark} ORDER BY contact_autokey, position", (low, high)):
        found.setdefault(key, []).append({"value": value})
    return found


def _backfill(db, insert):
    mark = "?" if isinstance(db, SqliteDatabase) else "%s"
    highest = db.execute_sql("SELECT MAX(autokey) FROM contact").fetchone()[0] or 0
    for low in range(0, highest + 1, BATCH):
        high = low + BATCH
        emails = _children(db, "contact_email", low, high, mark)
        phones = _children(db, "contact_phone", low, high, mark)
        rows = []
        for key, given, family, display in db.execute_sql(
                f"SELECT autokey, given_name, family_name, display_name FROM contact "
                f"WHERE autokey >= {mark} AND autokey < {mark}", (low, high)):
            card = {"given_name": given, "family_name": family, "display_name": display,
                    "emails": emails.get(key, []), "phones": phones.get(key, [])}
            rows.append((key, *substring.texts(card)))
        if rows:
            db.cursor().executemany(insert, rows)


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        _create_sqlite(db)
        _backfill(db, f"INSERT INTO {substring.TABLE}(rowid, {COLUMNS}) VALUES (?, ?, ?, ?, ?)")
    elif isinstance(db, PostgresqlDatabase):
        _create_postgres(db)
        _backfill(db, f"INSERT INTO {substring.TABLE}(autokey, {COLUMNS}) VALUES (%s, %s, %s, %s, %s)")


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql(f"DROP TABLE IF EXISTS {substring.VOCAB_TABLE}")
    db.execute_sql(f"DROP TABLE IF EXISTS {substring.TABLE}")
