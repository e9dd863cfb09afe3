"""MPDX's request parameters as its Rails stack reads them.

Upstream parses the query string with Rack 1.6 (`parse_nested_query`: `&` and `;`
separate pairs, `a[b]=` nests, the last value wins), merges a JSON body's parameters
under it (Rails 4.2: the query string wins, key by key at the top level), then:

- `page`/`per_page` (Kaminari 0.16.3): Ruby's `String#to_i`; `per_page` of 0 or less
  keeps the default 25; both are echoed in `meta.pagination` exactly as sent.
- `sort` (the `Sorting` concern): errors in the order multiple, unpermitted column, bad
  `nulls` word; the raw value is echoed in `meta.sort`.
- `fields[...]` (AMS 0.10.3 `Fieldset`): the singular type key wins over the plural; items
  are not stripped.
- `include` (the `Including` concern): stripped items, `**` dropped, `*` = every direct
  relationship; unknown paths ignored.
- `filter[...]` (the `Filtering` concern): keys underscored as ActiveSupport does, unknown
  keys dropped; date keys (`updated_at`) cast to ranges or 400; `meta.filter` echoes the
  permitted keys the client spelled in snake_case, with their raw values.

Where upstream crashes (a Hash where a string belongs, a date cast of a non-date filter),
the parameter is treated as absent instead (docs/mapping/mpdx.md lists these).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from services.errors import Invalid

DEFAULT_PAGE = 1
DEFAULT_PER_PAGE = 25
# Page or offset beyond this is past any store's end (and past SQL's 64-bit integers).
MAX_ROW = 2**62
FILTERS = ("organization_id", "status", "wildcard_search")
DATE_FILTERS = ("updated_at",)  # upstream's DEFAULT_PERMITTED_FILTERS
# Every Contact filter may be reversed (upstream's Filtering::Contacts pairs each with reverse_).
PERMITTED_FILTERS = FILTERS + DATE_FILTERS + tuple(f"reverse_{name}" for name in FILTERS + DATE_FILTERS)
SORTABLE_FIELDS = ("name", "created_at", "updated_at")
# The contact's relationships and theirs, in the serializers' declaration order.
RELATIONSHIPS = {
    "contacts": ("account_list", "people", "addresses"),
    "account_list": ("account_list_users", "organizations"),
    "people": ("email_addresses", "phone_numbers"),
}
SINGULAR = {"contacts": "contact", "people": "person", "addresses": "address", "email_addresses": "email_address",
            "phone_numbers": "phone_number", "account_lists": "account_list", "organizations": "organization",
            "account_list_users": "account_list_user"}

_PAIR_SEPARATOR = re.compile(r"[&;] *")
_RUBY_SPACE = " \t\n\v\f\r"
_RUBY_STRIP = _RUBY_SPACE + "\0"
_TO_I = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+(?:_[0-9]+)*)")
_KEY_HEAD = re.compile(r"\A[\[\]]*([^\[\]]+)\]*")
_ARRAY_CHILD = re.compile(r"^\[\]\[([^\[\]]+)\]$|^\[\](.+)$")
_HASH_CHILD = re.compile(r"^\[\]?([^\[\]]+)\]?")


# ---------------------------------------------------------------- Ruby and Rack

def ruby_split(text: str, separator: str) -> list[str]:
    """Ruby's `String#split(separator)`: trailing empty fields are dropped."""
    parts = text.split(separator)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def ruby_words(text: str) -> list[str]:
    """Ruby's `String#split(' ')`: runs of ASCII whitespace, leading whitespace ignored."""
    return [part for part in re.split(r"[ \t\n\v\f\r]+", text) if part]


def ruby_strip(text: str) -> str:
    """Ruby's `String#strip` (ASCII whitespace and NUL)."""
    return text.strip(_RUBY_STRIP)


def ruby_to_i(value: Any) -> int | None:
    """Ruby's `to_i` of a parameter (None where upstream has no `to_i`: true, false, Hash, Array)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = _TO_I.match(value)
        return int(match.group(1).replace("_", "")) if match else 0
    return None


def underscore(word: str) -> str:
    """ActiveSupport's `String#underscore` (no acronyms are defined upstream)."""
    if not re.search(r"[A-Z-]|::", word):
        return word
    word = word.replace("::", "/")
    word = re.sub(r"([A-Z\d]+)([A-Z][a-z])", r"\1_\2", word)
    word = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", word)
    return word.replace("-", "_").lower()


def _normalize(params: dict, name: str, value: Any) -> dict:
    """Rack 1.6's `normalize_params` (a conflicting shape raises TypeError, as Rack does)."""
    match = _KEY_HEAD.match(name or "")
    if not match:
        return params
    key, after = match.group(1), name[match.end():]
    if after == "":
        params[key] = value
    elif after == "[":
        params[name] = value
    elif after == "[]":
        items = params.setdefault(key, [])
        if not isinstance(items, list):
            raise TypeError(key)
        items.append(value)
    elif (child := _ARRAY_CHILD.match(after)) is not None:
        child_key = child.group(1) or child.group(2)
        items = params.setdefault(key, [])
        if not isinstance(items, list):
            raise TypeError(key)
        if items and isinstance(items[-1], dict) and child_key not in items[-1]:
            _normalize(items[-1], child_key, value)
        else:
            items.append(_normalize({}, child_key, value))
    else:
        nested = params.setdefault(key, {})
        if not isinstance(nested, dict):
            raise TypeError(key)
        params[key] = _normalize(nested, after, value)
    return params


def rack_params(query_string: bytes | str) -> dict:
    """The query string as Rack 1.6 parses it (pairs of a conflicting shape are skipped)."""
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    params: dict = {}
    for pair in _PAIR_SEPARATOR.split(text):
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        try:
            _normalize(params, _unescape(name), _unescape(value) if sep else None)
        except TypeError:
            continue  # Rack answers 400 for the whole request; here the pair is dropped
    return params


def _unescape(text: str) -> str:
    return unquote_plus(text.encode("latin-1").decode("utf-8", "replace"), encoding="utf-8", errors="replace")


def merged_params(query_string: bytes | str, body: Any) -> dict:
    """Rails' `params`: a JSON object body's members, overridden key by key by the query string."""
    query = rack_params(query_string)
    return {**body, **query} if isinstance(body, dict) else query


# ---------------------------------------------------------------- paging

@dataclass
class Paging:
    """Kaminari's page: rows `offset`..`offset + limit`, and the values echoed in meta.pagination."""

    offset: int
    limit: int
    page_echo: Any
    per_page_echo: Any


def paging(params: dict) -> Paging:
    """`page` and `per_page` as Kaminari 0.16.3 reads them (never an error)."""
    page_raw, per_raw = params.get("page"), params.get("per_page")
    page = ruby_to_i(page_raw) if page_raw is not None else DEFAULT_PAGE
    per_page = ruby_to_i(per_raw) if per_raw is not None else DEFAULT_PER_PAGE
    if page is None:  # upstream: NoMethodError (500); here: the default
        page, page_raw = DEFAULT_PAGE, None
    if per_page is None:
        per_page, per_raw = DEFAULT_PER_PAGE, None
    limit = per_page if per_page > 0 else DEFAULT_PER_PAGE  # `per(0)` and below keep the default
    limit = min(limit, MAX_ROW)
    offset = min(max(page - 1, 0) * limit, MAX_ROW)
    return Paging(offset, limit, DEFAULT_PAGE if page_raw is None else page_raw,
                  DEFAULT_PER_PAGE if per_raw is None else per_raw)


# ---------------------------------------------------------------- sort

@dataclass
class Sort:
    """The parsed `sort`: field (None: the default order), direction, and the raw value for meta.sort."""

    field: str | None = None
    descending: bool = False
    nulls: str | None = None  # "first", "last"
    echo: str | None = None


def _bad(detail: str) -> Invalid:
    return Invalid(detail)


def parse_sort(raw: Any, permitted: tuple[str, ...] = SORTABLE_FIELDS) -> Sort:
    """`sort` as the Sorting concern reads it, with its 400 texts in its order."""
    if raw is None or not isinstance(raw, str):
        return Sort()  # a Hash or Array: upstream's split raises (500); here: no sort
    parts = ruby_split(raw, ",")
    if len(parts) > 1:
        raise _bad("This endpoint does not support multiple sorting parameters.")
    if not parts:
        return Sort(echo=raw)
    part = parts[0]
    words = ruby_words(part)
    if not words:  # upstream: nil.tr (500); here: no sort
        return Sort(echo=raw)
    column = words[0].replace("-", "")
    if column not in permitted:
        raise _bad(f"Sorting by {column} is not supported for this endpoint.")
    nulls = None
    if len(words) > 1:
        if words[1].replace("-", "") != "nulls":
            raise _bad("Bad format for sort param.")
        nulls = "last" if words[1].startswith("-") else "first"
    return Sort(column, part.startswith("-"), nulls, raw)


# ---------------------------------------------------------------- fields and include

@dataclass
class Shape:
    """What to render: sparse fieldsets by type, and the include tree (path -> sub-tree)."""

    fieldsets: dict[str, list[str]] = field(default_factory=dict)
    include: dict = field(default_factory=dict)

    def fields_for(self, kind: str) -> list[str] | None:
        """AMS's `Fieldset#fields_for`: the singular key first, then the plural."""
        singular = SINGULAR.get(kind, kind)
        if singular in self.fieldsets:
            return self.fieldsets[singular]
        return self.fieldsets.get(kind)


def _include_tree(paths: list[str], kind: str = "contacts") -> dict:
    tree: dict = {}
    for path in paths:
        node, level = tree, kind
        for step in path.split("."):
            names = RELATIONSHIPS.get(level, ())
            if step == "*":
                for name in names:
                    node.setdefault(name, {})
                break
            if step not in names:
                break  # unknown paths are ignored (AMS)
            node = node.setdefault(step, {})
            level = step
    return tree


def parse_shape(params: dict) -> Shape:
    """Sparse fieldsets and the include tree."""
    fieldsets: dict[str, list[str]] = {}
    raw_fields = params.get("fields")
    if isinstance(raw_fields, dict):
        for kind, value in raw_fields.items():
            if isinstance(value, str):
                fieldsets[kind] = ruby_split(value, ",")
    include: dict = {}
    raw_include = params.get("include")
    if isinstance(raw_include, str):
        paths = [ruby_strip(path) for path in ruby_split(raw_include, ",")]
        include = _include_tree([path for path in paths if path != "**"])
    return Shape(fieldsets, include)


# ---------------------------------------------------------------- filters

DATE_RANGE_DETAIL = ("Wrong format of date range for filter '{key}', should follow 'YYYY-MM-DD...YYYY-MM-DD' for "
                     "dates and 'YYYY-MM-DDThh:mm:ssZ...YYYY-MM-DDThh:mm:ssZ' for datetimes")
_DATE = r"[0-9]{4}\-[0-9]{2}\-[0-9]{2}"  # Ruby's \d is ASCII only
_DATE_TIME = rf"({_DATE}T[0-9]{{2}}\:[0-9]{{2}}\:[0-9]{{2}}(?:Z|\+[0-9]{{2}}:[0-9]{{2}}))"
_DATE_RANGE = re.compile(rf"({_DATE})(\.\.\.?)({_DATE})")
_DATE_TIME_RANGE = re.compile(rf"{_DATE_TIME}(\.\.\.?){_DATE_TIME}")
_SINGLE_DATE = re.compile(rf"({_DATE})")


@dataclass(frozen=True)
class TimeRange:
    """A range of UTC instants (naive datetimes); `exclusive`: the end is not part of it."""

    low: datetime.datetime
    high: datetime.datetime
    exclusive: bool = False


def _parse_instant(text: str) -> datetime.datetime | None:
    """Ruby's `DateTime.parse` of what the filter regexes capture, in UTC (None: not a valid date)."""
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def cast_date_filter(value: Any) -> TimeRange | None:
    """A date filter's value cast as the Filtering concern casts it (None: not a date: 400)."""
    if not isinstance(value, str):
        return None
    match = _DATE_RANGE.search(value) or _DATE_TIME_RANGE.search(value)
    if match:
        low, high = _parse_instant(match.group(1)), _parse_instant(match.group(3))
        if low is None or high is None:
            return None
        return TimeRange(low, high, match.group(2) == "...")
    match = _SINGLE_DATE.search(value)
    if match:  # a single date, or a datetime: the whole UTC day of its date
        day = _parse_instant(match.group(1))
        if day is None:
            return None
        return TimeRange(day, day + datetime.timedelta(days=1) - datetime.timedelta(microseconds=1))
    return None


@dataclass
class Filters:
    """The permitted filters: values as applied (strings stripped), date ranges, and the echo."""

    values: dict[str, Any] = field(default_factory=dict)
    dates: dict[str, TimeRange] = field(default_factory=dict)
    echo: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        """A filter's stripped string value, None when absent, blank or not a string (no filter)."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return None
        return ruby_strip(value) or None

    def reversed(self, name: str) -> bool:
        """`filter[reverse_<name>]=true` (exactly `true` once stripped)."""
        value = self.values.get(f"reverse_{name}")
        return isinstance(value, str) and ruby_strip(value) == "true"


def parse_filters(params: dict, permitted: tuple[str, ...] = PERMITTED_FILTERS) -> Filters:
    """`filter[...]` as the Filtering concern reads it: 400 for a date filter that is no date."""
    raw = params.get("filter")
    if not isinstance(raw, dict):
        return Filters()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = underscore(str(key))
        if name in permitted:
            values[name] = value  # a later spelling of the same key wins, in the first one's place
    dates = {}
    for name, value in values.items():
        if name.endswith(("_at", "_date", "_range")):
            cast = cast_date_filter(value)
            if cast is None:
                raise _bad(DATE_RANGE_DETAIL.format(key=name))
            dates[name] = cast
    echo = {name: raw[name] for name in values if name in raw}
    return Filters(values, dates, echo)
