"""The link tables keep one index per lookup direction (migration 0750), on SQLite and PostgreSQL."""
from __future__ import annotations

import importlib
import os

import pytest

from models.connect import database, is_postgres

MIGRATION = importlib.import_module("models.migrations.0750_drop_redundant_link_indexes")
DROPPED = MIGRATION.REDUNDANT

# table -> the indexes it keeps (the primary key's aside)
KEPT = {
    "osid_book_edge": {"osidbookedge_parent_pk_child_pk", "osidbookedge_child_pk_parent_pk"},
    "osid_book_contact": {"osidbookcontact_book_pk_contact_pk", "osidbookcontact_contact_pk_book_pk"},
    "osid_book_address": {"osidbookaddress_book_pk_address_pk", "osidbookaddress_address_pk_book_pk"},
    "mpdx_account_list_organization": {
        "accountlistorganization_account_list_autokey_organizatio_105ff79",
        "accountlistorganization_organization_autokey_account_lis_a59f81e",
    },
    "niagara_relation": {
        "niagararelation_relation_id",
        "niagararelation_contact_autokey_relation_entity_type_entity_id",
        "niagararelation_target_autokey",
    },
}

# table, key looked up alone -> the composite index that serves it
SERVED_BY = {
    ("osid_book_edge", "parent_pk"): "osidbookedge_parent_pk_child_pk",
    ("osid_book_edge", "child_pk"): "osidbookedge_child_pk_parent_pk",
    ("osid_book_contact", "book_pk"): "osidbookcontact_book_pk_contact_pk",
    ("osid_book_contact", "contact_pk"): "osidbookcontact_contact_pk_book_pk",
    ("osid_book_address", "book_pk"): "osidbookaddress_book_pk_address_pk",
    ("osid_book_address", "address_pk"): "osidbookaddress_address_pk_book_pk",
    ("mpdx_account_list_organization", "account_list_autokey"):
        "accountlistorganization_account_list_autokey_organizatio_105ff79",
    ("mpdx_account_list_organization", "organization_autokey"):
        "accountlistorganization_organization_autokey_account_lis_a59f81e",
    ("niagara_relation", "contact_autokey"): "niagararelation_contact_autokey_relation_entity_type_entity_id",
}


def _indexes(db, table: str) -> set[str]:
    if is_postgres(db):
        rows = db.execute_sql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
                              (table,)).fetchall()
        return {name for (name,) in rows if name != f"{table}_pkey"}
    rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                          "AND name NOT LIKE 'sqlite_autoindex_%'", (table,)).fetchall()
    return {name for (name,) in rows}


def _sqlite_only() -> None:
    if os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("postgres"):
        pytest.skip("reads SQLite's schema and query plans; the PostgreSQL run checks the indexes above")


def test_a_migrated_store_has_one_index_per_lookup_direction(app):
    with app.app_context():
        db = database.obj
        # PostgreSQL cuts a name at 63 bytes (the two 64-character names Peewee made lose their last).
        expected = {table: {name[:63] if is_postgres(db) else name for name in names}
                    for table, names in KEPT.items()}
        assert {table: _indexes(db, table) for table in KEPT} == expected


def test_the_migration_drops_the_doubles_of_an_existing_store_and_down_makes_them_again(tmp_path):
    from playhouse.migrations import Runner

    from models.connect import open_database
    from models.schema import MIGRATIONS_DIR, migrate

    _sqlite_only()
    db = open_database(f"sqlite:///{tmp_path}/old.db")
    Runner(db, MIGRATIONS_DIR).up(target="0740_fts_crisismerge")
    before = {table: _indexes(db, table) for table in KEPT}
    assert before == {table: KEPT[table] | {name for name, (t, _) in DROPPED.items() if t == table}
                      for table in KEPT}
    assert migrate(db)[0] == "0750_drop_redundant_link_indexes"
    assert {table: _indexes(db, table) for table in KEPT} == KEPT
    MIGRATION.down(None, db)
    assert {table: _indexes(db, table) for table in KEPT} == before
    db.close()


@pytest.mark.parametrize(("table", "column"), sorted(SERVED_BY))
def test_a_lookup_on_one_key_is_still_served_by_an_index(tmp_path, table, column):
    from models.connect import open_database
    from models.schema import migrate

    _sqlite_only()
    db = open_database(f"sqlite:///{tmp_path}/store.db")
    migrate(db)
    plan = " ".join(row[-1] for row in db.execute_sql(
        f'EXPLAIN QUERY PLAN SELECT * FROM "{table}" WHERE "{column}" = ?', (1,)).fetchall())
    assert plan == f"SEARCH {table} USING INDEX {SERVED_BY[table, column]} ({column}=?)" or \
        plan == f"SEARCH {table} USING COVERING INDEX {SERVED_BY[table, column]} ({column}=?)", plan
    db.close()
