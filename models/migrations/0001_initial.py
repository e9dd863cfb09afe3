"""Initial canonical schema: contacts, their child rows, groups and API tokens."""
from peewee import *
from models.base import JSONTextField
from models.base import UTCTimestampField


def up(migrator, db):
    class ApiToken(Model):
        pk = AutoField()
        token_hash = CharField(unique=True, max_length=64)
        prefix = TextField()
        name = TextField(default='')
        scopes = JSONTextField()
        revoked = BooleanField(default=False)
        created = UTCTimestampField()
        class Meta:
            database = db
            table_name = 'api_token'
    db.create_tables([ApiToken])

    class Contact(Model):
        autokey = AutoField()
        id = CharField(unique=True, max_length=64)
        display_name = TextField(default='')
        prefix = TextField(default='')
        given_name = TextField(default='')
        middle_name = TextField(default='')
        family_name = TextField(default='')
        suffix = TextField(default='')
        label = TextField(default='')
        department = TextField(default='')
        job_title = TextField(default='')
        title = TextField(default='')
        notes = TextField(default='')
        language = TextField(default='')
        photo = TextField(default='')
        inactive = BooleanField(default=False)
        status = TextField(null=True)
        priority = IntegerField(null=True)
        locked = BooleanField(default=False)
        primary_phone = TextField(index=True, default='')
        primary_email = TextField(default='')
        account_list_id = IntegerField(index=True, null=True)
        created = UTCTimestampField()
        updated = UTCTimestampField()
        created_by = TextField(null=True)
        updated_by = TextField(null=True)
        version = IntegerField(default=1)
        extra = JSONTextField(null=True)
        class Meta:
            database = db
            table_name = 'contact'
    db.create_tables([Contact])

    class ContactAddress(Model):
        position = IntegerField(default=0)
        type = TextField(default='')
        label = TextField(default='')
        slot = TextField(null=True)
        is_primary = BooleanField(default=False)
        language = TextField(default='')
        description = TextField(default='')
        categories = JSONTextField(null=True)
        extra = JSONTextField(null=True)
        contact = ForeignKeyField(Contact, column_name='contact_autokey', on_delete='CASCADE')
        line1 = TextField(default='')
        line2 = TextField(default='')
        city = TextField(default='')
        region = TextField(default='')
        postal_code = TextField(default='')
        country = TextField(default='')
        class Meta:
            database = db
            table_name = 'contact_address'
            indexes = ((('contact', 'position'), False),)
    db.create_tables([ContactAddress])

    class ContactEmail(Model):
        position = IntegerField(default=0)
        type = TextField(default='')
        label = TextField(default='')
        slot = TextField(null=True)
        is_primary = BooleanField(default=False)
        language = TextField(default='')
        description = TextField(default='')
        categories = JSONTextField(null=True)
        extra = JSONTextField(null=True)
        contact = ForeignKeyField(Contact, column_name='contact_autokey', on_delete='CASCADE')
        value = TextField()
        value_norm = TextField(index=True)
        class Meta:
            database = db
            table_name = 'contact_email'
            indexes = ((('contact', 'position'), False),)
    db.create_tables([ContactEmail])

    class ContactGroup(Model):
        autokey = AutoField()
        id = CharField(unique=True, max_length=64)
        code = TextField(unique=True)
        name = TextField()
        shortname = TextField(default='')
        title = TextField(default='')
        comment = TextField(default='')
        priority = IntegerField(null=True, default=1000)
        created = UTCTimestampField()
        updated = UTCTimestampField()
        version = IntegerField(default=1)
        extra = JSONTextField(null=True)
        class Meta:
            database = db
            table_name = 'contact_group'
    db.create_tables([ContactGroup])

    class ContactPhone(Model):
        position = IntegerField(default=0)
        type = TextField(default='')
        label = TextField(default='')
        slot = TextField(null=True)
        is_primary = BooleanField(default=False)
        language = TextField(default='')
        description = TextField(default='')
        categories = JSONTextField(null=True)
        extra = JSONTextField(null=True)
        contact = ForeignKeyField(Contact, column_name='contact_autokey', on_delete='CASCADE')
        value = TextField(index=True)
        class Meta:
            database = db
            table_name = 'contact_phone'
            indexes = ((('contact', 'position'), False),)
    db.create_tables([ContactPhone])

    class ContactUrl(Model):
        position = IntegerField(default=0)
        type = TextField(default='')
        label = TextField(default='')
        slot = TextField(null=True)
        is_primary = BooleanField(default=False)
        language = TextField(default='')
        description = TextField(default='')
        categories = JSONTextField(null=True)
        extra = JSONTextField(null=True)
        contact = ForeignKeyField(Contact, column_name='contact_autokey', on_delete='CASCADE')
        value = TextField()
        notes = TextField(default='')
        class Meta:
            database = db
            table_name = 'contact_url'
            indexes = ((('contact', 'position'), False),)
    db.create_tables([ContactUrl])

    class GroupMembership(Model):
        contact = ForeignKeyField(Contact, column_name='contact_autokey', on_delete='CASCADE')
        group = ForeignKeyField(ContactGroup, column_name='group_autokey', on_delete='CASCADE')
        position = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'group_membership'
            indexes = ((('contact', 'group'), True), (('group', 'contact'), False))
    db.create_tables([GroupMembership])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('group_membership'))
    migrator.migrate(migrator.drop_table('contact_url'))
    migrator.migrate(migrator.drop_table('contact_phone'))
    migrator.migrate(migrator.drop_table('contact_group'))
    migrator.migrate(migrator.drop_table('contact_email'))
    migrator.migrate(migrator.drop_table('contact_address'))
    migrator.migrate(migrator.drop_table('contact'))
    migrator.migrate(migrator.drop_table('api_token'))

