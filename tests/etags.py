"""The ETag a door sends for a card, computed from the store (services/card_tags.py), for exact assertions."""
from __future__ import annotations

from models import Contact
from services.card_tags import card_etag


def card_etag_of(contact_id: str, version: int | None = None) -> str:
    """`"c<version>-<created>"` of a stored card (its stored version unless `version` is given)."""
    row = Contact.select(Contact.created, Contact.version).where(Contact.id == contact_id).tuples().first()
    assert row is not None, f"no card {contact_id}"
    created, stored = row
    return card_etag(stored if version is None else version, created)


def resource_etag(name: str, version: int | None = None) -> str:
    """The ETag of the card at a CardDAV resource name (`<id>.vcf` or a name a client chose)."""
    from services.carddav.resources import resolve

    contact_id = resolve(name)
    assert contact_id is not None, f"no card at {name}"
    return card_etag_of(contact_id, version)


def group_resource_etag(group_id: str, version: int | None = None) -> str:
    """The ETag of a group that is a CardDAV resource: a card's tag of the group's version and creation."""
    from models import ContactGroup

    row = ContactGroup.select(ContactGroup.created, ContactGroup.version).where(ContactGroup.id == group_id) \
        .tuples().first()
    assert row is not None, f"no group {group_id}"
    created, stored = row
    return card_etag(stored if version is None else version, created)
