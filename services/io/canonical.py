"""Pieces every format shares: type vocabularies, group names, and streaming cards out."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from models import Contact, ContactGroup
from models.connect import database, is_postgres, is_sqlite

from .. import groups as group_service
from ..contacts import load_cards
from .report import RecordError

# Canonical phone types (the values dialects write, e.g. Incoplax slots, FOLIO types).
PHONE_TYPES = ("office", "mobile", "fax", "home", "other", "local", "public")
# Email, address and url rows use these (lower case, as the other child rows do).
PLACE_TYPES = ("home", "work", "other")

EXPORT_BATCH = 1000


def phone_type(words: list[str]) -> str:
    """The canonical phone type for a set of vCard/CSV type words (any case)."""
    words = {w.strip().lower() for w in words if w and w.strip()}
    if "fax" in words or "work fax" in words or "home fax" in words or "other fax" in words:
        return "fax"
    if words & {"cell", "mobile", "iphone", "car"}:
        return "mobile"
    if "x-local" in words or "local" in words:
        return "local"
    if "x-public" in words or "public" in words:
        return "public"
    if words & {"work", "office", "business", "main", "company main"}:
        return "office"
    if "home" in words:
        return "home"
    return "other"


def place_type(words: list[str]) -> str:
    """The canonical email/address/url type (home, work, other) for type words, '' if none."""
    words = {w.strip().lower() for w in words if w and w.strip()}
    if words & {"work", "business", "office"}:
        return "work"
    if "home" in words or "personal" in words:
        return "home"
    if "other" in words:
        return "other"
    return ""


def public_id(text: str | None) -> str | None:
    """A card id from a UID-like text when it is a UUID (also `urn:uuid:...`), else None."""
    if not text:
        return None
    text = text.strip()
    if text.lower().startswith("urn:uuid:"):
        text = text[9:]
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def name_card(card: dict, *, org: str = "", nickname: str = "") -> None:
    """Give a card without a display name one from its name parts, organisation, nickname,
    first email or first phone (a number is all a phone knows of many of its contacts)."""
    if (card.get("display_name") or "").strip():
        return
    card.pop("display_name", None)
    if any((card.get(part) or "").strip() for part in
           ("prefix", "given_name", "middle_name", "family_name", "suffix")):
        return  # services.names joins the parts into the display name
    fallback = org.strip() or nickname.strip() or _first_value(card, "emails") or _first_value(card, "phones")
    if not fallback:
        raise RecordError(NO_NAME)
    # Parts set (empty) alongside the display name: an organisation is not parsed as a person.
    card.update(display_name=fallback, prefix="", given_name="", middle_name="",
                family_name="", suffix="")


NO_NAME = "card has no name: no FN, N, ORG, nickname, email or phone"


def primary_first(rows: list[dict]) -> list[dict]:
    """A card's rows with its primary one first (formats whose first column is the primary)."""
    return sorted(rows, key=lambda row: not row.get("is_primary"))


def _first_value(card: dict, kind: str) -> str:
    return next((row["value"].strip() for row in card.get(kind) or () if (row.get("value") or "").strip()), "")


def set_extra(card: dict, key: str, value) -> None:
    """Keep a value no canonical column holds under extra['vcard'] (shared by vCard and CSV)."""
    if value in (None, "", []):
        return
    extra = card.setdefault("extra", {}) or {}
    card["extra"] = extra
    extra.setdefault("vcard", {})[key] = value


def get_extra(card: dict, key: str, default=""):
    """A value stored with `set_extra`."""
    return ((card.get("extra") or {}).get("vcard") or {}).get(key, default)


class GroupResolver:
    """Group autokeys for group names (vCard CATEGORIES, CSV labels), creating missing groups."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def keys(self, names: list[str]) -> list[int]:
        """Autokeys for names (matched by code, then by name), in order, without repeats."""
        result: list[int] = []
        for name in names:
            name = name.strip()
            if not name:
                continue
            key = self._cache.get(name)
            if key is None:
                key = self._find_or_create(name)
                self._cache[name] = key
            if key not in result:
                result.append(key)
        return result

    @staticmethod
    def _find_or_create(name: str) -> int:
        for column in (ContactGroup.code, ContactGroup.name):
            key = ContactGroup.select(ContactGroup.autokey).where(column == name).scalar()
            if key is not None:
                return key
        return group_service.create_group({"code": name, "name": name})["autokey"]


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of the store for a long read (an export), without blocking writers.

    SQLite: a DEFERRED read transaction (WAL lets the server keep writing). PostgreSQL:
    a REPEATABLE READ transaction. Either way every batch read sees the same snapshot.
    """
    if is_sqlite():
        # Not database.atomic(): the connection begins IMMEDIATE, which would block writers.
        database.execute_sql("BEGIN DEFERRED")
        try:
            yield
        finally:
            database.execute_sql("COMMIT")
    elif is_postgres():
        with database.atomic():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
    else:
        with database.atomic():
            yield


def iter_cards(batch_size: int = EXPORT_BATCH) -> Iterator[dict]:
    """Every card, by autokey, read in keyset batches (constant memory)."""
    last = 0
    while True:
        rows = list(Contact.select().where(Contact.autokey > last)
                    .order_by(Contact.autokey).limit(batch_size).dicts())
        if not rows:
            return
        yield from load_cards(rows)
        last = rows[-1]["autokey"]


def iter_groups() -> Iterator[dict]:
    """Every group, by autokey (groups are few; read in keyset batches all the same)."""
    last = 0
    while True:
        rows = list(ContactGroup.select().where(ContactGroup.autokey > last)
                    .order_by(ContactGroup.autokey).limit(EXPORT_BATCH).dicts())
        if not rows:
            return
        yield from rows
        last = rows[-1]["autokey"]

