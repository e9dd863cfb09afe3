"""Drop the single-column indexes of the link tables that a composite index leads with.

Migration 0500 did this for the card's own tables. The link tables were made with the same
doubles: each of `osid_book_edge`, `osid_book_contact`, `osid_book_address` and
`mpdx_account_list_organization` has an index on each of its two keys besides
`(a, b) UNIQUE` and `(b, a)`, and `niagara_relation(contact_autokey)` doubles the first
column of its `(contact_autokey, relation, entity_type, entity_id) UNIQUE`. SQLite and
PostgreSQL serve every lookup, join and cascading delete on one key from the composite
that leads with it, and each double cost a page write on every link made (an OSID address
made in a book wrote 9.2 pages to the WAL; 2 of them were the doubles).
"""

# index -> (table, column) it was made on, for `down`
REDUNDANT = {
    "osidbookedge_parent_pk": ("osid_book_edge", "parent_pk"),
    "osidbookedge_child_pk": ("osid_book_edge", "child_pk"),
    "osidbookcontact_book_pk": ("osid_book_contact", "book_pk"),
    "osidbookcontact_contact_pk": ("osid_book_contact", "contact_pk"),
    "osidbookaddress_book_pk": ("osid_book_address", "book_pk"),
    "osidbookaddress_address_pk": ("osid_book_address", "address_pk"),
    "accountlistorganization_account_list_autokey": ("mpdx_account_list_organization", "account_list_autokey"),
    "accountlistorganization_organization_autokey": ("mpdx_account_list_organization", "organization_autokey"),
    "niagararelation_contact_autokey": ("niagara_relation", "contact_autokey"),
}


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def down(migrator, db):
    for name, (table, column) in REDUNDANT.items():
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
