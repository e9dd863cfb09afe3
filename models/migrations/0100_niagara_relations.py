"""Niagara relations table: edges from a contact to an entity, cascading with both contacts."""
from peewee import *
from models.base import UTCTimestampField


def up(migrator, db):
    class Contact(Model):
        autokey = AutoField()

        class Meta:
            database = db
            table_name = 'contact'

    class NiagaraRelation(Model):
        pk = AutoField()
        relation_id = CharField(unique=True, max_length=255)
        contact = ForeignKeyField(Contact, backref='+', column_name='contact_autokey', on_delete='CASCADE')
        relation = TextField()
        entity_type = TextField()
        entity_id = TextField()
        target = ForeignKeyField(Contact, backref='+', column_name='target_autokey', null=True,
                                 on_delete='CASCADE')
        created = UTCTimestampField()
        updated = UTCTimestampField()

        class Meta:
            database = db
            table_name = 'niagara_relation'
            indexes = ((('contact', 'relation', 'entity_type', 'entity_id'), True),)
    db.create_tables([NiagaraRelation])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS niagara_relation')
