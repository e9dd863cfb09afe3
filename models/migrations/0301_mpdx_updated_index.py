"""MPDX: index `contact.updated` (with the created tie-breaker) so `sort=updated_at` walks an index."""


def up(migrator, db):
    # (updated, created) + rowid is exactly the ORDER BY of sort=updated_at, as 0300's
    # (name, created) is for sort=name: a search's page walk reads this index alone.
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_mpdx_updated ON contact (updated, created)')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS contact_mpdx_updated')
