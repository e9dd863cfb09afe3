"""Contact groups (Incoplax contact groups, FOLIO categories) and their memberships.

Membership is stored once (`GroupMembership`); a contact's group list and a group's
member list are two views of it, so they cannot disagree. Changing a group's members
advances the version of every card whose membership changed.
"""
from __future__ import annotations

from typing import Callable

from peewee import IntegrityError

from models import Contact, ContactGroup, GroupMembership, utcnow
from models.connect import SQL_INTEGERS, is_sqlite
from models.statements import insert_rows
from models.writer import run_write

from .contacts import chunks, member_autokeys, new_id, touch_cards
from .errors import Conflict, Invalid, NotFound, PreconditionFailed

GROUP_COLUMNS = ("code", "name", "shortname", "title", "comment", "priority", "extra")


def get_group(group_id: str) -> dict:
    """The group with public id `group_id` (with `members`), or NotFound."""
    rows = list(ContactGroup.select().where(ContactGroup.id == group_id).dicts())
    if not rows:
        raise NotFound(f"Contact group {group_id} not found", resource="contactgroup", id=group_id)
    return with_members(rows)[0]


def with_members(rows: list[dict]) -> list[dict]:
    """Attach `members` (contact autokeys, ascending) to group row dicts in one query."""
    members = member_autokeys([row["autokey"] for row in rows])
    for row in rows:
        row["members"] = members.get(row["autokey"], [])
    return rows


def create_group(values: dict, members: list[int] | None = None) -> dict:
    """Create a group; `code` defaults to a new UUID; `members` are contact autokeys."""
    def _create():
        group_id = values.get("id") or new_id()
        code = values.get("code") or new_id()
        _check_unique(group_id, code, None)
        now = utcnow()
        row = {key: values[key] for key in GROUP_COLUMNS if key in values}
        row.update(id=group_id, code=code, created=now, updated=now, version=1)
        try:
            autokey = ContactGroup.insert(**row).execute()
        except IntegrityError as exc:
            raise Conflict("A contact group with this id or code already exists", field="code") from exc
        if members:
            _set_members(autokey, members)
        return _reload(autokey)
    return run_write(_create)


def create_named_groups(names: dict[str, str | None]) -> dict[str, int]:
    """Create many groups at once, in the caller's write transaction: id and name = each key,
    code = its value (None: a new UUID). Returns each id's autokey. For FOLIO's categories,
    where one record may name thousands of new ones."""
    if not names:
        return {}
    now = utcnow()
    insert_rows(ContactGroup, [{"id": group_id, "name": group_id, "code": code or new_id(),
                                "created": now, "updated": now, "version": 1}
                               for group_id, code in names.items()])
    made: dict[str, int] = {}
    for chunk in chunks(list(names)):
        made.update(ContactGroup.select(ContactGroup.id, ContactGroup.autokey)
                    .where(ContactGroup.id.in_(chunk)).tuples())
    return made


def update_group(group_id: str, values: dict, members: list[int] | None = None,
                 expected_version: int | None = None) -> dict:
    """Change a group's columns and, when `members` is given, replace its members."""
    return modify_group(group_id, lambda current: (values, members), expected_version=expected_version)


def modify_group(group_id: str, change: Callable[[dict], tuple[dict, list[int] | None]], *,
                 expected_version: int | None = None) -> dict:
    """Read-merge-write of one group in one write transaction (as `contacts.modify_card`).

    `change(group)` gets the group as stored (with `members`) and returns the column
    values to set and the new member autokeys (None: members unchanged). Refusals in
    order: 404, whatever `change` raises, 412, then conflicts of the new code.
    """
    def _update():
        _hold(group_id)
        current = get_group(group_id)
        values, members = change(current)
        if expected_version is not None and current["version"] != expected_version:
            raise PreconditionFailed("If-Match does not match the current version of the group")
        if "code" in values and values["code"] != current["code"]:
            _check_unique(None, values["code"], current["autokey"])
        row = {key: values[key] for key in GROUP_COLUMNS if key in values}
        row.update(updated=utcnow(), version=ContactGroup.version + 1)
        ContactGroup.update(**row).where(ContactGroup.autokey == current["autokey"]).execute()
        if "code" in values and values["code"] != current["code"]:
            # Cards show group codes: a renamed code changes their representation.
            touch_cards(current["members"])
        if members is not None:
            _set_members(current["autokey"], members)
        return _reload(current["autokey"])
    return run_write(_update)


def delete_group(group_id: str, expected_version: int | None = None) -> dict:
    """Delete a group; its code disappears from every member's group list."""
    def _delete():
        current = _current(group_id, expected_version)
        group = _reload(current["autokey"])
        touch_cards(group["members"])
        ContactGroup.delete().where(ContactGroup.autokey == current["autokey"]).execute()
        return group
    return run_write(_delete)


def _hold(group_id: str) -> None:
    """On PostgreSQL, lock the group's row until the write transaction ends (SQLite has one writer anyway)."""
    if not is_sqlite():
        list(ContactGroup.select(ContactGroup.autokey).where(ContactGroup.id == group_id).for_update().tuples())


def _current(group_id: str, expected_version: int | None) -> dict:
    _hold(group_id)
    rows = list(ContactGroup.select().where(ContactGroup.id == group_id).dicts())
    if not rows:
        raise NotFound(f"Contact group {group_id} not found", resource="contactgroup", id=group_id)
    if expected_version is not None and rows[0]["version"] != expected_version:
        raise PreconditionFailed("If-Match does not match the current version of the group")
    return rows[0]


def _check_unique(group_id: str | None, code: str, own_autokey: int | None) -> None:
    if group_id and ContactGroup.select().where(ContactGroup.id == group_id).exists():
        raise Conflict(f"Contact group with id {group_id} already exists", field="id")
    query = ContactGroup.select().where(ContactGroup.code == code)
    if own_autokey is not None:
        query = query.where(ContactGroup.autokey != own_autokey)
    if query.exists():
        raise Conflict(f"Contact group with code {code} already exists", field="code")


def _set_members(group_autokey: int, members: list[int]) -> None:
    wanted = list(dict.fromkeys(members))
    existing: set[int] = set()
    # A list can be longer than SQLite's bound-variable limit; a key beyond 64 bits is unknown.
    for chunk in chunks([key for key in wanted if key in SQL_INTEGERS]):
        existing.update(row[0] for row in Contact.select(Contact.autokey)
                        .where(Contact.autokey.in_(chunk)).tuples())
    unknown = [key for key in wanted if key not in existing]
    if unknown:
        named = ", ".join(map(str, unknown[:20])) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
        raise Invalid(f"unknown contact autokey(s) in opts.abonents: {named}", field="opts.abonents")
    before = set(member_autokeys([group_autokey]).get(group_autokey, []))
    removed = before - set(wanted)
    added = [key for key in wanted if key not in before]
    if removed:
        (GroupMembership.delete()
         .where((GroupMembership.group == group_autokey) & GroupMembership.contact.in_(list(removed)))
         .execute())
    for key in added:
        position = (GroupMembership.select(GroupMembership.position)
                    .where(GroupMembership.contact == key)
                    .order_by(GroupMembership.position.desc()).scalar())
        GroupMembership.insert(contact=key, group=group_autokey,
                               position=(position + 1) if position is not None else 0).execute()
    touch_cards(list(removed) + added)


def _reload(autokey: int) -> dict:
    return with_members(list(ContactGroup.select().where(ContactGroup.autokey == autokey).dicts()))[0]
