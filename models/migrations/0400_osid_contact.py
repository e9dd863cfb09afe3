"""OSID contact package: addresses, contacts, address books, hierarchy edges, memberships."""
from peewee import *
from models.base import JSONTextField
from models.base import UTCTimestampField


def up(migrator, db):
    def object_columns():
        return dict(
            pk=AutoField(),
            ident=CharField(max_length=64, unique=True),
            display_name=TextField(default=''),
            description=TextField(default=''),
            genus_type_id=TextField(),
            genus_key=TextField(index=True),
            record_type_ids=JSONTextField(null=True),
            created=UTCTimestampField(),
            updated=UTCTimestampField(),
            version=IntegerField(default=1),
        )

    def model(name, table, columns, indexes=()):
        meta = type('Meta', (), {'database': db, 'table_name': table, 'indexes': indexes})
        return type(name, (Model,), {**columns, 'Meta': meta})

    OsidAddressBook = model('OsidAddressBook', 'osid_address_book', {
        **object_columns(),
        'provider_id': TextField(null=True),
        'provider_key': TextField(null=True, index=True),
        'branding_ids': JSONTextField(null=True),
        'license': TextField(default=''),
        'is_default': BooleanField(default=False, index=True),
    })
    OsidAddress = model('OsidAddress', 'osid_address', {
        **object_columns(),
        'resource_id': TextField(null=True),
        'resource_key': TextField(null=True, index=True),
        'address_text': TextField(default=''),
    })
    OsidContact = model('OsidContact', 'osid_contact', {
        **object_columns(),
        'address': ForeignKeyField(OsidAddress, column_name='address_pk', on_delete='RESTRICT', index=True),
        'reference_id': TextField(),
        'reference_key': TextField(index=True),
        'addressee_id': TextField(null=True),
        'start_date': UTCTimestampField(null=True),
        'end_date': UTCTimestampField(null=True),
        'end_reason_id': TextField(null=True),
    })
    OsidBookEdge = model('OsidBookEdge', 'osid_book_edge', {
        'parent': ForeignKeyField(OsidAddressBook, column_name='parent_pk', on_delete='CASCADE'),
        'child': ForeignKeyField(OsidAddressBook, column_name='child_pk', on_delete='CASCADE'),
    }, ((('parent', 'child'), True), (('child', 'parent'), False)))
    OsidBookContact = model('OsidBookContact', 'osid_book_contact', {
        'book': ForeignKeyField(OsidAddressBook, column_name='book_pk', on_delete='CASCADE'),
        'contact': ForeignKeyField(OsidContact, column_name='contact_pk', on_delete='CASCADE'),
    }, ((('book', 'contact'), True), (('contact', 'book'), False)))
    OsidBookAddress = model('OsidBookAddress', 'osid_book_address', {
        'book': ForeignKeyField(OsidAddressBook, column_name='book_pk', on_delete='CASCADE'),
        'address': ForeignKeyField(OsidAddress, column_name='address_pk', on_delete='CASCADE'),
    }, ((('book', 'address'), True), (('address', 'book'), False)))
    OsidRecordType = model('OsidRecordType', 'osid_record_type', {
        'kind': CharField(max_length=16),
        'object_pk': IntegerField(),
        'type_key': TextField(),
    }, ((('kind', 'type_key', 'object_pk'), True), (('kind', 'object_pk'), False)))

    db.create_tables([OsidAddressBook, OsidAddress, OsidContact, OsidBookEdge, OsidBookContact,
                      OsidBookAddress, OsidRecordType])


def down(migrator, db):
    for table in ('osid_record_type', 'osid_book_address', 'osid_book_contact', 'osid_book_edge',
                  'osid_contact', 'osid_address', 'osid_address_book'):
        migrator.migrate(migrator.drop_table(table))
