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
    prefix, shape = literal_shape(term)
    return prefix, shape == "literal"


def literal_shape(term: str) -> tuple[str, str]:
    """The folded literal text before the first wildcard, and the term's shape: "literal"
    (no wildcard), "prefix" (only `*` after the text) or "other".

    Folded character by character, exactly as `like_regex` folds the pattern.
    """
    parts = cql_like_parts(term)
    literal = 0
    while literal < len(parts) and parts[literal][0] == "lit":
        literal += 1
    prefix = "".join(fold(text) for _, text in parts[:literal])
    if literal == len(parts):
        return prefix, "literal"
    return prefix, "prefix" if all(kind == "any" for kind, _ in parts[literal:]) else "other"


def successor(prefix: str) -> str | None:
    """The least string greater than every string starting with `prefix` (in code point
    order, which is SQLite's byte order of UTF-8); None past U+10FFFF."""
    last = ord(prefix[-1])
    if last == 0x10FFFF:
        return None
    return prefix[:-1] + chr(0xE000 if last == 0xD7FF else last + 1)  # (surrogates never occur in text)


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
