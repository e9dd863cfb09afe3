"""The canonical contact card and its ordered child rows (docs/architecture.md, docs/mapping.md)."""
from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import BaseModel, JSONTextField, UTCTimestampField, utcnow


class Contact(BaseModel):
    """A person's card: one row, read and written by every dialect."""

    autokey = AutoField()  # the SQLite rowid; Incoplax shows it as `autokey`
    id = CharField(max_length=64, unique=True)  # public id in every dialect
    display_name = TextField(default="")
    prefix = TextField(default="")
    given_name = TextField(default="")
    middle_name = TextField(default="")
    family_name = TextField(default="")
    suffix = TextField(default="")
    label = TextField(default="")
    department = TextField(default="")
    job_title = TextField(default="")
    title = TextField(default="")
    notes = TextField(default="")
    language = TextField(default="")
    photo = TextField(default="")
    inactive = BooleanField(default=False)
    status = TextField(null=True)  # MPDX status vocabulary
    priority = IntegerField(null=True)
    locked = BooleanField(default=False)
    # The primary phone's and email's values (DENORMALISED_PRIMARIES, kept by services.contacts
    # and the bulk import) make LOOKUP and equality filters one index probe.
    primary_phone = TextField(default="", index=True)
    primary_email = TextField(default="")
    account_list_id = IntegerField(null=True, index=True)  # MPDX account list
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)
    created_by = TextField(null=True)
    updated_by = TextField(null=True)
    version = IntegerField(default=1)
    # What a dialect accepts but no canonical column holds, keyed by dialect name.
    extra = JSONTextField(null=True)

    class Meta:
        table_name = "contact"


class _ChildRow(BaseModel):
    """Columns every ordered child row of a contact has."""

    position = IntegerField(default=0)
    type = TextField(default="")
    label = TextField(default="")
    # The wire slot a dialect wrote this row into (e.g. Incoplax `mobile2`), so that
    # writing one slot never shifts the others.
    slot = TextField(null=True)
    is_primary = BooleanField(default=False)
    language = TextField(default="")
    description = TextField(default="")
    categories = JSONTextField(null=True)
    extra = JSONTextField(null=True)


class ContactEmail(_ChildRow):
    """An email address of a contact."""

    contact = ForeignKeyField(Contact, backref="emails", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # (contact, position) serves
    value = TextField()
    value_norm = TextField(index=True)  # lower-cased, for case-insensitive matching

    class Meta:
        table_name = "contact_email"
        indexes = ((("contact", "position"), False),)


class ContactPhone(_ChildRow):
    """A phone number of a contact."""

    contact = ForeignKeyField(Contact, backref="phones", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # (contact, position) serves
    value = TextField(index=True)

    class Meta:
        table_name = "contact_phone"
        indexes = ((("contact", "position"), False),)


class ContactAddress(_ChildRow):
    """A postal address of a contact."""

    contact = ForeignKeyField(Contact, backref="addresses", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # (contact, position) serves
    line1 = TextField(default="")
    line2 = TextField(default="")
    city = TextField(default="")
    region = TextField(default="")
    postal_code = TextField(default="")
    country = TextField(default="")

    class Meta:
        table_name = "contact_address"
        indexes = ((("contact", "position"), False),)


class ContactUrl(_ChildRow):
    """A web address of a contact."""

    contact = ForeignKeyField(Contact, backref="urls", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # (contact, position) serves
    value = TextField()
    notes = TextField(default="")

    class Meta:
        table_name = "contact_url"
        indexes = ((("contact", "position"), False),)


class ContactGroup(BaseModel):
    """A group of contacts (Incoplax contactgroup, FOLIO category)."""

    autokey = AutoField()
    id = CharField(max_length=64, unique=True)
    code = TextField(unique=True)
    name = TextField()
    shortname = TextField(default="")
    title = TextField(default="")
    comment = TextField(default="")
    priority = IntegerField(null=True, default=1000)
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)
    version = IntegerField(default=1)
    extra = JSONTextField(null=True)

    class Meta:
        table_name = "contact_group"


class GroupMembership(BaseModel):
    """A contact's membership in a group, ordered as the contact lists its groups."""

    contact = ForeignKeyField(Contact, backref="memberships", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # the composite indexes below lead with each
    group = ForeignKeyField(ContactGroup, backref="memberships", on_delete="CASCADE", column_name="group_autokey",
                            index=False)
    position = IntegerField(default=0)

    class Meta:
        table_name = "group_membership"
        indexes = (
            (("contact", "group"), True),
            (("group", "contact"), False),
        )


# A card's child lists: its key for each kind of child row -> the model storing them.
CHILD_MODELS = {"emails": ContactEmail, "phones": ContactPhone, "addresses": ContactAddress, "urls": ContactUrl}
# Child-row columns a card does not carry: the row's own id, its owner (the card) and its
# position (the order of the card's list).
CHILD_SKIP = frozenset({"id", "contact", "position"})
# The contact columns that repeat the value of a child list's primary row.
DENORMALISED_PRIMARIES = {"phones": "primary_phone", "emails": "primary_email"}


def primary_position(model: type[BaseModel], items: list[dict]) -> int | None:
    """The position of the one primary row of an ordered child list: the first flagged
    `is_primary`, else the first of a kind that has a value (all but addresses); else None."""
    for position, item in enumerate(items):
        if item.get("is_primary"):
            return position
    return 0 if items and "value" in model._meta.fields else None
