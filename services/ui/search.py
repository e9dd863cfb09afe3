"""The UI's one search box: names, emails and phones, newest cards first, paged by keyset.

The expression is MPDX's `wildcard_search` over the shared full-text index
(`services.search`): every name word (a word prefix), or the whole text inside an
email or phone. Whatever `services.search` does with a `Term` (word prefixes today),
the UI does too.

Pages are keyset pages on the card's autokey, descending: the next page asks for keys
below the last one shown, straight from the full-text index (FTS5 walks its doclist
by rowid and stops after a page), so page 1,000 costs what page 1 does at any size.
Counting stops at COUNT_LIMIT: "more than 1,000" is all a person needs, and an exact
count of a broad search at a million cards costs tens of milliseconds per page.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from models import Contact
from models.db import database

from .. import search
from ..contacts import cards_by_autokeys
from ..errors import Invalid

PAGE_SIZE = 25
COUNT_LIMIT = 1000
MAX_QUERY_CHARS = 200


@dataclass
class SearchPage:
    """One page of hits: the cards, the cursor of the next page (None on the last), a capped count."""

    cards: list[dict]
    next_cursor: str | None
    count: int  # matches counted, at most COUNT_LIMIT + 1
    more_than: bool  # count stopped at the limit

    @property
    def count_text(self) -> str:
        """'3 cards', '1 card', 'more than 1,000 cards'."""
        if self.more_than:
            return f"more than {COUNT_LIMIT:,} cards"
        return f"{self.count:,} card" + ("" if self.count == 1 else "s")


def encode_cursor(autokey: int) -> str:
    """The opaque cursor of the page after the card with `autokey`."""
    return base64.urlsafe_b64encode(f"k{autokey}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> int:
    """The autokey a cursor stands for; Invalid when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("k") or not text[1:].isdigit() or len(text) > 20:
        raise Invalid("This page link is not valid any more; the search starts again from the first page")
    return int(text[1:])


def search_expression(text: str):
    """The services.search expression of the search box (None: no searchable word)."""
    term = text.strip().lower()
    tokens = [t for t in term.replace(",", " ").replace("-", " ").split() if search.words(t)]
    if not tokens:
        return None
    if len(tokens) == 1 and search.words(tokens[0]) == search.words(term):
        return search.Term(tokens[0], prefix=True, columns=search.NAME_COLUMNS + ("emails", "phones"))
    return search.Any((
        search.All(tuple(search.Term(t, prefix=True, columns=search.NAME_COLUMNS) for t in tokens)),
        search.Term(term, prefix=True, columns=("emails", "phones")),
    ))


def search_cards(text: str, cursor: str | None = None, limit: int = PAGE_SIZE) -> SearchPage:
    """One page of the cards matching `text` (every card when it is blank), newest first."""
    text = (text or "")[:MAX_QUERY_CHARS]
    before = decode_cursor(cursor) if cursor else None
    if not text.strip():
        keys, count = _all_keys(before, limit + 1), _count_all()
    else:
        expr = search_expression(text)
        source = search.hits_source(expr) if expr is not None else None
        if source is None:
            return SearchPage([], None, 0, False)
        keys, count = _hit_keys(source, before, limit + 1), _count_hits(source)
    more = len(keys) > limit
    keys = keys[:limit]
    cards = cards_by_autokeys(keys)
    return SearchPage(cards, encode_cursor(keys[-1]) if more and keys else None,
                      min(count, COUNT_LIMIT + 1), count > COUNT_LIMIT)


def _mark() -> str:
    return database.param


class Statement:
    """Fixed SQL text with its parameters (what models.db.query_plan and execute_sql take)."""

    def __init__(self, text: str, params: list) -> None:
        self.text, self.params = text, params

    def sql(self) -> tuple[str, list]:
        """The SQL text and its parameters."""
        return self.text, self.params


def hits_page_statement(source: tuple[str, list], before: int | None, limit: int) -> Statement:
    """Keys of hits below `before` (all when None), descending, read from the full-text index alone."""
    hits_sql, params = source
    mark = _mark()
    below = f"WHERE k < {mark} " if before is not None else ""
    sql = (f"WITH hits(k) AS NOT MATERIALIZED {hits_sql} "
           f"SELECT k FROM hits {below}ORDER BY k DESC LIMIT {mark}")
    return Statement(sql, [*params, *([before] if before is not None else []), limit])


def _hit_keys(source: tuple[str, list], before: int | None, limit: int) -> list[int]:
    return [row[0] for row in database.execute_sql(*hits_page_statement(source, before, limit).sql())]


def _count_hits(source: tuple[str, list]) -> int:
    hits_sql, params = source
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {hits_sql} AS h LIMIT {_mark()}) AS capped"
    return database.execute_sql(sql, [*params, COUNT_LIMIT + 1]).fetchone()[0]


def _all_keys(before: int | None, limit: int) -> list[int]:
    query = Contact.select(Contact.autokey).order_by(Contact.autokey.desc()).limit(limit)
    if before is not None:
        query = query.where(Contact.autokey < before)
    return [row[0] for row in query.tuples()]


def _count_all() -> int:
    capped = Contact.select(Contact.autokey).limit(COUNT_LIMIT + 1)
    return database.execute_sql(f"SELECT count(*) FROM ({capped.sql()[0]}) AS capped", capped.sql()[1]).fetchone()[0]
