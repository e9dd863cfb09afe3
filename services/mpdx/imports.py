"""Import and export of MPDX organizations, account lists and contact assignments.

The project's own JSON format (docs/mapping/mpdx.md), one object with three optional
lists, applied as upserts in one transaction (all or nothing):

    {"organizations": [{"id": "...", "name": "..."}],
     "account_lists": [{"id": "...", "name": "...", "organizations": ["<organization id>"],
                        "users": [{"id": "...", "first_name": "...", "last_name": "...",
                                   "emails": [{"email": "...", "primary": true}]}]}],
     "contacts":      [{"id": "<card id>", "account_list": "<account list id>" | null,
                        "status": "Partner - Financial" | null}]}
"""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from models import Contact, utcnow
from models.writer import run_write
from models.mpdx import (
    UNASSIGNED_ACCOUNT_LIST_ID,
    AccountList,
    AccountListOrganization,
    AccountListUser,
    Organization,
)

from .. import contacts as cards
from ..errors import FieldError, Invalid
from .status import normalize_status

_ID = dict(required=True, validate=validate.Length(min=1, max=64))


class _OrganizationSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(**_ID)
    name = fields.String(load_default="")


class _EmailSchema(Schema):
    class Meta:
        unknown = RAISE

    email = fields.String(required=True)
    primary = fields.Boolean(load_default=False)


class _UserSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(**_ID)
    first_name = fields.String(load_default="")
    last_name = fields.String(load_default="")
    emails = fields.List(fields.Nested(_EmailSchema), load_default=list)


class _AccountListSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(**_ID)
    name = fields.String(load_default="")
    organizations = fields.List(fields.String(validate=validate.Length(min=1, max=64)))
    users = fields.List(fields.Nested(_UserSchema))


class _ContactSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(**_ID)
    account_list = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    status = fields.String(allow_none=True)


class ImportSchema(Schema):
    """The MPDX section of the project's import format."""

    class Meta:
        unknown = EXCLUDE  # other sections belong to other importers

    organizations = fields.List(fields.Nested(_OrganizationSchema), load_default=list)
    account_lists = fields.List(fields.Nested(_AccountListSchema), load_default=list)
    contacts = fields.List(fields.Nested(_ContactSchema), load_default=list)


def _invalid(path: str, message: str) -> Invalid:
    return Invalid(f"{path}: {message}", errors=[FieldError(path, message)])


def import_data(document: Any) -> dict[str, int]:
    """Apply an import document; returns how many of each kind it wrote."""
    if not isinstance(document, dict):
        raise _invalid("(document)", "must be a JSON object")
    try:
        data = ImportSchema().load(document)
    except ValidationError as exc:
        first = next(iter(_flatten(exc.messages)), ("(document)", "invalid"))
        raise _invalid(*first) from None
    return run_write(_apply, data)


def _flatten(messages, prefix: str = ""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            yield from _flatten(value, path)
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        yield prefix, "; ".join(messages)
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, prefix)
    else:
        yield prefix, str(messages)


def _check_ids(data: dict) -> None:
    """Ids must be unique across resource types: no organization or list may reuse a card id."""
    ids = [(f"organizations[{i}].id", row["id"]) for i, row in enumerate(data["organizations"])]
    ids += [(f"account_lists[{i}].id", row["id"]) for i, row in enumerate(data["account_lists"])]
    ids += [(f"account_lists[{i}].users[{j}].id", user["id"]) for i, row in enumerate(data["account_lists"])
            for j, user in enumerate(row.get("users") or [])]
    for path, ident in ids:
        if ident == UNASSIGNED_ACCOUNT_LIST_ID:
            raise _invalid(path, f"{ident} is reserved for the Unassigned account list")
    taken = {row[0] for row in Contact.select(Contact.id).where(Contact.id.in_([i for _, i in ids])).tuples()} \
        if ids else set()
    for path, ident in ids:
        if ident in taken:
            raise _invalid(path, f"{ident} is already a contact's id (ids are unique across types)")
    users = [(path, ident) for path, ident in ids if ".users[" in path]
    if users:
        others = {ident for path, ident in ids if ".users[" not in path}
        wanted = [ident for _, ident in users]
        others |= {row[0] for row in Organization.select(Organization.id).where(Organization.id.in_(wanted)).tuples()}
        others |= {row[0] for row in AccountList.select(AccountList.id).where(AccountList.id.in_(wanted)).tuples()}
        seen: set[str] = set()
        for path, ident in users:
            if ident in others or ident in seen:
                raise _invalid(path, f"{ident} is already used (ids are unique across types)")
            seen.add(ident)


def _upsert(model, row: dict, now) -> int:
    existing = model.get_or_none(model.id == row["id"])
    if existing is None:
        return model.insert(id=row["id"], name=row["name"], created=now, updated=now).execute()
    if existing.name != row["name"]:
        model.update(name=row["name"], updated=now).where(model.autokey == existing.autokey).execute()
    return existing.autokey


def _apply(data: dict) -> dict[str, int]:
    _check_ids(data)
    now = utcnow()
    org_keys = {row["id"]: _upsert(Organization, row, now) for row in data["organizations"]}
    list_keys: dict[str, int] = {}
    for i, row in enumerate(data["account_lists"]):
        key = list_keys[row["id"]] = _upsert(AccountList, row, now)
        if "organizations" in row:
            wanted = []
            for j, org_id in enumerate(row["organizations"]):
                if org_id not in org_keys:
                    found = Organization.get_or_none(Organization.id == org_id)
                    if found is None:
                        raise _invalid(f"account_lists[{i}].organizations[{j}]", f"no organization {org_id}")
                    org_keys[org_id] = found.autokey
                if org_keys[org_id] not in wanted:
                    wanted.append(org_keys[org_id])
            AccountListOrganization.delete().where(AccountListOrganization.account_list == key).execute()
            if wanted:
                AccountListOrganization.insert_many(
                    [{"account_list": key, "organization": org} for org in wanted]).execute()
        if "users" in row:
            _replace_users(key, row["users"], now)
    for i, row in enumerate(data["contacts"]):
        changes: dict[str, Any] = {}
        if "status" in row:
            changes["status"] = normalize_status(row["status"], f"contacts[{i}].status")
        if "account_list" in row:
            changes["account_list_id"] = _account_list_key(row["account_list"], list_keys, f"contacts[{i}]")
        if not Contact.select(Contact.autokey).where(Contact.id == row["id"]).exists():
            raise _invalid(f"contacts[{i}].id", f"no contact {row['id']}")
        if changes:
            # Admin data, not card content: the lock does not hold it back.
            cards.update_card(row["id"], changes, respect_lock=False)
    return {"organizations": len(data["organizations"]), "account_lists": len(data["account_lists"]),
            "contacts": len(data["contacts"])}


def _replace_users(list_key: int, users: list[dict], now) -> None:
    """The list's users become exactly `users` (a user listed under another list moves here)."""
    ids = [user["id"] for user in users]
    kept = {row.id: row for row in AccountListUser.select().where(AccountListUser.id.in_(ids))} if ids else {}
    AccountListUser.delete().where((AccountListUser.account_list == list_key)
                                   & AccountListUser.id.not_in(ids or [""])).execute()
    for position, user in enumerate(users):
        values = {"account_list": list_key, "position": position, "first_name": user["first_name"],
                  "last_name": user["last_name"], "emails": user["emails"] or None}
        existing = kept.get(user["id"])
        if existing is None:
            AccountListUser.insert(id=user["id"], created=now, updated=now, **values).execute()
        elif (existing.__data__["account_list"], existing.position, existing.first_name, existing.last_name,
              existing.emails) != (list_key, position, values["first_name"], values["last_name"], values["emails"]):
            AccountListUser.update(updated=now, **values).where(AccountListUser.autokey == existing.autokey).execute()


def _account_list_key(ident: str | None, known: dict[str, int], path: str) -> int | None:
    if ident is None or ident == UNASSIGNED_ACCOUNT_LIST_ID:
        return None
    if ident not in known:
        found = AccountList.get_or_none(AccountList.id == ident)
        if found is None:
            raise _invalid(f"{path}.account_list", f"no account list {ident}")
        known[ident] = found.autokey
    return known[ident]


def export_data() -> dict[str, list]:
    """Everything import_data reads, as it is stored now (import of it changes nothing)."""
    organizations = list(Organization.select(Organization.autokey, Organization.id, Organization.name)
                         .order_by(Organization.autokey).dicts())
    org_ids = {row["autokey"]: row["id"] for row in organizations}
    links: dict[int, list[str]] = {}
    for list_key, org_key in (AccountListOrganization.select(AccountListOrganization.account_list,
                                                             AccountListOrganization.organization)
                              .order_by(AccountListOrganization.account_list,
                                        AccountListOrganization.organization).tuples()):
        links.setdefault(list_key, []).append(org_ids[org_key])
    lists = list(AccountList.select().where(AccountList.id != UNASSIGNED_ACCOUNT_LIST_ID)
                 .order_by(AccountList.autokey).dicts())
    list_ids = {row["autokey"]: row["id"] for row in lists}
    users: dict[int, list[dict]] = {}
    for user in (AccountListUser.select().order_by(AccountListUser.account_list, AccountListUser.position)
                 .dicts()):
        users.setdefault(user["account_list"], []).append(
            {"id": user["id"], "first_name": user["first_name"], "last_name": user["last_name"],
             "emails": [{"email": e.get("email", ""), "primary": bool(e.get("primary"))}
                        for e in user["emails"] or []]})
    assigned = (Contact.select(Contact.id, Contact.account_list_id, Contact.status)
                .where(Contact.account_list_id.is_null(False) | Contact.status.is_null(False))
                .order_by(Contact.autokey).dicts())
    return {
        "organizations": [{"id": row["id"], "name": row["name"]} for row in organizations],
        "account_lists": [{"id": row["id"], "name": row["name"], "organizations": links.get(row["autokey"], []),
                           **({"users": users[row["autokey"]]} if row["autokey"] in users else {})}
                          for row in lists],
        "contacts": [{"id": row["id"], "account_list": list_ids.get(row["account_list_id"]),
                      "status": row["status"] or None} for row in assigned],
    }
