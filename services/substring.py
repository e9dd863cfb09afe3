"""Substring search over cards' names, emails and phones: terms, index texts and their SQL.

The semantics are MPDX's `filter[wildcard_search]` (upstream `ILIKE '%x%'` conditions):
the term is stripped and lower-cased; commas and hyphens become spaces and the result
is split on ASCII whitespace into name tokens. A card matches when

- every token is a substring of its name ("Family, Given", else the display name), or
- every token is a substring of its given name or of its family name (each token on
  its own: one may hit the given name, another the family name), or
- the whole term is a substring of one of its email addresses, or of one of its phone
  numbers in digits-only form (`+` kept in front: "+1 514 122-4362" is "+15141224362").

Case is ignored (Python's `str.lower` on both sides), accents are not (`jose` does not
find José). `%` and `_` are LIKE wildcards and `\\` escapes the next character, as in
PostgreSQL's ILIKE; a lone trailing backslash is a literal one.

Index (`contact_trigram`): per card four lower-cased texts, `name`, `name_parts`
(given and family name, left empty when both are set: then every token found there is
in `name` too), `emails` and `phones`; the values of a text are joined by a line break
and a text with values ends in two line breaks. SQLite indexes them with FTS5's
`trigram` tokenizer, PostgreSQL with pg_trgm GIN indexes.

How a term is answered on SQLite (PostgreSQL's planner picks its own plan over the
GIN indexes and LIKE; it rechecks every candidate itself):

- A literal part of 3+ characters is an FTS5 phrase of its trigrams. Phrase positions
  make the phrase an exact substring test, so a term made of such parts needs no
  recheck and reads no contact row.
- A part of exactly 2 characters is expanded to the indexed trigrams that begin with
  it (the index's vocabulary, `contact_trigram_vocab`): every text ends in two line
  breaks, so every occurrence of 2 characters begins a trigram. Still an index read.
- A term none of whose alternatives has a part of 2+ characters (a 1-character term,
  or wildcards between single characters) cannot use the index: its plan is one scan
  of the index table's stored texts with `instr` (no contact row, no Python per row
  for plain terms), bounded by the number of cards.
- An explicit recheck on the stored texts runs whenever the index cannot decide alone:
  wildcards, a token the index did not narrow, a line break inside the term (it could
  span two values). Wildcard patterns are checked by SQLite's LIKE on the whole text, then
  value by value (`substring_like`) where LIKE matched.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

TABLE = "contact_trigram"
VOCAB_TABLE = "contact_trigram_vocab"  # fts5vocab 'col' view of TABLE (SQLite)
COLUMNS = ("name", "name_parts", "emails", "phones")
SEPARATOR = "\n"
END = "\n\n"
# Ruby's String#strip (ASCII whitespace and NUL) and split(' ') (runs of ASCII whitespace).
_STRIPPED = " \t\n\v\f\r\0"
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_NOT_DIGIT = re.compile(r"[^0-9]")


# ---------------------------------------------------------------- index texts

def card_name(card: dict) -> str:
    """The card's one name as MPDX shows it: "Family, Given" when both are set, else the display name."""
    family, given = card.get("family_name") or "", card.get("given_name") or ""
    if family and given:
        return f"{family}, {given}"
    return card.get("display_name") or ""


def phone_digits(value: str) -> str:
    """A phone number as searched: its digits, with a leading `+` kept (upstream stores E.164)."""
    digits = _NOT_DIGIT.sub("", value or "")
    return "+" + digits if digits and (value or "").lstrip().startswith("+") else digits


def _text(values: list[str]) -> str:
    return (SEPARATOR.join(values) + END).lower() if values else ""


def texts(card: dict) -> tuple[str, str, str, str]:
    """The card's four index texts, in COLUMNS order (no database needed: import workers call it)."""
    given, family = card.get("given_name") or "", card.get("family_name") or ""
    emails = [row["value"] for row in card.get("emails") or [] if row.get("value")]
    phones = [digits for digits in (phone_digits(row.get("value")) for row in card.get("phones") or []) if digits]
    return (_text([card_name(card)]), "" if (given and family) else _text([given, family]),
            _text(emails), _text(phones))


def text_values(text: str | None) -> list[str]:
    """The values an index text holds (what each is checked against, one by one)."""
    return text[:-len(END)].split(SEPARATOR) if text else []


# ---------------------------------------------------------------- terms

@dataclass(frozen=True)
class Pattern:
    """One LIKE pattern (without the surrounding `%`), lower-case.

    `like` keeps the backslash escapes (a lone trailing backslash doubled), `literal` is
    the plain text when the pattern has no wildcard, `runs` its literal parts between wildcards.
    """

    like: str
    literal: str | None
    runs: tuple[str, ...]

    @property
    def plain(self) -> bool:
        """A literal that cannot span two values of a text (no wildcard, no line break)."""
        return self.literal is not None and SEPARATOR not in self.literal


def pattern(text: str) -> Pattern:
    """The LIKE pattern of `text` with PostgreSQL's default escape character (backslash)."""
    like: list[str] = []
    runs: list[str] = []
    run: list[str] = []
    wild = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            literal = text[i + 1] if i + 1 < len(text) else "\\"
            like.append("\\" + literal)
            run.append(literal)
            i += 2
            continue
        like.append(char)
        if char in "%_":
            wild = True
            if run:
                runs.append("".join(run))
                run = []
        else:
            run.append(char)
        i += 1
    if run:
        runs.append("".join(run))
    return Pattern("".join(like), None if wild else "".join(runs), tuple(runs))


@dataclass(frozen=True)
class Term:
    """A parsed search term: the whole term (emails, phones) and the name tokens."""

    whole: Pattern
    tokens: tuple[Pattern, ...]


def parse_term(raw: str | None) -> Term | None:
    """The term as MPDX reads it (stripped, lower-cased, tokens split at commas, hyphens and
    whitespace); None for a blank term (no filter)."""
    term = (raw or "").strip(_STRIPPED).lower()
    if not term:
        return None
    tokens = [token for token in _ASCII_WHITESPACE.split(term.replace(",", " ").replace("-", " ")) if token]
    return Term(pattern(term), tuple(pattern(token) for token in tokens))


@dataclass(frozen=True)
class Alternative:
    """Every pattern must match within one of `columns` (several columns: the same pattern in any)."""

    columns: tuple[str, ...]
    patterns: tuple[Pattern, ...]


def alternatives(term: Term) -> list[Alternative]:
    """The term's OR-ed alternatives, merged where merging keeps them exact."""
    found = []
    if term.tokens:
        if len(term.tokens) == 1 and term.tokens[0] == term.whole:
            return [Alternative(COLUMNS, (term.whole,))]  # one word: the same test in every text
        if len(term.tokens) == 1:
            found.append(Alternative(("name", "name_parts"), term.tokens))
        else:
            found.append(Alternative(("name",), term.tokens))
            found.append(Alternative(("name_parts",), term.tokens))
    # No token (e.g. "-"): no name can match (upstream's SQL breaks there); emails and phones still can.
    found.append(Alternative(("emails", "phones"), (term.whole,)))
    return found


# ---------------------------------------------------------------- SQL

@dataclass(frozen=True)
class HitsSql:
    """`(SELECT <autokey> ...)` of the matching cards, its parameters, and whether it matches nothing."""

    sql: str
    params: tuple
    empty: bool = False


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _recheck_sqlite(alternative: Alternative, params: list) -> str:
    tests = []
    for item in alternative.patterns:
        ors = []
        for column in alternative.columns:
            if item.plain:
                ors.append(f"instr({column}, ?) > 0")
                params.append(item.literal)
            else:  # SQLite's LIKE (in C) first: the value-by-value check in Python runs on its matches only
                ors.append(f"({column} LIKE ? ESCAPE '\\' AND substring_like({column}, ?))")
                params.extend([f"%{item.like}%", item.like])
        tests.append("(" + " OR ".join(ors) + ")")
    return "(" + " AND ".join(tests) + ")"


def _expansion(run: str, columns: tuple[str, ...], vocabulary) -> list[str]:
    following = run[:-1] + chr(ord(run[-1]) + 1)
    return vocabulary(run, following, columns)


def _narrowing(alternative: Alternative, vocabulary) -> tuple[str | None, bool, bool]:
    """(FTS5 query of the alternative or None, exact, nothing can match)."""
    parts, exact = [], True
    for item in alternative.patterns:
        phrases = [_fts_string(run) for run in item.runs if len(run) >= 3]
        if phrases:
            parts.append(" AND ".join(phrases))
            exact = exact and item.plain and len(item.runs) == 1
            continue
        pairs = [run for run in item.runs if len(run) == 2]
        if pairs:
            trigrams = _expansion(pairs[0], alternative.columns, vocabulary)
            if not trigrams:
                return None, True, True  # no indexed text holds these 2 characters
            parts.append("(" + " OR ".join(_fts_string(t) for t in trigrams) + ")")
            exact = exact and item.plain and len(item.runs) == 1
            continue
        exact = False  # checked against the stored texts
    if not parts:
        return None, False, False
    query = " AND ".join(parts)
    if alternative.columns == COLUMNS:
        return query, exact, False  # no column filter: one phrase test for all texts
    return "{" + " ".join(alternative.columns) + "} : (" + query + ")", exact, False


def sqlite_hits(term: Term, vocabulary) -> HitsSql:
    """The FTS5 statement for `term`; `vocabulary(low, high, columns)` lists the trigrams in [low, high)
    indexed in any of `columns`."""
    queries, exact, scan = [], True, False
    alts = alternatives(term)
    live = []
    for alternative in alts:
        query, alt_exact, nothing = _narrowing(alternative, vocabulary)
        if nothing:
            continue
        live.append(alternative)
        if query is None:
            scan = True
        else:
            queries.append(f"({query})")
            exact = exact and alt_exact
    if not live:
        return HitsSql(f"(SELECT rowid FROM {TABLE} WHERE 0)", (), empty=True)
    params: list = []
    recheck = " OR ".join(_recheck_sqlite(alternative, params) for alternative in live)
    if scan:  # the bounded plan: one pass over the stored texts
        return HitsSql(f"(SELECT rowid FROM {TABLE} WHERE {recheck})", tuple(params))
    match = " OR ".join(queries)
    if exact:
        return HitsSql(f"(SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?)", (match,))
    return HitsSql(f"(SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ? AND ({recheck}))", (match, *params))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def postgres_hits(term: Term) -> HitsSql:
    """The statement for `term` on PostgreSQL: LIKE on the lower-cased texts (pg_trgm GIN narrows, PostgreSQL rechecks)."""
    params: list = []
    alternatives_sql = []
    for alternative in alternatives(term):
        tests = []
        for item in alternative.patterns:
            ors = []
            for column in alternative.columns:
                if item.plain:
                    ors.append(f"t.{column} LIKE %s")
                    params.append(f"%{_escape_like(item.literal)}%")
                elif column == "name":  # one value: the text without its ending
                    ors.append(f"(t.{column} LIKE %s AND left(t.{column}, -2) LIKE %s)")
                    params.extend([f"%{item.like}%"] * 2)
                else:  # value by value: a wildcard must not span two values
                    ors.append(f"(t.{column} LIKE %s AND EXISTS (SELECT 1 FROM unnest(string_to_array("
                               f"left(t.{column}, -2), E'\\n')) AS v(x) WHERE v.x LIKE %s))")
                    params.extend([f"%{item.like}%"] * 2)
            tests.append("(" + " OR ".join(ors) + ")")
        alternatives_sql.append("(" + " AND ".join(tests) + ")")
    return HitsSql(f"(SELECT t.autokey FROM {TABLE} t WHERE {' OR '.join(alternatives_sql)})", tuple(params))


# ---------------------------------------------------------------- the recheck function (SQLite)

@functools.lru_cache(maxsize=256)
def _like_regex(like: str) -> re.Pattern:
    out, i = [], 0
    while i < len(like):
        char = like[i]
        if char == "\\" and i + 1 < len(like):
            out.append(re.escape(like[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("(?s).*" + "".join(out) + ".*")


def substring_like(text: str | None, like: str) -> int:
    """1 when one value of the index text `text` matches `%like%` (SQL function for SQLite)."""
    regex = _like_regex(like)
    return int(any(regex.fullmatch(value) for value in text_values(text)))
