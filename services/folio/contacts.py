"""FOLIO's contact rules on the canonical store: CQL search, categories as groups, whole-record writes.

A FOLIO category id stands for a canonical group: the group with that id in ASCII lower
case, made on first use (code and name = that id); the record keeps the ids as sent
(services.folio.view reconciles the two). Creating a record checks its id and resolves its categories
inside the create's own transaction, so creates keep the grouped commit every other
door's creates use (see models' run_grouped_write).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from models import ContactGroup

from .. import contacts as cards
from .. import groups as group_service
from ..errors import Conflict, Unprocessable
from . import compile_cql, view
from . import search as cql_search


@dataclass
class ContactPage:
    """A page of a CQL search: its cards' autokeys (in order) and the total, when counted.

    The cards are read when iterated, `BATCH` at a time, so a page of any size (RMB accepts
    `limit` up to 2147483647) needs memory for its keys (8 bytes each) and one batch only.
    """

    keys: Sequence[int]
    total: int | None

    BATCH = 500

    def __len__(self) -> int:
        return len(self.keys)

    def batches(self) -> Iterator[list[dict]]:
        """The page's cards, in order, a batch at a time (a card deleted meanwhile is left out)."""
        for start in range(0, len(self.keys), self.BATCH):
            yield cards.cards_by_autokeys(list(self.keys[start:start + self.BATCH]))


def search_contacts(query: str | None, limit: int, offset: int, *, count: bool) -> ContactPage:
    """The page of cards a CQL query selects and, when `count`, how many it selects in all."""
    compiled = compile_cql(query if query is not None else "cql.allRecords=1")
    keys, total = cql_search.find(compiled, limit, offset, count=count)
    return ContactPage(keys, total)


def create_contact(changes: dict, *, user: str | None) -> dict:
    """POST: store a new record (`changes["id"]` set), its categories as groups; 422 on a taken id."""
    contact_id = changes["id"]
    categories = changes.pop("categories")
    # A taken id is found by the unique index as the card is inserted (undoing the write,
    # categories made for it included), not by reading the card first inside the write lock.
    try:
        return cards.create_card(changes, user=user, group_keys=lambda: category_group_keys(categories))
    except Conflict as exc:
        if exc.details.get("field") != "id":
            raise
        raise Unprocessable("Validation errors", folio_errors=[{
            "message": f"id value already exists in table contacts: {contact_id}",
            "type": "1", "code": "-1", "parameters": [{"key": "id", "value": contact_id}]}]) from None


def replace_contact(contact_id: str, merge: Callable[[dict], dict], *, expected_version: int | None,
                    user: str | None) -> dict:
    """PUT: `merge(card)` gives the canonical changes of the whole FOLIO view, categories included."""
    def change(card: dict) -> dict:
        changes = merge(card)
        changes["groups"] = category_group_keys(changes.pop("categories"))
        return changes

    return cards.modify_card(contact_id, change, expected_version=expected_version, user=user)


def category_group_keys(category_ids: list) -> list[int]:
    """Group autokeys of FOLIO category ids (view.category_group_id); an unknown one becomes a group.

    The ids keep their case, duplicates and order in the record (extra.folio.categories);
    the groups are the distinct ids in ASCII lower case, so the other doors see each once.
    An id no group can hold (not a string, empty, longer than a group id) maps to none.
    When another group already has that code (an Incoplax group coded like the id), the new
    group gets a generated code instead: FOLIO has no such conflict to report.
    """
    wanted = list(dict.fromkeys(group for group in map(view.category_group_id, category_ids) if group))
    if not wanted:
        return []
    found, taken = {}, set()
    for chunk in cards.chunks(wanted):  # thousands of categories: below SQLite's variable limit
        found.update((row["id"], row["autokey"]) for row in
                     ContactGroup.select(ContactGroup.id, ContactGroup.autokey)
                     .where(ContactGroup.id.in_(chunk)).dicts())
        taken.update(row["code"] for row in ContactGroup.select(ContactGroup.code)
                     .where(ContactGroup.code.in_(chunk)).dicts())
    missing = {group: (group if group not in taken else None) for group in wanted if group not in found}
    found.update(group_service.create_named_groups(missing))
    return [found[group] for group in wanted]
