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
from typing import Callable, Iterable

from peewee import IntegrityError

from models import Contact, ContactEmail, ContactGroup, GroupMembership, utcnow
from models import card_rows
from models.contact import CHILD_MODELS, CHILD_SKIP, DENORMALISED_PRIMARIES, primary_position
from models.connect import is_sqlite
from models.statements import fetch_dicts, insert_returning_key, insert_rows
from models.writer import run_grouped_write, run_write

from . import card_tags, search
from .card_tags import CardTag
from .errors import Conflict, Invalid, Locked, NotFound, PreconditionFailed
from .names import MAX_NAME_PART_CHARS, overlong_name_part, reconcile_names

# Columns a dialect may write directly on the card.
SCALAR_FIELDS = (
    "display_name", "prefix", "given_name", "middle_name", "family_name", "suffix",
    "label", "department", "job_title", "title", "notes", "language", "photo",
    "inactive", "status", "priority", "account_list_id", "extra",
)


def new_id() -> str:
    """A new public id (a random UUID, the form every dialect accepts)."""
    return str(uuid.uuid4())


# ---------------------------------------------------------------- reading

def load_cards(rows: Iterable[dict]) -> list[dict]:
    """Attach child rows and groups to contact row dicts, in one query for all of them."""
    cards = [dict(row) for row in rows]
    if not cards:
        return cards
    children = {}
    keys = [card["autokey"] for card in cards]
    for chunk in _chunks(keys, 5000):
        children.update(card_rows.children_by_autokey(chunk))
    for card in cards:
        found = children.get(card["autokey"])  # None: deleted since its row was read
        for kind in card_rows.CARD_LISTS:
            card[kind] = found[kind] if found else []
    return cards


def chunks(keys: list, size: int = 500):
    """`keys` in slices of `size`: IN lists stay far below SQLite's 32,766 bound variables."""
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


_chunks = chunks


def get_card(contact_id: str) -> dict:
    """The card with public id `contact_id`, or NotFound."""
    card = card_rows.card_by_id(contact_id)
    if card is None:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    return card


def find_card(contact_id: str) -> dict | None:
    """The card with public id `contact_id`, or None."""
    try:
        return get_card(contact_id)
    except NotFound:
        return None


def cards_by_autokeys(autokeys: list[int]) -> list[dict]:
    """Cards for the given autokeys, in the order given (missing ones skipped)."""
    cards: dict[int, dict] = {}
    for chunk in _chunks(list(autokeys), 5000):
        cards.update(card_rows.cards_by_autokeys(chunk))
    return [cards[key] for key in autokeys if key in cards]


# ---------------------------------------------------------------- writing

def create_card(data: dict, *, user: str | None = None,
                precondition: Callable[[], None] | None = None,
                group_keys: Callable[[], list[int]] | None = None) -> dict:
    """Create a card from canonical fields and child lists; returns the stored card.

    `precondition()`, if given, runs first inside the write transaction (a dialect's
    uniqueness check, say) and may raise to prevent the create. `group_keys()`, if
    given, names the card's groups from inside the same transaction (instead of
    `data["groups"]`), so a group resolved from a code or a category id cannot be
    deleted or replaced between its lookup and the write.
    """
    # Everything that needs no database is prepared before the write lock is taken.
    contact_id = data.get("id") or new_id()
    values = {key: data[key] for key in SCALAR_FIELDS if key in data}
    _named(reconcile_names({}, values))
    now = data.get("created") or utcnow()
    values.update(id=contact_id, created=now, updated=data.get("updated") or now,
                  created_by=user, updated_by=user, version=1, locked=bool(data.get("locked")))
    children = {kind: _child_rows(kind, data.get(kind) or []) for kind in CHILD_MODELS}
    values.update(_denormalised(children))
    # Grouped: creates arriving together share one commit (see run_grouped_write).
    # The group's cards are indexed together once all its writes are done (see `finish`);
    # FOLIO's name index takes new cards later, in batches (services.folio.name_index).
    return run_grouped_write(_create, values, children, group_keys or data.get("groups"), precondition,
                             finish=search.index_cards)


def _create(values: dict, children: dict[str, list[dict]],
            groups: list[int] | Callable[[], list[int]] | None,
            precondition: Callable[[], None] | None) -> dict:
    if precondition is not None:
        precondition()
    if callable(groups):
        groups = groups()
    try:
        autokey = insert_returning_key(Contact, values)
    except IntegrityError as exc:  # the unique index on id: no read-before-write needed
        raise Conflict(f"Contact with id {values['id']} already exists", field="id", id=values["id"]) from exc
    for kind, rows in children.items():
        insert_rows(CHILD_MODELS[kind], [dict(row, contact=autokey) for row in rows])
    if groups:
        _write_groups(autokey, groups, new=True)
    # Read back here, inside the write: the pages are the ones just written, still in this
    # connection's cache, and the card returned is the one committed. After the commit,
    # another connection's commit has most often emptied the cache of the connection that
    # would read (SQLite drops a connection's whole cache when another one commits), and
    # every page of the card is read from the OS again (docs/benchmarks.md).
    return _reload(autokey)


def modify_card(contact_id: str, change: Callable[[dict], dict], *, expected_version: int | None = None,
                respect_lock: bool = True, user: str | None = None,
                check: Callable[[dict, dict], None] | None = None) -> dict:
    """Read-merge-write of one card in one write transaction; returns the stored card.

    The card is read inside the write transaction, so `change(card)` (the dialect's merge
    of its request into the card as stored: canonical changes, child lists given replace
    that kind whole) can never be computed from a state another writer has moved on
    from, and no door needs a retry loop. The order of refusals is the same for every
    door: 404 (no such card), whatever `change` raises (the request does not fit the
    card), 412 (`expected_version`, from If-Match, is not the stored version), 423
    (locked), then whatever `check(card, changes)` raises (a dialect's rule that looks
    at other cards, e.g. Niagara's unique email). Anything raised undoes the whole write.
    """
    return run_write(_modify, contact_id, change, expected_version, respect_lock, user, check)


def update_card(contact_id: str, changes: dict, *, expected_version: int | None = None,
                respect_lock: bool = True, user: str | None = None) -> dict:
    """Apply canonical `changes` to a card (`modify_card` with changes known up front)."""
    return modify_card(contact_id, lambda card: changes, expected_version=expected_version,
                       respect_lock=respect_lock, user=user)


def _modify(contact_id, change, expected_version, respect_lock, user, check) -> dict:
    current = _card_for_write(contact_id)
    changes = change(current)
    _check_writable(current, expected_version, respect_lock)
    if check is not None:
        check(current, changes)
    values = {key: changes[key] for key in SCALAR_FIELDS if key in changes}
    _named(reconcile_names(current, values))
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
    current = _row_for_write(contact_id, expected_version, respect_lock)
    card = load_cards([current])[0]
    touch_groups(_group_keys_of(current["autokey"]))  # their members (Incoplax's abonents) change
    Contact.delete().where(Contact.autokey == current["autokey"]).execute()
    search.remove_card(current["autokey"])
    return card


def set_locked(contact_id: str, locked: bool) -> dict:
    """Set or clear a card's lock (the CLI's `contacts lock|unlock`)."""
    def _set():
        current = _row_for_write(contact_id, None, respect_lock=False)
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


def _card_for_write(contact_id: str) -> dict:
    """The whole card as stored, read inside the write transaction and kept from other writers
    until it ends: PostgreSQL locks the row (SQLite lets one writer in at a time anyway), so
    no other transaction can change the card between this read and the write made from it."""
    if not is_sqlite():
        _row_for_write(contact_id, None, respect_lock=False)
    return get_card(contact_id)


def _named(values: dict) -> None:
    """Invalid when a given or family name (written, or derived from the display name) is too long to index."""
    key = overlong_name_part(values)
    if key is not None:
        what = "given name" if key == "given_name" else "family name"
        raise Invalid(f"The {what} is longer than {MAX_NAME_PART_CHARS} characters", field=key)


def _row_for_write(contact_id: str, expected_version: int | None, respect_lock: bool) -> dict:
    """The contact row, read (and on PostgreSQL locked) inside the write transaction, checked for writing."""
    if is_sqlite():
        rows = fetch_dicts("contact.by_id", Contact, lambda k: Contact.select().where(Contact.id == k), contact_id)
    else:
        rows = fetch_dicts("contact.by_id.for_update", Contact,
                           lambda k: Contact.select().where(Contact.id == k).for_update(), contact_id)
    if not rows:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    row = rows[0]
    _check_writable(row, expected_version, respect_lock)
    return row


def _check_writable(row: dict, expected_version: CardTag | int | None, respect_lock: bool) -> None:
    """412 when If-Match names another version (or another card of the same id), then 423 when locked."""
    if expected_version is not None and not card_tags.matches(row, expected_version):
        raise PreconditionFailed("If-Match does not match the current version of the contact",
                                 id=row["id"])
    if respect_lock and row["locked"]:
        raise Locked(f"Contact {row['id']} is locked", id=row["id"])


def _reload(autokey: int) -> dict:
    return card_rows.card_by_autokey(autokey)


def _write_children(autokey: int, children: dict[str, list[dict]], *, replace: bool) -> None:
    """Store child lists (ordered), keep one primary per kind, refresh denormalised columns."""
    prepared = {kind: _child_rows(kind, items) for kind, items in children.items()}
    for kind, rows in prepared.items():
        model = CHILD_MODELS[kind]
        if replace:
            model.delete().where(model.contact == autokey).execute()
        insert_rows(model, [dict(row, contact=autokey) for row in rows])
    denorm = _denormalised(prepared)
    if denorm:
        Contact.update(**denorm).where(Contact.autokey == autokey).execute()


def _child_rows(kind: str, items: list[dict]) -> list[dict]:
    """Child-row dicts of one kind, positioned, with exactly one primary (no owner yet)."""
    model = CHILD_MODELS[kind]
    primary = primary_position(model, items)
    return [_child_row(model, position, item, position == primary) for position, item in enumerate(items)]


def _denormalised(children: dict[str, list[dict]]) -> dict[str, str]:
    """The contact's primary_phone / primary_email columns for the child lists given."""
    out = {}
    for kind, column in DENORMALISED_PRIMARIES.items():
        if kind in children:
            out[column] = next((row.get("value", "") for row in children[kind] if row.get("is_primary")), "")
    return out


def _child_row(model, position: int, item: dict, primary: bool) -> dict:
    allowed = model._meta.fields
    row = {key: value for key, value in item.items() if key in allowed and key not in CHILD_SKIP}
    row["position"] = position
    row["is_primary"] = primary
    if model is ContactEmail:
        row["value_norm"] = (row.get("value") or "").lower()
    return row


def _write_groups(autokey: int, group_keys: list[int], *, new: bool = False) -> None:
    before = [] if new else _group_keys_of(autokey)
    GroupMembership.delete().where(GroupMembership.contact == autokey).execute()
    seen = list(dict.fromkeys(group_keys))
    insert_rows(GroupMembership, [{"contact": autokey, "group": key, "position": i} for i, key in enumerate(seen)])
    touch_groups(set(before) ^ set(seen))  # joined or left (a new order changes no group)


def _group_keys_of(autokey: int) -> list[int]:
    return [key for (key,) in GroupMembership.select(GroupMembership.group)
            .where(GroupMembership.contact == autokey).tuples()]


def touch_groups(autokeys: Iterable[int]) -> None:
    """Advance version and update time of groups whose members changed from the card side.

    A group shows its members (Incoplax's `opts.abonents`), so its ETag must change when a
    card joins or leaves it through any door, as a card's does when a group changes it.
    """
    keys = list(set(autokeys))
    for chunk in _chunks(keys):
        (ContactGroup.update(version=ContactGroup.version + 1, updated=utcnow())
         .where(ContactGroup.autokey.in_(chunk)).execute())


def group_keys_for_codes(codes: list[str]) -> list[int]:
    """Group autokeys for group codes, in order; Invalid names any unknown code."""
    if not codes:
        return []
    found = {row["code"]: row["autokey"] for chunk in chunks(list(set(codes))) for row in
             ContactGroup.select(ContactGroup.code, ContactGroup.autokey)
             .where(ContactGroup.code.in_(chunk)).dicts()}
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
