"""Finding the OSID objects a request names: rows by Id, the dialect's 404/400 when there is none.

An Id names an object of this service when its namespace is the object kind's and its
authority is this server's; any other Id is simply not found. `locked=True` reads are
for write transactions: on PostgreSQL the row is locked (FOR UPDATE) until the commit,
so what the write checks (If-Match, dates) is what it changes; SQLite writers are
serialised already.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from peewee import ModelSelect

from models.osid import OsidAddress, OsidAddressBook, OsidContact
from models.statements import fetch_dicts

from ..errors import FieldError, Invalid, NotFound
from .common import KIND_ADDRESS, KIND_BOOK, KIND_CONTACT
from .ids import ADDRESS_NS, BOOK_NS, CONTACT_NS, local_identifier

BOOK_NOT_FOUND = "address-book not found"  # the item routes' wording
BOOK_NOT_FOUND_HIERARCHY = "addressBook not found"  # metadata, hierarchy and membership routes


def contact_select() -> ModelSelect:
    """Contacts with their address's identifier (one join, no per-row lookups)."""
    return (OsidContact.select(OsidContact, OsidAddress.ident.alias("address_ident"))
            .join(OsidAddress, on=(OsidContact.address == OsidAddress.pk)))


class _Kind(NamedTuple):
    namespace: str
    model: type
    select: Callable[[], ModelSelect]  # whole rows
    noun: str  # in "<param>: <noun> <id> not found"
    not_found: str


KINDS = {
    KIND_CONTACT: _Kind(CONTACT_NS, OsidContact, contact_select, "contact", "contact not found"),
    KIND_ADDRESS: _Kind(ADDRESS_NS, OsidAddress, lambda: OsidAddress.select(), "address", "address not found"),
    KIND_BOOK: _Kind(BOOK_NS, OsidAddressBook, lambda: OsidAddressBook.select(), "address book", BOOK_NOT_FOUND),
}


def by_ident(kind: str, ident: str, *, locked: bool = False) -> dict | None:
    """The row of kind `kind` with identifier `ident`, or None (`locked`: for a write transaction)."""
    spec = KINDS[kind]
    model = spec.model

    def build(key):
        query = spec.select().where(model.ident == key)
        # FOR UPDATE where the database has it (PostgreSQL); OF: not the joined address row.
        return query.for_update(of=model) if locked and model._meta.database.for_update else query
    rows = fetch_dicts(f"osid.{kind}.by_ident{'.locked' if locked else ''}", model, build, ident)
    return rows[0] if rows else None


def by_pk(kind: str, pk: int) -> dict | None:
    """The row of kind `kind` with primary key `pk`, or None (a create's read-back)."""
    spec = KINDS[kind]
    rows = fetch_dicts(f"osid.{kind}.by_pk", spec.model, lambda key: spec.select().where(spec.model.pk == key), pk)
    return rows[0] if rows else None


def find(kind: str, id_text: str | None, authority: str, *, locked: bool = False) -> dict | None:
    """The object of kind `kind` an Id names, or None (an Id of another kind or authority, or unknown)."""
    ident = local_identifier(id_text or "", KINDS[kind].namespace, authority)
    return by_ident(kind, ident, locked=locked) if ident else None


def get(kind: str, id_text: str, authority: str, *, message: str | None = None, locked: bool = False) -> dict:
    """The object an Id in the path names; NotFound (`message`, else the kind's wording) when none."""
    row = find(kind, id_text, authority, locked=locked)
    if row is None:
        raise NotFound(message or KINDS[kind].not_found)
    return row


def contact(id_text: str, authority: str, *, locked: bool = False) -> dict:
    """The contact an Id names; NotFound "contact not found"."""
    return get(KIND_CONTACT, id_text, authority, locked=locked)


def address(id_text: str, authority: str, *, locked: bool = False) -> dict:
    """The address an Id names; NotFound "address not found"."""
    return get(KIND_ADDRESS, id_text, authority, locked=locked)


def book(id_text: str, authority: str, message: str = BOOK_NOT_FOUND, *, locked: bool = False) -> dict:
    """The address book an Id names; NotFound with the route's wording."""
    return get(KIND_BOOK, id_text, authority, message=message, locked=locked)


def referenced(kind: str, id_text: str, authority: str, param: str) -> dict:
    """The object a query parameter of a create names: 400 naming the parameter when unknown."""
    row = find(kind, id_text, authority)
    if row is None:
        raise Invalid(f"{param}: {KINDS[kind].noun} {id_text} not found",
                      errors=[FieldError(param, "not found", "invalid", id_text)])
    return row


def default_book_pk() -> int | None:
    """The pk of the default address book (None before it is made)."""
    # `is_default = 1`, not `WHERE is_default`: only an equality seeks the index; a bare
    # column walks it past every other book's entry.
    rows = fetch_dicts("osid.book.default", OsidAddressBook,
                       lambda flag: OsidAddressBook.select(OsidAddressBook.pk)
                       .where(OsidAddressBook.is_default == flag), True)
    return rows[0]["pk"] if rows else None


def target_book_pk(book_id: str | None, authority: str) -> int:
    """The book a create goes to: the one `addressBookId` names (400 when unknown), else the default book."""
    if book_id:
        return referenced(KIND_BOOK, book_id, authority, "addressBookId")["pk"]
    return default_book_pk()
