"""MPDX: organizations, account lists, their link, and the indexes the list endpoint sorts by."""
from peewee import *
from models.base import UTCTimestampField, utcnow

UNASSIGNED_ACCOUNT_LIST_ID = "6b2f3c1e-0d1a-5e7b-9c4d-8a1f2e3d4c5b"
# MPDX's `name` ("Family, Given" when both are known): indexed so `sort=name` can walk it.
NAME_EXPRESSION = ("(CASE WHEN family_name <> '' AND given_name <> '' "
                   "THEN family_name || ', ' || given_name ELSE display_name END)")


def up(migrator, db):
    class Organization(Model):
        autokey = AutoField()
        id = CharField(unique=True, max_length=64)
        name = TextField(default='')
        created = UTCTimestampField()
        updated = UTCTimestampField()
        class Meta:
            database = db
            table_name = 'mpdx_organization'

    class AccountList(Model):
        autokey = AutoField()
        id = CharField(unique=True, max_length=64)
        name = TextField(default='')
        created = UTCTimestampField()
        updated = UTCTimestampField()
        class Meta:
            database = db
            table_name = 'mpdx_account_list'

    class AccountListOrganization(Model):
        account_list = ForeignKeyField(AccountList, column_name='account_list_autokey', on_delete='CASCADE')
        organization = ForeignKeyField(Organization, column_name='organization_autokey', on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'mpdx_account_list_organization'
            indexes = ((('account_list', 'organization'), True), (('organization', 'account_list'), False))

    db.create_tables([Organization, AccountList, AccountListOrganization])
    now = utcnow()
    AccountList.insert(id=UNASSIGNED_ACCOUNT_LIST_ID, name='Unassigned', created=now, updated=now).execute()
    # The organizations endpoint filters by status and orders by created (default) or name.
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_status ON contact (status)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_created ON contact (created)')
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS contact_mpdx_name ON contact ({NAME_EXPRESSION}, created)')


def down(migrator, db):
    for name in ('contact_mpdx_name', 'contact_created', 'contact_status'):
        db.execute_sql(f'DROP INDEX IF EXISTS {name}')
    for table in ('mpdx_account_list_organization', 'mpdx_account_list', 'mpdx_organization'):
        migrator.migrate(migrator.drop_table(table))
