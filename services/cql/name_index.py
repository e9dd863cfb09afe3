"""The name index FOLIO searches use: folded sort keys (B-tree) and PostgreSQL lexemes (FTS5).

SQLite's own tokenizers cannot reproduce RMB's `lower(f_unaccent(...))` (they keep
ø, ß, æ, ł...) nor PostgreSQL's lexemes (`fury-smith` + `fury` + `smith`), so the
lexemes are computed here and stored hex-encoded (hex keeps prefixes, so right
truncation stays an FTS5 prefix query). Triggers (built-in SQL only, so every
connection can write contacts) mark changed cards in `folio_dirty`; every card
write through services.contacts indexes them at once, in its own transaction (an
indexer registered with services.search), so searches normally find nothing to do.
`sync()` before a search is the safety net for writers that bypass the services.
Entries of deleted cards may linger in `folio_fts`: harmless, candidates are only
a superset (the exact predicate runs on existing rows) and a re-used rowid is
replaced before it is indexed again.

PostgreSQL needs none of this: its indexes are expression indexes (migration 0201).
"""
from __future__ import annotations

from models.db import database, is_sqlite, run_write
from services import search

from .tsearch import fold, lexemes

KEY_TABLE = "folio_key"
FTS_TABLE = "folio_fts"
DIRTY_TABLE = "folio_dirty"


def hex_token(lexeme: str) -> str:
    """A lexeme as an FTS5 token that keeps prefix relations (UTF-8 hex)."""
    return lexeme.encode("utf-8").hex()


def _document(text: str) -> str:
    return " ".join(hex_token(lexeme) for lexeme in lexemes(fold(text.replace("&", ","))))


def sync() -> None:
    """Index cards changed behind the services' back (usually none: one probe, no write)."""
    if not is_sqlite():
        return
    # Marks of deleted cards are left for the next write: a search need not write for them.
    pending = database.execute_sql(f"SELECT 1 FROM {DIRTY_TABLE} d JOIN contact c "
                                   "ON c.autokey = d.contact_autokey LIMIT 1").fetchone()
    if pending is not None:
        run_write(_sync)


def _index_written(cards: list[dict]) -> None:
    """services.search indexer: flush the marks the triggers just made, in the write transaction."""
    if is_sqlite():
        _sync()


search.register_indexer(_index_written)


def _sync() -> None:
    dirty = [row[0] for row in database.execute_sql(f"SELECT contact_autokey FROM {DIRTY_TABLE}")]
    for start in range(0, len(dirty), 500):
        chunk = dirty[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows = {row[0]: row for row in database.execute_sql(
            f"SELECT autokey, given_name, family_name FROM contact WHERE autokey IN ({marks})", chunk)}
        for key in chunk:
            database.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (key,))
            row = rows.get(key)
            if row is None:
                database.execute_sql(f"DELETE FROM {KEY_TABLE} WHERE contact_autokey = ?", (key,))
                continue
            _, given, family = row
            database.execute_sql(
                f"INSERT OR REPLACE INTO {KEY_TABLE}(contact_autokey, first_key, last_key) VALUES (?, ?, ?)",
                (key, fold(given or ""), fold(family or "")))
            database.execute_sql(f"INSERT INTO {FTS_TABLE}(rowid, first, last) VALUES (?, ?, ?)",
                                 (key, _document(given or ""), _document(family or "")))
        database.execute_sql(f"DELETE FROM {DIRTY_TABLE} WHERE contact_autokey IN ({marks})", chunk)


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
