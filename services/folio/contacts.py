"""FOLIO's contact rules on the canonical store: CQL search, categories as groups, whole-record writes.

A FOLIO category id is a canonical group: the group with that id, made on first use
(code and name = the id). Creating a record checks its id and resolves its categories
inside the create's own transaction, so creates keep the grouped commit every other
door's creates use (see models' run_grouped_write).
"""
from __future__ import annotations

from typing import Callable

from models import ContactGroup

from .. import contacts as cards
from .. import groups as group_service
from ..errors import Unprocessable
from . import compile_cql
from . import search as cql_search


def search_contacts(query: str | None, limit: int, offset: int, *, count: bool) -> tuple[list[dict], int | None]:
    """The cards a CQL query selects (a page) and, when `count`, how many it selects in all."""
    compiled = compile_cql(query if query is not None else "cql.allRecords=1")
    keys, total = cql_search.find(compiled, limit, offset, count=count)
    return cards.cards_by_autokeys(keys), total


def create_contact(changes: dict, *, user: str | None) -> dict:
    """POST: store a new record (`changes["id"]` set), its categories as groups; 422 on a taken id."""
    contact_id = changes["id"]
    categories = changes.pop("categories")

    def id_is_free() -> None:
        if cards.find_card(contact_id) is not None:
            raise Unprocessable("Validation errors", folio_errors=[{
                "message": f"id value already exists in table contacts: {contact_id}",
                "type": "1", "code": "-1", "parameters": [{"key": "id", "value": contact_id}]}])

    return cards.create_card(changes, user=user, precondition=id_is_free,
                             group_keys=lambda: category_group_keys(categories))


def replace_contact(contact_id: str, merge: Callable[[dict], dict], *, expected_version: int | None,
                    user: str | None) -> dict:
    """PUT: `merge(card)` gives the canonical changes of the whole FOLIO view, categories included."""
    def change(card: dict) -> dict:
        changes = merge(card)
        changes["groups"] = category_group_keys(changes.pop("categories"))
        return changes

    return cards.modify_card(contact_id, change, expected_version=expected_version, user=user)


def category_group_keys(category_ids: list[str]) -> list[int]:
    """Group autokeys of FOLIO category ids; an unknown id becomes a group (code = name = id).

    When another group already has that code (an Incoplax group coded like the id), the new
    group gets a generated code instead: FOLIO has no such conflict to report.
    """
    if not category_ids:
        return []
    wanted = list(set(category_ids))
    found = {row["id"]: row["autokey"] for row in
             ContactGroup.select(ContactGroup.id, ContactGroup.autokey)
             .where(ContactGroup.id.in_(wanted)).dicts()}
    taken = {row["code"] for row in ContactGroup.select(ContactGroup.code)
             .where(ContactGroup.code.in_(wanted)).dicts()}
    for category in dict.fromkeys(category_ids):
        if category not in found:
            values = {"id": category, "name": category}
            if category not in taken:
                values["code"] = category
            found[category] = group_service.create_group(values)["autokey"]
    return [found[category] for category in category_ids]
