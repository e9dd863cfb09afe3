"""A card's entity tag (ETag), the same in every door: its version and its creation instant.

`"c<version>-<created>"`, the creation instant in microseconds since the epoch, in base 36.
The version alone repeats: a card deleted and created again under the same id (a CardDAV
client re-creating a UID, a restore, a FOLIO client re-posting an id) starts at version 1
again, and a client holding the first card's `"c1"` would take the second card for it
(Evolution and DAVx5 skip a card whose listed ETag they hold; an If-Match of the old tag
would overwrite the new card). The creation instant tells the two cards apart.

A tag without the instant (`"c3"`, as this server sent before) still names version 3 of
whichever card has the id, so clients holding one go on working.
"""
from __future__ import annotations

import datetime
import re
from typing import NamedTuple

from models import Contact

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_TAG = re.compile(r"c(\d{1,18})(?:-([0-9a-z]{1,13}))?")


class CardTag(NamedTuple):
    """What an If-Match names: a version, and the creation instant when the tag has one."""

    version: int
    created: int | None  # microseconds since the epoch


def created_us(created: datetime.datetime | int) -> int:
    """A creation instant as integer microseconds since the epoch (as the column stores it)."""
    return created if isinstance(created, int) else Contact.created.db_value(created)


def _base36(number: int) -> str:
    if number <= 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def card_etag(version: int, created: datetime.datetime | int) -> str:
    """The strong ETag of a card's version (quoted)."""
    return f'"c{version}-{_base36(created_us(created))}"'


def parse_card_tag(opaque: str) -> CardTag | None:
    """The CardTag an ETag's opaque part (without quotes) names, None when it names no card version."""
    match = _TAG.fullmatch(opaque)
    if match is None:
        return None
    created = int(match.group(2), 36) if match.group(2) else None
    return CardTag(int(match.group(1)), created)


def matches(row: dict, expected: CardTag | int) -> bool:
    """Whether a stored card row is the version (and the card) an If-Match names (an int: the version)."""
    if isinstance(expected, CardTag):
        if expected.created is not None and created_us(row["created"]) != expected.created:
            return False
        return row["version"] == expected.version
    return row["version"] == expected
