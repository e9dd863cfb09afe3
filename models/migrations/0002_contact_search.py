"""Full-text index of card names, emails and phones (FTS5 on SQLite)."""
from peewee import SqliteDatabase

COLUMNS = "given_name, family_name, other_names, emails, phones"
OPTIONS = "tokenize=\"unicode61 remove_diacritics 2\", prefix='2 3'"


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return  # PostgreSQL's text search comes with its own migration.
    version = tuple(int(p) for p in db.execute_sql("SELECT sqlite_version()").fetchone()[0].split("."))
    # Contentless tables that allow DELETE need SQLite 3.43; older ones keep a copy of the text.
    storage = "content='', contentless_delete=1, " if version >= (3, 43) else ""
    db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS contact_fts USING fts5({COLUMNS}, {storage}{OPTIONS})")


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql("DROP TABLE IF EXISTS contact_fts")
