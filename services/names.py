"""Keeping a card's display name and its name parts in step (DESIGN.md section 3 rules)."""
from __future__ import annotations

from nameparser import HumanName

NAME_PARTS = ("prefix", "given_name", "middle_name", "family_name", "suffix")


def split_display_name(display_name: str) -> dict[str, str]:
    """Name parts parsed from a display name with `nameparser` (not a naive split)."""
    name = HumanName(display_name or "")
    return {
        "prefix": name.title,
        "given_name": name.first,
        "middle_name": name.middle,
        "family_name": name.last,
        "suffix": name.suffix,
    }


def join_name_parts(parts: dict[str, str]) -> str:
    """A display name built from name parts: 'Prefix Given Middle Family Suffix'."""
    pieces = [parts.get(key) or "" for key in NAME_PARTS]
    return " ".join(p.strip() for p in pieces if p and p.strip())


def reconcile_names(current: dict, changes: dict) -> dict:
    """Complete `changes` so the display name and the name parts agree.

    A write of only the display name re-derives the parts; a write of only parts
    re-derives the display name; a write of both keeps both as given.
    """
    wrote_display = "display_name" in changes
    wrote_parts = any(key in changes for key in NAME_PARTS)
    if wrote_display and not wrote_parts:
        changes.update(split_display_name(changes["display_name"]))
    elif wrote_parts and not wrote_display:
        merged = {key: changes.get(key, current.get(key, "")) for key in NAME_PARTS}
        changes["display_name"] = join_name_parts(merged)
    return changes
