"""vCard group cards become groups: vCard 4 `KIND:group` with MEMBER, Apple's
`X-ADDRESSBOOKSERVER-KIND:group` with X-ADDRESSBOOKSERVER-MEMBER.

A group card names a group (FN, else N) and lists its members by UID (`urn:uuid:...`).
The import stores the file's contacts first, then for each group card finds or creates
the group (by the id its UID gives, then by code, then by name; a new one gets that id,
and its name as code) and adds the members found in the store (members it already has
stay). Members not in the store are named in a warning. The group card's other
properties are not kept: a group has a name and members (documented in docs/mapping/io.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models import Contact, ContactGroup

from .. import groups as group_service
from ..contacts import chunks, member_autokeys
from . import vcard_lines as vl
from .report import ImportReport

GROUP_KIND_PROPERTIES = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
MEMBER_PROPERTIES = ("MEMBER", "X-ADDRESSBOOKSERVER-MEMBER")


@dataclass
class GroupCard:
    """A group card as read: its name, UID and member UIDs."""

    position: str
    name: str
    uid: str = ""
    members: list[str] = field(default_factory=list)
    # Group columns the file gives (`shortname`, `comment`: a Thunderbird list's nickname and
    # description): set on a group created, or filled where a stored group has none.
    details: dict[str, str] = field(default_factory=dict)


def _text(prop: vl.Prop, decoder) -> str:
    value = vl.value_text(prop, decoder)
    return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ").replace("\\\\", "\\").strip()


def group_card(props: list[vl.Prop], position: str, decoder=None) -> GroupCard | None:
    """The group a card describes, None when it is no group card (an individual, an org, ...)."""
    if not any(p.name in GROUP_KIND_PROPERTIES and _text(p, decoder).lower() == "group" for p in props):
        return None
    name = next((_text(p, decoder) for p in props if p.name == "FN" and _text(p, decoder)), "")
    if not name:
        name = next((_text(p, decoder).split(";")[0].strip() for p in props if p.name == "N"), "")
    uid = next((_text(p, decoder) for p in props if p.name == "UID"), "")
    members = [_text(p, decoder) for p in props if p.name in MEMBER_PROPERTIES and _text(p, decoder)]
    return GroupCard(position, name or uid or "Group", uid, list(dict.fromkeys(members)))


def member_id(value: str) -> str:
    """The card id a member value names: the UID after `urn:uuid:`, as the card's own UID line has it.

    DAVx5 (ContactWriter) and InfCloud write `urn:uuid:<the UID as written>` whatever the UID
    is (InfCloud's own are not UUIDs, Evolution's are `pas-id-...`), and read it back without
    the prefix (DAVx5's ContactReader.uriToUid).
    """
    from .vcard import id_for_uid  # a late import: vcard imports this module

    text = value.strip()
    return id_for_uid(text[9:] if text.lower().startswith("urn:uuid:") else text)


def stored_members(values: list[str]) -> dict[str, tuple[str, int]]:
    """{member value: (card id, autokey)} for the members stored, in the values' order."""
    wanted = {value: member_id(value) for value in values}
    found: dict[str, int] = {}
    for chunk in chunks(list(dict.fromkeys(wanted.values()))):
        found.update(Contact.select(Contact.id, Contact.autokey).where(Contact.id.in_(chunk)).tuples())
    return {value: (cid, found[cid]) for value, cid in wanted.items() if cid in found}


def find_group(group_id: str | None, name: str, passing_over: set[int] = frozenset()) -> dict | None:
    """The stored group a group card names (id, autokey, shortname, comment): by the id its UID gives, then by
    code, then by name; groups whose autokey is in `passing_over` are not taken."""
    for condition in ([ContactGroup.id == group_id] if group_id else []) + \
            [ContactGroup.code == name, ContactGroup.name == name]:
        for row in ContactGroup.select(ContactGroup.id, ContactGroup.autokey, ContactGroup.shortname,
                                       ContactGroup.comment).where(condition).dicts():
            if row["autokey"] not in passing_over:
                return row
    return None


def store_group_cards(cards: list[GroupCard], report: ImportReport) -> int:
    """Find or create each card's group and add its members found in the store; returns how many groups."""
    from .vcard import id_for_uid  # a late import: vcard imports this module

    stored = 0
    for card in cards:
        if any("\x00" in text for text in (card.name, card.uid, *card.members)):
            # As a contact's (services/io/vcard.py): PostgreSQL cannot store it, and no engine does.
            report.fail(card.position, "NUL characters (U+0000) are not allowed in a group")
            continue
        stored += 1
        group = _find_or_create(card, id_for_uid(card.uid) if card.uid else None)
        found = stored_members(card.members)
        missing = [value for value in card.members if value not in found]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            report.warn(card.position, f"group {card.name!r}: {len(missing)} member(s) not in the file or the "
                                       f"store, left out: {shown}")
        current = member_autokeys([group["autokey"]]).get(group["autokey"], [])
        members = list(dict.fromkeys([*current, *(autokey for _, autokey in found.values())]))
        filled = {key: value for key, value in card.details.items() if value and not group.get(key)}
        if members != current or filled:
            group_service.update_group(group["id"], filled, members=members if members != current else None)
    return stored


def _find_or_create(card: GroupCard, group_id: str | None) -> dict:
    row = find_group(group_id, card.name)
    if row is not None:
        return row
    values = {"code": card.name, "name": card.name, **{key: value for key, value in card.details.items() if value}}
    if group_id:
        values["id"] = group_id
    created = group_service.create_group(values)
    return {"id": created["id"], "autokey": created["autokey"], "shortname": created["shortname"],
            "comment": created["comment"]}
