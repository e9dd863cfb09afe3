"""Groups as address objects: the groups a client PUT as group vCards (migration 0760).

A group vCard PUT at a new name finds its group as a whole-file import does (by the id its
UID gives, then by code, then by name; services.io.group_cards) or creates it, and the
group becomes a resource at that name: listed, reported, synced, and written back as a
group vCard (services.carddav.group_vcards). A later PUT replaces the group's name and
members; DELETE deletes the group for every door. Members are the cards the vCard names by
UID (`urn:uuid:...`); one not stored yet is kept in the vCard as written ("pending") and
joins the group when a card with that UID is PUT (DAVx5 and iOS may upload the group first).

A resource's ETag is a card's (`services.card_tags`): the group's version and creation
instant; a member joining or leaving through any door advances the version.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from peewee import IntegrityError

from models import Contact, ContactGroup
from models.connect import database
from models.statements import keyset_batches
from models.writer import run_write
from services import groups as group_service
from services.card_tags import CardTag, matches
from services.contacts import chunks, member_autokeys, new_id
from services.errors import Conflict, Invalid, NotFound, PreconditionFailed
from services.io.group_cards import find_group, member_id, stored_members
from services.io.vcard import id_for_uid

from . import group_vcards
from .group_vcards import GroupVCard

KIND = "group"  # `carddav_kind` of a resource dict that is a group
LIST_BATCH = 1000
_SELECT = ("SELECT r.name, r.vcard, g.autokey, g.id, g.name, g.version, g.created FROM carddav_group AS r "
           "JOIN contact_group AS g ON g.autokey = r.group_autokey")


def resolve(name: str) -> int | None:
    """The autokey of the group at resource `name`, None when no group resource has it."""
    row = database.execute_sql(f"SELECT group_autokey FROM carddav_group WHERE name = {database.param}",
                               (name,)).fetchone()
    return row[0] if row else None


def name_with_uid(contact_id: str) -> str | None:
    """The group resource whose vCard UID gives the card id `contact_id` (RFC 6352's no-uid-conflict), if any."""
    rows = database.execute_sql("SELECT r.name, r.vcard, g.id FROM carddav_group AS r "
                                "JOIN contact_group AS g ON g.autokey = r.group_autokey").fetchall()
    for name, vcard, group_id in rows:
        uid = (json.loads(vcard) if vcard else {}).get("uid")
        if (id_for_uid(uid) if uid else group_id) == contact_id:
            return name
    return None


def is_group(resource: dict) -> bool:
    """Whether a resource dict (of `get` or `by_names`) is a group."""
    return resource.get("carddav_kind") == KIND


def by_names(names: list[str]) -> dict[str, dict]:
    """{name: group resource} for the names that are group resources (four statements per batch)."""
    found: dict[str, dict] = {}
    for chunk in chunks(list(dict.fromkeys(names))):
        rows = database.execute_sql(f"{_SELECT} WHERE r.name IN ({', '.join([database.param] * len(chunk))})",
                                    chunk).fetchall()
        found.update(_resources(rows))
    return found


def get(name: str) -> dict | None:
    """The group resource at `name`, None when there is none."""
    return by_names([name]).get(name)


def _resources(rows: list[tuple]) -> dict[str, dict]:
    """Group resource dicts of `rows` (of `_SELECT`); the members of all of them read together."""
    members = member_autokeys([row[2] for row in rows])
    ids: dict[int, str] = {}
    for chunk in chunks([key for keys in members.values() for key in keys]):
        ids.update(Contact.select(Contact.autokey, Contact.id).where(Contact.autokey.in_(chunk)).tuples())
    stored = {row[0]: json.loads(row[1]) if row[1] else {} for row in rows}
    current = {row[0]: [ids[key] for key in members.get(row[2], []) if key in ids] for row in rows}
    uids = _member_uids([cid for name, cids in current.items() for cid in cids
                         if cid not in (stored[name].get("members") or {})])
    out = {}
    for name, _, autokey, group_id, group_name, version, created in rows:
        vcard = stored[name]
        out[name] = {"carddav_kind": KIND, "id": group_id, "autokey": autokey, "group_name": group_name,
                     "version": version, "created": created, "vcard": vcard,
                     "member_values": _member_values(vcard, current[name], uids)}
    return out


def _member_values(vcard: dict, current: list[str], uids: dict[str, str]) -> list[str]:
    """The MEMBER values to write: stored members as the client wrote them, members added by
    other doors as `urn:uuid:<their UID>` (`uids`), then the members not stored yet (as written)."""
    written: dict[str, str] = vcard.get("members") or {}
    present = set(current)
    ordered = [cid for cid in written if cid in present] + [cid for cid in current if cid not in written]
    values = [written.get(cid) or uids[cid] for cid in ordered]
    return values + [value for value in vcard.get("pending") or [] if member_id(value) not in present]


def _member_uids(contact_ids: list[str]) -> dict[str, str]:
    """{card id: `urn:uuid:<UID>`}: a card's vCard UID as written when it has one, else its id."""
    out = {}
    for chunk in chunks(contact_ids):
        for contact_id, extra in Contact.select(Contact.id, Contact.extra).where(Contact.id.in_(chunk)).tuples():
            uid = ((extra or {}).get("vcard") or {}).get("uid") if isinstance(extra, dict) else None
            if not uid or id_for_uid(uid) != contact_id:  # the card's UID line is its id then
                uid = contact_id
            out[contact_id] = uid if uid.lower().startswith("urn:uuid:") else f"urn:uuid:{uid}"
    return out


def render(resource: dict, version: str) -> str:
    """A group resource as group vCard text of `version`."""
    return group_vcards.render(resource["vcard"], resource["group_name"], resource["member_values"], version)


def stored_version(resource: dict) -> str | None:
    """The version the group vCard was PUT in."""
    return resource["vcard"].get("version")


def source_version(resource: dict) -> str | None:
    """The version for a client that names none: the one PUT, but None (3.0) for a 4.0 group with members.

    Such a group comes from DAVx5, which always names 4.0 when it reads; a client naming none
    reads 3.0 only (iOS, InfCloud) and knows a group only as `X-ADDRESSBOOKSERVER-KIND`, which
    the 3.0 form has in full. A 4.0 group without members (Evolution's contact lists: their
    members are EMAIL lines only Evolution reads) comes back as 4.0, as Evolution wrote it.
    """
    version = stored_version(resource)
    return None if version == "4.0" and resource["member_values"] else version


def listing() -> Iterator[list[tuple[str, int, int]]]:
    """(name, version, created) of every group resource, in keyset batches by autokey."""
    sql = (f"SELECT r.group_autokey, r.name, g.version, g.created FROM carddav_group AS r "
           f"JOIN contact_group AS g ON g.autokey = r.group_autokey "
           f"WHERE r.group_autokey > {database.param} ORDER BY r.group_autokey LIMIT {LIST_BATCH}")
    for rows in keyset_batches(sql):
        yield [(name, version, created) for _, name, version, created in rows]


def put(name: str, card: GroupVCard, *, expected: CardTag | int | None, if_match: bool, create_only: bool,
        card_href: Callable[[str], str]) -> tuple[dict, bool]:
    """Store a group vCard at resource `name`: (the group resource, whether it was created).

    `card_href(card id)` names the resource of a card (for no-uid-conflict)."""
    if any("\x00" in text for text in (card.name, card.uid, *card.members, *map(str, card.lines))):
        # As a contact's (services/io/vcard.py): PostgreSQL cannot store it, and no engine does.
        raise Invalid("The vCard cannot be stored: NUL characters (U+0000) are not allowed in a group",
                      precondition="valid-address-data")

    def _write() -> bool:
        key = resolve(name)
        if key is None:
            if if_match:
                raise PreconditionFailed(f"If-Match: no address object at {name}")
            _create(name, card, card_href)
            return True
        if create_only:
            raise PreconditionFailed(f"If-None-Match: *: {name} exists already")
        _replace(key, name, card, expected)
        return False
    created = run_write(_write)
    return get(name), created


def _members(card: GroupVCard) -> tuple[dict[str, str], list[int], list[str]]:
    """({card id: value} found, their autokeys in vCard order, values of members not stored)."""
    found = stored_members(card.members)
    resolved = {cid: value for value, (cid, _) in found.items()}
    pending = [value for value in card.members if value not in found]
    return resolved, [autokey for _, autokey in found.values()], pending


def _create(name: str, card: GroupVCard, card_href: Callable[[str], str]) -> None:
    group_id = id_for_uid(card.uid) if card.uid else None
    if group_id and Contact.select().where(Contact.id == group_id).exists():
        raise Conflict(f"A card with the vCard's UID {card.uid} exists already",
                       precondition="no-uid-conflict", href_name=card_href(group_id))
    group = _adoptable(group_id, card.name)
    resolved, keys, pending = _members(card)
    if group is None:
        code = card.name if not ContactGroup.select().where(ContactGroup.code == card.name).exists() else new_id()
        group = group_service.create_group({"id": group_id or new_id(), "code": code, "name": card.name}, keys)
    else:  # as an import's group card: the members another door gave it stay
        members = list(dict.fromkeys([*member_autokeys([group["autokey"]]).get(group["autokey"], []), *keys]))
        group_service.update_group(group["id"], {"name": card.name}, members=members)
    try:
        with database.atomic():
            mark = database.param
            database.execute_sql(
                f"INSERT INTO carddav_group (group_autokey, name, vcard) VALUES ({mark}, {mark}, {mark})",
                (group["autokey"], name, json.dumps(group_vcards.stored_form(card, resolved, pending))))
    except IntegrityError:  # PostgreSQL: a PUT to the same new name committed meanwhile
        raise PreconditionFailed(f"{name} was created by another request meanwhile") from None


def _adoptable(group_id: str | None, name: str) -> dict | None:
    """The stored group a new group vCard names (services.io.group_cards.find_group), None: a new group.

    A group that is already a resource under another name is refused by id (no-uid-conflict)
    and passed over by code or name (two groups may share a name)."""
    if group_id:
        other = database.execute_sql(
            "SELECT r.name FROM carddav_group AS r JOIN contact_group AS g ON g.autokey = r.group_autokey "
            f"WHERE g.id = {database.param}", (group_id,)).fetchone()
        if other is not None:
            raise Conflict(f"A group with the vCard's UID exists already at {other[0]}",
                           precondition="no-uid-conflict", href_name=other[0])
    taken = {row[0] for row in database.execute_sql("SELECT group_autokey FROM carddav_group").fetchall()}
    return find_group(group_id, name, taken)


def _replace(key: int, name: str, card: GroupVCard, expected: CardTag | int | None) -> None:
    row = ContactGroup.select().where(ContactGroup.autokey == key).dicts().first()
    if expected is not None and not matches(row, expected):
        raise PreconditionFailed("If-Match does not match the current version of the group")
    stored = _stored(key)
    if stored.get("uid") and card.uid and card.uid != stored["uid"]:
        raise Conflict(f"The vCard's UID {card.uid} is not the UID of the group at {name}",
                       precondition="no-uid-conflict", href_name=name)
    resolved, keys, pending = _members(card)
    group_service.update_group(row["id"], {"name": card.name}, members=keys)
    _store_vcard(key, group_vcards.stored_form(card, resolved, pending))


def _store_vcard(key: int, vcard: dict) -> None:
    mark = database.param
    database.execute_sql(f"UPDATE carddav_group SET vcard = {mark} WHERE group_autokey = {mark}",
                         (json.dumps(vcard), key))


def _stored(key: int) -> dict:
    row = database.execute_sql(f"SELECT vcard FROM carddav_group WHERE group_autokey = {database.param}",
                               (key,)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def delete(name: str, *, expected: CardTag | int | None) -> None:
    """Delete the group at resource `name` (for every door: its members leave it)."""
    def _delete() -> None:
        key = resolve(name)
        if key is None:
            raise NotFound(f"No address object at {name}")
        row = ContactGroup.select(ContactGroup.id, ContactGroup.version, ContactGroup.created) \
            .where(ContactGroup.autokey == key).dicts().first()
        if expected is not None and not matches(row, expected):
            raise PreconditionFailed("If-Match does not match the current version of the group")
        group_service.delete_group(row["id"])
    run_write(_delete)


def join_waiting(contact_id: str) -> list[int]:
    """The group resources waiting for a card with this id (a member not stored when the group was
    PUT): the member is moved from pending to the group's members; returns their autokeys.
    Runs inside the card's create transaction."""
    joined = []
    rows = database.execute_sql("SELECT group_autokey, vcard FROM carddav_group WHERE vcard LIKE "
                                f"{database.param}", ('%"pending": ["%',)).fetchall()
    for key, stored in rows:
        vcard = json.loads(stored)
        waiting = [value for value in vcard.get("pending") or [] if member_id(value) == contact_id]
        if not waiting:
            continue
        vcard["pending"] = [value for value in vcard["pending"] if value not in waiting]
        vcard.setdefault("members", {})[contact_id] = waiting[0]
        _store_vcard(key, vcard)
        joined.append(key)
    return joined
