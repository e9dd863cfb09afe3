"""Address-object resources: names, reads, listings, and PUT/DELETE through services.contacts.

A card's resource name is `<card id>.vcf`, unless a client created it with a PUT to a
name of its own: that name is kept in `carddav_href` (the client goes on addressing the
card by the href it chose) and `<card id>.vcf` reaches the same card. A new card takes
its id from the vCard's UID when that is a UUID (`urn:uuid:` or bare), else a new one.
A group vCard PUT at a name makes that name a group resource (services.carddav.group_resources):
every function here answers for both kinds, a resource dict of a group has `carddav_kind`.
"""
from __future__ import annotations

from collections.abc import Iterator

from peewee import IntegrityError

from models import card_rows
from models.connect import database
from models.statements import keyset_batches
from services import contacts as cards
from services.errors import Conflict, NotFound, PreconditionFailed
from services.io import vcard_lines

from . import group_resources, group_vcards, vcards

LIST_BATCH = 1000
# Canonical fields a vCard carries: a PUT replaces exactly these (other doors' fields stay).
VCARD_SCALARS = ("display_name", "prefix", "given_name", "middle_name", "family_name", "suffix",
                 "department", "job_title", "title", "notes", "language", "photo")
VCARD_LISTS = ("emails", "phones", "addresses", "urls")
# Child-row fields no vCard property carries: kept from the stored row with the same value.
_CHILD_KEPT = ("label", "slot", "language", "description", "categories", "extra")


def name_of(contact_id: str, mapped: str | None = None) -> str:
    """The resource name of a card (its client-chosen name when it has one)."""
    return mapped or f"{contact_id}.vcf"


def name_of_card(contact_id: str) -> str:
    """The resource name of the card with this id (one statement)."""
    return name_of(contact_id, mapped_names([contact_id]).get(contact_id))


def resolve(name: str) -> str | None:
    """The card id a resource name addresses, or None when no card has it."""
    mark = database.param
    row = database.execute_sql(f"SELECT contact_id FROM carddav_href WHERE name = {mark}", (name,)).fetchone()
    if row is not None:
        return row[0]
    if name.endswith(".vcf"):
        stem = name[:-4]
        if database.execute_sql(f"SELECT 1 FROM contact WHERE id = {mark}", (stem,)).fetchone():
            return stem
    return None


def exists(name: str) -> bool:
    """Whether a card or a group is stored at resource `name`."""
    return resolve(name) is not None or group_resources.resolve(name) is not None


def get(name: str) -> dict:
    """The card (one statement) or group stored at resource `name`, or NotFound."""
    card = card_rows.card_by_resource_name(name, name[:-4] if name.endswith(".vcf") else None)
    if card is None:
        card = group_resources.get(name)
    if card is None:
        raise NotFound(f"No address object at {name}")
    return card


def listing() -> Iterator[list[tuple[str, int, int]]]:
    """(name, version, created) of every card, then every group resource, in keyset batches."""
    yield from _card_listing()
    yield from group_resources.listing()


def _card_listing() -> Iterator[list[tuple[str, int, int]]]:
    mark = database.param
    sql = ("SELECT c.autokey, c.id, c.version, h.name, c.created FROM contact AS c "
           "LEFT JOIN carddav_href AS h ON h.contact_id = c.id "
           f"WHERE c.autokey > {mark} ORDER BY c.autokey LIMIT {LIST_BATCH}")
    for rows in keyset_batches(sql):
        yield [(name_of(contact_id, mapped), version, created) for _, contact_id, version, mapped, created in rows]


def cards_by_names(names: list[str]) -> dict[str, dict]:
    """{name: card or group} for the resource names that address one."""
    found = _cards_by_names(names)
    rest = [name for name in names if name not in found]
    if rest:
        found.update(group_resources.by_names(rest))
    return found


def _cards_by_names(names: list[str]) -> dict[str, dict]:
    """{name: card} for the resource names that address a card (two statements per batch)."""
    if not names:
        return {}
    mark = database.param
    found: dict[str, dict] = {}
    for start in range(0, len(names), 500):
        chunk = list(dict.fromkeys(names[start:start + 500]))
        marks = ", ".join([mark] * len(chunk))
        ids = dict(database.execute_sql(
            f"SELECT name, contact_id FROM carddav_href WHERE name IN ({marks})", chunk).fetchall())
        for name in chunk:
            if name not in ids and name.endswith(".vcf"):
                ids[name] = name[:-4]
        wanted = list(set(ids.values()))
        if not wanted:
            continue
        keys = dict(database.execute_sql(
            f"SELECT id, autokey FROM contact WHERE id IN ({', '.join([mark] * len(wanted))})", wanted).fetchall())
        by_key = card_rows.cards_by_autokeys(list(keys.values()))
        for name, contact_id in ids.items():
            card = by_key.get(keys.get(contact_id))
            if card is not None:
                found[name] = card
    return found


def mapped_names(contact_ids: list[str]) -> dict[str, str]:
    """{card id: client-chosen name} for the cards among `contact_ids` that have one."""
    if not contact_ids:
        return {}
    mark = database.param
    out: dict[str, str] = {}
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start:start + 500]
        out.update((cid, name) for name, cid in database.execute_sql(
            f"SELECT name, contact_id FROM carddav_href WHERE contact_id IN ({', '.join([mark] * len(chunk))})",
            chunk).fetchall())
    return out


def put(name: str, text: str, *, expected_version: int | None, if_match: bool, create_only: bool,
        user: str | None = None) -> tuple[dict, bool]:
    """Store a vCard at resource `name`: (the stored card, whether it was created).

    `if_match`: an If-Match header was sent (with `expected_version` its version, None for
    `*`); `create_only`: If-None-Match: * (the resource must not exist yet).
    """
    group = group_vcards.read(text)
    if group is not None:
        if resolve(name) is not None:
            raise Conflict(f"The card at {name} cannot become a group: delete it first",
                           precondition="valid-address-data")
        return group_resources.put(name, group, expected=expected_version, if_match=if_match,
                                   create_only=create_only, card_href=name_of_card)
    if group_resources.resolve(name) is not None:
        raise Conflict(f"The group at {name} cannot become a card: delete it first",
                       precondition="valid-address-data")
    fields = vcards.parse(text)
    contact_id = resolve(name)
    if contact_id is None:
        if if_match:
            raise PreconditionFailed(f"If-Match: no address object at {name}")
        return _create(name, fields, user), True
    if create_only:
        raise PreconditionFailed(f"If-None-Match: *: {name} exists already")
    current = cards.get_card(contact_id)
    uid = fields.get("id")
    if uid and uid != contact_id:
        raise Conflict(f"The vCard's UID {uid} is not the UID of the card at {name}",
                       precondition="no-uid-conflict", href_name=name)
    changes = _replacement(fields, current)
    return cards.update_card(contact_id, changes, expected_version=expected_version, user=user), False


def _create(name: str, fields: dict, user: str | None) -> dict:
    uid = fields.get("id")
    if uid:
        existing = cards.find_card(uid)
        if existing is not None:
            raise Conflict(f"A card with the vCard's UID {uid} exists already",
                           precondition="no-uid-conflict", href_name=name_of_card(uid))
        group_name = group_resources.name_with_uid(uid)
        if group_name is not None:  # else the card's own name (<id>.vcf) would hide the group's
            raise Conflict(f"A group with the vCard's UID {uid} exists already",
                           precondition="no-uid-conflict", href_name=group_name)
    contact_id = uid or cards.new_id()
    data = dict(fields, id=contact_id)
    mapped = name != f"{contact_id}.vcf"

    def _claim_name() -> None:
        if not mapped:
            return
        try:
            with database.atomic():
                mark = database.param
                database.execute_sql(f"INSERT INTO carddav_href (name, contact_id) VALUES ({mark}, {mark})",
                                     (name, contact_id))
        except IntegrityError:
            raise PreconditionFailed(f"{name} was created by another request meanwhile") from None

    def _groups() -> list[int]:  # with the group resources that wait for this card (a member PUT first)
        return list(dict.fromkeys([*(fields.get("groups") or []), *group_resources.join_waiting(contact_id)]))

    return cards.create_card(data, user=user, precondition=_claim_name, group_keys=_groups)


def _replacement(fields: dict, current: dict) -> dict:
    """The canonical changes of a PUT: every vCard-carried field, absent ones emptied."""
    changes: dict = {key: fields.get(key) or "" for key in VCARD_SCALARS}
    for kind in VCARD_LISTS:
        changes[kind] = _keep_unmapped(fields.get(kind) or [], current.get(kind) or [])
    if _has_categories(fields) or not _keeps_groups_apart(fields) or _last_category_removed(fields, current):
        changes["groups"] = fields.get("groups") or []
    extra = {key: value for key, value in (current.get("extra") or {}).items() if key != "vcard"}
    extra.update(fields.get("extra") or {})
    changes["extra"] = extra or None
    return changes


# Writers (by their vCard's PRODID) that keep groups in group vCards and never write CATEGORIES:
# Apple's Contacts and DAVx5 (its default). A card they edit keeps its groups for every door.
# Any other vCard without CATEGORIES has no groups: KDE, InfCloud and Thunderbird drop the line
# when the last category is removed.
GROUP_VCARD_WRITERS = ("apple inc.", "davx5")


def _keeps_groups_apart(fields: dict) -> bool:
    """Whether a vCard comes from a writer that keeps groups apart (GROUP_VCARD_WRITERS)."""
    return _writer(fields) in GROUP_VCARD_WRITERS


def _last_category_removed(fields: dict, current: dict) -> bool:
    """DAVx5 in its CATEGORIES mode sent the card's last vCard with CATEGORIES and this one without.

    DAVx5 writes CATEGORIES only in that mode (synctools' GroupMembershipBuilder/Handler: its
    group-vCard mode neither keeps nor writes them), and then always with every group the
    contact is in: its vCard without them, after one with them, is a contact whose last group
    was removed. Not assumed of Apple's Contacts, whose handling of CATEGORIES is not known.
    """
    return _writer(fields) == "davx5" and _writer(current) == "davx5" and _has_categories(current)


def _writer(card: dict) -> str | None:
    """Which of GROUP_VCARD_WRITERS wrote the vCard a card was read from (its PRODID), if one did."""
    prodid = next((prop.split(":", 1)[-1] for prop in _props(card)
                   if isinstance(prop, str) and _name(prop) == "PRODID"), "").lower()
    return next((writer for writer in GROUP_VCARD_WRITERS if writer in prodid), None)


def _has_categories(card: dict) -> bool:
    """Whether the vCard a card was read from had a CATEGORIES line (an empty one too)."""
    return any(_name(prop) == "CATEGORIES" for prop in _props(card))


def _props(card: dict) -> list:
    """The properties of the vCard a card was read from, in order (services.io.vcard's `extra`)."""
    return ((card.get("extra") or {}).get("vcard") or {}).get("props") or []


def _name(prop) -> str:
    """The name of a stored vCard property: a mapped one's, or a verbatim line's."""
    return prop.get("map", "") if isinstance(prop, dict) else vcard_lines.property_name(prop)


def _keep_unmapped(new_rows: list[dict], old_rows: list[dict]) -> list[dict]:
    """New child rows, each with the fields no vCard carries taken from a stored row of the same value."""
    by_value: dict[str, list[dict]] = {}
    for row in old_rows:
        by_value.setdefault(row.get("value") or row.get("line1") or "", []).append(row)
    out = []
    for row in new_rows:
        same = by_value.get(row.get("value") or row.get("line1") or "")
        if same:
            old = same.pop(0)
            row = {**{k: old[k] for k in _CHILD_KEPT if old.get(k) not in (None, "")}, **row}
        out.append(row)
    return out


def delete(name: str, *, expected_version: int | None) -> None:
    """Delete the card or group at resource `name` (NotFound, PreconditionFailed, Locked as the other doors)."""
    contact_id = resolve(name)
    if contact_id is None:
        group_resources.delete(name, expected=expected_version)
        return
    cards.delete_card(contact_id, expected_version=expected_version)
