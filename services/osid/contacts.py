"""OSID contacts: address <-> reference links, effective between optional start and end dates."""
from __future__ import annotations

import datetime

from peewee import ModelSelect

from models.osid import OsidAddress, OsidBookContact, OsidContact
from models.statements import fetch_dicts
from models.writer import run_write

from . import common
from ..errors import Conflict
from .books import delete_contacts
from .ids import id_key

CONTACT_COLUMNS = ("display_name", "description", "addressee_id", "start_date", "end_date",
                   "end_reason_id")


def _select() -> ModelSelect:
    """Contacts with their address's identifier (one join, no per-row lookups)."""
    return (OsidContact.select(OsidContact, OsidAddress.ident.alias("address_ident"))
            .join(OsidAddress, on=(OsidContact.address == OsidAddress.pk)))


def find_contact(ident: str) -> dict | None:
    """The contact with identifier `ident` (plus `address_ident`), or None."""
    rows = fetch_dicts("osid.contact.by_ident", OsidContact,
                       lambda key: _select().where(OsidContact.ident == key), ident)
    return rows[0] if rows else None


def contact_select(args: dict, *, address_pk: int | None = None, book_pks=None,
                   effective_from: datetime.datetime | None = None,
                   effective_to: datetime.datetime | None = None) -> ModelSelect:
    """Contacts matching the list filters.

    `effective_from`/`effective_to` select contacts effective during the *whole* range,
    inclusive ("effective during the entire given date range ... but not confined to
    it"): started at the latest at `effective_from`, ended at the earliest at
    `effective_to`; a missing start or end date is open-ended.
    """
    query = common.filter_types(_select(), OsidContact, common.KIND_CONTACT, args)
    if address_pk is not None:
        query = query.where(OsidContact.address == address_pk)
    if args.get("referenceId"):
        query = query.where(OsidContact.reference_key == id_key(args["referenceId"]))
    if book_pks is not None:
        query = query.where(OsidContact.pk.in_(
            OsidBookContact.select(OsidBookContact.contact).where(OsidBookContact.book.in_(book_pks))))
    if effective_from is not None:
        query = query.where(OsidContact.start_date.is_null() | (OsidContact.start_date <= effective_from))
    if effective_to is not None:
        query = query.where(OsidContact.end_date.is_null() | (OsidContact.end_date >= effective_to))
    return query


def _values(values: dict) -> dict:
    return {key: values[key] for key in CONTACT_COLUMNS if key in values}


def create_contact(values: dict, address_pk: int, reference_id: str, genus_type_id: str,
                   record_type_ids: list[str], book_pk: int) -> dict:
    """Create a contact of the address `address_pk` for `reference_id` in the book `book_pk`."""
    def _create():
        if not OsidAddress.select().where(OsidAddress.pk == address_pk).exists():
            raise Conflict("The address was deleted meanwhile")
        row = common.object_values(_values(values), genus_type_id, record_type_ids)
        row.update(address=address_pk, reference_id=reference_id, reference_key=id_key(reference_id))
        pk = OsidContact.insert(**row).execute()
        OsidBookContact.insert(book=book_pk, contact=pk).execute()
        common.index_record_types(common.KIND_CONTACT, pk, record_type_ids)
        return _select().where(OsidContact.pk == pk).dicts().get()
    return run_write(_create)


def update_contact(current: dict, values: dict, expected_version: int | None) -> None:
    """Change a contact's writable columns."""
    def _update():
        common.check_version(OsidContact, current["pk"], expected_version)
        (OsidContact.update(common.touched(_values(values), current))
         .where(OsidContact.pk == current["pk"]).execute())
    run_write(_update)


def delete_contact(current: dict, expected_version: int | None) -> None:
    """Delete a contact from every book."""
    def _delete():
        common.check_version(OsidContact, current["pk"], expected_version)
        delete_contacts([current["pk"]])
    run_write(_delete)
