"""OSID addresses: lookups, queries and writes (an address lives in one or more books)."""
from __future__ import annotations

from peewee import ModelSelect, fn

from models.osid import OsidAddress, OsidBookAddress, OsidContact
from models.statements import fetch_dicts
from models.writer import run_write

from . import common
from ..errors import Conflict
from .books import delete_addresses
from .ids import id_key

ADDRESS_COLUMNS = ("display_name", "description", "resource_id", "address_text")


def find_address(ident: str) -> dict | None:
    """The address with identifier `ident`, or None."""
    rows = fetch_dicts("osid.address.by_ident", OsidAddress,
                       lambda key: OsidAddress.select().where(OsidAddress.ident == key), ident)
    return rows[0] if rows else None


def address_select(args: dict, book_pks=None) -> ModelSelect:
    """Addresses matching the list filters; `book_pks` (a select or list) limits to books."""
    query = common.filter_types(OsidAddress.select(), OsidAddress, common.KIND_ADDRESS, args)
    if args.get("resourceId"):
        query = query.where(OsidAddress.resource_key == id_key(args["resourceId"]))
    if book_pks is not None:
        query = query.where(OsidAddress.pk.in_(
            OsidBookAddress.select(OsidBookAddress.address).where(OsidBookAddress.book.in_(book_pks))))
    return query


def _values(values: dict) -> dict:
    row = {key: values[key] for key in ADDRESS_COLUMNS if key in values}
    if "resource_id" in row:
        row["resource_key"] = id_key(row["resource_id"]) if row["resource_id"] else None
    return row


def create_address(values: dict, genus_type_id: str, record_type_ids: list[str], book_pk: int) -> dict:
    """Create an address in the book `book_pk`."""
    def _create():
        pk = OsidAddress.insert(**common.object_values(_values(values), genus_type_id,
                                                       record_type_ids)).execute()
        OsidBookAddress.insert(book=book_pk, address=pk).execute()
        common.index_record_types(common.KIND_ADDRESS, pk, record_type_ids)
        return OsidAddress.select().where(OsidAddress.pk == pk).dicts().get()
    return run_write(_create)


def update_address(current: dict, values: dict, expected_version: int | None) -> None:
    """Change an address's writable columns."""
    def _update():
        common.check_version(OsidAddress, current["pk"], expected_version)
        (OsidAddress.update(common.touched(_values(values), current))
         .where(OsidAddress.pk == current["pk"]).execute())
    run_write(_update)


def delete_address(current: dict, expected_version: int | None) -> None:
    """Delete an address from every book; 409 while contacts reference it."""
    def _delete():
        common.check_version(OsidAddress, current["pk"], expected_version)
        used = OsidContact.select(fn.COUNT(1)).where(OsidContact.address == current["pk"]).scalar()
        if used:
            raise Conflict(f"The address is referenced by {used} contact(s); delete those contacts first")
        delete_addresses([current["pk"]])
    run_write(_delete)
