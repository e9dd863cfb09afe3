"""Group keys are never reused: `contact_group.autokey` becomes AUTOINCREMENT (SQLite).

Without it SQLite gives a new row the largest key + 1, so a group created right after the
newest one was deleted got the deleted group's key, and anything still holding that key
(a write that had resolved a code before the delete) landed in a group its client never
named. PostgreSQL's serial sequences never hand out a value twice: nothing to do there.

SQLite cannot add AUTOINCREMENT to a column, so the table is rebuilt (create, copy,
drop, rename, then its indexes and triggers again: SQLite's documented procedure; a
trigger on the table, such as CardDAV's group rename, goes with the dropped table), with
foreign keys off so that dropping the old table does not cascade to the memberships;
their REFERENCES name the table, which exists again after the rename, and
`foreign_key_check` proves it before the commit. Only the groups are copied; the check
reads the memberships once (100,000 cards with 80,000 memberships: 0.3 s in all, so a
few seconds at a million). Not atomic as a Peewee migration (PRAGMA foreign_keys is
ignored inside a transaction); it runs its own transaction.
"""
from peewee import SqliteDatabase

atomic = False

TABLE = "contact_group"


def _sql(db) -> str:
    return db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone()[0]


def _rebuild(db, autoincrement: bool) -> None:
    create = _sql(db)
    plain = '"autokey" INTEGER NOT NULL PRIMARY KEY'
    wanted = plain + (" AUTOINCREMENT" if autoincrement else "")
    if ("AUTOINCREMENT" in create.upper()) == autoincrement:
        return
    create = create.replace(plain + " AUTOINCREMENT", plain).replace(plain, wanted, 1)
    # Indexes, then triggers: recreated on the new table in the order SQLite lists them.
    dependents = [row[0] for row in db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY type = 'trigger', rowid", (TABLE,))]
    db.execute_sql("PRAGMA foreign_keys = OFF")
    # Triggers of other tables that name this one (CardDAV's group resources, migration 0760)
    # would fail the rename's check while the table is away; the name they use comes back.
    db.execute_sql("PRAGMA legacy_alter_table = ON")
    try:
        db.execute_sql("BEGIN IMMEDIATE")
        try:
            db.execute_sql(create.replace(f'CREATE TABLE "{TABLE}"', f'CREATE TABLE "{TABLE}_rebuilt"', 1))
            db.execute_sql(f'INSERT INTO "{TABLE}_rebuilt" SELECT * FROM "{TABLE}"')
            db.execute_sql(f'DROP TABLE "{TABLE}"')
            db.execute_sql(f'ALTER TABLE "{TABLE}_rebuilt" RENAME TO "{TABLE}"')
            for sql in dependents:
                db.execute_sql(sql)
            problems = db.execute_sql("PRAGMA foreign_key_check(group_membership)").fetchall()
            if problems:
                raise RuntimeError(f"rebuilding {TABLE} broke foreign keys: {problems[:5]}")
            db.execute_sql("COMMIT")
        except BaseException:
            db.execute_sql("ROLLBACK")
            raise
    finally:
        db.execute_sql("PRAGMA legacy_alter_table = OFF")
        db.execute_sql("PRAGMA foreign_keys = ON")


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        _rebuild(db, autoincrement=True)


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        _rebuild(db, autoincrement=False)
