"""The name index FOLIO searches use: folded sort keys (B-tree) and PostgreSQL lexemes (FTS5).

SQLite's own tokenizers cannot reproduce RMB's `lower(f_unaccent(...))` (they keep
ø, ß, æ, ł...) nor PostgreSQL's lexemes (`fury-smith` + `fury` + `smith`), so the
lexemes are computed here and stored hex-encoded (hex keeps prefixes, so right
truncation stays an FTS5 prefix query). Triggers (built-in SQL only, so every
connection can write contacts) mark changed cards in `folio_dirty`.

- A card changed through services.contacts is indexed at once, in its own transaction
  (an indexer that services.setup.install registers with services.search), and the
  marks waiting are flushed with it.
- A card just created is left to its mark: `flush()` indexes the waiting cards in
  batches (`contacts serve` runs it in each worker twice a second, see models.wal).
  A create then holds the write lock a third less time (POST create +20-30% at 1M
  cards), and FTS5 gets one new segment per batch instead of one per commit.
- `sync()` before a FOLIO search indexes whatever still waits (a create of the last
  half second, a writer that bypassed the services), so a search always finds every
  committed card.

A deleted card's entries stay in `folio_fts` only while its mark waits in
`folio_dirty` (the next flush removes both); searches count on the FTS index alone
only when no mark waits, so a lingering entry is never counted.

PostgreSQL needs none of this: its indexes are expression indexes (migration 0201).
"""
from __future__ import annotations

import time
from functools import lru_cache

from models.connect import database, is_sqlite
from models.writer import run_write

from .tsearch import fold, lexemes

KEY_TABLE = "folio_key"
FTS_TABLE = "folio_fts"
DIRTY_TABLE = "folio_dirty"


def hex_token(lexeme: str) -> str:
    """A lexeme as an FTS5 token that keeps prefix relations (UTF-8 hex)."""
    return lexeme.encode("utf-8").hex()


def _document(text: str) -> str:
    return " ".join(hex_token(lexeme) for lexeme in lexemes(fold(text.replace("&", ","))))


def sync(probe: bool = True) -> None:
    """Index the cards that wait (usually none: one probe, no write); `probe=False`: known to wait."""
    if not is_sqlite():
        return
    # Marks of deleted cards are left for the next flush: a search need not write for them.
    if not probe or pending():
        run_write(_sync)


def _index_written(cards: list[dict]) -> None:
    """services.search indexer: index changed cards from their names, in the write transaction.

    The cards carry their stored names, so nothing is read back; marks left by other
    writers, deletes and creates are flushed on the way. Not called for new cards.
    """
    if not is_sqlite():
        return
    write_entries([(card["autokey"], *entry(card.get("given_name") or "", card.get("family_name") or ""))
                   for card in cards])


# Registered with services.search by services.setup.install (not for new cards); bulk imports
# replace it by `write_entries` of rows made in their worker.
INDEXER = _index_written


def entry(given: str, family: str) -> tuple[str, str, str, str]:
    """A card's index values (first key, last key, first lexemes, last lexemes), computed without the database."""
    given_key, given_doc = _name_entry(given)
    family_key, family_doc = _name_entry(family)
    return given_key, family_key, given_doc, family_doc


def write_entries(rows: list, *, fresh: bool = False) -> None:
    """Index written cards from rows `(autokey, *entry(given, family))`, in the write transaction.

    As `_index_written`: marks left by other writers are flushed on the way. `fresh=True`
    (a bulk load into an empty store: no entry, no mark, no trigger) only inserts.
    """
    if not rows:
        return
    if fresh:
        _insert_entries(rows, fresh=True)
        return
    written = {row[0] for row in rows}
    others = [row[0] for row in database.execute_sql(f"SELECT contact_autokey FROM {DIRTY_TABLE}")
              if row[0] not in written]
    if others:
        _sync(others)
    _insert_entries(rows)
    # Every mark left is one the triggers just made for these cards.
    database.execute_sql(f"DELETE FROM {DIRTY_TABLE}")


def flush(batch: int = 100, budget_seconds: float | None = None) -> int:
    """Index every marked card, deleted ones included, `batch` per transaction; returns how many.

    The background work of `contacts serve` (new cards wait for it, see the module doc).
    Several transactions, not one: a writer queued behind a flush waits for `batch` cards
    at most. Ends at the first short batch, or once `budget_seconds` have passed: at 1M
    cards sustained creates filled every batch, so the flush never ended and the WAL
    checkpoint that runs after it in the same thread waited (the WAL reached 270 MB).
    What a budgeted flush leaves is indexed by the next one, or by `sync()` before a search.
    """
    if not is_sqlite() or not database.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {DIRTY_TABLE})").fetchone()[0]:
        return 0
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    done = 0
    while True:
        flushed = run_write(_sync_batch, batch)
        done += flushed
        if flushed < batch or (deadline is not None and time.monotonic() >= deadline):
            return done


def _sync_batch(batch: int) -> int:
    keys = [row[0] for row in database.execute_sql(f"SELECT contact_autokey FROM {DIRTY_TABLE} LIMIT ?", (batch,))]
    if keys:
        _sync(keys)
    return len(keys)


def _sync(keys: list[int] | None = None) -> None:
    """Index the marked cards (all marks, or just `keys`) from the contact rows; drop deleted ones."""
    dirty = keys if keys is not None else [row[0] for row in
                                           database.execute_sql(f"SELECT contact_autokey FROM {DIRTY_TABLE}")]
    cursor = database.cursor()
    for start in range(0, len(dirty), 500):
        chunk = dirty[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = [tuple(row) for row in database.execute_sql(
            f"SELECT autokey, given_name, family_name FROM contact WHERE autokey IN ({marks})", chunk)]
        found = {row[0] for row in rows}
        gone = [(key,) for key in chunk if key not in found]
        if gone:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(key,) for key in _present(
                [key for key, in gone])])
            cursor.executemany(f"DELETE FROM {KEY_TABLE} WHERE contact_autokey = ?", gone)
        index_names([(key, given or "", family or "") for key, given, family in rows])
        database.execute_sql(f"DELETE FROM {DIRTY_TABLE} WHERE contact_autokey IN ({marks})", chunk)


def index_names(entries: list[tuple[int, str, str]], *, fresh: bool = False) -> None:
    """Write the name index for (autokey, given name, family name) rows: 2 executemany calls.

    Existing entries of these keys are replaced (`fresh=True` when none can exist,
    e.g. a bulk load into an empty store, skips the lookup).
    """
    _insert_entries([(key, *entry(given, family)) for key, given, family in entries], fresh=fresh)


def _insert_entries(rows: list, *, fresh: bool = False) -> None:
    """Write `(autokey, first key, last key, first lexemes, last lexemes)` rows (old entries replaced)."""
    if not rows:
        return
    cursor = database.cursor()
    if not fresh:
        present = _present([row[0] for row in rows])
        if present:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(key,) for key in present])
    cursor.executemany(f"INSERT OR REPLACE INTO {KEY_TABLE}(contact_autokey, first_key, last_key) "
                       "VALUES (?, ?, ?)", [row[:3] for row in rows])
    cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, first, last) VALUES (?, ?, ?)",
                       [(row[0], row[3], row[4]) for row in rows])


def _present(keys: list[int]) -> list[int]:
    """The keys that have an entry in the (contentless) FTS table, from its docsize shadow table."""
    found: list[int] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.extend(row[0] for row in database.execute_sql(
            f"SELECT id FROM {FTS_TABLE}_docsize WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return found


@lru_cache(maxsize=1 << 16)
def _name_entry(text: str) -> tuple[str, str]:
    """A name's folded sort key and hex lexeme document (names repeat a lot: cached)."""
    return fold(text), _document(text)


def reset_for_bulk_load() -> None:
    """Empty the name index (the store has no contacts): lingering entries of deleted cards go."""
    database.execute_sql(f"DELETE FROM {KEY_TABLE}")
    database.execute_sql(f"DELETE FROM {DIRTY_TABLE}")
    database.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")


# Triggers a bulk load into an empty store may drop (it indexes every card itself).
MARK_TRIGGERS = ("folio_contact_ai", "folio_contact_au")


def fts_match(column: str, tokens_by_word: list[list[tuple[str, bool]]], mode: str) -> str | None:
    """An FTS5 query (on hex lexemes) selecting a superset of the FOLIO full-text hits.

    None when no useful index query exists. A phrase becomes an FTS5 phrase when only
    its last token is truncated (FTS5 allows `*` only there), else an AND of tokens.
    """
    def phrase(tokens: list[tuple[str, bool]]) -> str:
        if all(not prefix for _, prefix in tokens[:-1]):
            body = " ".join(hex_token(lexeme) for lexeme, _ in tokens)
            return f'"{body}"' + ("*" if tokens[-1][1] else "")
        return " AND ".join(f'"{hex_token(lexeme)}"' + ("*" if prefix else "") for lexeme, prefix in tokens)

    words = [word for word in tokens_by_word if word]
    if not words:
        return None
    if mode == "phrase":
        body = phrase([token for word in words for token in word])
    else:
        glue = " AND " if mode == "and" else " OR "
        body = glue.join(f"({phrase(word)})" for word in words)
    return f"{column} : ({body})"


def fts_exact(tokens_by_word: list[list[tuple[str, bool]]], mode: str) -> bool:
    """Whether `fts_match` selects exactly the full-text hits (tsearch.matches), not a superset.

    It does when every phrase it builds is an FTS5 phrase (only its last token truncated):
    the FTS5 document is the field's lexemes in order, so an FTS5 phrase (or prefix
    phrase) is the same test as tsearch's consecutive (prefix) lexemes; AND/OR of words
    are `all`/`any`. The caller joins the hits with existing contacts (entries of
    deleted cards may linger).
    """
    def is_phrase(tokens: list[tuple[str, bool]]) -> bool:
        return all(not prefix for _, prefix in tokens[:-1])

    words = [word for word in tokens_by_word if word]
    if not words:
        return False
    if mode == "phrase":
        return is_phrase([token for word in words for token in word])
    return all(is_phrase(word) for word in words)


def pending() -> bool:
    """Whether existing cards wait in `folio_dirty` (the test `sync()` starts with), in one probe.

    CROSS JOIN makes the (normally empty) mark table drive the join: left to itself,
    SQLite's planner scans the contact table instead (60 ms at 1M cards).
    """
    if not is_sqlite():
        return False
    return database.execute_sql(f"SELECT 1 FROM {DIRTY_TABLE} d CROSS JOIN contact c "
                                "ON c.autokey = d.contact_autokey LIMIT 1").fetchone() is not None
