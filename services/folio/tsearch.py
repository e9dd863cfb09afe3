"""PostgreSQL full-text search as RMB uses it, emulated in Python (docs/mapping/folio.md).

`to_tsvector('simple', lower(f_unaccent(text)))` on the document and, per word of the
CQL term, `to_tsquery('simple', f_unaccent('''word'''))` (`:*` for right truncation),
combined with `&&` (all), `||` (any) or, for `=`/`adj`, turned into one phrase with
`<->`. The tokenizer mirrors PostgreSQL's default parser for the token kinds contact
data contains (words, hyphenated words with their parts, e-mails, hosts, URLs, signed
integers, floats, versions, paths); punctuation and XML tags produce no lexemes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import validation_error
from .unaccent_rules import RULES

_LABEL = r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*"
_HOST = rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9]|-(?=[a-z0-9]))+(?![a-z0-9])"
_TOKEN = re.compile(
    rf"""(?P<tag></?[a-z][^<>]*>)
    |(?P<proto>[a-z][a-z0-9+.-]*://)
    |(?P<email>[a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?@{_HOST})
    |(?P<host>{_HOST})(?P<path>/[^\s"'<>]*)?
    |(?P<sfloat>[+-]?\d+(?:\.\d+)?e[+-]?\d+)(?![^\W_])
    |(?P<version>\d+(?:\.\d+){{2,}})
    |(?P<float>[+-]?\d+\.\d+)
    |(?P<int>[+-]\d+)(?![^\W_])
    |(?P<file>(?:[^\W_]+[.])+[^\W_]+|(?:[^\W_.-]*/)+[^\W_]+)
    |(?P<word>[^\W_]+(?:-[^\W_]+)*)
    """,
    re.VERBOSE,
)
_HAS_LETTER = re.compile(r"[^\W\d_]")


def fold(text: str) -> str:
    """lower(f_unaccent(text)): PostgreSQL's unaccent rules, then lower case."""
    return text.translate(RULES).lower()


def lexemes(text: str) -> list[str]:
    """The lexemes of `to_tsvector('simple', text)` in position order (text already folded)."""
    out: list[str] = []
    pos, n = 0, len(text)
    while pos < n:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        kind = match.lastgroup
        if kind == "path":
            kind = "host"
        groups = match.groupdict()
        pos = match.end()
        if groups["tag"]:
            continue
        if groups["proto"]:
            host = re.compile(rf"(?P<host>{_HOST})(?P<path>/[^\s\"'<>]*)?").match(text, pos)
            if host:
                _emit_host(out, host.group("host"), host.group("path"))
                pos = host.end()
            continue
        if groups["host"]:
            _emit_host(out, groups["host"], groups["path"])
        elif groups["word"]:
            _emit_words(out, groups["word"])
        else:
            out.append(match.group(0))
    return out


def _emit_host(out: list[str], host: str, path: str | None) -> None:
    if path:
        out.extend((host + path, host, path))
    else:
        out.append(host)


def _emit_words(out: list[str], run: str) -> None:
    """A hyphenated run: parts with a letter form a compound (whole, then parts);
    a letterless part after a hyphen is a signed integer, as PostgreSQL parses it."""
    parts = run.split("-")
    i = 0
    while i < len(parts):
        if not _HAS_LETTER.search(parts[i]):
            out.append(parts[i] if i == 0 else "-" + parts[i])
            i += 1
            continue
        j = i
        while j + 1 < len(parts) and _HAS_LETTER.search(parts[j + 1]):
            j += 1
        if j > i:
            out.append("-".join(parts[i:j + 1]))
            out.extend(parts[i:j + 1])
        else:
            out.append(parts[i])
        i = j + 1


# ---------------------------------------------------------------- queries

@dataclass(frozen=True)
class TsQuery:
    """A compiled CQL full-text term: per word, its (lexeme, prefix) sequence."""

    mode: str  # "phrase" | "and" | "or"
    words: tuple[tuple[tuple[str, bool], ...], ...]

    def tokens(self) -> list[tuple[str, bool]]:
        """All (lexeme, prefix) pairs of the phrase, in order."""
        return [token for word in self.words for token in word]


@lru_cache(maxsize=512)
def compile_query(term: str, relation: str) -> TsQuery:
    """Compile a CQL term for `=`/`adj` (phrase), `all` (and) or `any` (or).

    Raises the QueryValidationException texts of cql2pgjson for `?` and inner `*`.
    """
    mode = {"=": "phrase", "adj": "phrase", "all": "and", "any": "or"}[relation]
    words: list[tuple[tuple[str, bool], ...]] = []
    for raw in _split_words(term):
        text, star = raw
        tokens = tuple((lexeme, star) for lexeme in lexemes(fold(text.replace("&", ",").replace("'", ","))))
        if tokens:
            words.append(tokens)
    return TsQuery(mode, tuple(words))


def tsquery_text(term: str, relation: str) -> str | None:
    """The `to_tsquery('simple', ...)` text of RMB's tsquery_phrase/and/or for a CQL term.

    Each word is quoted for PostgreSQL's own parser (`:*` when truncated) and joined
    with `<->`, `&` or `|`; None when no word has a lexeme (the query matches nothing).
    """
    glue = {"=": " <-> ", "adj": " <-> ", "all": " & ", "any": " | "}[relation]
    quoted = []
    for raw, star in _split_words(term):
        text = fold(raw.replace("&", ",").replace("'", ","))
        if lexemes(text):
            quoted.append("'" + text.replace("\\", "\\\\") + "'" + (":*" if star else ""))
    return glue.join(quoted) or None


def _split_words(term: str) -> list[tuple[str, bool]]:
    """cql2pgjson's cql2tsquery loop: masking, `*` and `?` rules, split on spaces."""
    words: list[tuple[str, bool]] = []
    buf: list[str] = []
    backslash = star = False
    i, n = 0, len(term)
    while i < n:
        c = term[i]
        if c == "\\":
            if backslash:
                buf.append("\\")
            backslash = not backslash
            star = False
        elif c == "*":
            if backslash:
                buf.append(c)
                backslash = False
            else:
                if i + 1 < n and term[i + 1] != " ":
                    raise validation_error(
                        "* right truncation wildcard must be followed by space or end of string, but found "
                        + term[i + 1])
                star = True
        elif c == "?":
            if not backslash:
                raise validation_error("? wildcard not allowed in full text query string")
            buf.append(c)
            backslash = False
        elif c == " ":
            words.append(("".join(buf), star))
            buf, star, backslash = [], False, False
            while i + 1 < n and term[i + 1] == " ":
                i += 1
        else:
            buf.append(c)
            backslash = False
        i += 1
    words.append(("".join(buf), star))
    return words


def _phrase_at(doc: list[str], start: int, tokens) -> bool:
    if start + len(tokens) > len(doc):
        return False
    for offset, (lexeme, prefix) in enumerate(tokens):
        have = doc[start + offset]
        if not (have.startswith(lexeme) if prefix else have == lexeme):
            return False
    return True


def _has_phrase(doc: list[str], tokens) -> bool:
    return any(_phrase_at(doc, start, tokens) for start in range(len(doc)))


def matches(text: str | None, query: TsQuery) -> bool | None:
    """Whether `text` matches the compiled query (None when the field is missing)."""
    if text is None:
        return None
    if not query.words:
        return False  # PostgreSQL: a query without lexemes matches nothing
    doc = lexemes(fold(text.replace("&", ",")))
    if query.mode == "phrase":
        return _has_phrase(doc, query.tokens())
    hits = (_has_phrase(doc, word) for word in query.words)
    return all(hits) if query.mode == "and" else any(hits)
