"""The one vCard mapping (services.io.vcard), as CardDAV uses it: one card per resource.

CardDAV does not map vCards itself: a PUT body goes through the importer's
`card_from_vcard` and a GET is written by the exporter's `card_to_vcard`, which keep
every property a client sent (unknown and X- ones verbatim, in their order) in the
card's `extra["vcard"]`, with the UID as written and the version the card was read in.
"""
from __future__ import annotations

from services.errors import Conflict, Invalid
from services.io import vcard as mapping
from services.io.canonical import GroupResolver
from services.io.report import RecordError

VERSIONS = ("3.0", "4.0")


def parse(text: str) -> dict:
    """Canonical card fields (groups resolved, created when new) from one vCard's text."""
    try:
        card, _warnings = mapping.card_from_vcard(text, GroupResolver())
    except mapping.GroupCardRefused:
        # 409, not 400: DAVx5 (and iOS) upload their groups as group vCards; a 409 leaves the
        # group on the phone and the sync goes on, a 400 stops every later sync of the book.
        raise Conflict("Group vCards (KIND:group, X-ADDRESSBOOKSERVER-KIND:group) are not stored in this "
                       "address book: a card's groups travel as its CATEGORIES",
                       precondition="valid-address-data") from None
    except RecordError as exc:
        raise Invalid(f"The vCard cannot be stored: {exc}", precondition="valid-address-data") from None
    return card


def render(card: dict, version: str) -> str:
    """One card as vCard text of `version` (3.0 or 4.0)."""
    return mapping.card_to_vcard(card, version)


def _vcard_extra(card: dict) -> dict:
    return (card.get("extra") or {}).get("vcard") or {}


def source_version(card: dict) -> str | None:
    """The vCard version the card was stored from (None: it never was a vCard)."""
    version = _vcard_extra(card).get("version")
    return version if version in VERSIONS else None


def uid(card: dict) -> str:
    """The card's vCard UID as a client wrote it (else its id)."""
    return _vcard_extra(card).get("uid") or card["id"]
