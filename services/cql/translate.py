"""CQL tree -> SQL over the canonical store, with cql2pgjson's semantics and quirks.

Every search clause becomes an exact predicate (SQL, partly through the functions in
`functions.py`) and, where an index can answer it, a *candidate* subquery of contact
autokeys that is a superset of the hits. The WHERE clause is `predicate AND autokey
IN (candidates)`, so the exact semantics hold while the index does the narrowing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .ast import Boolean, Modifier, Node, Prefix, Sort, SortKey, Term
from .errors import CQLError, unsupported_error, validation_error
from .fields import FieldSpec, field_spec
from .like import compare_literal, literal_prefix
from .name_index import FTS_TABLE, KEY_TABLE, fts_match
from .parser import term_to_cql
from .tsearch import compile_query

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PG_NUMBER = re.compile(r"[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?")
KNOWN_MODIFIERS = {"ignorecase", "respectcase", "ignoreaccents", "respectaccents", "string", "number",
                   "sort.ascending", "sort.descending", "masked"}
TRUE, FALSE = "1", "0"


@dataclass
class Sql:
    """A SQL fragment and its parameters."""

    text: str
    params: list = field(default_factory=list)


@dataclass
class Compiled:
    """A translated query: WHERE (predicate + candidates) and ORDER BY."""

    where: Sql
    order_by: list[Sql]
    candidates: Sql | None = None


@dataclass
class _Mods:
    lower: bool = True
    unaccent: bool = True
    number: bool = False
    descending: bool = False
    array: list[Modifier] = field(default_factory=list)


def _read_modifiers(modifiers) -> _Mods:
    mods = _Mods()
    for m in modifiers:
        if m.name.startswith("@"):
            mods.array.append(m)
            continue
        if m.name not in KNOWN_MODIFIERS:
            raise unsupported_error(f"CQL: Unsupported modifier {m.name}")
        if m.name in ("ignorecase", "respectcase"):
            mods.lower = m.name == "ignorecase"
        elif m.name in ("ignoreaccents", "respectaccents"):
            mods.unaccent = m.name == "ignoreaccents"
        elif m.name in ("string", "number"):
            mods.number = m.name == "number"
        elif m.name.startswith("sort."):
            mods.descending = m.name == "sort.descending"
    return mods


def _check_index(index: str) -> None:
    """cql2pgjson's cql2string() on every path component of the index name."""
    for part in index.split("."):
        backslash = False
        for c in part:
            if c == "\\":
                backslash = not backslash
                continue
            if c in "^?*" and not backslash:
                raise validation_error(f"CQL operator {c} unsupported")
            backslash = False
        if backslash:
            raise validation_error("Unterminated \\-character")


def translate(root: Node) -> Compiled:
    """Translate a parsed query; CQLError carries the 400 text FOLIO would send."""
    keys: tuple[SortKey, ...] = ()
    if isinstance(root, Sort):
        keys = root.keys
        root = root.subtree
    pred, cand = _node(root)
    order = [_sort_key(key) for key in keys]
    return Compiled(pred, [piece for pieces in order for piece in pieces], cand)


def _node(node: Node) -> tuple[Sql, Sql | None]:
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Boolean):
        return _boolean(node)
    raise unsupported_error(f"Not implemented yet: org.z3950.zing.cql.{_java_class(node)}")


def _java_class(node: Node) -> str:
    if isinstance(node, Prefix):
        return "CQLPrefixNode"
    if isinstance(node, Sort):
        return "CQLSortNode"
    return "CQLProxNode"


def _boolean(node: Boolean) -> tuple[Sql, Sql | None]:
    if node.op == "prox":
        raise unsupported_error("Not implemented yet: org.z3950.zing.cql.CQLProxNode")
    right = node.right
    # cql2pgjson: `x OR field=*` is simplified to `x` (quirk 1 of the research note)
    if node.op == "or" and isinstance(right, Term) and right.term == "*" and right.relation == "=":
        return _node(node.left)
    left_sql, left_cand = _node(node.left)
    right_sql, right_cand = _node(right)
    params = left_sql.params + right_sql.params
    if node.op == "and":
        cand = _intersect(left_cand, right_cand)
        return Sql(f"({left_sql.text}) AND ({right_sql.text})", params), cand
    if node.op == "or":
        cand = None
        if left_cand is not None and right_cand is not None:
            cand = Sql(f"{left_cand.text} UNION {right_cand.text}", left_cand.params + right_cand.params)
        return Sql(f"({left_sql.text}) OR ({right_sql.text})", params), cand
    # NOT = AND NOT, and a NULL (missing field) on the right counts as not true
    return Sql(f"({left_sql.text}) AND (coalesce(({right_sql.text}), 0) = 0)", params), left_cand


def _intersect(left: Sql | None, right: Sql | None) -> Sql | None:
    if left is None:
        return right
    if right is None:
        return left
    return Sql(f"{left.text} INTERSECT {right.text}", left.params + right.params)


def _term(node: Term) -> tuple[Sql, Sql | None]:
    if node.index.lower() == "cql.allrecords":
        return Sql(TRUE), None
    if node.index.lower() == "cql.serverchoice":
        raise validation_error("cql.serverChoice requested, but no serverChoiceIndexes defined.")
    _check_index(node.index)
    mods = _read_modifiers(node.modifiers)
    if node.index == "id":
        return _id_term(node)
    spec = field_spec(node.index)
    relation = node.relation.lower()
    if relation == "=" and mods.number:
        return _compare(spec, node, "=", mods), None
    if relation in ("=", "adj", "all", "any"):
        return _full_text(spec, node, relation, mods)
    if relation in ("==", "<>"):
        if mods.number:
            return _compare(spec, node, "=" if relation == "==" else "<>", mods), None
        if mods.array:
            raise validation_error(f"CQL: Unsupported relation modifier {mods.array[0].name}")
        return _like(spec, node, relation)
    if relation in ("<", ">", "<=", ">="):
        return _compare(spec, node, relation, mods), None
    raise unsupported_error(f"Relation {relation} not implemented yet: {term_to_cql(node)}")


def _full_text(spec: FieldSpec, node: Term, relation: str, mods: _Mods) -> tuple[Sql, Sql | None]:
    term = re.sub(r" +\*", "", node.term).strip()
    if term == "*":
        return Sql(TRUE), None
    if term == "":
        return spec.defined(), None
    query = compile_query(term, relation)
    if mods.array:
        raise validation_error(f"CQL: Unsupported relation modifier {mods.array[0].name}")
    value = spec.text()
    pred = Sql(f"folio_ft({value.text}, ?, ?)", value.params + [relation, term])
    cand = None
    if spec.fts_column and query.words:
        match = fts_match(spec.fts_column, [list(word) for word in query.words], query.mode)
        if match:
            cand = Sql(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [match])
    elif spec.name == "categories" and UUID_RE.match(term):
        cand = Sql("SELECT m.contact_autokey FROM group_membership m JOIN contact_group g "
                   "ON g.autokey = m.group_autokey WHERE g.id = ?", [term.lower()])
    return pred, cand


def _like(spec: FieldSpec, node: Term, relation: str) -> tuple[Sql, Sql | None]:
    value = spec.text()
    pred = Sql(f"folio_like({value.text}, ?)", value.params + [node.term])
    if relation == "<>":
        return Sql(f"NOT ({pred.text})", pred.params), None
    cand = None
    if spec.key_column:
        prefix, exact = literal_prefix(node.term)
        if exact:
            cand = Sql(f"SELECT contact_autokey FROM {KEY_TABLE} WHERE {spec.key_column} = ?", [prefix])
        elif prefix:
            cand = Sql(f"SELECT contact_autokey FROM {KEY_TABLE} WHERE {spec.key_column} >= ? "
                       f"AND {spec.key_column} < ?", [prefix, prefix + "\U0010ffff"])
    return pred, cand


def _compare(spec: FieldSpec, node: Term, op: str, mods: _Mods) -> Sql:
    value = spec.text()
    if mods.number:
        if not PG_NUMBER.fullmatch(node.term):
            raise CQLError(f'invalid input syntax for type numeric: "{node.term}"')
        return Sql(f"folio_num({value.text}) {op} ?", value.params + [float(node.term)])
    literal = compare_literal(node.term)
    return Sql(f"({value.text}) {op} ?", value.params + [literal])


def _id_term(node: Term) -> tuple[Sql, Sql | None]:
    """cql2pgjson's pgId(): the primary key, with UUID rules and right truncation."""
    if node.modifiers:
        raise validation_error(f"CQL: Unsupported modifier {node.modifiers[0].name}")
    op, term = node.relation, node.term
    if op in (">", "<", ">=", "<="):
        if not UUID_RE.match(term):
            raise validation_error(f"CQL: Invalid UUID after 'id{op}': {term}")
        return Sql(f"contact.id {op} ?", [term.lower()]), None
    if op not in ("==", "=", "<>"):
        raise validation_error(f"CQL: Unsupported operator '{op}', UUID id only supports '=', '==', "
                               "and '<>' (possibly with right truncation)")
    equals = op != "<>"
    if term in ("", "*"):
        return Sql(TRUE if equals else FALSE), None
    if "*" not in term:
        if not UUID_RE.match(term):
            return Sql(FALSE if equals else TRUE), None
        if equals:
            return Sql("contact.id = ?", [term.lower()]), Sql("SELECT autokey FROM contact WHERE id = ?",
                                                                [term.lower()])
        return Sql("contact.id <> ?", [term.lower()]), None
    trunc = term[:-1] if term.endswith("*") else term
    if "*" in trunc:
        raise validation_error(f"CQL: only right truncation supported for id:  {term}")
    lo = (trunc + "00000000-0000-0000-0000-000000000000"[len(trunc):]).lower()
    hi = (trunc + "ffffffff-ffff-ffff-ffff-ffffffffffff"[len(trunc):]).lower()
    if not (UUID_RE.match(lo) and UUID_RE.match(hi)):
        return Sql(FALSE if equals else TRUE), None
    if equals:
        return (Sql("(contact.id >= ? AND contact.id <= ?)", [lo, hi]),
                Sql("SELECT autokey FROM contact WHERE id >= ? AND id <= ?", [lo, hi]))
    return Sql("(contact.id < ? OR contact.id > ?)", [lo, hi]), None


def _sort_key(key: SortKey) -> list[Sql]:
    mods = _read_modifiers(key.modifiers)
    desc = " DESC" if mods.descending else ""
    if key.index == "id":
        return [Sql(f"contact.id{desc}")]
    _check_index(key.index)
    spec = field_spec(key.index)
    if mods.number:
        value = spec.text()
        expr = Sql(f"folio_num({value.text})", value.params)
    elif spec.key_column and mods.lower and mods.unaccent:
        # indexed: folio_key(last_key, first_key); names are never missing
        return [Sql(f"{KEY_TABLE}.{spec.key_column}{desc}")]
    else:
        value = spec.text()
        expr = Sql(f"folio_sortkey({value.text}, ?, ?)", value.params + [int(mods.lower), int(mods.unaccent)])
    # PostgreSQL puts NULL (missing) last ascending and first descending
    nulls = Sql(f"({expr.text}) IS NULL{'' if desc else ''}{' DESC' if desc else ''}", expr.params)
    return [nulls, Sql(f"{expr.text}{desc}", expr.params)]
