"""Address books: CRUD, the default book, and contact/address membership.

OSID: "An Address may map to multiple AddressBooks and removing the last reference to
an Address is the equivalent of deleting it" (the same is applied to contacts). A
contact still needs its address, so an address that contacts reference cannot lose its
last book nor be deleted (409).
"""
from __future__ import annotations

from collections.abc import Callable

from peewee import IntegrityError, fn

from models.osid import OsidAddress, OsidAddressBook, OsidBookAddress, OsidBookContact, OsidContact
from models.writer import run_write

from ..errors import Conflict, NotFound
from . import common, objects
from .ids import DEFAULT_BOOK_IDENT, default_type, id_key

BOOK_COLUMNS = ("display_name", "description", "provider_id", "branding_ids", "license")
DEFAULT_BOOK_NAME = "Default Address Book"


def ensure_default_book(authority: str) -> None:
    """Create the default address book unless it exists (idempotent, race-safe)."""
    if objects.default_book_pk() is not None:
        return

    def _create():
        row = common.object_values({"display_name": DEFAULT_BOOK_NAME, "is_default": True,
                                    "description": "Receives contacts and addresses created without "
                                                   "an addressBookId"},
                                   default_type("AddressBook", authority), [])
        row["ident"] = DEFAULT_BOOK_IDENT
        OsidAddressBook.insert(**row).on_conflict_ignore().execute()
    run_write(_create)


def _book_values(values: dict) -> dict:
    row = {key: values[key] for key in BOOK_COLUMNS if key in values}
    if "provider_id" in row:
        row["provider_key"] = id_key(row["provider_id"]) if row["provider_id"] else None
    return row


def list_books(args: dict, authority: str) -> list[dict]:
    """A page of the books matching the filters of GET /address-books (an unknown contact or address: none)."""
    query = common.filter_types(OsidAddressBook.select(), OsidAddressBook, common.KIND_BOOK, args)
    if args.get("providerId"):
        query = query.where(OsidAddressBook.provider_key == id_key(args["providerId"]))
    for param, kind, link, member in (
            ("contactId", common.KIND_CONTACT, OsidBookContact, OsidBookContact.contact),
            ("addressId", common.KIND_ADDRESS, OsidBookAddress, OsidBookAddress.address)):
        if args.get(param):
            row = objects.find(kind, args[param], authority)
            if row is None:
                return []
            query = query.where(OsidAddressBook.pk.in_(link.select(link.book).where(member == row["pk"])))
    return common.page(query, OsidAddressBook, args["offset"], args["limit"])


def create_book(*, genus_type_id: str, record_type_ids: list[str], read_values: Callable[[], dict]) -> dict:
    """Create an address book (outside the hierarchy until it gets an edge)."""
    values = _book_values(read_values())

    def _create():
        row = common.object_values(values, genus_type_id, record_type_ids)
        pk = OsidAddressBook.insert(**row).execute()
        common.index_record_types(common.KIND_BOOK, pk, record_type_ids)
        return OsidAddressBook.select().where(OsidAddressBook.pk == pk).dicts().get()
    return run_write(_create)


def update_book(book_id: str, authority: str, change: Callable[[dict], dict], expected_version: int | None) -> None:
    """Change a book's writable columns: read, `change(book)`, check and write in one transaction.

    Refusals in order: 404, whatever `change` raises, 412 (If-Match).
    """
    def _update():
        current = objects.book(book_id, authority, locked=True)
        values = _book_values(change(current))
        common.write_update(OsidAddressBook, current, values, expected_version)
    run_write(_update)


def delete_book(book_id: str, authority: str, expected_version: int | None) -> None:
    """Delete a book; contacts and addresses in no other book go with it.

    Refused: 404, 409 for the default book, 412 (If-Match), and 409 when an address
    that would go is still used by a contact that stays.
    """
    def _delete():
        current = objects.book(book_id, authority, locked=True)
        if current["is_default"]:
            raise Conflict("The default address book cannot be deleted")
        common.check_version(current, expected_version)
        book_pk = current["pk"]
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

# kind -> (membership table, its member column's name)
MEMBERSHIP = {common.KIND_CONTACT: (OsidBookContact, "contact"), common.KIND_ADDRESS: (OsidBookAddress, "address")}


def _book_and_member(kind: str, book_id: str, member_id: str, authority: str) -> tuple[dict, dict]:
    return (objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY),
            objects.get(kind, member_id, authority))


def add_member(kind: str, book_id: str, member_id: str, authority: str) -> None:
    """Put the contact or address (`kind`) `member_id` names into a book (idempotent; 404 for unknown ones)."""
    book, member = _book_and_member(kind, book_id, member_id, authority)
    link, member_name = MEMBERSHIP[kind]
    assign(link, member_name, book["pk"], member["pk"])


def remove_member(kind: str, book_id: str, member_id: str, authority: str) -> str:
    """Take a contact or address out of a book (out of its last book, it is deleted): "removed" or "deleted".

    404 for unknown ones and for a member that is not in the book.
    """
    book, member = _book_and_member(kind, book_id, member_id, authority)
    unassign = unassign_contact if kind == common.KIND_CONTACT else unassign_address
    outcome = unassign(book["pk"], member["pk"])
    if outcome is None:
        raise NotFound(f"{objects.KINDS[kind].noun} not found in this addressBook")
    return outcome


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
