"""The one vCard mapping (services.io.vcard), as CardDAV uses it: one card per resource.

CardDAV does not map vCards itself: a PUT body goes through the importer's parser and a
GET is written by the exporter's writer, so a card reads the same through CardDAV and
`contacts export --format vcard4`.
"""
from __future__ import annotations

import io
import re

from services.errors import Invalid
from services.io import vcard as mapping
from services.io.canonical import GroupResolver
from services.io.report import RecordError

VERSIONS = ("3.0", "4.0")
_UID_LINE = re.compile(r"^UID(?:;[^:\r\n]*)?:([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def parse(text: str) -> dict:
    """Canonical card fields from one vCard's text; Invalid names what is wrong."""
    new_api = getattr(mapping, "card_from_vcard", None)
    try:
        if new_api is not None:
            card, _warnings = new_api(text)
            return card
        card = _parse_properties(text)
    except RecordError as exc:
        raise Invalid(f"The vCard cannot be stored: {exc}", precondition="valid-address-data") from None
    uid = _UID_LINE.search(text)
    if uid:  # interim, until the mapping keeps UIDs verbatim: clients match cards by UID text
        extra = card.setdefault("extra", {}) or {}
        card["extra"] = extra
        extra.setdefault("carddav", {})["uid"] = uid.group(1).strip()
    return card


def _parse_properties(text: str) -> dict:
    cards = list(mapping.read_cards(io.StringIO(text)))
    if len(cards) != 1:
        raise RecordError(f"a resource holds exactly one vCard, this body has {len(cards)}")
    _position, parsed = cards[0]
    if isinstance(parsed, Exception):
        raise RecordError(str(parsed))
    return mapping.card_from_properties(parsed, GroupResolver())


def render(card: dict, version: str = "4.0") -> str:
    """One card as vCard text of `version` (3.0 or 4.0)."""
    text = mapping.card_to_vcard(card, version)
    uid = ((card.get("extra") or {}).get("carddav") or {}).get("uid")
    if uid and getattr(mapping, "card_from_vcard", None) is None:
        text = _UID_LINE.sub(lambda _m: "UID:" + uid, text, count=1)
    return text
