"""PostgreSQL's full-text index of cards: tsvector columns with GIN indexes (FTS5's twin)."""
from peewee import PostgresqlDatabase

COLUMNS = ("given_name", "family_name", "other_names", "emails", "phones")


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return  # SQLite uses the FTS5 table of 0002.
    columns = ", ".join(f"{c} tsvector NOT NULL DEFAULT ''::tsvector" for c in COLUMNS)
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS contact_search (autokey INTEGER PRIMARY KEY "
        f"REFERENCES contact (autokey) ON DELETE CASCADE, {columns})")
    for column in COLUMNS:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS contact_search_{column} ON contact_search USING GIN ({column})")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TABLE IF EXISTS contact_search")
