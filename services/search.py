"""Full-text search over cards, behind one interface: FTS5 on SQLite, tsvector on PostgreSQL.

Dialects describe what they look for with `Term`, `All` and `Any` and get back a Peewee
condition on `Contact.autokey` (`matches(expr)`); they never write MATCH or tsquery
syntax, so user input can never become query syntax and both engines answer alike.
The index is kept in step by `services.contacts` on every write (and by bulk imports).

Both engines tokenise like SQLite's `unicode61 remove_diacritics 2`: words are runs of
letters and digits, compared without case and accents; `prefix=True` is right
truncation of the last word; several words in one Term must appear consecutively.

Substring search (`search_cards`, `substring_hits_source`; semantics and plans in
services.substring) has its own trigram index, kept in the same writes.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from peewee import SQL

from models.connect import database, is_sqlite

from . import substring

FTS_TABLE = "contact_fts"  # SQLite FTS5 virtual table (rowid = contact autokey)
PG_TABLE = "contact_search"  # PostgreSQL table of tsvector columns (autokey primary key)

# Indexed columns, in order. Terms may target any subset.
FTS_COLUMNS = ("given_name", "family_name", "other_names", "emails", "phones")
NAME_COLUMNS = ("given_name", "family_name", "other_names")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """Words that must appear consecutively in one of `columns` (last word truncated if `prefix`)."""

    text: str
    prefix: bool = False
    columns: tuple[str, ...] = FTS_COLUMNS


@dataclass(frozen=True)
class All:
    """Every part must match."""

    parts: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Any:
    """At least one part must match."""

    parts: tuple = field(default_factory=tuple)


def fold(text: str) -> str:
    """Lower-case, accent-free text (what the tokenizer compares)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The index's words of a text (unicode61-like: letters and digits, folded)."""
    return _WORD.findall(fold(text))


def _document(card: dict) -> tuple[str, ...]:
    other = " ".join(filter(None, (card.get("display_name"), card.get("prefix"),
                                   card.get("middle_name"), card.get("suffix"))))
    emails = " ".join(e["value"] for e in card.get("emails", []))
    phones = " ".join(p["value"] for p in card.get("phones", []))
    return card.get("given_name") or "", card.get("family_name") or "", other, emails, phones


# ---------------------------------------------------------------- keeping the index

# Extra indexes kept in the same write transaction (e.g. FOLIO's name index), and
# whether each also wants the cards just created (False: it finds them by itself later).
_indexers: dict[Callable[[list[dict]], None], bool] = {}


def register_indexer(fn: Callable[[list[dict]], None], *, new_cards: bool = True) -> None:
    """Have `fn(cards)` called, in the write transaction, whenever cards are (re)indexed.

    `new_cards=False`: not for cards just created (an index that catches up with new
    cards in batches, as FOLIO's name index does from its marks).
    """
    _indexers.setdefault(fn, new_cards)


def index_card(card: dict) -> None:
    """(Re)index one card; called inside the card's write transaction."""
    index_cards([card], replace=True)


def index_cards(cards: list[dict], replace: bool = False) -> None:
    """Index cards: changed ones (`replace`: old entries dropped first) or just created ones."""
    if not cards:
        return
    for indexer, new_cards in _indexers.items():
        if replace or new_cards:
            indexer(cards)
    write_documents([(card["autokey"], *document(card)) for card in cards], replace)


def document(card: dict) -> tuple[str, ...]:
    """A card's texts for both indexes: FTS_COLUMNS, then substring.COLUMNS (no database needed:
    import workers call it)."""
    return (*_document(card), *substring.texts(card))


def indexers() -> tuple[Callable[[list[dict]], None], ...]:
    """The registered extra indexers (bulk imports run those they cannot feed precomputed rows)."""
    return tuple(_indexers)


_WORDS = slice(1, 1 + len(FTS_COLUMNS))
_SUBSTRINGS = slice(1 + len(FTS_COLUMNS), 1 + len(FTS_COLUMNS) + len(substring.COLUMNS))


def write_documents(rows: list, replace: bool = False) -> None:
    """Write index rows `(autokey, *document(card))` to both indexes (the registered indexers are not run)."""
    if not rows:
        return
    if is_sqlite():
        cursor = database.cursor()
        keys = [(row[0],) for row in rows]
        if replace:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", keys)
            cursor.executemany(f"DELETE FROM {substring.TABLE} WHERE rowid = ?", keys)
        cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                           [(row[0], *row[_WORDS]) for row in rows])
        cursor.executemany(f"INSERT INTO {substring.TABLE}(rowid, {', '.join(substring.COLUMNS)}) "
                           f"VALUES (?, ?, ?, ?, ?)", [(row[0], *row[_SUBSTRINGS]) for row in rows])
        return
    vectors = ", ".join("to_tsvector('simple', %s)" for _ in FTS_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in FTS_COLUMNS)
    sql = (f"INSERT INTO {PG_TABLE} (autokey, {', '.join(FTS_COLUMNS)}) VALUES (%s, {vectors}) "
           f"ON CONFLICT (autokey) DO UPDATE SET {updates}")
    texts = ", ".join(substring.COLUMNS)
    text_updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in substring.COLUMNS)
    text_sql = (f"INSERT INTO {substring.TABLE} (autokey, {texts}) VALUES (%s, %s, %s, %s, %s) "
                f"ON CONFLICT (autokey) DO UPDATE SET {text_updates}")
    for row in rows:
        database.execute_sql(sql, (row[0], *(" ".join(words(text)) for text in row[_WORDS])))
    database.cursor().executemany(text_sql, [(row[0], *row[_SUBSTRINGS]) for row in rows])


def remove_card(autokey: int) -> None:
    """Drop a deleted card from the indexes (PostgreSQL rows go with the card by cascade)."""
    if is_sqlite():
        database.execute_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (autokey,))
        database.execute_sql(f"DELETE FROM {substring.TABLE} WHERE rowid = ?", (autokey,))


# ---------------------------------------------------------------- querying

def quote_term(term: str) -> str:
    """A user's words as an FTS5 string literal (no operator can be injected)."""
    return '"' + term.replace('"', '""') + '"'


def _fts5(expr) -> str | None:
    if isinstance(expr, Term):
        if not words(expr.text):
            return None
        literal = quote_term(" ".join(words(expr.text)))
        return f"({{{' '.join(expr.columns)}}} : {literal}{' *' if expr.prefix else ''})"
    parts = [p for p in (_fts5(part) for part in expr.parts) if p is not None]
    if not parts:
        return None
    return "(" + (" AND " if isinstance(expr, All) else " OR ").join(parts) + ")"


def _tsquery(term: Term) -> str:
    tokens = words(term.text)
    rendered = [f"'{t}'" for t in tokens]  # words are letters/digits only: no quoting issues
    if term.prefix:
        rendered[-1] += ":*"
    return " <-> ".join(rendered)


def _pg(expr, params: list) -> str | None:
    if isinstance(expr, Term):
        if not words(expr.text):
            return None
        params.extend([_tsquery(expr)] * len(expr.columns))
        return "(" + " OR ".join(f"s.{c} @@ to_tsquery('simple', %s)" for c in expr.columns) + ")"
    parts = [p for p in (_pg(part, params) for part in expr.parts) if p is not None]
    if not parts:
        return None
    return "(" + (" AND " if isinstance(expr, All) else " OR ").join(parts) + ")"


def hits_source(expr) -> tuple[str, list] | None:
    """`(SELECT <autokey> ...)` of the cards matching `expr`, with its parameters; None if it matches nothing.

    On SQLite the text is the same for every expression (only the parameter differs).
    """
    if is_sqlite():
        query = _fts5(expr)
        if query is None:
            return None
        return f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)", [query]
    params: list = []
    condition = _pg(expr, params)
    if condition is None:
        return None
    return f"(SELECT s.autokey FROM {PG_TABLE} s WHERE {condition})", params


def count_matches(expr) -> int:
    """How many cards match `expr`, counted in the full-text index alone (no contact row is read)."""
    source = hits_source(expr)
    if source is None:
        return 0
    sql, params = source
    return database.execute_sql(f"SELECT count(*) FROM {sql} AS hits", params).fetchone()[0]


def matches(expr):
    """A condition on `Contact.autokey` selecting the cards that match `expr`.

    An expression with no searchable word matches nothing.
    """
    from models import Contact

    source = hits_source(expr)
    if source is None:
        return Contact.autokey.in_([])
    return Contact.autokey.in_(SQL(*source))


def match_autokeys(expr, limit: int | None = None) -> list[int]:
    """Autokeys of the cards matching `expr`, ascending."""
    from models import Contact

    query = Contact.select(Contact.autokey).where(matches(expr)).order_by(Contact.autokey)
    if limit is not None:
        query = query.limit(limit)
    return [row[0] for row in query.tuples()]


# ---------------------------------------------------------------- substring search

# The statement of most substring searches (only its MATCH parameter differs).
SUBSTRING_MATCH_SQL = f"(SELECT rowid FROM {substring.TABLE} WHERE {substring.TABLE} MATCH ?)"


def _vocabulary(low: str, high: str, columns: tuple[str, ...]) -> list[str]:
    marks = ", ".join("?" for _ in columns)
    return [row[0] for row in database.execute_sql(
        f"SELECT DISTINCT term FROM {substring.VOCAB_TABLE} WHERE term >= ? AND term < ? AND col IN ({marks})",
        (low, high, *columns))]


def substring_hits_source(term: str) -> tuple[str, list] | None:
    """`(SELECT <autokey> ...)` of the cards matching `term` by substring (see `search_cards`), with
    its parameters; None for a blank term (no filter). A term that can match nothing gives a
    statement that selects nothing."""
    parsed = substring.parse_term(term)
    if parsed is None:
        return None
    hits = substring.sqlite_hits(parsed, _vocabulary) if is_sqlite() else substring.postgres_hits(parsed)
    return hits.sql, list(hits.params)


def count_substring_matches(term: str) -> int:
    """How many cards `search_cards(term)` finds, counted in the substring index alone."""
    source = substring_hits_source(term)
    if source is None:
        return 0
    return database.execute_sql(f"SELECT count(*) FROM {source[0]} AS hits", source[1]).fetchone()[0]


def substring_condition(term: str):
    """A condition on `Contact.autokey` selecting the cards `search_cards(term)` finds (None: blank term)."""
    from models import Contact

    source = substring_hits_source(term)
    return None if source is None else Contact.autokey.in_(SQL(*source))


def search_cards(term: str, limit: int = 25, offset: int = 0) -> tuple[int, list[int]]:
    """Search cards by a free-text term: (how many match, the autokeys of one page, ascending).

    Substring semantics, case-insensitive, accents kept (services.substring has the
    details and the index plans): commas and hyphens in the term become spaces and every
    resulting word must be part of the card's name ("Family, Given", else the display
    name), or each word part of its given or its family name; or the whole term is part of
    one of its email addresses, or of one of its phone numbers written as digits only
    ("+1 514 122-4362" is searched as "+15141224362", so pass digits for phone
    fragments). `%` and `_` are wildcards. A blank term matches nothing here (for MPDX
    it means "no filter").
    """
    source = substring_hits_source(term)
    if source is None:
        return 0, []
    sql, params = source
    total = database.execute_sql(f"SELECT count(*) FROM {sql} AS hits", params).fetchone()[0]
    marker = database.param
    keys = [row[0] for row in database.execute_sql(
        f"SELECT * FROM {sql} AS hits ORDER BY 1 LIMIT {marker} OFFSET {marker}", [*params, limit, offset])]
    return total, keys
