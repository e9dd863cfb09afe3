"""The one vCard mapping (services.io.vcard), as CardDAV uses it: one card per resource.

CardDAV does not map vCards itself: a PUT body goes through the importer's
`card_from_vcard` and a GET is written by the exporter's `card_to_vcard`, which keep
every property a client sent (unknown and X- ones verbatim, in their order) in the
card's `extra["vcard"]`, with the UID as written and the version the card was read in.
A group resource (services.carddav.group_resources) is written as a group vCard.
"""
from __future__ import annotations

from services.errors import Conflict, Invalid
from services.io import vcard as mapping
from services.io.canonical import GroupResolver
from services.io.report import RecordError

from . import group_resources

VERSIONS = ("3.0", "4.0")


def parse(text: str) -> dict:
    """Canonical card fields (groups resolved, created when new) from one vCard's text."""
    try:
        card, _warnings = mapping.card_from_vcard(text, GroupResolver())
    except mapping.GroupCardRefused:
        # Group vCards are read by group_vcards first (resources.put); one that reaches here is
        # a card naming a group kind that group_vcards does not read. 409, not 400: a 400 stops
        # every later DAVx5 sync of the book, a 409 is an edit conflict it syncs on after.
        raise Conflict("The vCard names the group kind but is not a group vCard this address book reads",
                       precondition="valid-address-data") from None
    except RecordError as exc:
        raise Invalid(f"The vCard cannot be stored: {exc}", precondition="valid-address-data") from None
    return card


def render(card: dict, version: str) -> str:
    """One card (or group resource) as vCard text of `version` (3.0 or 4.0)."""
    if group_resources.is_group(card):
        return group_resources.render(card, version)
    return mapping.card_to_vcard(card, version)


def _vcard_extra(card: dict) -> dict:
    return (card.get("extra") or {}).get("vcard") or {}


def source_version(card: dict) -> str | None:
    """The vCard version the card was stored from (None: it never was a vCard)."""
    if group_resources.is_group(card):
        return group_resources.source_version(card)
    version = _vcard_extra(card).get("version")
    return version if version in VERSIONS else None


def stored_version(card: dict) -> str | None:
    """The version the card or group was stored from, as PUT (None: it never was a vCard)."""
    if group_resources.is_group(card):
        return group_resources.stored_version(card)
    return source_version(card)


def uid(card: dict) -> str:
    """The card's vCard UID as a client wrote it (else its id)."""
    return _vcard_extra(card).get("uid") or card["id"]
