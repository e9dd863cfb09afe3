"""Niagara's opaque `offset`: a base64url keyset position, strictly decoded."""
from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BadCursor(ValueError):
    """The offset is not a cursor this API handed out (for this collection)."""


def encode(kind: str, key: int) -> str:
    """The cursor continuing after `key` in the `kind` collection (e.g. "CON", "REL")."""
    raw = f"{kind}#{key}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(kind: str, cursor: str) -> int:
    """The key a cursor of the `kind` collection continues after; BadCursor otherwise."""
    if not _ALPHABET.match(cursor):
        raise BadCursor("offset is not base64url")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor("offset does not decode") from None
    match = re.fullmatch(rf"{re.escape(kind)}#(0|[1-9][0-9]{{0,17}})", raw)
    # Re-encoding must give the same text: rejects padding tricks and stray bits.
    if not match or encode(kind, int(match.group(1))) != cursor:
        raise BadCursor("offset was not issued for this collection")
    return int(match.group(1))
