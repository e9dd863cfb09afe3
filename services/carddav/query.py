"""addressbook-query (RFC 6352 section 8.6): prop-filter / text-match over the canonical card.

Filters are evaluated in Python on whole cards read in keyset batches, so matching is
the same on SQLite and PostgreSQL (Unicode case folding, as i;unicode-casemap asks).
A query reads cards until it has `limit` matches or the book ends: it costs up to a
scan of the book, which is why clients sync (sync-collection) rather than query.
Group vCards a client PUT are address objects too: they follow the cards, matched on
what a group vCard has (FN and N are the group's name, UID the one written).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from models import card_rows
from models.connect import database
from services.errors import Forbidden

from . import group_resources, vcards
from .resources import mapped_names, name_of

COLLATIONS = ("i;unicode-casemap", "i;ascii-casemap", "i;octet")
MATCH_TYPES = ("equals", "contains", "starts-with", "ends-with")
BATCH = 500


@dataclass
class TextMatch:
    """One <C:text-match>."""

    text: str
    collation: str = "i;unicode-casemap"
    match_type: str = "contains"
    negate: bool = False


@dataclass
class PropFilter:
    """One <C:prop-filter>: a property name, and either is-not-defined or text-matches."""

    name: str
    test: str = "anyof"
    is_not_defined: bool = False
    text_matches: list[TextMatch] = field(default_factory=list)
    has_param_filter: bool = False


def _uid(card: dict) -> list[str]:
    return [vcards.uid(card)]


def _n(card: dict) -> list[str]:
    parts = [card.get(k) or "" for k in ("family_name", "given_name", "middle_name", "prefix", "suffix")]
    return [";".join(parts)] if any(parts) else []


def _vcard_extra(card: dict, key: str) -> list[str]:
    value = ((card.get("extra") or {}).get("vcard") or {}).get(key)
    return [value] if value else []


# The property values each supported vCard property has on a canonical card.
PROPERTIES: dict[str, Callable[[dict], list[str]]] = {
    "FN": lambda card: [card["display_name"]] if card.get("display_name") else [],
    "N": _n,
    "EMAIL": lambda card: [row["value"] for row in card.get("emails") or []],
    "TEL": lambda card: [row["value"] for row in card.get("phones") or []],
    "UID": _uid,
    "NICKNAME": lambda card: _vcard_extra(card, "nickname"),
    "ORG": lambda card: _vcard_extra(card, "org"),
    "TITLE": lambda card: [card["job_title"]] if card.get("job_title") else [],
    "NOTE": lambda card: [card["notes"]] if card.get("notes") else [],
    "CATEGORIES": lambda card: [group["name"] for group in card.get("groups") or []],
}


# The same for a group resource (services.carddav.group_resources): a property it has not is undefined.
GROUP_PROPERTIES: dict[str, Callable[[dict], list[str]]] = {
    "FN": lambda group: [group["group_name"]],
    "N": lambda group: [group["group_name"]],
    "UID": lambda group: [group["vcard"].get("uid") or group["id"]],
}


def check(filters: list[PropFilter], collations: list[str]) -> None:
    """Refuse what this server cannot evaluate (the RFC's supported-filter / supported-collation)."""
    for pf in filters:
        if pf.name.upper() not in PROPERTIES or pf.has_param_filter:
            raise Forbidden(f"Filtering on {pf.name} is not supported", precondition="supported-filter")
    for collation in collations:
        if collation not in COLLATIONS:
            raise Forbidden(f"Collation {collation} is not supported", precondition="supported-collation")


def _fold(text: str, collation: str) -> str:
    if collation == "i;octet":
        return text
    if collation == "i;ascii-casemap":
        return "".join(ch.lower() if ch.isascii() else ch for ch in text)
    return unicodedata.normalize("NFKC", text).casefold()


def _text_matches(value: str, tm: TextMatch) -> bool:
    haystack, needle = _fold(value, tm.collation), _fold(tm.text, tm.collation)
    if tm.match_type == "equals":
        hit = haystack == needle
    elif tm.match_type == "starts-with":
        hit = haystack.startswith(needle)
    elif tm.match_type == "ends-with":
        hit = haystack.endswith(needle)
    else:
        hit = needle in haystack
    return hit != tm.negate


def _prop_matches(card: dict, pf: PropFilter) -> bool:
    name = pf.name.upper()
    if group_resources.is_group(card):
        values = GROUP_PROPERTIES[name](card) if name in GROUP_PROPERTIES else []
    else:
        values = PROPERTIES[name](card)
    if pf.is_not_defined:
        return not values
    if not values:
        return False
    if not pf.text_matches:
        return True  # defined
    results = (any(_text_matches(value, tm) for value in values) for tm in pf.text_matches)
    return all(results) if pf.test == "allof" else any(results)


def matches(card: dict, filters: list[PropFilter], test: str = "anyof") -> bool:
    """Whether a card passes the query's filter (no prop-filter: every card)."""
    if not filters:
        return True
    results = (_prop_matches(card, pf) for pf in filters)
    return all(results) if test == "allof" else any(results)


def run(filters: list[PropFilter], test: str, limit: int | None) -> Iterator[tuple[str, dict]]:
    """(resource name, card or group resource) of matching address objects: cards by autokey, then
    group resources; one more than `limit` tells it was cut."""
    for found, (name, resource) in enumerate(_candidates(filters, test), start=1):
        yield name, resource
        if limit is not None and found > limit:
            return


def _candidates(filters: list[PropFilter], test: str) -> Iterator[tuple[str, dict]]:
    mark = database.param
    sql = f"SELECT autokey FROM contact WHERE autokey > {mark} ORDER BY autokey LIMIT {BATCH}"
    last = 0
    while True:
        keys = [row[0] for row in database.execute_sql(sql, (last,)).fetchall()]
        if not keys:
            break
        by_key = card_rows.cards_by_autokeys(keys)
        hits = [by_key[key] for key in keys if key in by_key and matches(by_key[key], filters, test)]
        names = mapped_names([card["id"] for card in hits])
        for card in hits:
            yield name_of(card["id"], names.get(card["id"])), card
        last = keys[-1]
    for batch in group_resources.listing():
        groups = group_resources.by_names([name for name, _, _ in batch])
        for name, _, _ in batch:
            if name in groups and matches(groups[name], filters, test):
                yield name, groups[name]
