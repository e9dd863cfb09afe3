"""Sync tokens and the change log (`carddav_change`, written by triggers: migration 0700).

A token is the change log's highest `seq` when it was issued. Changes are committed in
`seq` order (SQLite: one writer at a time; PostgreSQL: card writers take an advisory
lock, migration 0700), so every change up to a token is visible once the token is, and
the changes since a token are exactly the log rows above it. They are read through the
log's primary key, so an incremental sync costs the same in a book of any size.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from models.connect import database, is_sqlite
from services.errors import Forbidden

TOKEN_PREFIX = "http://contacts-server.invalid/ns/sync/"


@dataclass(frozen=True)
class Change:
    """One card's latest change: its id, resource name, current version (None: deleted) and creation instant."""

    contact_id: str
    name: str
    version: int | None
    created: int | None = None


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
    # Not the sequence's last_value: that counts writes not committed yet. The highest seq
    # visible (the pruned ones too: pruning never lowers a token).
    row = database.execute_sql(
        "SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM carddav_change), 0), "
        "COALESCE((SELECT MAX(horizon) FROM carddav_prune), 0))").fetchone()
    return int(row[0])


def _pruned_through() -> int:
    row = database.execute_sql("SELECT COALESCE(MAX(horizon), 0) FROM carddav_prune").fetchone()
    return int(row[0])


def token_is_valid(token: int, now: int) -> bool:
    """Whether changes since `token` are all still in the log (and the token is not from the future)."""
    return _pruned_through() <= token <= now


def changes_between(token: int, now: int, limit: int | None = None) -> tuple[list[Change], int]:
    """Cards changed after `token` up to `now`, once each, oldest change first, and the token
    they bring the client to: `now`, or with `limit` the last change returned when more wait."""
    mark = database.param
    cap = f" LIMIT {int(limit) + 1}" if limit is not None else ""
    # A group resource's row has minus the group's autokey (migration 0760); a tombstone has
    # no autokey and carries its resource name.
    rows = database.execute_sql(
        "SELECT ch.seq, ch.contact_id, COALESCE(h.name, r.name, ch.href), COALESCE(c.version, g.version), "
        "COALESCE(c.created, g.created) FROM carddav_change AS ch "
        "LEFT JOIN contact AS c ON c.autokey = ch.contact_autokey "
        "LEFT JOIN carddav_href AS h ON h.contact_id = ch.contact_id AND ch.contact_autokey > 0 "
        "LEFT JOIN contact_group AS g ON g.autokey = -ch.contact_autokey "
        "LEFT JOIN carddav_group AS r ON r.group_autokey = g.autokey "
        f"WHERE ch.seq > {mark} AND ch.seq <= {mark} ORDER BY ch.seq{cap}", (token, now)).fetchall()
    reached = now
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        reached = rows[-1][0] if rows else token
    latest: dict[str, Change] = {}
    for _seq, contact_id, name, version, created in rows:
        name = name or f"{contact_id}.vcf"
        latest.pop(name, None)  # keep the latest, in change order
        latest[name] = Change(contact_id, name, version, created)
    return list(latest.values()), reached


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read transaction, so the token and the changes up to it are one state (a card
    changed again after the token was read would otherwise move past the range unseen)."""
    if database.in_transaction():
        yield
        return
    if not is_sqlite():
        with database.atomic():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
        return
    database.execute_sql("BEGIN DEFERRED")  # not atomic(): that begins IMMEDIATE and blocks writers
    try:
        yield
    finally:
        database.execute_sql("COMMIT")


def sync_state() -> int:
    """The current token (for an initial sync: every card stored now is listed after it)."""
    return current_token()


def changes_since(token_uri: str, limit: int | None = None) -> tuple[int, list[Change], bool]:
    """(the token to hand back, the cards changed since the client's token, whether `limit`
    cut the answer short); valid-sync-token when the token is not ours, from the future, or
    older than the pruned tombstones. No token (initial sync with a limit): every stored card,
    in change order, a page of `limit` at a time."""
    since = parse_token(token_uri) if token_uri else 0
    with _snapshot():
        now = current_token()
        if since is None or (token_uri and not token_is_valid(since, now)):
            raise Forbidden("The sync token is unknown or too old: sync again without a token",
                            precondition="valid-sync-token")
        changed, reached = changes_between(since, now, limit)
    if not token_uri:  # a client that has nothing needs no tombstones
        changed = [change for change in changed if change.version is not None]
    return reached, changed, reached != now
