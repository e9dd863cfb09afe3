"""FOLIO contact record fields as SQL over the canonical tables (`jsonb->>'field'` equivalents).

Each CQL index maps to a SQL expression giving the field's text as RMB sees it in
the stored JSON (NULL when the field is missing): strings as they are, booleans as
`true`/`false`, arrays and objects as PostgreSQL's jsonb text of the FOLIO view.
"""
from __future__ import annotations

from dataclasses import dataclass

OPTIONAL_COLUMNS = {"prefix": "prefix", "language": "language", "notes": "notes"}

# json_object() of a child row with every column the FOLIO view needs
_CHILD_COLUMNS = {
    "emails": ("contact_email", ("value", "description", "language", "is_primary", "type", "label")),
    "phoneNumbers": ("contact_phone", ("value", "description", "language", "is_primary", "type", "label")),
    "addresses": ("contact_address", ("line1", "line2", "city", "region", "postal_code", "country",
                                      "description", "language", "is_primary", "type", "label")),
    "urls": ("contact_url", ("value", "description", "language", "is_primary", "notes", "type", "label")),
}


@dataclass(frozen=True)
class FieldSpec:
    """How one CQL index reads from the store."""

    name: str
    expr: str  # SQL giving the field's text, NULL when missing
    always_defined: bool = False
    fts_column: str | None = None  # column of folio_fts holding its lexemes
    key_column: str | None = None  # column of folio_key holding its folded value

    def text(self):
        """The field's text as SQL."""
        from .translate import Sql

        return Sql(self.expr)

    def defined(self):
        """SQL that is true when the field is present (`field=""` in CQL)."""
        from .translate import Sql

        if self.always_defined:
            return Sql("1")
        return Sql(f"({self.expr}) IS NOT NULL")


def _child_array(kind: str) -> str:
    table, columns = _CHILD_COLUMNS[kind]
    pairs = ", ".join(f"'{c}', c.{c}" for c in columns)
    return (f"folio_array('{kind}', (SELECT json_group_array(json_object({pairs}, "
            f"'categories', json(c.categories), 'extra', json(c.extra)) ORDER BY c.position) "
            f"FROM {table} c WHERE c.contact_autokey = contact.autokey))")


_CATEGORIES = ("folio_array('categories', (SELECT json_group_array(g.id ORDER BY m.position) "
               "FROM group_membership m JOIN contact_group g ON g.autokey = m.group_autokey "
               "WHERE m.contact_autokey = contact.autokey))")
_METADATA = ("folio_array('metadata', json_object('created', contact.created, 'created_by', "
             "contact.created_by, 'updated', contact.updated, 'updated_by', contact.updated_by))")
_METADATA_FIELDS = ("createdDate", "createdByUserId", "updatedDate", "updatedByUserId")


def field_spec(index: str) -> FieldSpec:
    """The spec of a CQL index; unknown fields and paths through arrays are always missing."""
    if index == "firstName":
        return FieldSpec(index, "contact.given_name", True, fts_column="first", key_column="first_key")
    if index == "lastName":
        return FieldSpec(index, "contact.family_name", True, fts_column="last", key_column="last_key")
    if index in OPTIONAL_COLUMNS:
        return FieldSpec(index, f"folio_opt(contact.{OPTIONAL_COLUMNS[index]}, contact.extra, '{index}')")
    if index == "inactive":
        return FieldSpec(index, "(CASE WHEN contact.inactive THEN 'true' ELSE 'false' END)", True)
    if index in _CHILD_COLUMNS:
        return FieldSpec(index, _child_array(index), True)
    if index == "categories":
        return FieldSpec(index, _CATEGORIES, True)
    if index == "metadata":
        return FieldSpec(index, _METADATA, True)
    if index.startswith("metadata.") and index[len("metadata."):] in _METADATA_FIELDS:
        sub = index[len("metadata."):]
        return FieldSpec(index, _METADATA.replace("folio_array('metadata'", f"folio_array('metadata.{sub}'"))
    return FieldSpec(index, "NULL")
