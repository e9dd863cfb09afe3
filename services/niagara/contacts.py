"""Niagara's contact rules on the canonical store: keyset pages and email uniqueness."""
from __future__ import annotations

from typing import Callable

from peewee import SQL, fn

from models import Contact, ContactEmail
from models.freshness import cached_until_written
from models.statements import fetch_dicts

from .. import contacts as cards
from ..errors import Conflict


def page_after(after: int, limit: int) -> tuple[list[dict], bool]:
    """Contact rows with autokey > `after`, ascending, and whether more follow."""
    rows = list(Contact.select().where(Contact.autokey > after)
                .order_by(Contact.autokey).limit(limit + 1).dicts())
    return rows[:limit], len(rows) > limit


def total() -> int:
    """How many contacts exist (COUNT(*), not Peewee's subquery count; reused until a write)."""
    # Counting walks a whole index (about 10 ms at 1M cards); every page of a walk shows it.
    return cached_until_written("niagara.total", lambda: Contact.select(fn.COUNT(SQL("*"))).scalar() or 0)


def _assert_email_free(email: str, own_autokey: int | None) -> None:
    """Conflict when another contact already has `email` (case-insensitive)."""
    # Compiled once (this runs inside every create's write transaction); -1 is no card's autokey.
    rows = fetch_dicts("niagara.email_taken", ContactEmail,
                       lambda value, owner: ContactEmail.select(ContactEmail.id)
                       .where((ContactEmail.value_norm == value) & (ContactEmail.contact != owner)),
                       email.lower(), own_autokey if own_autokey is not None else -1)
    if rows:
        raise Conflict(f"A similar resource exists: another contact has the email {email}",
                       field="email")


def create(changes: dict, email: str, *, user: str | None = None) -> dict:
    """Create a card unless another contact has `email`; one transaction."""
    # The check runs in the create's own transaction, after the card was prepared outside it.
    return cards.create_card(changes, user=user, precondition=lambda: _assert_email_free(email, None))


def replace(contact_id: str, build: Callable[[dict], dict], email: str, *,
            expected_version: int | None, user: str | None = None) -> dict:
    """Replace the Niagara view of a card (404, 412, 423, then 409), in one transaction.

    `build(card)` turns the current card into the canonical changes. The email is only
    checked when it changes, so cards that already share an address stay editable.
    """
    def check(card: dict, changes: dict) -> None:
        if email.lower() != (card["primary_email"] or "").lower():
            _assert_email_free(email, card["autokey"])

    return cards.modify_card(contact_id, build, expected_version=expected_version, respect_lock=True,
                             user=user, check=check)
