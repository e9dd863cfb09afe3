"""FOLIO contact record fields as SQL over the canonical tables (`jsonb->>'field'` equivalents).

Each CQL index maps to a SQL expression giving the field's text as RMB sees it in
the stored JSON (NULL when the field is missing): strings as they are, booleans as
`true`/`false`, arrays and objects as PostgreSQL's jsonb text of the FOLIO view.
SQLite builds that text with the Python functions of `functions.py`; PostgreSQL
builds real jsonb (whose text output is the reference) with the rules of
`schemas.folio.child_object` written in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import view

OPTIONAL_COLUMNS = {"prefix": "prefix", "language": "language", "notes": "notes"}
NAME_COLUMNS = {"firstName": "given_name", "lastName": "family_name"}

# json_object() of a child row with every column the FOLIO view needs
_CHILD_COLUMNS = {
    "emails": ("contact_email", ("value", "description", "language", "is_primary", "type", "label")),
    "phoneNumbers": ("contact_phone", ("value", "description", "language", "is_primary", "type", "label")),
    "addresses": ("contact_address", ("line1", "line2", "city", "region", "postal_code", "country",
                                      "description", "language", "is_primary", "type", "label")),
    "urls": ("contact_url", ("value", "description", "language", "is_primary", "notes", "type", "label")),
}
# PostgreSQL: FOLIO key -> (canonical column, optional) per kind, as schemas.folio.CHILD_FIELDS
_PG_CHILD_KEYS = {
    "phoneNumbers": (("phoneNumber", "value", False), ("language", "language", True)),
    "emails": (("value", "value", False), ("description", "description", True), ("language", "language", True)),
    "addresses": (("addressLine1", "line1", True), ("addressLine2", "line2", True), ("city", "city", True),
                  ("stateRegion", "region", True), ("zipCode", "postal_code", True), ("country", "country", True),
                  ("language", "language", True)),
    "urls": (("value", "value", False), ("description", "description", True), ("language", "language", True),
             ("notes", "notes", True)),
}
_PG_PHONE_TYPES = {"office": "Office", "mobile": "Mobile", "fax": "Fax", "other": "Other",
                   "local": "Other", "public": "Other", "home": "Other"}


@dataclass(frozen=True)
class FieldSpec:
    """How one CQL index reads from the store."""

    name: str
    expr: str  # SQL giving the field's text, NULL when missing
    always_defined: bool = False
    fts_column: str | None = None  # SQLite: column of folio_fts holding its lexemes
    key_column: str | None = None  # SQLite: column of folio_key holding its folded value
    pg: bool = False
    flag: str | None = None  # boolean column whose text is 'true'/'false' (`inactive`)

    def text(self):
        """The field's text as SQL."""
        from .translate import Sql

        return Sql(self.expr)

    def defined(self):
        """SQL that is true when the field is present (`field=""` in CQL)."""
        from .translate import Sql

        if self.always_defined:
            return Sql("TRUE" if self.pg else "1")
        return Sql(f"({self.expr}) IS NOT NULL")


def _child_array(kind: str) -> str:
    table, columns = _CHILD_COLUMNS[kind]
    pairs = ", ".join(f"'{c}', c.{c}" for c in columns)
    return (f"folio_array('{kind}', (SELECT json_group_array(json_object({pairs}, "
            f"'categories', json(c.categories), 'extra', json(c.extra)) ORDER BY c.position) "
            f"FROM {table} c WHERE c.contact_autokey = contact.autokey))")


# the card's group ids and extra: schemas.folio.array_text reconciles them (view.categories)
_CATEGORIES = ("folio_array('categories', json_object('groups', json((SELECT json_group_array(g.id ORDER BY m.position) "
               "FROM group_membership m JOIN contact_group g ON g.autokey = m.group_autokey "
               "WHERE m.contact_autokey = contact.autokey)), 'extra', json(contact.extra)))")
_METADATA = ("folio_array('metadata', json_object('created', contact.created, 'created_by', "
             "contact.created_by, 'updated', contact.updated, 'updated_by', contact.updated_by))")
_METADATA_FIELDS = ("createdDate", "createdByUserId", "updatedDate", "updatedByUserId")


# ---------------------------------------------------------------- PostgreSQL

def _pg_empty(extra: str, key: str) -> str:
    """True when the client sent "" for `key` (kept in extra.folio.empty)."""
    return f"coalesce(NULLIF({extra}, '')::jsonb -> 'folio' -> 'empty', '[]'::jsonb) @> '[\"{key}\"]'::jsonb"


def _pg_optional(column: str, extra: str, key: str) -> str:
    return f"CASE WHEN {column} <> '' THEN {column} WHEN {_pg_empty(extra, key)} THEN '' END"


def _pg_child_object(kind: str) -> str:
    """schemas.folio.child_object() in SQL: the FOLIO object of child row `c` as jsonb."""
    folio = "NULLIF(c.extra, '')::jsonb -> 'folio'"
    pairs = [f"'id', {folio} -> 'id'"]
    for key, column, optional in _PG_CHILD_KEYS[kind]:
        value = _pg_optional(f"c.{column}", "c.extra", key) if optional else f"coalesce(c.{column}, '')"
        if kind == "urls" and key == "value":
            value = view.pg_folio_url(value)
        pairs.append(f"'{key}', {value}")
    pairs.append("'categories', coalesce(NULLIF(c.categories, '')::jsonb, '[]'::jsonb)")
    if kind == "phoneNumbers":
        whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _PG_PHONE_TYPES.items())
        pairs.append(f"'type', CASE c.type {whens} END")
    pairs.append(f"'isPrimary', CASE WHEN {folio} IS NOT NULL THEN {folio} -> 'isPrimary' "
                 "WHEN c.is_primary THEN 'true'::jsonb END")
    # every key whose value is NULL is a key the FOLIO object does not have
    return f"jsonb_strip_nulls(jsonb_build_object({', '.join(pairs)}))"


def _pg_child_array(kind: str) -> str:
    table = _CHILD_COLUMNS[kind][0]
    return (f"(SELECT coalesce(jsonb_agg({_pg_child_object(kind)} ORDER BY c.position), '[]'::jsonb) "
            f"FROM {table} c WHERE c.contact_autokey = contact.autokey)::text")


_PG_CATEGORIES = view.pg_categories("contact.extra", "contact.autokey")


def _pg_date(column: str) -> str:
    """schemas.folio.stored_date(): milliseconds (truncated) and `Z`, from int microseconds."""
    return (f"to_char(TIMESTAMP '1970-01-01' + contact.{column} * INTERVAL '1 microsecond', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")


_PG_METADATA = {"createdDate": _pg_date("created"), "createdByUserId": view.pg_user_id("contact.created_by"),
                "updatedDate": _pg_date("updated"), "updatedByUserId": view.pg_user_id("contact.updated_by")}


def _pg_metadata() -> str:
    pairs = ", ".join(f"'{key}', {expr}" for key, expr in _PG_METADATA.items())
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))::text"


# ---------------------------------------------------------------- lookup

def field_spec(index: str, pg: bool = False) -> FieldSpec:
    """The spec of a CQL index; unknown fields and paths through arrays are always missing."""
    if index in NAME_COLUMNS:
        column = NAME_COLUMNS[index]
        first = index == "firstName"
        return FieldSpec(index, f"contact.{column}", True, fts_column="first" if first else "last",
                         key_column="first_key" if first else "last_key", pg=pg)
    if index in OPTIONAL_COLUMNS:
        column = OPTIONAL_COLUMNS[index]
        if pg:
            return FieldSpec(index, f"({_pg_optional(f'contact.{column}', 'contact.extra', index)})", pg=pg)
        return FieldSpec(index, f"folio_opt(contact.{column}, contact.extra, '{index}')")
    if index == "inactive":
        return FieldSpec(index, "(CASE WHEN contact.inactive THEN 'true' ELSE 'false' END)", True, pg=pg,
                         flag="contact.inactive")
    if index in _CHILD_COLUMNS:
        return FieldSpec(index, _pg_child_array(index) if pg else _child_array(index), True, pg=pg)
    if index == "categories":
        return FieldSpec(index, _PG_CATEGORIES if pg else _CATEGORIES, True, pg=pg)
    if index == "metadata":
        return FieldSpec(index, _pg_metadata() if pg else _METADATA, True, pg=pg)
    if index.startswith("metadata.") and index[len("metadata."):] in _METADATA_FIELDS:
        sub = index[len("metadata."):]
        if pg:
            return FieldSpec(index, f"({_PG_METADATA[sub]})", pg=pg)
        return FieldSpec(index, _METADATA.replace("folio_array('metadata'", f"folio_array('metadata.{sub}'"))
    return FieldSpec(index, "CAST(NULL AS text)" if pg else "NULL", pg=pg)
