"""The UI's one search box: names, emails and phones, newest cards first, paged by keyset.

The hits are MPDX's `wildcard_search`, from the same search service
(`services.search.substring_hits_source`): every name word a substring of the name, or
the whole text inside an email or phone, read from the trigram index.

Pages are keyset pages on the card's autokey, descending: the next page asks for keys
below the last one shown, straight from the index (FTS5 walks its doclist by rowid and
stops after a page), so page 1,000 costs what page 1 does at any size.
The first page reads up to COUNT_LIMIT + 1 keys in the same pass, which gives the count
("more than 1,000" is all a person needs; an exact count of a broad search at a million
cards costs tens of milliseconds); later pages count nothing and know their position
from the cursor (the last autokey shown and how many cards came before: the position is
only shown, never used to skip rows).
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from models import Contact
from models.connect import database

from .. import search
from ..contacts import cards_by_autokeys
from ..errors import Invalid

PAGE_SIZE = 25
COUNT_LIMIT = 1000
MAX_QUERY_CHARS = 200
# A one-character query matches a large part of any big address book, and a trigram index
# cannot narrow it (MPDX scans the stored texts for it): the UI does not run it.
MIN_QUERY_CHARS = 2


@dataclass
class SearchPage:
    """One page of hits: the cards, the next page's cursor (None on the last), what the page shows.

    The count is known on the first page only (at most COUNT_LIMIT + 1); later pages know
    their position from the cursor.
    """

    cards: list[dict]
    next_cursor: str | None
    count: int | None  # first page: matches counted, at most COUNT_LIMIT + 1; later pages: None
    more_than: bool = False  # the count stopped at the limit
    first: int = 1  # the position of the page's first card
    too_short: bool = False  # one letter or digit: not searched (see MIN_QUERY_CHARS)

    @property
    def count_text(self) -> str:
        """'3 cards', '1 card', 'more than 1,000 cards'; on later pages 'cards 26 to 50'."""
        if self.count is None:
            return f"cards {self.first:,} to {self.first + len(self.cards) - 1:,}" if self.cards else "no more cards"
        if self.more_than:
            return f"more than {COUNT_LIMIT:,} cards"
        return f"{self.count:,} card" + ("" if self.count == 1 else "s")


def encode_cursor(autokey: int, shown: int) -> str:
    """The opaque cursor of the page after the card with `autokey`, `shown` cards having been shown."""
    return base64.urlsafe_b64encode(f"k{autokey}.{shown}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(autokey, cards shown before) of a cursor; Invalid when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    key, _, shown = text[1:].partition(".")
    if not text.startswith("k") or not key.isdigit() or not shown.isdigit() or len(text) > 40:
        raise Invalid("This page link is not valid any more; the search starts again from the first page")
    return int(key), int(shown)


_PHONE_LIKE = re.compile(r"[\d\s()+./-]*\d[\d\s()+./-]*")


def as_searched(text: str) -> str:
    """What the search service is asked: a phone number as typed ("+1 555 010-1") becomes its
    digits, as phone numbers are searched (people type spaces and dashes, the index has none)."""
    if _PHONE_LIKE.fullmatch(text.strip()):
        return re.sub(r"\D", "", text)
    return text


def search_cards(text: str, cursor: str | None = None, limit: int = PAGE_SIZE) -> SearchPage:
    """One page of the cards matching `text` (every card when it is blank), newest first.

    The first page reads up to COUNT_LIMIT + 1 keys in one statement (the page and the
    count from one pass over the index); a later page reads `limit` + 1 keys below its cursor.
    """
    text = (text or "")[:MAX_QUERY_CHARS]
    before, shown = decode_cursor(cursor) if cursor else (None, 0)
    if text.strip():
        if len("".join(search.words(text))) < MIN_QUERY_CHARS:
            return SearchPage([], None, 0, too_short=True)
        source = search.substring_hits_source(as_searched(text))
        if source is None:
            return SearchPage([], None, 0)

        def read(wanted: int) -> list[int]:
            return _hit_keys(source, before, wanted)
    else:
        def read(wanted: int) -> list[int]:
            return _all_keys(before, wanted)
    keys = read(limit + 1 if before is not None else max(limit, COUNT_LIMIT) + 1)
    more = len(keys) > limit
    cards = cards_by_autokeys(keys[:limit])
    next_cursor = encode_cursor(keys[limit - 1], shown + limit) if more else None
    if before is not None:
        return SearchPage(cards, next_cursor, None, first=shown + 1)
    return SearchPage(cards, next_cursor, min(len(keys), COUNT_LIMIT + 1), len(keys) > COUNT_LIMIT)


def _mark() -> str:
    return database.param


class Statement:
    """Fixed SQL text with its parameters (what models.plans.query_plan and execute_sql take)."""

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


def _all_keys(before: int | None, limit: int) -> list[int]:
    query = Contact.select(Contact.autokey).order_by(Contact.autokey.desc()).limit(limit)
    if before is not None:
        query = query.where(Contact.autokey < before)
    return [row[0] for row in query.tuples()]
