"""CardDAV: the change log behind sync tokens (RFC 6578), kept by triggers, and client-chosen hrefs.

`carddav_change` holds one row per stored card (its latest change) and one tombstone
per deleted card. Triggers on `contact` write it in the same transaction as the write,
whichever door, CLI command or importer made it: insert and update replace the card's
row (a new `seq`), delete removes it and adds a tombstone carrying the card's href.
A group rename advances its members' versions (vCard CATEGORIES carry group names), so
their ETags change and the update trigger logs them. Tombstones older than the
retention (`carddav_state.retention_s`, default 90 days) are pruned by the delete
trigger, at most about once a day; the highest pruned change is appended to
`carddav_prune`, and sync tokens at or below it are answered with valid-sync-token.

A sync token is a `seq`, which must grow in commit order. SQLite: `seq` is AUTOINCREMENT
and there is one writer at a time. PostgreSQL: sequence values are taken before commit,
so concurrent writers could commit out of order; a statement trigger takes a
transaction-level advisory lock before the first write to `contact` (and to the tables
written before it in a group change), so transactions that change cards commit one
after another, each with higher `seq` values than every one before it. The lock is taken
before any row lock of the statement, so writers queue on it instead of deadlocking.

`carddav_href` maps resource names a client chose (PUT to a new `<name>.vcf` that is not
`<card id>.vcf`) to the card id.
"""
from peewee import PostgresqlDatabase

RETENTION_S = 90 * 24 * 3600
SQLITE_TRIGGERS = ("carddav_contact_ai", "carddav_contact_au", "carddav_contact_ad", "carddav_group_au")
_NOW_SQLITE = "CAST(strftime('%s', 'now') AS INTEGER)"


def _sqlite(db):
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS carddav_change ("
        "seq INTEGER PRIMARY KEY AUTOINCREMENT, contact_autokey INTEGER UNIQUE, contact_id TEXT NOT NULL, "
        "href TEXT, deleted INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL)")
    # Tombstones by time, for pruning (live rows have contact_autokey set).
    db.execute_sql("CREATE INDEX IF NOT EXISTS carddav_change_tombstone_at ON carddav_change (at) "
                   "WHERE contact_autokey IS NULL")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_prune (horizon INTEGER NOT NULL)")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                   "retention_s INTEGER NOT NULL)")
    db.execute_sql(f"INSERT OR IGNORE INTO carddav_state (id, retention_s) VALUES (1, {RETENTION_S})")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_href (name TEXT PRIMARY KEY, contact_id TEXT NOT NULL UNIQUE)")
    upsert = ("INSERT OR REPLACE INTO carddav_change (contact_autokey, contact_id, deleted, at) "
              f"VALUES (new.autokey, new.id, 0, {_NOW_SQLITE});")
    db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS carddav_contact_ai AFTER INSERT ON contact BEGIN {upsert} END")
    db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS carddav_contact_au AFTER UPDATE ON contact BEGIN {upsert} END")
    cutoff = f"({_NOW_SQLITE} - (SELECT retention_s FROM carddav_state WHERE id = 1))"
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS carddav_contact_ad AFTER DELETE ON contact BEGIN "
        "DELETE FROM carddav_change WHERE contact_autokey = old.autokey; "
        "INSERT INTO carddav_change (contact_autokey, contact_id, href, deleted, at) VALUES "
        f"(NULL, old.id, (SELECT name FROM carddav_href WHERE contact_id = old.id), 1, {_NOW_SQLITE}); "
        "DELETE FROM carddav_href WHERE contact_id = old.id; "
        # Prune when the oldest tombstone is a day past the retention (so about once a day).
        "INSERT INTO carddav_prune (horizon) SELECT MAX(seq) FROM carddav_change "
        f"WHERE contact_autokey IS NULL AND at < {cutoff} "
        "AND (SELECT MIN(at) FROM carddav_change WHERE contact_autokey IS NULL) < "
        f"{cutoff} - 86400 HAVING COUNT(*) > 0; "
        "DELETE FROM carddav_change WHERE contact_autokey IS NULL "
        "AND seq <= (SELECT COALESCE(MAX(horizon), 0) FROM carddav_prune); "
        "END")
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS carddav_group_au AFTER UPDATE OF name ON contact_group "
        "WHEN new.name IS NOT old.name BEGIN "
        "UPDATE contact SET version = version + 1 WHERE autokey IN "
        "(SELECT contact_autokey FROM group_membership WHERE group_autokey = new.autokey); END")
    # Cards stored before this migration get their row (a first change each).
    db.execute_sql(f"INSERT OR IGNORE INTO carddav_change (contact_autokey, contact_id, deleted, at) "
                   f"SELECT autokey, id, 0, {_NOW_SQLITE} FROM contact ORDER BY autokey")


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION carddav_log_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  now_s bigint := extract(epoch FROM now())::bigint;
  cutoff bigint;
  oldest bigint;
  horizon bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM carddav_change WHERE contact_autokey = OLD.autokey;
    INSERT INTO carddav_change (contact_autokey, contact_id, href, deleted, at)
      VALUES (NULL, OLD.id, (SELECT name FROM carddav_href WHERE contact_id = OLD.id), true, now_s);
    DELETE FROM carddav_href WHERE contact_id = OLD.id;
    SELECT now_s - retention_s INTO cutoff FROM carddav_state WHERE id = 1;
    SELECT MIN(at) INTO oldest FROM carddav_change WHERE contact_autokey IS NULL;
    IF oldest < cutoff - 86400 THEN
      SELECT MAX(seq) INTO horizon FROM carddav_change WHERE contact_autokey IS NULL AND at < cutoff;
      INSERT INTO carddav_prune (horizon) VALUES (horizon);
      DELETE FROM carddav_change WHERE contact_autokey IS NULL AND at < cutoff;
    END IF;
    RETURN OLD;
  END IF;
  INSERT INTO carddav_change (contact_autokey, contact_id, deleted, at)
    VALUES (NEW.autokey, NEW.id, false, now_s)
    ON CONFLICT (contact_autokey) DO UPDATE SET seq = nextval('carddav_change_seq_seq'),
      contact_id = EXCLUDED.contact_id, deleted = false, at = EXCLUDED.at;
  RETURN NEW;
END $fn$
"""

_PG_GROUP_FUNCTION = """
CREATE OR REPLACE FUNCTION carddav_group_renamed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.name IS DISTINCT FROM OLD.name THEN
    UPDATE contact SET version = version + 1 WHERE autokey IN
      (SELECT contact_autokey FROM group_membership WHERE group_autokey = NEW.autokey);
  END IF;
  RETURN NEW;
END $fn$
"""


PG_LOCK = 7_345_002  # the advisory lock of card writers (any constant; 0600's migration lock is 7_345_001)
PG_SERIALIZED = ("contact", "contact_group", "group_membership")
_PG_SERIALIZE = f"""
CREATE OR REPLACE FUNCTION carddav_serialize() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock({PG_LOCK});
  RETURN NULL;
END $fn$
"""


def _postgres(db):
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS carddav_change ("
        "seq BIGSERIAL PRIMARY KEY, contact_autokey BIGINT UNIQUE, contact_id TEXT NOT NULL, href TEXT, "
        "deleted BOOLEAN NOT NULL DEFAULT false, at BIGINT NOT NULL)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS carddav_change_tombstone_at ON carddav_change (at) "
                   "WHERE contact_autokey IS NULL")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_prune (horizon BIGINT NOT NULL)")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                   "retention_s BIGINT NOT NULL)")
    db.execute_sql(f"INSERT INTO carddav_state (id, retention_s) VALUES (1, {RETENTION_S}) "
                   "ON CONFLICT (id) DO NOTHING")
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_href (name TEXT PRIMARY KEY, contact_id TEXT NOT NULL UNIQUE)")
    db.execute_sql(_PG_FUNCTION)
    db.execute_sql(_PG_GROUP_FUNCTION)
    db.execute_sql(_PG_SERIALIZE)
    for table in PG_SERIALIZED:
        db.execute_sql(f"DROP TRIGGER IF EXISTS carddav_serialize ON {table}")
        db.execute_sql(f"CREATE TRIGGER carddav_serialize BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION carddav_serialize()")
    db.execute_sql("DROP TRIGGER IF EXISTS carddav_contact_change ON contact")
    db.execute_sql("CREATE TRIGGER carddav_contact_change AFTER INSERT OR UPDATE OR DELETE ON contact "
                   "FOR EACH ROW EXECUTE FUNCTION carddav_log_change()")
    db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_au ON contact_group")
    db.execute_sql("CREATE TRIGGER carddav_group_au AFTER UPDATE OF name ON contact_group "
                   "FOR EACH ROW EXECUTE FUNCTION carddav_group_renamed()")
    db.execute_sql("INSERT INTO carddav_change (contact_autokey, contact_id, deleted, at) "
                   "SELECT autokey, id, false, extract(epoch FROM now())::bigint FROM contact ORDER BY autokey "
                   "ON CONFLICT (contact_autokey) DO NOTHING")


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER IF EXISTS carddav_contact_change ON contact")
        db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_au ON contact_group")
        for table in PG_SERIALIZED:
            db.execute_sql(f"DROP TRIGGER IF EXISTS carddav_serialize ON {table}")
        db.execute_sql("DROP FUNCTION IF EXISTS carddav_serialize()")
        db.execute_sql("DROP FUNCTION IF EXISTS carddav_log_change()")
        db.execute_sql("DROP FUNCTION IF EXISTS carddav_group_renamed()")
    else:
        for name in SQLITE_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("carddav_change", "carddav_prune", "carddav_state", "carddav_href"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
