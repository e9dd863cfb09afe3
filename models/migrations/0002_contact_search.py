"""Full-text index of card names, emails and phones (FTS5 on SQLite)."""
from peewee import SqliteDatabase


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return  # PostgreSQL's text search comes with its own migration.
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS contact_fts USING fts5("
        "given_name, family_name, other_names, emails, phones, content='', contentless_delete=1, "
        "tokenize=\"unicode61 remove_diacritics 2\", prefix='2 3')"
    )


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql("DROP TABLE IF EXISTS contact_fts")
