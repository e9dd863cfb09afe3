"""What a SQLite FOLIO search needs to know of the store, read once per state of the database.

Whether marked cards wait for the name index and the highest card key are read in one
probe, and kept (with the totals of recent queries) until anybody writes the database
(models.freshness.cached_until_written: PRAGMA data_version + the connection's change count),
so a search of an unchanged store runs its page statement and one PRAGMA, nothing else.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from models.connect import database
from models.freshness import cached_until_written

from .name_index import DIRTY_TABLE, KEY_TABLE

# totals kept per database state (a UI pages through a handful of queries at a time)
MEMO_SIZE = 64


class Snapshot:
    """The store's name-index state, and values computed from it, while nobody writes."""

    def __init__(self, pending: bool, cards: int) -> None:
        self.pending = pending  # existing cards wait in folio_dirty: sync() before searching
        self.cards = cards  # the highest card key in folio_key (the walk-or-sort estimate)
        self._memo: dict[Hashable, Any] = {}

    def remember(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()`, computed once for this state of the database."""
        if key in self._memo:
            return self._memo[key]
        value = compute()
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = value
        return value


def _read() -> Snapshot:
    # CROSS JOIN: the (normally empty) mark table drives the join, not a scan of contact
    pending, cards = database.execute_sql(
        f"SELECT EXISTS (SELECT 1 FROM {DIRTY_TABLE} d CROSS JOIN contact c ON c.autokey = d.contact_autokey), "
        f"(SELECT max(contact_autokey) FROM {KEY_TABLE})").fetchone()
    return Snapshot(bool(pending), cards or 0)


def snapshot() -> Snapshot:
    """The current snapshot (SQLite only): read again only after a write."""
    return cached_until_written("folio_cql.snapshot", _read)
