"""CardDAV: groups a client PUT as group vCards are address objects, in the change log.

`carddav_group` names the groups that are CardDAV resources (iOS/macOS Contacts and DAVx5
keep groups as group vCards: `X-ADDRESSBOOKSERVER-KIND:group`, `KIND:group`): the resource
name the client PUT the group at, and the group vCard's own lines as JSON (services.io.
group_cards). A group made by another door is not a resource: a client that keeps groups
as CATEGORIES would show it as a contact.

Such a group has a row in `carddav_change` (migration 0710) keyed by minus its autokey, so
the card rows' `contact_autokey` and the tombstones' `contact_autokey IS NULL` stay as
they are. Triggers keep it in the write's transaction: a group becoming a resource and any
change of the group (its name, or its members: a member change advances the group's
version, services.contacts.touch_groups) take a new `seq`; deleting the group leaves a
tombstone carrying the resource name. Tombstones are pruned with the cards' ones.
"""
from peewee import PostgresqlDatabase

SQLITE_TRIGGERS = ("carddav_group_resource_ai", "carddav_group_change_au", "carddav_group_change_ad")
_NOW_SQLITE = "CAST(strftime('%s', 'now') AS INTEGER)"


def _sqlite(db):
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_group (group_autokey INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL UNIQUE, vcard TEXT)")
    upsert = ("INSERT OR REPLACE INTO carddav_change (contact_autokey, contact_id, deleted, at) "
              f"SELECT -g.autokey, g.id, 0, {_NOW_SQLITE} FROM contact_group AS g WHERE g.autokey = {{key}};")
    db.execute_sql("CREATE TRIGGER IF NOT EXISTS carddav_group_resource_ai AFTER INSERT ON carddav_group BEGIN "
                   f"{upsert.format(key='new.group_autokey')} END")
    db.execute_sql("CREATE TRIGGER IF NOT EXISTS carddav_group_change_au AFTER UPDATE ON contact_group "
                   "WHEN EXISTS (SELECT 1 FROM carddav_group WHERE group_autokey = new.autokey) BEGIN "
                   f"{upsert.format(key='new.autokey')} END")
    db.execute_sql(
        "CREATE TRIGGER IF NOT EXISTS carddav_group_change_ad AFTER DELETE ON contact_group "
        "WHEN EXISTS (SELECT 1 FROM carddav_group WHERE group_autokey = old.autokey) BEGIN "
        "DELETE FROM carddav_change WHERE contact_autokey = -old.autokey; "
        "INSERT INTO carddav_change (contact_autokey, contact_id, href, deleted, at) VALUES "
        f"(NULL, old.id, (SELECT name FROM carddav_group WHERE group_autokey = old.autokey), 1, {_NOW_SQLITE}); "
        "DELETE FROM carddav_group WHERE group_autokey = old.autokey; END")


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION carddav_log_group_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  now_s bigint := extract(epoch FROM now())::bigint;
  gkey bigint;
  resource text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT name INTO resource FROM carddav_group WHERE group_autokey = OLD.autokey;
    IF resource IS NOT NULL THEN
      DELETE FROM carddav_change WHERE contact_autokey = -OLD.autokey;
      INSERT INTO carddav_change (contact_autokey, contact_id, href, deleted, at)
        VALUES (NULL, OLD.id, resource, true, now_s);
      DELETE FROM carddav_group WHERE group_autokey = OLD.autokey;
    END IF;
    RETURN OLD;
  END IF;
  IF TG_TABLE_NAME = 'carddav_group' THEN
    gkey := NEW.group_autokey;
  ELSE
    gkey := NEW.autokey;
    IF NOT EXISTS (SELECT 1 FROM carddav_group WHERE group_autokey = gkey) THEN
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO carddav_change (contact_autokey, contact_id, deleted, at)
    SELECT -g.autokey, g.id, false, now_s FROM contact_group AS g WHERE g.autokey = gkey
    ON CONFLICT (contact_autokey) DO UPDATE SET seq = nextval('carddav_change_seq_seq'),
      contact_id = EXCLUDED.contact_id, deleted = false, at = EXCLUDED.at;
  RETURN NEW;
END $fn$
"""


def _postgres(db):
    db.execute_sql("CREATE TABLE IF NOT EXISTS carddav_group (group_autokey BIGINT PRIMARY KEY, "
                   "name TEXT NOT NULL UNIQUE, vcard TEXT)")
    db.execute_sql(_PG_FUNCTION)
    # Writers of the new table take the card writers' advisory lock too (migration 0710).
    db.execute_sql("DROP TRIGGER IF EXISTS carddav_serialize ON carddav_group")
    db.execute_sql("CREATE TRIGGER carddav_serialize BEFORE INSERT OR UPDATE OR DELETE ON carddav_group "
                   "FOR EACH STATEMENT EXECUTE FUNCTION carddav_serialize()")
    db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_resource_ai ON carddav_group")
    db.execute_sql("CREATE TRIGGER carddav_group_resource_ai AFTER INSERT ON carddav_group "
                   "FOR EACH ROW EXECUTE FUNCTION carddav_log_group_change()")
    db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_change ON contact_group")
    db.execute_sql("CREATE TRIGGER carddav_group_change AFTER UPDATE OR DELETE ON contact_group "
                   "FOR EACH ROW EXECUTE FUNCTION carddav_log_group_change()")


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_change ON contact_group")
        db.execute_sql("DROP TRIGGER IF EXISTS carddav_group_resource_ai ON carddav_group")
        db.execute_sql("DROP TRIGGER IF EXISTS carddav_serialize ON carddav_group")
        db.execute_sql("DROP FUNCTION IF EXISTS carddav_log_group_change()")
    else:
        for name in SQLITE_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    db.execute_sql("DELETE FROM carddav_change WHERE contact_autokey < 0")
    db.execute_sql("DROP TABLE IF EXISTS carddav_group")
