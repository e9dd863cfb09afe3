"""MPDX data no other dialect has: organizations, account lists and their link.

A contact belongs to one account list (`Contact.account_list_id` holds the list's
`autokey`); an account list belongs to organizations through designation accounts,
stored here as the plain link table `AccountListOrganization`, and has users (the
people who own it: `AccountListUser`).
"""
from __future__ import annotations

from peewee import AutoField, CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, JSONTextField, UTCTimestampField, utcnow

# The account list shown for cards whose `account_list_id` is NULL: MPDX's web client
# crashes on a null to-one linkage, so every contact links to some list. Its row is
# created by migration 0300 and can never be linked to an organization.
UNASSIGNED_ACCOUNT_LIST_ID = "6b2f3c1e-0d1a-5e7b-9c4d-8a1f2e3d4c5b"
UNASSIGNED_ACCOUNT_LIST_NAME = "Unassigned"


class Organization(BaseModel):
    """An MPDX organization (the owner of designation accounts)."""

    autokey = AutoField()
    id = CharField(max_length=64, unique=True)
    name = TextField(default="")
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)

    class Meta:
        table_name = "mpdx_organization"


class AccountList(BaseModel):
    """An MPDX account list: the ministry partner list a contact belongs to."""

    autokey = AutoField()
    id = CharField(max_length=64, unique=True)
    name = TextField(default="")
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)

    class Meta:
        table_name = "mpdx_account_list"


class AccountListOrganization(BaseModel):
    """An account list has a designation account in an organization."""

    # No index of their own: the composite indexes below lead with each (migration 0750).
    account_list = ForeignKeyField(AccountList, on_delete="CASCADE", column_name="account_list_autokey",
                                   index=False)
    organization = ForeignKeyField(Organization, on_delete="CASCADE", column_name="organization_autokey",
                                   index=False)

    class Meta:
        table_name = "mpdx_account_list_organization"
        indexes = (
            (("account_list", "organization"), True),
            (("organization", "account_list"), False),
        )


class AccountListUser(BaseModel):
    """A user of an account list (its owner, as MPDX's organization contacts page shows them)."""

    autokey = AutoField()
    id = CharField(max_length=64, unique=True)
    account_list = ForeignKeyField(AccountList, on_delete="CASCADE", column_name="account_list_autokey", index=False)
    position = IntegerField(default=0)
    first_name = TextField(default="")
    last_name = TextField(default="")
    emails = JSONTextField(null=True)  # [{"email": ..., "primary": bool}]
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)

    class Meta:
        table_name = "mpdx_account_list_user"
        indexes = ((("account_list", "position"), False),)
