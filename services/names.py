"""Keeping a card's display name and its name parts in step (the rules in docs/mapping.md: a door that writes a display name re-derives the parts, one that writes parts re-derives the display name)."""
from __future__ import annotations

import re

from nameparser import HumanName
from nameparser.config import CONSTANTS

NAME_PARTS = ("prefix", "given_name", "middle_name", "family_name", "suffix")
_ROMAN_LETTERS = re.compile(r"^[ivxlcdm]+$")


def _is_plain_word(word: str) -> bool:
    """A word nameparser has no rule for: letters and digits only, and no title, suffix,
    prefix, conjunction or roman numeral (those change how a name splits)."""
    if not word.isalnum():
        return False
    lower = word.lower()
    return not (lower in CONSTANTS.titles or lower in CONSTANTS.suffix_acronyms
                or lower in CONSTANTS.suffix_not_acronyms or lower in CONSTANTS.prefixes
                or lower in CONSTANTS.conjunctions or _ROMAN_LETTERS.match(lower))


def _plain_split(display_name: str) -> dict[str, str] | None:
    """The parts nameparser gives a name of one to three plain words, else None.

    nameparser costs about 1 ms a name; most names are "Given Family" and need none of
    its rules (tests/test_names.py checks this agrees with nameparser).
    """
    words = display_name.split(" ")
    if not 1 <= len(words) <= 3 or not all(_is_plain_word(word) for word in words):
        return None
    return {"prefix": "", "given_name": words[0], "middle_name": words[1] if len(words) == 3 else "",
            "family_name": words[-1] if len(words) > 1 else "", "suffix": ""}


def split_display_name(display_name: str) -> dict[str, str]:
    """Name parts parsed from a display name with `nameparser` (not a naive split)."""
    plain = _plain_split(display_name or "")
    if plain is not None:
        return plain
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


# Longest given or family name a card may have. The sort indexes of FOLIO's CQL on
# PostgreSQL hold both folded names in one B-tree entry, which cannot exceed 2,704 bytes;
# 300 characters each stays under that even at 4 bytes a character.
MAX_NAME_PART_CHARS = 300


def overlong_name_part(values: dict) -> str | None:
    """The first of given_name / family_name in `values` longer than MAX_NAME_PART_CHARS, else None."""
    for key in ("given_name", "family_name"):
        if len(values.get(key) or "") > MAX_NAME_PART_CHARS:
            return key
    return None
