"""OSID contacts: address <-> reference links, effective between optional start and end dates."""
from __future__ import annotations

import datetime
from collections.abc import Callable

from peewee import ModelSelect

from models.osid import OsidBookContact, OsidContact
from models.statements import insert_returning_key, insert_rows
from models.writer import run_grouped_write, run_write

from ..errors import Conflict, FieldError, Invalid
from . import common, hierarchy, objects
from .books import delete_contacts
from .ids import id_key

CONTACT_COLUMNS = ("display_name", "description", "addressee_id", "start_date", "end_date",
                   "end_reason_id")


def contact_select(args: dict, *, address_pk: int | None = None, book_pks=None,
                   effective_from: datetime.datetime | None = None,
                   effective_to: datetime.datetime | None = None) -> ModelSelect:
    """Contacts matching the list filters.

    `effective_from`/`effective_to` select contacts effective during the *whole* range,
    inclusive ("effective during the entire given date range ... but not confined to
    it"): started at the latest at `effective_from`, ended at the earliest at
    `effective_to`; a missing start or end date is open-ended.
    """
    query = common.filter_types(objects.contact_select(), OsidContact, common.KIND_CONTACT, args)
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


def effective_range(args: dict) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(latest allowed start, earliest allowed end) for `fromDate`/`toDate` ((instant, bare date) pairs).

    A bare date stands for the whole day: the contact must have started by the end of
    `fromDate` and not ended before the start of `toDate`. One bound alone means a
    one-point range (effective on that date).
    """
    low, high = args.get("fromDate"), args.get("toDate")
    if low is None and high is None:
        return None, None
    low, high = low or high, high or low
    if low[0] > high[0]:
        raise Invalid("fromDate must not be after toDate", errors=[FieldError("fromDate", "after toDate")])
    start_by = low[0] + datetime.timedelta(days=1, microseconds=-1) if low[1] else low[0]
    return start_by, high[0]


def list_contacts(args: dict, authority: str) -> list[dict]:
    """A page of the contacts matching the filters of GET /contacts (an unknown address or book: none)."""
    address_pk = None
    if args.get("addressId"):
        address = objects.find(common.KIND_ADDRESS, args["addressId"], authority)
        if address is None:
            return []
        address_pk = address["pk"]
    book_pks = hierarchy.list_scope(args.get("addressBookId"), args.get("federated"), authority)
    if isinstance(book_pks, list) and not book_pks:
        return []
    start_by, end_from = effective_range(args)
    query = contact_select(args, address_pk=address_pk, book_pks=book_pks,
                           effective_from=start_by, effective_to=end_from)
    return common.page(query, OsidContact, args["offset"], args["limit"])


def book_contacts(book_id: str, federated: bool, authority: str, offset: int, limit: int) -> list[dict]:
    """A page of the contacts in a book (and the books below it when `federated`)."""
    book = objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY)
    query = contact_select({}, book_pks=hierarchy.scope(book["pk"], federated))
    return common.page(query, OsidContact, offset, limit)


def check_dates(start: datetime.datetime | None, end: datetime.datetime | None) -> None:
    """Invalid when a contact would end before it starts."""
    if start is not None and end is not None and start > end:
        raise Invalid("endDate must not be before startDate",
                      errors=[FieldError("endDate", "before startDate", "minimum")])


def _values(values: dict) -> dict:
    return {key: values[key] for key in CONTACT_COLUMNS if key in values}


def creation_targets(address_id: str, book_id: str | None, authority: str) -> tuple[dict, int]:
    """The address and the book pk a new contact names (`addressId`, `addressBookId`): 400 when unknown."""
    address = objects.referenced(common.KIND_ADDRESS, address_id, authority, "addressId")
    return address, objects.target_book_pk(book_id, authority)


def create_contact(*, address_id: str, reference_id: str, book_id: str | None, authority: str,
                   genus_type_id: str, record_type_ids: list[str], read_values: Callable[[], dict]) -> dict:
    """Create a contact of an address for `reference_id` (in the default book unless `book_id`).

    Refusals in order: unknown address, unknown book, whatever `read_values()` (the
    request body's column values) raises, the dates; the address deleted meanwhile: 409.
    """
    address, book_pk = creation_targets(address_id, book_id, authority)
    values = _values(read_values())
    check_dates(values.get("start_date"), values.get("end_date"))

    def _create():
        if objects.by_pk(common.KIND_ADDRESS, address["pk"]) is None:
            raise Conflict("The address was deleted meanwhile")
        row = common.object_values(values, genus_type_id, record_type_ids)
        row.update(address=address["pk"], reference_id=reference_id, reference_key=id_key(reference_id))
        # Statements rendered once (models.statements): building Peewee queries was most of a create.
        pk = insert_returning_key(OsidContact, row)
        insert_rows(OsidBookContact, [{"book": book_pk, "contact": pk}])
        common.index_record_types(common.KIND_CONTACT, pk, record_type_ids)
        return objects.by_pk(common.KIND_CONTACT, pk)
    # Grouped: creates arriving together share one commit (see models.writer.run_grouped_write).
    return run_grouped_write(_create)


def update_contact(contact_id: str, authority: str, change: Callable[[dict], dict],
                   expected_version: int | None) -> None:
    """Change a contact's writable columns: read, `change(contact)`, checks and write in one transaction.

    `change` gets the contact as stored and returns the column values to set. Refusals
    in order: 404, whatever `change` raises, the dates, 412 (If-Match).
    """
    def _update():
        current = objects.contact(contact_id, authority, locked=True)
        values = _values(change(current))
        check_dates(values.get("start_date", current["start_date"]), values.get("end_date", current["end_date"]))
        common.write_update(OsidContact, current, values, expected_version)
    run_write(_update)


def delete_contact(contact_id: str, authority: str, expected_version: int | None) -> None:
    """Delete a contact from every book (404, then 412)."""
    def _delete():
        current = objects.contact(contact_id, authority, locked=True)
        common.check_version(current, expected_version)
        delete_contacts([current["pk"]])
    run_write(_delete)
