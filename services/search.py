"""Full-text search over cards, behind one interface (FTS5 on SQLite).

Dialects ask for autokeys matching a query; they never write MATCH syntax
themselves. The index is kept in step by `services.contacts` on every write.
PostgreSQL gets its own implementation behind the same functions (issue 7);
until then text search there falls back to the dialects' indexed filters.
"""
from __future__ import annotations

from models.db import database, is_sqlite

FTS_TABLE = "contact_fts"


# Columns of the FTS5 table, in order. Dialect query modules may target single columns
# (e.g. `{given_name family_name}: "smi"*`); the tokenizer folds case and accents.
FTS_COLUMNS = ("given_name", "family_name", "other_names", "emails", "phones")


def _document(card: dict) -> tuple[str, ...]:
    other = " ".join(filter(None, (card.get("display_name"), card.get("prefix"),
                                   card.get("middle_name"), card.get("suffix"))))
    emails = " ".join(e["value"] for e in card.get("emails", []))
    phones = " ".join(p["value"] for p in card.get("phones", []))
    return card.get("given_name") or "", card.get("family_name") or "", other, emails, phones


def index_card(card: dict) -> None:
    """(Re)index one card; called inside the card's write transaction."""
    if not is_sqlite():
        return
    database.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (card["autokey"],))
    database.execute_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        (card["autokey"], *_document(card)))


def remove_card(autokey: int) -> None:
    """Drop a deleted card from the index."""
    if not is_sqlite():
        return
    database.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (autokey,))


def quote_term(term: str) -> str:
    """A user's word as an FTS5 string literal (no operator can be injected)."""
    return '"' + term.replace('"', '""') + '"'


def match_autokeys(fts_query: str, limit: int | None = None) -> list[int]:
    """Autokeys of cards matching an FTS5 query built with `quote_term`, ascending."""
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid"
    params: list = [fts_query]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row[0] for row in database.execute_sql(sql, params)]
