"""OSID contact package tables: addresses, contacts (address <-> reference links), address books.

These are not person cards: an OSID Contact links an Address to a reference Id for a
period of time. Books hold contacts and addresses through membership tables and form a
directed acyclic graph through `OsidBookEdge`. Id-valued columns that are filtered on
have a `*_key` twin holding the normalised Id (namespace and authority lower-cased,
identifier as is: OSID Id equality), which is what the indexes serve.
"""
from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, JSONTextField, UTCTimestampField, utcnow


class _OsidObject(BaseModel):
    """Columns every OSID object has (OsidObject: id, names, genus and record types)."""

    pk = AutoField()
    ident = CharField(max_length=64, unique=True)  # the Id's identifier (a UUID)
    display_name = TextField(default="")
    description = TextField(default="")
    genus_type_id = TextField()
    genus_key = TextField(index=True)
    record_type_ids = JSONTextField(null=True)  # wire order; OsidRecordType indexes them
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)
    version = IntegerField(default=1)


class OsidAddressBook(_OsidObject):
    """A catalog of contacts and addresses; one of them is the default book."""

    provider_id = TextField(null=True)
    provider_key = TextField(null=True, index=True)
    branding_ids = JSONTextField(null=True)
    license = TextField(default="")
    is_default = BooleanField(default=False, index=True)

    class Meta:
        table_name = "osid_address_book"


class OsidAddress(_OsidObject):
    """An address of a resource (email, phone, postal...: its genus type says which)."""

    resource_id = TextField(null=True)
    resource_key = TextField(null=True, index=True)
    address_text = TextField(default="")

    class Meta:
        table_name = "osid_address"


class OsidContact(_OsidObject):
    """A time-bounded relationship between an address and a reference Id."""

    address = ForeignKeyField(OsidAddress, column_name="address_pk", on_delete="RESTRICT", index=True)
    reference_id = TextField()
    reference_key = TextField(index=True)
    addressee_id = TextField(null=True)
    start_date = UTCTimestampField(null=True)  # None: effective since forever
    end_date = UTCTimestampField(null=True)  # None: effective for ever
    end_reason_id = TextField(null=True)

    class Meta:
        table_name = "osid_contact"


class OsidBookEdge(BaseModel):
    """A parent -> child edge of the address book hierarchy (a DAG)."""

    # No index of their own: the composite indexes below lead with each (migration 0750).
    parent = ForeignKeyField(OsidAddressBook, column_name="parent_pk", on_delete="CASCADE", index=False)
    child = ForeignKeyField(OsidAddressBook, column_name="child_pk", on_delete="CASCADE", index=False)

    class Meta:
        table_name = "osid_book_edge"
        indexes = ((("parent", "child"), True), (("child", "parent"), False))


class OsidBookContact(BaseModel):
    """A contact's membership in an address book."""

    book = ForeignKeyField(OsidAddressBook, column_name="book_pk", on_delete="CASCADE", index=False)
    contact = ForeignKeyField(OsidContact, column_name="contact_pk", on_delete="CASCADE", index=False)

    class Meta:
        table_name = "osid_book_contact"
        indexes = ((("book", "contact"), True), (("contact", "book"), False))


class OsidBookAddress(BaseModel):
    """An address's membership in an address book."""

    book = ForeignKeyField(OsidAddressBook, column_name="book_pk", on_delete="CASCADE", index=False)
    address = ForeignKeyField(OsidAddress, column_name="address_pk", on_delete="CASCADE", index=False)

    class Meta:
        table_name = "osid_book_address"
        indexes = ((("book", "address"), True), (("address", "book"), False))


class OsidRecordType(BaseModel):
    """Index of record type Ids per object, so `recordTypeId` filters are index probes."""

    kind = CharField(max_length=16)  # "contact", "address" or "book"
    object_pk = IntegerField()
    type_key = TextField()

    class Meta:
        table_name = "osid_record_type"
        indexes = ((("kind", "type_key", "object_pk"), True), (("kind", "object_pk"), False))


OSID_MODELS = (OsidAddressBook, OsidAddress, OsidContact, OsidBookEdge, OsidBookContact,
               OsidBookAddress, OsidRecordType)
