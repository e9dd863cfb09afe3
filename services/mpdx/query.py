"""Building the organizations/contacts list query: filters, sort, page, and related rows.

Every filter is an indexed condition on `contact`: organizations through the
account-list link table, status through its index, wildcard_search through the shared
substring index (services.search / services.substring: FTS5 trigram on SQLite, pg_trgm
on PostgreSQL).

A search without other filters is answered from the substring index: the total is
counted there alone, and the page either walks the sort order's index probing the hit
set or sorts the hits, whichever the hit count says is cheaper. The hot queries are
compiled once (models.statements) instead of being rebuilt by Peewee on every request.

On SQLite the total and the page's keys of a search are also remembered per connection
until the database changes (see `_cached_search`): counting tens of thousands of hits
costs milliseconds however the index is read, and clients repeat searches (paging,
debounced typing). The page's rows are always read afresh.
"""
from __future__ import annotations

import datetime
import itertools
import math
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from peewee import JOIN, SQL, fn

from models import Contact
from models.connect import database, is_sqlite
from models.freshness import cached_until_written
from models.mpdx import (
    UNASSIGNED_ACCOUNT_LIST_ID,
    AccountList,
    AccountListOrganization,
    AccountListUser,
    Organization,
)
from models.statements import fetch_dicts, fetch_dicts_once

from .. import search
from .status import reversed_statuses, status_condition

# MPDX's contact name, "Family, Given" when both are known, else the display name
# (schemas.mpdx.contact_name is the same rule in Python). Literal SQL, so that it is the
# very expression migration 0300 indexes.
NAME_SQL = ("(CASE WHEN family_name <> '' AND given_name <> '' "
            "THEN family_name || ', ' || given_name ELSE display_name END)")
SORT_COLUMNS = {"created_at": Contact.created, "updated_at": Contact.updated}
# Estimated CPU cost per row (µs, measured on the 1M-contact bench database) of the two
# ways to page through search hits: walk the sort index probing the hit set (each hit
# is first put in a temporary set), or read every hit's contact row and sort them.
WALK_STEP_COST = 0.06
HIT_SET_COST = 0.2
HIT_SORT_COST = 2.0
# Searches remembered per connection, and the largest page whose keys are remembered.
CACHED_SEARCHES = 64
CACHED_PAGE_ROWS = 100


@dataclass
class ContactFilter:
    """The parsed list request: filters (each reversible, as upstream's reverse_<filter>) and order."""

    organization_ids: list[str] | None = None
    statuses: list[str] | None = None
    wildcard_search: str | None = None
    updated: tuple[datetime.datetime, datetime.datetime, bool] | None = None  # (low, high, end excluded)
    reverse: frozenset[str] = frozenset()  # names of the filters to reverse
    sort_field: str | None = None  # name, created_at, updated_at
    descending: bool = False
    nulls: str | None = None  # "first", "last" or None

    @property
    def search_only(self) -> bool:
        """wildcard_search is the only filter (and not reversed): answered from the substring index."""
        return bool(self.wildcard_search and not self.organization_ids and not self.statuses
                    and not self.updated and "wildcard_search" not in self.reverse)


def _excluding(condition):
    """Upstream's generic reverse: every contact the filter does not select (NOT IN its ids)."""
    return Contact.autokey.not_in(Contact.select(Contact.autokey).where(condition))


def _conditions(spec: ContactFilter) -> list:
    found = []
    if spec.organization_ids:
        linked = (AccountListOrganization.select(AccountListOrganization.account_list)
                  .join(Organization).where(Organization.id.in_(spec.organization_ids)))
        condition = Contact.account_list_id.in_(linked)
        found.append(_excluding(condition) if "organization_id" in spec.reverse else condition)
    if spec.statuses:
        statuses, exclude = spec.statuses, False
        if "status" in spec.reverse:
            rewritten = reversed_statuses(spec.statuses)
            statuses, exclude = (rewritten, False) if rewritten is not None else (spec.statuses, True)
        condition = status_condition(statuses)
        if condition is not None:
            found.append(_excluding(condition) if exclude else condition)
    if spec.updated:
        low, high, exclusive = spec.updated
        found.append((Contact.updated >= low) & (Contact.updated < high) if exclusive
                     else Contact.updated.between(low, high))
    if spec.wildcard_search:
        condition = wildcard_condition(spec.wildcard_search)
        if condition is not None:
            found.append(_excluding(condition) if "wildcard_search" in spec.reverse else condition)
    return found


def _where(query, spec: ContactFilter):
    for condition in _conditions(spec):
        query = query.where(condition)
    return query


def wildcard_condition(raw: str):
    """Contacts matching MPDX's wildcard_search (a condition on `Contact.autokey`; None: blank term)."""
    return search.substring_condition(raw)


def _order(spec: ContactFilter) -> list:
    order = []
    if spec.sort_field:
        column = SQL(NAME_SQL) if spec.sort_field == "name" else SORT_COLUMNS[spec.sort_field]
        # `nulls` changes nothing (every sortable column is NOT NULL), and leaving it out
        # keeps ASC NULLS LAST from defeating the sort indexes.
        order.append(column.desc() if spec.descending else column.asc())
    # MPDX appends created_at ASC; autokey makes pages stable among equal timestamps.
    order.extend([Contact.created, Contact.autokey])
    return order


def page_rows(spec: ContactFilter, offset: int, limit: int) -> list[dict]:
    """Contact rows of one page, in the requested order."""
    query = _where(Contact.select(), spec).order_by(*_order(spec)).offset(offset).limit(limit)
    return list(query.dicts())


def iter_page_rows(spec: ContactFilter, offset: int, limit: int, batch: int) -> Iterator[list[dict]]:
    """The rows of one page, `batch` at a time, from one statement read as it goes (bounded memory
    for pages of any size). Run it inside `snapshot()` so that every batch sees the same data."""
    query = _where(Contact.select(), spec).order_by(*_order(spec)).offset(offset).limit(limit)
    sql, params = query.sql()
    if is_sqlite():
        cursor = database.execute_sql(sql, params)
    else:  # a server-side cursor: psycopg would fetch the whole result at once
        cursor = database.connection().cursor(name="mpdx_page")
        cursor.execute(sql, params)
    # Contact.select() reads every field, in this order.
    converters = [(f.name, f.python_value) for f in Contact._meta.sorted_fields]
    while True:
        rows = cursor.fetchmany(batch) if not is_sqlite() else list(itertools.islice(cursor, batch))
        if not rows:
            break
        yield [{name: convert(value) if value is not None else value
                for (name, convert), value in zip(converters, row)} for row in rows]
    if not is_sqlite():
        cursor.close()


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of the store for several statements (a read transaction)."""
    with database.atomic():
        if not is_sqlite():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def count(spec: ContactFilter) -> int:
    """How many contacts match the filters (a search alone: counted in the substring index)."""
    if spec.search_only:
        return search.count_substring_matches(spec.wildcard_search or "")
    return total_count(spec)


def total_count(spec: ContactFilter) -> int:
    """How many contacts match the filters (COUNT(*), not Peewee's .count())."""
    return _where(Contact.select(fn.COUNT(SQL("*"))), spec).scalar() or 0


def find(spec: ContactFilter, offset: int, limit: int) -> tuple[int, list[dict]]:
    """The total and the rows of one page (`limit` 0: the total only)."""
    if spec.search_only:
        return _search(spec, offset, limit)
    total = total_count(spec)
    return total, (page_rows(spec, offset, limit) if limit and offset < total else [])


def _search(spec: ContactFilter, offset: int, limit: int) -> tuple[int, list[dict]]:
    """wildcard_search alone: the total counted in the substring index, and one page of hits."""
    source = search.substring_hits_source(spec.wildcard_search or "")
    if source is None:  # a blank term is no filter
        return total_count(spec), page_rows(spec, offset, limit) if limit else []
    if is_sqlite():
        return _cached_search(spec, source, offset, limit)
    total = search.count_substring_matches(spec.wildcard_search or "")
    # PostgreSQL's planner weighs the GIN hits against the sort indexes itself.
    return total, (page_rows(spec, offset, limit) if limit and offset < total else [])


class _Statement:
    """Fixed SQL text with its parameters: what models.statements.fetch_dicts compiles."""

    def __init__(self, text: str, params: list) -> None:
        self.text, self.params = text, params

    def sql(self) -> tuple[str, list]:
        return self.text, self.params


def _order_sql(spec: ContactFilter) -> str:
    """The ORDER BY terms of `_order` as SQL text on unqualified contact columns."""
    terms = []
    if spec.sort_field:
        column = NAME_SQL if spec.sort_field == "name" else spec.sort_field.removesuffix("_at")
        terms.append(f"{column} DESC" if spec.descending else column)
    return ", ".join(terms + ["created", "autokey"])


def _search_statement(hits_sql: str, order: str) -> str:
    """One statement for the total and the page, running the full-text query once.

    The hits are materialised and counted; then exactly one of two plans produces the
    page (the other gets LIMIT 0, which SQLite skips without reading a row): walk the
    ORDER BY's covering index probing the hit set (`+autokey` keeps SQLite from driving
    by the hits' rowids), reading only the page's contact rows; or read and sort the hits.
    """
    walk = (f"SELECT c.* FROM (SELECT autokey FROM contact WHERE +autokey IN (SELECT k FROM hits) "
            f"ORDER BY {order} LIMIT CASE WHEN (SELECT total FROM n) >= ? THEN ? ELSE 0 END OFFSET ?) AS p "
            f"JOIN contact c ON c.autokey = p.autokey")
    sort = (f"SELECT * FROM contact WHERE autokey IN (SELECT k FROM hits) "
            f"ORDER BY {order} LIMIT CASE WHEN (SELECT total FROM n) < ? THEN ? ELSE 0 END OFFSET ?")
    return (f"WITH hits(k) AS MATERIALIZED {hits_sql}, n(total) AS MATERIALIZED (SELECT count(*) FROM hits) "
            f"SELECT n.total AS mpdx_total, page.* FROM n LEFT JOIN "
            f"(SELECT * FROM ({walk}) UNION ALL SELECT * FROM ({sort})) AS page ORDER BY {order}")


def _sqlite_search(spec: ContactFilter, source: tuple[str, list], offset: int, limit: int) -> tuple[int, list[dict]]:
    hits_sql, params = source
    threshold = _walk_threshold(offset + limit)
    order = _order_sql(spec)
    args = [*params, threshold, limit, offset, threshold, limit, offset]
    if hits_sql == search.SUBSTRING_MATCH_SQL:  # the usual statement: compiled once
        rows = fetch_dicts(f"mpdx.search.{spec.sort_field}.{spec.descending}", Contact,
                           lambda *a: _Statement(_search_statement(hits_sql, order), list(a)), *args)
    else:  # rechecks and scans vary with the term: not remembered
        rows = fetch_dicts_once(Contact, _search_statement(hits_sql, order), args)
    total = rows[0].pop("mpdx_total") if rows else 0
    for row in rows[1:]:
        row.pop("mpdx_total")
    return total, [row for row in rows if row.get("autokey") is not None]


def _cached_search(spec: ContactFilter, source: tuple[str, list], offset: int, limit: int) -> tuple[int, list[dict]]:
    """`_sqlite_search` (or the count alone for `limit` 0), remembered until the database changes."""
    # One dict per state of the database (per thread, so per connection): emptied by any write.
    cache: OrderedDict = cached_until_written("mpdx.searches", OrderedDict)
    key = (source[0], tuple(source[1]), spec.sort_field, spec.descending, offset, limit)
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        total, keys = found
        return total, _rows_by_autokey(keys)
    if not limit:
        total, rows = database.execute_sql(f"SELECT count(*) FROM {source[0]} AS hits", source[1]).fetchone()[0], []
    else:
        total, rows = _sqlite_search(spec, source, offset, limit)
    if limit <= CACHED_PAGE_ROWS:
        cache[key] = (total, [row["autokey"] for row in rows])
        if len(cache) > CACHED_SEARCHES:
            cache.popitem(last=False)  # the least recently used search
    return total, rows


def _rows_by_autokey(keys: list[int]) -> list[dict]:
    """Contact rows of `keys`, in that order (one compiled query per padded key count)."""
    if not keys:
        return []
    padded = _padded(keys)
    text = f"SELECT * FROM contact WHERE autokey IN ({', '.join('?' for _ in padded)})"
    rows = fetch_dicts(f"mpdx.rows_by_autokey.{len(padded)}", Contact, lambda *a: _Statement(text, list(a)), *padded)
    by_key = {row["autokey"]: row for row in rows}
    return [by_key[key] for key in keys if key in by_key]


def _walk_threshold(rows_needed: int) -> int:
    """The hit count from which walking the sort index beats sorting the hits, for `rows_needed` rows.

    With n hits spread over N contacts the walk reads about rows_needed * N / n index
    entries after putting the n hits in a set; sorting reads all n contact rows:
    walk < sort  <=>  n^2 > rows_needed * N * STEP / (SORT - SET).
    """
    contacts = database.execute_sql("SELECT max(autokey) FROM contact").fetchone()[0] or 0
    return math.isqrt(int(rows_needed * contacts * WALK_STEP_COST / (HIT_SORT_COST - HIT_SET_COST))) + 1


def _padded(keys: list[int]) -> list[int]:
    """`keys` repeated up to the next power of two: few distinct statements to compile."""
    size = 1
    while size < len(keys):
        size *= 2
    return keys + [keys[-1]] * (size - len(keys)) if keys else []


def _account_list_query(unassigned: str, *keys: int):
    columns = [AccountList.autokey, AccountList.id, AccountList.name, AccountList.created, AccountList.updated,
               Organization.autokey.alias("org_autokey"), Organization.id.alias("org_id"),
               Organization.name.alias("org_name"), Organization.created.alias("org_created"),
               Organization.updated.alias("org_updated")]
    condition = AccountList.id == unassigned
    if keys:
        condition = condition | AccountList.autokey.in_(list(keys))
    return (AccountList.select(*columns)
            .join(AccountListOrganization, JOIN.LEFT_OUTER,
                  on=AccountListOrganization.account_list == AccountList.autokey)
            .join(Organization, JOIN.LEFT_OUTER, on=AccountListOrganization.organization == Organization.autokey)
            .where(condition)
            .order_by(AccountList.autokey, Organization.autokey))


def account_lists_for(rows: list[dict]) -> tuple[dict[int | None, dict], dict[int, list[dict]]]:
    """Account list rows by the contacts' `account_list_id` (None or a dangling key -> Unassigned),
    and each list's organization rows, in one query. For a single list (every GET of one
    contact) the answer is remembered until the database changes. Read-only for callers."""
    keys = sorted({row["account_list_id"] for row in rows if row.get("account_list_id") is not None})
    if len(keys) > 1:  # a page's mix: one query amortised over its cards, and no cache growth
        return _account_lists(keys)
    return cached_until_written(f"mpdx.account_lists.{keys}", lambda: _account_lists(keys))


def _account_lists(keys: list[int]) -> tuple[dict[int | None, dict], dict[int, list[dict]]]:
    padded = _padded(keys)
    found: dict[int | None, dict] = {}
    organizations: dict[int, list[dict]] = defaultdict(list)
    org_created, org_updated = Organization.created.python_value, Organization.updated.python_value
    for row in fetch_dicts(f"mpdx.account_lists.{len(padded)}", AccountList, _account_list_query,
                           UNASSIGNED_ACCOUNT_LIST_ID, *padded):
        org = {"autokey": row.pop("org_autokey"), "id": row.pop("org_id"), "name": row.pop("org_name"),
               "created": row.pop("org_created"), "updated": row.pop("org_updated")}
        if row["autokey"] not in found:
            found[row["autokey"]] = row
            if row["id"] == UNASSIGNED_ACCOUNT_LIST_ID:
                found[None] = row
        if org["autokey"] is not None:
            org["created"] = org_created(org["created"]) if org["created"] is not None else None
            org["updated"] = org_updated(org["updated"]) if org["updated"] is not None else None
            organizations[row["autokey"]].append(org)
    for key in keys:
        found.setdefault(key, found[None])
    return found, organizations


def account_list_users_for(list_keys) -> dict[int, list[dict]]:
    """Each account list's users (by list autokey), in their order, in one query."""
    keys = sorted(set(list_keys))
    found: dict[int, list[dict]] = defaultdict(list)
    if not keys:
        return found
    query = (AccountListUser.select().where(AccountListUser.account_list.in_(keys))
             .order_by(AccountListUser.account_list, AccountListUser.position, AccountListUser.autokey))
    for row in query.dicts():
        found[row["account_list"]].append(row)
    return found
