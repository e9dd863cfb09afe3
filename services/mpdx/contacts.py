"""MPDX's contact rules on the canonical store: filtered pages, compound documents' data, deletion."""
from __future__ import annotations

from dataclasses import dataclass

from .. import contacts as cards
from ..errors import Forbidden, Locked
from .query import ContactFilter, account_lists_for, find


@dataclass
class Contacts:
    """Cards with what their JSON:API documents link to: account lists and their organizations."""

    cards: list[dict]
    account_lists: dict[int | None, dict]
    organizations: dict[int, list[dict]]
    total: int


def list_contacts(spec: ContactFilter, offset: int, limit: int) -> Contacts:
    """A page of the contacts `spec` selects (limit 0: the count only), with their account lists."""
    total, rows = find(spec, offset, limit)
    return _with_account_lists(cards.load_cards(rows), total)


def get_contact(contact_id: str) -> Contacts:
    """One card (NotFound otherwise), with its account list and organizations."""
    return _with_account_lists([cards.get_card(contact_id)], 1)


def _with_account_lists(found: list[dict], total: int) -> Contacts:
    account_lists, organizations = account_lists_for(found)
    return Contacts(found, account_lists, organizations, total)


def delete_contact(contact_id: str, *, expected_version: int | None) -> None:
    """Delete a card from every door; a locked card (allow_deletion false) is Forbidden."""
    try:
        cards.delete_card(contact_id, expected_version=expected_version, respect_lock=True)
    except Locked:
        raise Forbidden(
            f"Not allowed to perform that action on the resource with ID {contact_id} of type contacts",
            meta={"reason": "allow_deletion is false: the contact is locked; anonymize it instead"},
        ) from None
