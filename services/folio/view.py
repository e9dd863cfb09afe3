"""FOLIO's view of a card any door wrote: a record FOLIO's own schemas accept back.

RMB validates every PUT against the schemas (acq-models `contact.json` and its parts,
raml-util `metadata.schema`), so the record a GET serves must pass them, whoever wrote the
card: a GET-modify-PUT of the server's own record must succeed. Three rules make it so; each
is written here in Python (the record served, SQLite's CQL text) and in PostgreSQL SQL (the
CQL text there), side by side so they cannot drift:

- metadata user ids: only UUID-shaped ones are shown (the CLI seed records `seed`);
- URLs: a value `url.json`'s pattern refuses is shown normalised (`http://` in front, line
  breaks percent-encoded, outer blanks cut); the stored original stays for the other doors
  and a FOLIO write of the normalised form keeps it (schemas.folio matches the two);
- categories: FOLIO's list as the client sent it (case, duplicates, order), reconciled with
  the card's groups, which the other doors see and change.
"""
from __future__ import annotations

import re

USER_ID_PATTERN = "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"
URL_PATTERN = "^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)"
# Java's `.` (Hibernate's @Pattern runs java.util.regex) excludes these line terminators
_JAVA_LINE_BREAKS = "\n\r\u0085\u2028\u2029"
_URL_RE = re.compile(r"(?:[Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])[Ss]?://[^\n\r\u0085\u2028\u2029]+")
_USER_RE = re.compile(USER_ID_PATTERN)
_URL_BLANKS = " \t\n\r\f\v"
_PERCENT = {char: "".join(f"%{byte:02X}" for byte in char.encode("utf-8")) for char in _JAVA_LINE_BREAKS}
GROUP_ID_MAX = 64  # contact_group.id
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# ---------------------------------------------------------------- metadata user ids

def user_id(value: object) -> str | None:
    """A stored user as FOLIO may show it: UUID-shaped (metadata.schema), else None."""
    return value if isinstance(value, str) and _USER_RE.fullmatch(value) else None


def pg_user_id(column: str) -> str:
    """`user_id()` in SQL."""
    return f"CASE WHEN {column} ~ '{USER_ID_PATTERN}' THEN {column} END"


# ---------------------------------------------------------------- URLs

def url_is_valid(value: str) -> bool:
    """Whether `url.json`'s pattern (Java `matches()`) accepts the value."""
    return value == "" or _URL_RE.fullmatch(value) is not None


def folio_url(value: str) -> str:
    """The URL as FOLIO shows it: the value itself when the pattern accepts it, else normalised."""
    if url_is_valid(value):
        return value
    text = value.strip(_URL_BLANKS)
    for char, escaped in _PERCENT.items():
        text = text.replace(char, escaped)
    if url_is_valid(text):
        return text
    return "http://" + text


def pg_folio_url(column: str) -> str:
    """`folio_url()` in SQL (no `?` in the text: the driver's placeholders)."""
    valid = "({0} = '' OR {0} ~ '^([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])[Ss]{{0,1}}://[^\\n\\r\\u0085\\u2028\\u2029]+$')"
    text = f"btrim({column}, E' \\t\\n\\r\\f\\x0b')"
    for char, escaped in _PERCENT.items():
        text = f"replace({text}, E'\\u{ord(char):04x}', '{escaped}')"
    return (f"(CASE WHEN {valid.format(column)} THEN {column} ELSE "
            f"(SELECT CASE WHEN {valid.format('n.text')} THEN n.text ELSE 'http://' || n.text END "
            f"FROM (SELECT {text} AS text) AS n) END)")


# ---------------------------------------------------------------- categories

def category_group_id(category: object) -> str | None:
    """The group a FOLIO category id stands for: its id in ASCII lower case (UUIDs are
    case-insensitive); None when no group id can hold it (not a string, empty, too long)."""
    if not isinstance(category, str) or not 1 <= len(category) <= GROUP_ID_MAX:
        return None
    return category.translate(_ASCII_LOWER)


def categories(verbatim: list | None, group_ids: list[str]) -> list:
    """FOLIO's `categories`: the list a FOLIO write stored, reconciled with the card's groups.

    An id whose group the card has (or that no group can hold) is shown as it was sent; an id
    whose group the card left through another door is dropped; a group the card joined
    through another door is added at the end (its id). A card FOLIO never wrote shows its
    group ids.
    """
    if verbatim is None:
        return list(group_ids)
    member = set(group_ids)
    shown, covered = [], set()
    for category in verbatim:
        group = category_group_id(category)
        if group is None or group in member:
            shown.append(category)
            if group is not None:
                covered.add(group)
    shown.extend(group for group in group_ids if group not in covered)
    return shown


def _pg_group_of(value: str) -> str:
    """`category_group_id()` of a jsonb element in SQL."""
    return (f"(CASE WHEN jsonb_typeof({value}) = 'string' AND char_length({value} #>> '{{}}') "
            f"BETWEEN 1 AND {GROUP_ID_MAX} THEN translate({value} #>> '{{}}', "
            "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END)")


def pg_categories(extra: str, contact: str) -> str:
    """`categories()` in SQL, as jsonb text: `extra` is the card's extra column, `contact` its autokey."""
    verbatim = f"coalesce(NULLIF({extra}, '')::jsonb -> 'folio' -> 'categories', '[]'::jsonb)"
    groups = ("FROM group_membership m JOIN contact_group g ON g.autokey = m.group_autokey "
              f"WHERE m.contact_autokey = {contact}")
    kept = (f"SELECT e.value AS v, e.ord AS o FROM jsonb_array_elements({verbatim}) WITH ORDINALITY AS e(value, ord) "
            f"WHERE {_pg_group_of('e.value')} IS NULL "
            f"OR EXISTS (SELECT 1 {groups} AND g.id = {_pg_group_of('e.value')})")
    added = (f"SELECT to_jsonb(g.id) AS v, 4294967296 + m.position AS o {groups} "
             f"AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements({verbatim}) AS c(value) "
             f"WHERE {_pg_group_of('c.value')} = g.id)")
    return f"(SELECT coalesce(jsonb_agg(s.v ORDER BY s.o), '[]'::jsonb) FROM ({kept} UNION ALL {added}) AS s)::text"
