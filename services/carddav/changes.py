"""Sync tokens and the change log (`carddav_change`, written by triggers: migration 0700).

A token is an integer. SQLite: the change log's `seq` high-water mark (one writer at a
time, so every change with a lower `seq` is committed). PostgreSQL: a transaction-id
horizon, every transaction below it finished (`pg_snapshot_xmin`), but no higher than
the newest logged change + 1 so that it only moves when the address book changes;
changes since a token are those written by transactions at or above it (a change may
be reported twice, never missed). Either way the changes since a token are read
through an index on the log, so an incremental sync costs the same in any book size.
"""
from __future__ import annotations

from dataclasses import dataclass

from models.db import database, is_sqlite

TOKEN_PREFIX = "http://contacts-server.invalid/ns/sync/"


@dataclass(frozen=True)
class Change:
    """One card's latest change: its id, resource name, and current version (None: deleted)."""

    contact_id: str
    name: str
    version: int | None


def format_token(number: int) -> str:
    """The sync-token URI of a change number."""
    return f"{TOKEN_PREFIX}{number}"


def parse_token(text: str) -> int | None:
    """The change number of a sync-token URI we issued, else None."""
    text = (text or "").strip()
    if not text.startswith(TOKEN_PREFIX):
        return None
    digits = text[len(TOKEN_PREFIX):]
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def current_token() -> int:
    """The token that names the current state of the address book."""
    if is_sqlite():
        row = database.execute_sql("SELECT seq FROM sqlite_sequence WHERE name = 'carddav_change'").fetchone()
        return int(row[0]) if row else 0
    row = database.execute_sql(
        "SELECT GREATEST(LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
        "COALESCE((SELECT MAX(txid) FROM carddav_change), 0) + 1), "
        "COALESCE((SELECT MAX(horizon) FROM carddav_prune), 0) + 1)").fetchone()
    return int(row[0])


def _pruned_through() -> int:
    row = database.execute_sql("SELECT COALESCE(MAX(horizon), 0) FROM carddav_prune").fetchone()
    return int(row[0])


def token_is_valid(token: int, now: int) -> bool:
    """Whether changes since `token` are all still in the log (and the token is not from the future)."""
    pruned = _pruned_through()
    if is_sqlite():
        return pruned <= token <= now
    return pruned < token <= now


def changes_between(token: int, now: int) -> list[Change]:
    """Every card changed after `token` up to `now`, once each, oldest change first."""
    if is_sqlite():
        where, params = "ch.seq > ? AND ch.seq <= ?", (token, now)
    else:
        where, params = "ch.txid >= %s", (token,)
    rows = database.execute_sql(
        "SELECT ch.contact_id, COALESCE(h.name, ch.href), c.version FROM carddav_change AS ch "
        "LEFT JOIN contact AS c ON c.autokey = ch.contact_autokey "
        "LEFT JOIN carddav_href AS h ON h.contact_id = ch.contact_id "
        f"WHERE {where} ORDER BY ch.seq", params).fetchall()
    latest: dict[str, Change] = {}
    for contact_id, name, version in rows:
        latest.pop(contact_id, None)  # keep the latest, in change order
        latest[contact_id] = Change(contact_id, name or f"{contact_id}.vcf", version)
    return list(latest.values())
