"""Reading and writing canonical contact cards: the one place dialects change the store.

A *card* is a plain dict: the `Contact` columns plus `emails`, `phones`, `addresses`,
`urls` (ordered lists of child-row dicts) and `groups` (ordered list of group dicts).
Dialects translate their wire format to and from cards; they never touch the models
directly for contacts, so the cross-dialect rules (names, primaries, versions, the
lock, the search index) hold whichever API wrote.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, Iterable

from peewee import IntegrityError

from models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactGroup,
    ContactPhone,
    ContactUrl,
    GroupMembership,
    utcnow,
)
from models.db import run_write
from models.prepared import fetch_dicts

from . import search
from .errors import Conflict, Invalid, Locked, NotFound, PreconditionFailed
from .names import reconcile_names

CHILD_MODELS = {
    "emails": ContactEmail,
    "phones": ContactPhone,
    "addresses": ContactAddress,
    "urls": ContactUrl,
}
# Columns a dialect may write directly on the card.
SCALAR_FIELDS = (
    "display_name", "prefix", "given_name", "middle_name", "family_name", "suffix",
    "label", "department", "job_title", "title", "notes", "language", "photo",
    "inactive", "status", "priority", "account_list_id", "extra",
)
_CHILD_SKIP = {"id", "contact", "position"}


def new_id() -> str:
    """A new public id (a random UUID, the form every dialect accepts)."""
    return str(uuid.uuid4())


# ---------------------------------------------------------------- reading

def load_cards(rows: Iterable[dict]) -> list[dict]:
    """Attach child rows and groups to contact row dicts, in one query per kind."""
    cards = [dict(row) for row in rows]
    if not cards:
        return cards
    if len(cards) == 1:
        return [_attach_one(cards[0])]
    by_key = {card["autokey"]: card for card in cards}
    keys = list(by_key)
    for kind, model in CHILD_MODELS.items():
        for card in cards:
            card[kind] = []
        for chunk in _chunks(keys):
            query = (model.select().where(model.contact.in_(chunk))
                     .order_by(model.contact, model.position).dicts())
            for child in query:
                owner = by_key[child["contact"]]
                owner[kind].append({k: v for k, v in child.items() if k not in _CHILD_SKIP})
    for card in cards:
        card["groups"] = []
    for chunk in _chunks(keys):
        query = (GroupMembership
                 .select(GroupMembership.contact, ContactGroup.autokey, ContactGroup.id,
                         ContactGroup.code, ContactGroup.name)
                 .join(ContactGroup)
                 .where(GroupMembership.contact.in_(chunk))
                 .order_by(GroupMembership.contact, GroupMembership.position)
                 .dicts())
        for row in query:
            owner = by_key[row.pop("contact")]
            owner["groups"].append(row)
    return cards


def _attach_one(card: dict) -> dict:
    """Children and groups of one card, with queries compiled once (the GET-by-id path)."""
    key = card["autokey"]
    for kind, model in CHILD_MODELS.items():
        rows = fetch_dicts(f"children.{kind}", model,
                           lambda k, m=model: m.select().where(m.contact == k).order_by(m.position), key)
        card[kind] = [{k: v for k, v in row.items() if k not in _CHILD_SKIP} for row in rows]
    card["groups"] = fetch_dicts(
        "children.groups", ContactGroup,
        lambda k: (ContactGroup.select(ContactGroup.autokey, ContactGroup.id, ContactGroup.code, ContactGroup.name)
                   .join(GroupMembership).where(GroupMembership.contact == k).order_by(GroupMembership.position)),
        key)
    return card


def _chunks(keys: list, size: int = 500):
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


def get_card(contact_id: str) -> dict:
    """The card with public id `contact_id`, or NotFound."""
    rows = fetch_dicts("contact.by_id", Contact, lambda k: Contact.select().where(Contact.id == k), contact_id)
    if not rows:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    return load_cards(rows)[0]


def find_card(contact_id: str) -> dict | None:
    """The card with public id `contact_id`, or None."""
    try:
        return get_card(contact_id)
    except NotFound:
        return None


def cards_by_autokeys(autokeys: list[int]) -> list[dict]:
    """Cards for the given autokeys, in the order given (missing ones skipped)."""
    rows = list(Contact.select().where(Contact.autokey.in_(autokeys)).dicts()) if autokeys else []
    cards = {card["autokey"]: card for card in load_cards(rows)}
    return [cards[key] for key in autokeys if key in cards]


# ---------------------------------------------------------------- writing

def create_card(data: dict, *, user: str | None = None) -> dict:
    """Create a card from canonical fields and child lists; returns the stored card."""
    return run_write(_create, data, user)


def _create(data: dict, user: str | None) -> dict:
    contact_id = data.get("id") or new_id()
    if Contact.select(Contact.autokey).where(Contact.id == contact_id).exists():
        raise Conflict(f"Contact with id {contact_id} already exists", field="id", id=contact_id)
    values = {key: data[key] for key in SCALAR_FIELDS if key in data}
    reconcile_names({}, values)
    now = data.get("created") or utcnow()
    values.update(id=contact_id, created=now, updated=data.get("updated") or now,
                  created_by=user, updated_by=user, version=1, locked=bool(data.get("locked")))
    try:
        autokey = Contact.insert(**values).execute()
    except IntegrityError as exc:
        raise Conflict(f"Contact with id {contact_id} already exists", field="id") from exc
    children = {kind: data.get(kind) or [] for kind in CHILD_MODELS}
    _write_children(autokey, children, replace=False)
    if data.get("groups"):
        _write_groups(autokey, data["groups"])
    card = _reload(autokey)
    search.index_card(card)
    return card


def update_card(contact_id: str, changes: dict, *, expected_version: int | None = None,
                respect_lock: bool = True, user: str | None = None) -> dict:
    """Apply canonical `changes` to a card; child lists given replace that kind whole."""
    return run_write(_update, contact_id, changes, expected_version, respect_lock, user)


def _update(contact_id, changes, expected_version, respect_lock, user) -> dict:
    current = _locked_row(contact_id, expected_version, respect_lock)
    values = {key: changes[key] for key in SCALAR_FIELDS if key in changes}
    reconcile_names(current, values)
    values.update(updated=changes.get("updated") or utcnow(), version=current["version"] + 1)
    if user is not None:
        values["updated_by"] = user
    for key in ("created", "created_by"):
        if key in changes:
            values[key] = changes[key]
    autokey = current["autokey"]
    Contact.update(**values).where(Contact.autokey == autokey).execute()
    children = {kind: changes[kind] for kind in CHILD_MODELS if kind in changes}
    _write_children(autokey, children, replace=True)
    if "groups" in changes:
        _write_groups(autokey, changes["groups"])
    card = _reload(autokey)
    search.index_card(card)
    return card


def delete_card(contact_id: str, *, expected_version: int | None = None,
                respect_lock: bool = True) -> dict:
    """Delete a card and everything hanging off it; returns the card as it was."""
    return run_write(_delete, contact_id, expected_version, respect_lock)


def _delete(contact_id, expected_version, respect_lock) -> dict:
    current = _locked_row(contact_id, expected_version, respect_lock)
    card = load_cards([current])[0]
    Contact.delete().where(Contact.autokey == current["autokey"]).execute()
    search.remove_card(current["autokey"])
    return card


def set_locked(contact_id: str, locked: bool) -> dict:
    """Set or clear a card's lock (the CLI's `contacts lock|unlock`)."""
    def _set():
        current = _locked_row(contact_id, None, respect_lock=False)
        (Contact.update(locked=locked, version=current["version"] + 1, updated=utcnow())
         .where(Contact.autokey == current["autokey"]).execute())
        return _reload(current["autokey"])
    return run_write(_set)


def touch_cards(autokeys: Iterable[int]) -> None:
    """Advance version and update time of cards whose membership changed elsewhere."""
    keys = list(set(autokeys))
    for chunk in _chunks(keys):
        (Contact.update(version=Contact.version + 1, updated=utcnow())
         .where(Contact.autokey.in_(chunk)).execute())


def _locked_row(contact_id: str, expected_version: int | None, respect_lock: bool) -> dict:
    rows = fetch_dicts("contact.by_id", Contact, lambda k: Contact.select().where(Contact.id == k), contact_id)
    if not rows:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    row = rows[0]
    if expected_version is not None and row["version"] != expected_version:
        raise PreconditionFailed("If-Match does not match the current version of the contact",
                                 id=contact_id)
    if respect_lock and row["locked"]:
        raise Locked(f"Contact {contact_id} is locked", id=contact_id)
    return row


def _reload(autokey: int) -> dict:
    return load_cards(fetch_dicts("contact.by_autokey", Contact,
                                  lambda k: Contact.select().where(Contact.autokey == k), autokey))[0]


def _write_children(autokey: int, children: dict[str, list[dict]], *, replace: bool) -> None:
    """Store child lists (ordered), keep one primary per kind, refresh denormalised columns."""
    denorm: dict[str, Any] = {}
    for kind, items in children.items():
        model = CHILD_MODELS[kind]
        if replace:
            model.delete().where(model.contact == autokey).execute()
        rows = [_child_row(model, autokey, position, item) for position, item in enumerate(items)]
        _ensure_one_primary(rows)
        if rows:
            model.insert_many(rows).execute()
        primary = next((row.get("value", "") for row in rows if row.get("is_primary")), "")
        if kind == "phones":
            denorm["primary_phone"] = primary
        elif kind == "emails":
            denorm["primary_email"] = primary
    if denorm:
        Contact.update(**denorm).where(Contact.autokey == autokey).execute()


def _child_row(model, autokey: int, position: int, item: dict) -> dict:
    allowed = model._meta.fields
    row = {key: value for key, value in item.items() if key in allowed and key not in _CHILD_SKIP}
    row.update(contact=autokey, position=position)
    if model is ContactEmail:
        row["value_norm"] = (row.get("value") or "").lower()
    return row


def _ensure_one_primary(rows: list[dict]) -> None:
    if not rows:
        return
    seen = False
    for row in rows:
        if row.get("is_primary") and not seen:
            seen = True
        else:
            row["is_primary"] = False
    if not seen and "value" in rows[0]:
        rows[0]["is_primary"] = True


def _write_groups(autokey: int, group_keys: list[int]) -> None:
    GroupMembership.delete().where(GroupMembership.contact == autokey).execute()
    seen: list[int] = []
    for key in group_keys:
        if key not in seen:
            seen.append(key)
    if seen:
        GroupMembership.insert_many(
            [{"contact": autokey, "group": key, "position": i} for i, key in enumerate(seen)]
        ).execute()


def group_keys_for_codes(codes: list[str]) -> list[int]:
    """Group autokeys for group codes, in order; Invalid names any unknown code."""
    if not codes:
        return []
    found = {row["code"]: row["autokey"] for row in
             ContactGroup.select(ContactGroup.code, ContactGroup.autokey)
             .where(ContactGroup.code.in_(list(set(codes)))).dicts()}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid(f"unknown group code(s): {', '.join(unknown)}", field="opts.groups")
    return [found[code] for code in codes]


def member_autokeys(group_autokeys: list[int]) -> dict[int, list[int]]:
    """Contact autokeys of each group (ascending), for a page of groups in one query."""
    members: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(group_autokeys):
        query = (GroupMembership.select(GroupMembership.group, GroupMembership.contact)
                 .where(GroupMembership.group.in_(chunk))
                 .order_by(GroupMembership.group, GroupMembership.contact).tuples())
        for group_key, contact_key in query:
            members[group_key].append(contact_key)
    return members
