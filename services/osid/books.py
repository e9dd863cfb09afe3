"""Address books: CRUD, the default book, and contact/address membership.

OSID: "An Address may map to multiple AddressBooks and removing the last reference to
an Address is the equivalent of deleting it" (the same is applied to contacts). A
contact still needs its address, so an address that contacts reference cannot lose its
last book nor be deleted (409).
"""
from __future__ import annotations

from peewee import IntegrityError, fn

from models.osid import OsidAddress, OsidAddressBook, OsidBookAddress, OsidBookContact, OsidContact
from models.statements import fetch_dicts
from models.writer import run_write

from . import common
from ..errors import Conflict
from .ids import DEFAULT_BOOK_IDENT, default_type, id_key

BOOK_COLUMNS = ("display_name", "description", "provider_id", "branding_ids", "license")
DEFAULT_BOOK_NAME = "Default Address Book"


def find_book(ident: str) -> dict | None:
    """The book with identifier `ident`, or None."""
    rows = fetch_dicts("osid.book.by_ident", OsidAddressBook,
                       lambda key: OsidAddressBook.select().where(OsidAddressBook.ident == key), ident)
    return rows[0] if rows else None


def ensure_default_book(authority: str) -> None:
    """Create the default address book unless it exists (idempotent, race-safe)."""
    if OsidAddressBook.select().where(OsidAddressBook.is_default).exists():
        return

    def _create():
        row = common.object_values({"display_name": DEFAULT_BOOK_NAME, "is_default": True,
                                    "description": "Receives contacts and addresses created without "
                                                   "an addressBookId"},
                                   default_type("AddressBook", authority), [])
        row["ident"] = DEFAULT_BOOK_IDENT
        OsidAddressBook.insert(**row).on_conflict_ignore().execute()
    run_write(_create)


def default_book_pk() -> int:
    """The pk of the default address book."""
    return OsidAddressBook.select(OsidAddressBook.pk).where(OsidAddressBook.is_default).scalar()


def _book_values(values: dict) -> dict:
    row = {key: values[key] for key in BOOK_COLUMNS if key in values}
    if "provider_id" in row:
        row["provider_key"] = id_key(row["provider_id"]) if row["provider_id"] else None
    return row


def create_book(values: dict, genus_type_id: str, record_type_ids: list[str]) -> dict:
    """Create an address book (outside the hierarchy until it gets an edge)."""
    def _create():
        row = common.object_values(_book_values(values), genus_type_id, record_type_ids)
        pk = OsidAddressBook.insert(**row).execute()
        common.index_record_types(common.KIND_BOOK, pk, record_type_ids)
        return OsidAddressBook.select().where(OsidAddressBook.pk == pk).dicts().get()
    return run_write(_create)


def update_book(current: dict, values: dict, expected_version: int | None) -> None:
    """Change a book's writable columns."""
    def _update():
        common.check_version(OsidAddressBook, current["pk"], expected_version)
        (OsidAddressBook.update(common.touched(_book_values(values), current))
         .where(OsidAddressBook.pk == current["pk"]).execute())
    run_write(_update)


def delete_book(current: dict, expected_version: int | None) -> None:
    """Delete a book; contacts and addresses in no other book go with it.

    Refused (409) for the default book, and when an address that would go is still
    used by a contact that stays.
    """
    if current["is_default"]:
        raise Conflict("The default address book cannot be deleted")
    book_pk = current["pk"]

    def _delete():
        common.check_version(OsidAddressBook, book_pk, expected_version)
        lonely_contacts = _only_in(OsidBookContact, OsidBookContact.contact, book_pk)
        lonely_addresses = _only_in(OsidBookAddress, OsidBookAddress.address, book_pk)
        if lonely_addresses:
            users = OsidContact.select(fn.COUNT(1)).where(OsidContact.address.in_(lonely_addresses))
            if lonely_contacts:
                users = users.where(OsidContact.pk.not_in(lonely_contacts))
            still_used = users.scalar()
            if still_used:
                raise Conflict(f"The address book holds the only copy of addresses that {still_used} "
                               "contact(s) in other address books reference; move or delete them first")
        delete_contacts(lonely_contacts)
        delete_addresses(lonely_addresses)
        OsidAddressBook.delete().where(OsidAddressBook.pk == book_pk).execute()
        common.drop_record_types(common.KIND_BOOK, [book_pk])
    run_write(_delete)


def _only_in(link, member_field, book_pk: int) -> list[int]:
    """Members of `book_pk` that belong to no other book."""
    other = link.alias("other")
    elsewhere = (other.select(other.book)
                 .where((getattr(other, member_field.name) == member_field) & (other.book != book_pk)))
    return [pk for (pk,) in link.select(member_field)
            .where((link.book == book_pk) & ~fn.EXISTS(elsewhere)).tuples()]


def delete_contacts(pks: list[int]) -> None:
    """Delete contacts (memberships cascade) and their record type index rows."""
    if pks:
        OsidContact.delete().where(OsidContact.pk.in_(pks)).execute()
        common.drop_record_types(common.KIND_CONTACT, pks)


def delete_addresses(pks: list[int]) -> None:
    """Delete addresses no contact references (memberships cascade)."""
    if pks:
        OsidAddress.delete().where(OsidAddress.pk.in_(pks)).execute()
        common.drop_record_types(common.KIND_ADDRESS, pks)


# ---------------------------------------------------------------- membership

def assign(link, member_name: str, book_pk: int, member_pk: int) -> None:
    """Put a contact or address (`member_name` = "contact"/"address") into a book (idempotent)."""
    def _assign():
        try:
            link.insert(book=book_pk, **{member_name: member_pk}).on_conflict_ignore().execute()
        except IntegrityError as exc:  # the book or member vanished meanwhile
            raise Conflict("The address book or its new member was deleted meanwhile") from exc
    run_write(_assign)


def unassign_contact(book_pk: int, contact_pk: int) -> str | None:
    """Take a contact out of a book: None when it was not in it, "deleted" when that was its last book."""
    def _unassign():
        removed = (OsidBookContact.delete().where((OsidBookContact.book == book_pk)
                                                  & (OsidBookContact.contact == contact_pk)).execute())
        if not removed:
            return None
        if not OsidBookContact.select().where(OsidBookContact.contact == contact_pk).exists():
            delete_contacts([contact_pk])
            return "deleted"
        return "removed"
    return run_write(_unassign)


def unassign_address(book_pk: int, address_pk: int) -> str | None:
    """Take an address out of a book: None when it was not in it, "deleted" when that was its last book.

    Leaving the last book deletes the address, so it is refused (409) while contacts reference it.
    """
    def _unassign():
        removed = (OsidBookAddress.delete().where((OsidBookAddress.book == book_pk)
                                                  & (OsidBookAddress.address == address_pk)).execute())
        if not removed:
            return None
        if OsidBookAddress.select().where(OsidBookAddress.address == address_pk).exists():
            return "removed"
        used = OsidContact.select(fn.COUNT(1)).where(OsidContact.address == address_pk).scalar()
        if used:
            raise Conflict(f"This is the address's last address book and {used} contact(s) reference "
                           "it: removing it would delete it; delete those contacts first")
        delete_addresses([address_pk])
        return "deleted"
    return run_write(_unassign)
