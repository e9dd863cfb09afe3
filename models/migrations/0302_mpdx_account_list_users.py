"""MPDX: the users of an account list (mpdx-react's organization contacts page shows them)."""
from peewee import *
from models.base import JSONTextField, UTCTimestampField


def up(migrator, db):
    class AccountList(Model):
        autokey = AutoField()

        class Meta:
            database = db
            table_name = 'mpdx_account_list'

    class AccountListUser(Model):
        autokey = AutoField()
        id = CharField(unique=True, max_length=64)
        account_list = ForeignKeyField(AccountList, column_name='account_list_autokey', on_delete='CASCADE',
                                       index=False)
        position = IntegerField(default=0)
        first_name = TextField(default='')
        last_name = TextField(default='')
        emails = JSONTextField(null=True)
        created = UTCTimestampField()
        updated = UTCTimestampField()

        class Meta:
            database = db
            table_name = 'mpdx_account_list_user'
            indexes = ((('account_list', 'position'), False),)

    db.create_tables([AccountListUser])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('mpdx_account_list_user'))
