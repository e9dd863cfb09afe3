"""Cards from the UI's form: what to create, what an edit changes, and the edit's version check.

An edit writes only the fields the person changed, so the cross-dialect name rules of
`services.contacts` apply as for any door (a changed display name re-derives the name
parts; changed parts re-derive the display name). Email and phone rows keep what the
form does not show (label, categories, slot, dialect leftovers) when their value stays.
Addresses, urls and groups are not on the form and are never touched by it.
"""
from __future__ import annotations

from ..contacts import create_card, delete_card, get_card, modify_card
from ..errors import Locked, PreconditionFailed
from ..io.canonical import PHONE_TYPES, PLACE_TYPES

SCALARS = ("display_name", "prefix", "given_name", "middle_name", "family_name", "suffix",
           "label", "department", "job_title", "title", "notes")
EMAIL_TYPES = ("", *PLACE_TYPES)
PHONE_TYPE_CHOICES = ("", *PHONE_TYPES)


class StaleEdit(PreconditionFailed):
    """The card changed since the form was opened; carries the card as it is now."""

    def __init__(self, current: dict, sent_version: int | None, *, deleting: bool = False):
        was = f"version {sent_version}" if sent_version is not None else "an unknown version"
        done = "Nothing was deleted" if deleting else "Nothing was saved"
        then = ("Check the card and delete it again if you still mean to." if deleting
                else "The form now shows the card as it is; make your change again.")
        super().__init__(f"This card was changed since you opened it (you had {was}, it is now at "
                         f"version {current['version']}). {done}. {then}", id=current["id"])
        self.current = current


def new_card(values: dict) -> dict:
    """Create a card from the form's values; returns it as stored."""
    data = {key: values[key] for key in SCALARS if values.get(key)}
    data["emails"] = [dict(row) for row in values.get("emails", [])]
    data["phones"] = [dict(row) for row in values.get("phones", [])]
    return create_card(data)


def changes_for(current: dict, values: dict) -> dict:
    """The canonical changes that turn `current` into what the form says (empty: nothing changed)."""
    changes = {key: values.get(key, "") for key in SCALARS if values.get(key, "") != (current.get(key) or "")}
    for kind in ("emails", "phones"):
        rows = _rows(current.get(kind, []), values.get(kind, []))
        if rows is not None:
            changes[kind] = rows
    return changes


def _rows(current: list[dict], wanted: list[dict]) -> list[dict] | None:
    """The new child list, or None when the form left it as it was."""
    if [(r["value"], r["type"]) for r in wanted] == [(r["value"], r.get("type") or "") for r in current]:
        return None
    unused = list(current)
    rows = []
    for item in wanted:
        kept = next((row for row in unused if row["value"] == item["value"]), None)
        if kept is not None:
            unused.remove(kept)
            rows.append({**kept, "type": item["type"]})
        else:
            rows.append({"value": item["value"], "type": item["type"]})
    return rows


def edit_card(contact_id: str, values: dict) -> tuple[dict, bool]:
    """Apply the form to the card if the form's version is the card's; returns (card, whether it changed).

    StaleEdit when the card moved on since the form was opened, Locked when it is locked:
    nothing is written in either case.
    """
    current = get_card(contact_id)
    sent = values.get("version")
    if sent is None or sent != current["version"]:
        raise StaleEdit(current, sent)
    if current.get("locked"):
        raise Locked(f"{current.get('display_name') or contact_id} is locked: it cannot be changed")
    if not changes_for(current, values):
        return current, False
    try:
        # The changes are computed again from the card as stored inside the write transaction
        # (which also checks that it is still at the form's version).
        return modify_card(contact_id, lambda stored: changes_for(stored, values), expected_version=sent), True
    except PreconditionFailed:
        raise StaleEdit(get_card(contact_id), sent) from None


def remove_card(contact_id: str, version: int | None) -> dict:
    """Delete the card if `version` is still its version; returns it as it was."""
    current = get_card(contact_id)
    if version is None or version != current["version"]:
        raise StaleEdit(current, version, deleting=True)
    try:
        return delete_card(contact_id, expected_version=version)
    except PreconditionFailed:
        raise StaleEdit(get_card(contact_id), version, deleting=True) from None
