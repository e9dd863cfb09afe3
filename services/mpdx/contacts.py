"""MPDX's contact rules on the canonical store: filtered pages, compound documents' data, deletion."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .. import contacts as cards
from ..errors import Forbidden, Locked, NotFound
from . import query
from .query import ContactFilter, account_list_users_for, account_lists_for, find

# MPDX routes ids matching this (config/initializers/regex_constants.rb: case-insensitive).
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
STREAM_BATCH = 500  # cards per batch of a streamed page


@dataclass
class Contacts:
    """Cards with what their JSON:API documents link to: account lists, their organizations and users."""

    cards: list[dict]
    account_lists: dict[int | None, dict]
    organizations: dict[int, list[dict]]
    total: int
    users: dict[int, list[dict]] = field(default_factory=dict)


def list_contacts(spec: ContactFilter, offset: int, limit: int, *, with_users: bool = False) -> Contacts:
    """A page of the contacts `spec` selects, with their account lists (and their users if asked)."""
    total, rows = find(spec, offset, limit)
    return _with_account_lists(cards.load_cards(rows), total, with_users)


def stream_contacts(spec: ContactFilter, offset: int, limit: int, *, passes: int = 1, with_users: bool = False,
                    batch: int = STREAM_BATCH) -> Iterator[tuple[int, Contacts]]:
    """A page of any size, read `passes` times, `batch` cards at a time: (pass number, cards); then
    (`passes`, no cards but the total). Everything is read in one snapshot of the store.

    Users of account lists are read from the second pass on (where `included` is written)."""
    with query.snapshot():
        for number in range(passes):
            for rows in query.iter_page_rows(spec, offset, limit, batch):
                yield number, _with_account_lists(cards.load_cards(rows), 0, with_users and number > 0)
        yield passes, Contacts([], {}, {}, query.count(spec))


def get_contact(contact_id: str, *, with_users: bool = False) -> Contacts:
    """One card (NotFound otherwise; a UUID in capitals finds it too, as PostgreSQL's uuid type
    compares), with its account list, organizations and users if asked."""
    card = cards.find_card(contact_id)
    if card is None and UUID.fullmatch(contact_id) and contact_id != contact_id.lower():
        card = cards.find_card(contact_id.lower())
    if card is None:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    return _with_account_lists([card], 1, with_users)


def contact_exists(contact_id: str) -> bool:
    """Whether a card has this very id."""
    return cards.find_card(contact_id) is not None


def _with_account_lists(found: list[dict], total: int, with_users: bool) -> Contacts:
    account_lists, organizations = account_lists_for(found) if found else ({}, {})
    users = account_list_users_for(row["autokey"] for row in account_lists.values()) if with_users else {}
    return Contacts(found, account_lists, organizations, total, users)


def delete_contact(contact_id: str, *, expected_version: int | None) -> None:
    """Delete a card from every door; a locked card (allow_deletion false) is Forbidden."""
    if (UUID.fullmatch(contact_id) and contact_id != contact_id.lower() and cards.find_card(contact_id) is None
            and cards.find_card(contact_id.lower()) is not None):
        contact_id = contact_id.lower()  # as get_contact: PostgreSQL's uuid ignores case
    try:
        cards.delete_card(contact_id, expected_version=expected_version, respect_lock=True)
    except Locked:
        raise Forbidden(
            f"Not allowed to perform that action on the resource with ID {contact_id} of type contacts",
            meta={"reason": "allow_deletion is false: the contact is locked; anonymize it instead"},
        ) from None
