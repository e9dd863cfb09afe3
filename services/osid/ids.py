"""OSID Ids: the `namespace:identifier@authority` string form, parsing and equality.

OSID: "Two Ids are equal if their namespace, identifier and authority strings are
equal. Only the identifier is case-sensitive." `id_key()` gives the one string form
that makes that equality a plain string comparison (and so an index probe).
"""
from __future__ import annotations

from typing import NamedTuple

MAX_ID_LENGTH = 1024

# Namespaces of the objects this service owns (the OSID package.interface names).
CONTACT_NS = "contact.Contact"
ADDRESS_NS = "contact.Address"
BOOK_NS = "contact.AddressBook"
TYPE_NS = "type.Type"

# The identifier of the default address book: contact.AddressBook:default@<authority>.
DEFAULT_BOOK_IDENT = "default"


class OsidId(NamedTuple):
    """The three parts of an OSID Id."""

    namespace: str
    identifier: str
    authority: str


def parse_id(text: str) -> OsidId | None:
    """The parts of `namespace:identifier@authority`, or None when `text` is not one.

    The namespace ends at the first ':' and the authority starts after the last '@', so
    identifiers may themselves hold ':' or '@'.
    """
    if not isinstance(text, str) or len(text) > MAX_ID_LENGTH or any(c.isspace() for c in text):
        return None
    namespace, colon, rest = text.partition(":")
    identifier, at, authority = rest.rpartition("@")
    if not (colon and at and namespace and identifier and authority):
        return None
    return OsidId(namespace, identifier, authority)


def format_id(namespace: str, identifier: str, authority: str) -> str:
    """The string form of an Id."""
    return f"{namespace}:{identifier}@{authority}"


def id_key(text: str) -> str:
    """The normalised form of an Id string (namespace and authority lower-cased)."""
    parts = parse_id(text)
    if parts is None:
        return text
    return format_id(parts.namespace.lower(), parts.identifier, parts.authority.lower())


def local_identifier(text: str, namespace: str, authority: str) -> str | None:
    """The identifier of `text` when it names an object of `namespace` issued here, else None."""
    parts = parse_id(text)
    if parts is None:
        return None
    if parts.namespace.lower() != namespace.lower() or parts.authority.lower() != authority.lower():
        return None
    return parts.identifier


def default_type(kind: str, authority: str) -> str:
    """The genus type objects get when the client names none, e.g. type.Type:defaultContactType@host."""
    return format_id(TYPE_NS, f"default{kind}Type", authority)
