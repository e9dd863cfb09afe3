"""OSID addresses: queries and writes (an address lives in one or more books)."""
from __future__ import annotations

from collections.abc import Callable

from peewee import ModelSelect, fn

from models.osid import OsidAddress, OsidBookAddress, OsidContact
from models.statements import insert_returning_key, insert_rows
from models.writer import run_grouped_write, run_write

from ..errors import Conflict
from . import common, hierarchy, objects
from .books import delete_addresses
from .ids import id_key

ADDRESS_COLUMNS = ("display_name", "description", "resource_id", "address_text")


def address_select(args: dict, book_pks=None) -> ModelSelect:
    """Addresses matching the list filters; `book_pks` (a select or list) limits to books."""
    query = common.filter_types(OsidAddress.select(), OsidAddress, common.KIND_ADDRESS, args)
    if args.get("resourceId"):
        query = query.where(OsidAddress.resource_key == id_key(args["resourceId"]))
    if book_pks is not None:
        query = query.where(OsidAddress.pk.in_(
            OsidBookAddress.select(OsidBookAddress.address).where(OsidBookAddress.book.in_(book_pks))))
    return query


def list_addresses(args: dict, authority: str) -> list[dict]:
    """A page of the addresses matching the filters of GET /addresses (an unknown book: none)."""
    book_pks = hierarchy.list_scope(args.get("addressBookId"), args.get("federated"), authority)
    if isinstance(book_pks, list) and not book_pks:
        return []
    return common.page(address_select(args, book_pks), OsidAddress, args["offset"], args["limit"])


def book_addresses(book_id: str, federated: bool, authority: str, offset: int, limit: int) -> list[dict]:
    """A page of the addresses in a book (and the books below it when `federated`)."""
    book = objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY)
    query = address_select({}, hierarchy.scope(book["pk"], federated))
    return common.page(query, OsidAddress, offset, limit)


def _values(values: dict) -> dict:
    row = {key: values[key] for key in ADDRESS_COLUMNS if key in values}
    if "resource_id" in row:
        row["resource_key"] = id_key(row["resource_id"]) if row["resource_id"] else None
    return row


def create_address(*, book_id: str | None, authority: str, genus_type_id: str, record_type_ids: list[str],
                   read_values: Callable[[], dict]) -> dict:
    """Create an address (in the default book unless `book_id`; unknown book: 400)."""
    book_pk = objects.target_book_pk(book_id, authority)
    values = _values(read_values())

    def _create():
        # Statements rendered once (models.statements): building Peewee queries was most of a create.
        pk = insert_returning_key(OsidAddress, common.object_values(values, genus_type_id, record_type_ids))
        insert_rows(OsidBookAddress, [{"book": book_pk, "address": pk}])
        common.index_record_types(common.KIND_ADDRESS, pk, record_type_ids)
        return objects.by_pk(common.KIND_ADDRESS, pk)
    # Grouped: creates arriving together share one commit (see models.writer.run_grouped_write).
    return run_grouped_write(_create)


def update_address(address_id: str, authority: str, change: Callable[[dict], dict],
                   expected_version: int | None) -> None:
    """Change an address's writable columns: read, `change(address)`, check and write in one transaction.

    Refusals in order: 404, whatever `change` raises, 412 (If-Match).
    """
    def _update():
        current = objects.address(address_id, authority, locked=True)
        values = _values(change(current))
        common.write_update(OsidAddress, current, values, expected_version)
    run_write(_update)


def delete_address(address_id: str, authority: str, expected_version: int | None) -> None:
    """Delete an address from every book: 404, 412, then 409 while contacts reference it."""
    def _delete():
        current = objects.address(address_id, authority, locked=True)
        common.check_version(current, expected_version)
        used = OsidContact.select(fn.COUNT(1)).where(OsidContact.address == current["pk"]).scalar()
        if used:
            raise Conflict(f"The address is referenced by {used} contact(s); delete those contacts first")
        delete_addresses([current["pk"]])
    run_write(_delete)
