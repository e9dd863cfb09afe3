"""cql2pgjson's `==`/`<>` (SQL LIKE on lower(f_unaccent(...))) and raw comparisons."""
from __future__ import annotations

import re
from functools import lru_cache

from .tsearch import fold


def cql_like_parts(term: str) -> list[tuple[str, str]]:
    """The term as ("lit", text) / ("any", "") / ("one", "") parts (cql2like's rules).

    `*` is any run, `?` one character, a backslash masks the next character, a
    lone trailing backslash matches a backslash; `%` and `_` are literal.
    """
    parts: list[tuple[str, str]] = []
    backslash = False
    for c in term:
        if backslash:
            parts.append(("lit", c))
            backslash = False
        elif c == "\\":
            backslash = True
        elif c == "*":
            parts.append(("any", ""))
        elif c == "?":
            parts.append(("one", ""))
        else:
            parts.append(("lit", c))
    if backslash:
        parts.append(("lit", "\\"))
    return parts


@lru_cache(maxsize=512)
def like_regex(term: str) -> re.Pattern:
    """A regex equal to `lower(f_unaccent(v)) LIKE lower(f_unaccent(cql2like(term)))`."""
    pieces = []
    for kind, text in cql_like_parts(term):
        if kind == "any":
            pieces.append(".*")
        elif kind == "one":
            pieces.append(".")
        else:
            pieces.append(re.escape(fold(text)))
    return re.compile("".join(pieces), re.DOTALL)


def like_pattern(term: str) -> str:
    """`lower(f_unaccent(cql2like(term)))` as a SQL LIKE pattern (backslash escapes)."""
    out = []
    for kind, text in cql_like_parts(term):
        if kind == "any":
            out.append("%")
        elif kind == "one":
            out.append("_")
        else:
            out.extend("\\" + c if c in "\\%_" else c for c in fold(text))
    return "".join(out)


def like(value: str | None, term: str) -> bool | None:
    """Whole-value match with wildcards, case- and accent-insensitive (None if missing)."""
    if value is None:
        return None
    return like_regex(term).fullmatch(fold(value)) is not None


def literal_prefix(term: str) -> tuple[str, bool]:
    """The folded literal text before the first wildcard, and whether the term has none."""
    out = []
    for kind, text in cql_like_parts(term):
        if kind != "lit":
            return fold("".join(out)), False
        out.append(text)
    return fold("".join(out)), True


def compare_literal(term: str) -> str:
    """The SQL literal `<`, `>`, `<=`, `>=` compare against: cql2like(term), unfolded.

    cql2pgjson puts the LIKE form into the comparison, so `*` becomes `%` there too.
    """
    out = []
    backslash = False
    for c in term:
        if c == "\\":
            if backslash:
                out.append("\\\\")
                backslash = False
                continue
        elif c in "%_":
            out.append("\\" + c)
        elif c == "?":
            out.append("\\?" if backslash else "_")
        elif c == "*":
            out.append("\\*" if backslash else "%")
        else:
            out.append(c)
        backslash = c == "\\"
    if backslash:
        out.append("\\\\")
    return "".join(out)
