"""Drop the single-column indexes that a composite index already leads with.

`contact_email(contact_autokey)` duplicates the first column of
`(contact_autokey, position)` (and so on for phones, addresses, urls and group
memberships): SQLite and PostgreSQL use the composite for every lookup, join and
cascading delete the single one served, and each duplicate cost a page write on every
card created and an index build on every bulk import.
"""

REDUNDANT = (
    "contactemail_contact_autokey",
    "contactphone_contact_autokey",
    "contactaddress_contact_autokey",
    "contacturl_contact_autokey",
    "groupmembership_contact_autokey",  # (contact_autokey, group_autokey) UNIQUE leads with it
    "groupmembership_group_autokey",  # (group_autokey, contact_autokey) leads with it
)


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def down(migrator, db):
    for name in REDUNDANT:
        table, column = {
            "contactemail": ("contact_email", "contact_autokey"),
            "contactphone": ("contact_phone", "contact_autokey"),
            "contactaddress": ("contact_address", "contact_autokey"),
            "contacturl": ("contact_url", "contact_autokey"),
            "groupmembership": ("group_membership", name.split("_", 1)[1]),
        }[name.split("_", 1)[0]]
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
