"""FOLIO CQL indexes: folded name keys, PostgreSQL lexemes (FTS5), change triggers, inactive."""
from peewee import SqliteDatabase

TRIGGERS = {
    "folio_contact_ai": "AFTER INSERT ON contact",
    "folio_contact_au": "AFTER UPDATE OF given_name, family_name ON contact",
}


def up(migrator, db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS contact_inactive ON contact (inactive)")
    if not isinstance(db, SqliteDatabase):
        return  # PostgreSQL evaluates FOLIO CQL natively (not built yet).
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS folio_key ("
        "contact_autokey INTEGER PRIMARY KEY REFERENCES contact (autokey) ON DELETE CASCADE, "
        "first_key TEXT NOT NULL, last_key TEXT NOT NULL)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS folio_key_last_first ON folio_key (last_key, first_key)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS folio_key_first_last ON folio_key (first_key, last_key)")
    db.execute_sql("CREATE TABLE IF NOT EXISTS folio_dirty (contact_autokey INTEGER PRIMARY KEY)")
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS folio_fts USING fts5("
        "first, last, content='', contentless_delete=1, tokenize='ascii', prefix='2 4 6')")
    for name, event in TRIGGERS.items():
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {name} {event} BEGIN "
                       "INSERT OR IGNORE INTO folio_dirty (contact_autokey) VALUES (new.autokey); END")
    db.execute_sql("CREATE TRIGGER IF NOT EXISTS folio_contact_ad AFTER DELETE ON contact BEGIN "
                   "INSERT OR IGNORE INTO folio_dirty (contact_autokey) VALUES (old.autokey); END")
    db.execute_sql("INSERT OR IGNORE INTO folio_dirty (contact_autokey) SELECT autokey FROM contact")


def down(migrator, db):
    for name in (*TRIGGERS, "folio_contact_ad"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("folio_fts", "folio_dirty", "folio_key"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    db.execute_sql("DROP INDEX IF EXISTS contact_inactive")
