"""Building the organizations/contacts list query: filters, sort, page, and related rows.

Every filter is an indexed condition on `contact`: organizations through the
account-list link table, status through its index, wildcard_search through the shared
full-text index (services.search: FTS5 on SQLite, tsvector on PostgreSQL).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from peewee import SQL, fn

from models import Contact
from models.mpdx import UNASSIGNED_ACCOUNT_LIST_ID, AccountList, AccountListOrganization, Organization

from . import search
from .mpdx_status import status_condition

# MPDX's contact name, "Family, Given" when both are known, else the display name
# (schemas.mpdx.contact_name is the same rule in Python). Literal SQL, so that it is the
# very expression migration 0300 indexes.
NAME_SQL = ("(CASE WHEN family_name <> '' AND given_name <> '' "
            "THEN family_name || ', ' || given_name ELSE display_name END)")
SORT_COLUMNS = {"created_at": Contact.created, "updated_at": Contact.updated}


@dataclass
class ContactFilter:
    """The parsed list request: filters and order."""

    organization_ids: list[str] | None = None
    statuses: list[str] | None = None
    wildcard_search: str | None = None
    sort_field: str | None = None  # name, created_at, updated_at
    descending: bool = False
    nulls: str | None = None  # "first", "last" or None


def _conditions(spec: ContactFilter) -> list:
    found = []
    if spec.organization_ids:
        linked = (AccountListOrganization.select(AccountListOrganization.account_list)
                  .join(Organization).where(Organization.id.in_(spec.organization_ids)))
        found.append(Contact.account_list_id.in_(linked))
    if spec.statuses:
        condition = status_condition(spec.statuses)
        if condition is not None:
            found.append(condition)
    if spec.wildcard_search:
        condition = wildcard_condition(spec.wildcard_search)
        if condition is not None:
            found.append(condition)
    return found


def _where(query, spec: ContactFilter):
    for condition in _conditions(spec):
        query = query.where(condition)
    return query


def search_tokens(term: str) -> list[str]:
    """MPDX's name tokens: lower-cased, commas and hyphens are spaces."""
    tokens = term.lower().replace(",", " ").replace("-", " ").split()
    # A token without letters or digits has no FTS term to match.
    return [t for t in tokens if any(ch.isalnum() for ch in t)]


def wildcard_condition(raw: str):
    """Contacts matching MPDX's wildcard_search: all name tokens, or the whole term in an email or phone."""
    term = raw.strip().lower()
    if not term:
        return None
    alternatives = []
    tokens = search_tokens(term)
    if tokens:
        alternatives.append(search.All(tuple(search.Term(t, prefix=True, columns=search.NAME_COLUMNS)
                                             for t in tokens)))
    alternatives.append(search.Term(term, prefix=True, columns=("emails", "phones")))
    return search.matches(search.Any(tuple(alternatives)))


def _order(spec: ContactFilter) -> list:
    order = []
    if spec.sort_field:
        column = SQL(NAME_SQL) if spec.sort_field == "name" else SORT_COLUMNS[spec.sort_field]
        order.append(column.desc(nulls=spec.nulls) if spec.descending else column.asc(nulls=spec.nulls))
    # MPDX appends created_at ASC; autokey makes pages stable among equal timestamps.
    order.extend([Contact.created, Contact.autokey])
    return order


def page_rows(spec: ContactFilter, offset: int, limit: int) -> list[dict]:
    """Contact rows of one page, in the requested order."""
    query = _where(Contact.select(), spec).order_by(*_order(spec)).offset(offset).limit(limit)
    return list(query.dicts())


def total_count(spec: ContactFilter) -> int:
    """How many contacts match the filters (COUNT(*), not Peewee's .count())."""
    return _where(Contact.select(fn.COUNT(SQL("*"))), spec).scalar() or 0


def account_lists_for(rows: list[dict]) -> dict[int | None, dict]:
    """Account list rows by the contacts' `account_list_id`; None (or a dangling key) -> Unassigned."""
    keys = sorted({row["account_list_id"] for row in rows if row.get("account_list_id") is not None})
    query = AccountList.select().where(AccountList.id == UNASSIGNED_ACCOUNT_LIST_ID)
    if keys:
        query = AccountList.select().where(AccountList.autokey.in_(keys) | (AccountList.id == UNASSIGNED_ACCOUNT_LIST_ID))
    found: dict[int | None, dict] = {}
    for row in query.dicts():
        if row["id"] == UNASSIGNED_ACCOUNT_LIST_ID:
            found[None] = row
        found[row["autokey"]] = row
    for key in keys:
        found.setdefault(key, found[None])
    return found


def organizations_for(account_list_keys: list[int]) -> dict[int, list[dict]]:
    """Organization rows of each account list, in one query."""
    found: dict[int, list[dict]] = defaultdict(list)
    if not account_list_keys:
        return found
    query = (AccountListOrganization
             .select(AccountListOrganization.account_list, Organization.autokey, Organization.id,
                     Organization.name, Organization.created, Organization.updated)
             .join(Organization)
             .where(AccountListOrganization.account_list.in_(account_list_keys))
             .order_by(AccountListOrganization.account_list, Organization.autokey)
             .dicts())
    for row in query:
        found[row.pop("account_list")].append(row)
    return found
