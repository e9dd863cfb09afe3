"""Incoplax addressbook rules on the canonical store: lists, LOOKUP, group codes, combined contacts.

Every function here is what one Incoplax request does to the store; the blueprint
parses the request before and shapes the entities after (schemas/incoplax.py).
Group codes are resolved to group keys inside the write's own transaction, so a group
deleted (or replaced under the same code) meanwhile can never end up on a card.
"""
from __future__ import annotations

from typing import Callable

from models import Contact, ContactGroup, GroupMembership

from .. import contacts as cards
from .. import groups
from . import query


def list_contacts(args: dict, offset: int, limit: int, *, whole_cards: bool) -> list[dict]:
    """A page of contacts for the list request `args` (filter, order).

    `whole_cards`: every child row (a `mask` may ask for any field); otherwise contact
    rows with their group codes only, all the list entity shows.
    """
    rows = list(query.contact_select(args).offset(offset).limit(limit).dicts())
    return cards.load_cards(rows) if whole_cards else _with_group_codes(rows)


def _with_group_codes(rows: list[dict]) -> list[dict]:
    """Attach `groups` ([{"code"}], in membership order) to contact rows, in one query."""
    by_key = {row["autokey"]: row for row in rows}
    for row in rows:
        row["groups"] = []
    if by_key:
        members = (GroupMembership.select(GroupMembership.contact, ContactGroup.code)
                   .join(ContactGroup)
                   .where(GroupMembership.contact.in_(list(by_key)))
                   .order_by(GroupMembership.contact, GroupMembership.position).tuples())
        for contact_key, code in members:
            by_key[contact_key]["groups"].append({"code": code})
    return rows


def lookup_contact_ids(key: str) -> list[str]:
    """Ids of the contacts whose id, autokey or number is `key` (LOOKUP), by autokey."""
    return query.contact_lookup_ids(key)


def create_contact(changes: dict, group_codes: list[str]) -> dict:
    """Create a card in the groups with these codes (Invalid names an unknown code)."""
    return cards.create_card(changes, group_keys=lambda: cards.group_keys_for_codes(group_codes))


def modify_contact(contact_id: str, merge: Callable[[dict], tuple[dict, list[str] | None]], *,
                   expected_version: int | None) -> dict:
    """PATCH: `merge(card)` gives the canonical changes and the new group codes (None: unchanged).

    Read, merge and write are one transaction: without If-Match a PATCH racing another
    write is applied to the card as that write left it, never refused.
    """
    def change(card: dict) -> dict:
        changes, codes = merge(card)
        if codes is not None:
            changes["groups"] = cards.group_keys_for_codes(codes)
        return changes

    return cards.modify_card(contact_id, change, expected_version=expected_version)


def list_groups(args: dict, offset: int, limit: int) -> list[dict]:
    """A page of groups (with `members`) for the list request `args`."""
    return groups.with_members(list(query.group_select(args).offset(offset).limit(limit).dicts()))


def lookup_group_ids(key: str) -> list[str]:
    """Ids of the groups whose id or code is `key` (LOOKUP)."""
    return [row[0] for row in query.group_lookup_select(key).tuples()]


def combined_contacts(args: dict, offset: int, limit: int) -> list[tuple[str, dict]]:
    """Groups, then contacts, as one list of `("contactgroup", group row)` / `("contact", contact row)`."""
    group_query, contact_query = query.combined_selects(args)
    items: list[tuple[str, dict]] = []
    group_total = query.count(group_query)
    if offset < group_total:
        items.extend(("contactgroup", row) for row in group_query.offset(offset).limit(limit).dicts())
    remaining = limit - len(items)
    if remaining > 0:
        contact_offset = max(0, offset - group_total)
        rows = (contact_query.select(Contact.id, Contact.autokey, Contact.display_name, Contact.primary_phone)
                .offset(contact_offset).limit(remaining).dicts())
        items.extend(("contact", row) for row in rows)
    return items
