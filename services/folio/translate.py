"""CQL tree -> SQL over the canonical store, with cql2pgjson's semantics and quirks.

Every search clause becomes an exact predicate (SQL, partly through the functions in
`functions.py`) and, where an index can answer it, a *candidate* subquery of contact
autokeys that is a superset of the hits. The WHERE clause is `residual AND autokey
IN (candidates)`, so the exact semantics hold while the index does the narrowing.
Where the index answers a clause exactly (a full-text name term whose FTS5 query is
the same test, a name `==` on the folded key, an id) the clause leaves no residual:
nothing is evaluated row by row, in Python or otherwise, for it.

PostgreSQL gets cql2pgjson's own SQL instead (`to_tsvector`/`to_tsquery`, LIKE on
`lower(folio_unaccent(...))`, casts to numeric): the name predicates there are the
very expressions migration 0201 indexes, so they need no candidate subquery.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .ast import Boolean, Modifier, Node, Prefix, Sort, SortKey, Term
from .errors import CQLError, unsupported_error, validation_error
from .fields import FieldSpec, field_spec
from .like import compare_literal, like, like_pattern, literal_prefix, literal_shape, successor
from .name_index import FTS_TABLE, KEY_TABLE, fts_exact, fts_match
from .parser import term_to_cql
from .tsearch import compile_query, matches, tsquery_text

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PG_NUMBER = re.compile(r"[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?")
KNOWN_MODIFIERS = {"ignorecase", "respectcase", "ignoreaccents", "respectaccents", "string", "number",
                   "sort.ascending", "sort.descending", "masked"}
PG_TEXT_SEARCH = "to_tsvector('simple', translate(folio_unaccent({}), '&', ','))"
PG_FOLD = "lower(folio_unaccent({}))"


@dataclass
class Sql:
    """A SQL fragment and its parameters."""

    text: str
    params: list = field(default_factory=list)


@dataclass
class Compiled:
    """A translated query: WHERE (predicate + candidates) and ORDER BY."""

    where: Sql  # the residual predicate, checked on the candidates
    order_by: list[Sql]
    candidates: Sql | None = None
    pg: bool = False  # rendered for PostgreSQL (else SQLite)
    narrow: bool = False  # an index bounds the hits (names, id, categories)
    exact: bool = False  # the candidates are exactly the hits (where is TRUE)
    key_order: bool = False  # SQLite: ORDER BY reads only folio_key columns
    fts: str | None = None  # the hits are exactly those of this folio_fts MATCH (existing cards)


@dataclass
class _Part:
    """One translated clause: its exact predicate, an index superset of its hits (or None),
    and the residual still to check on that superset (None: the superset is exact)."""

    pred: Sql
    cand: Sql | None = None
    residual: Sql | None = None
    fts: str | None = None  # cand is exactly `folio_fts MATCH fts` (clauses merge into one MATCH)

    @property
    def exact(self) -> bool:
        return self.cand is not None and self.residual is None


def _inexact(pred: Sql, cand: Sql | None = None) -> _Part:
    return _Part(pred, cand, pred)


def _exact(pred: Sql, cand: Sql) -> _Part:
    return _Part(pred, cand, None)


def _fts_part(match: str) -> _Part:
    cand = Sql(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [match])
    # the predicate, for when the clause sits under an OR with an unindexed clause
    return _Part(Sql(f"contact.autokey IN ({cand.text})", [match]), cand, None, match)


@dataclass(frozen=True)
class _Engine:
    """What differs between the SQL of the two engines."""

    pg: bool

    @property
    def true(self) -> str:
        return "TRUE" if self.pg else "1"

    @property
    def false(self) -> str:
        return "FALSE" if self.pg else "0"

    def spec(self, index: str) -> FieldSpec:
        return field_spec(index, self.pg)

    def set_op(self, op: str, left: Sql, right: Sql) -> Sql:
        """`left op right` as one compound SELECT, whatever compounds the operands are."""
        if self.pg:
            return Sql(f"({left.text}) {op} ({right.text})", left.params + right.params)
        # SQLite groups compound operators left to right and takes no parentheses: a
        # compound on the right becomes a subquery (user text is never in .text).
        if " UNION " in right.text or " INTERSECT " in right.text:
            right = Sql(f"SELECT * FROM ({right.text})", right.params)
        return Sql(f"{left.text} {op} {right.text}", left.params + right.params)

    def and_not(self, left: Sql, right: Sql) -> Sql:
        """`a not b`: records where b is NULL (field missing) are kept."""
        if self.pg:
            return Sql(f"({left.text}) AND (({right.text}) IS NOT TRUE)", left.params + right.params)
        return Sql(f"({left.text}) AND (coalesce(({right.text}), 0) = 0)", left.params + right.params)


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


def translate(root: Node, pg: bool | None = None) -> Compiled:
    """Translate a parsed query for the current engine; CQLError carries FOLIO's 400 text."""
    keys: tuple[SortKey, ...] = ()
    if isinstance(root, Sort):
        keys = root.keys
        root = root.subtree
    eng = _Engine(_is_postgres() if pg is None else pg)
    part = _node(eng, root)
    order = [piece for pieces in (_sort_key(eng, key) for key in keys) for piece in pieces]
    if eng.pg:  # PostgreSQL keeps the whole predicate: its indexes are on the predicate's expressions
        return Compiled(part.pred, order, part.cand, True, _narrows(root))
    key_order = all(piece.text.startswith(f"{KEY_TABLE}.") for piece in order)
    where = part.residual if part.residual is not None else Sql(eng.true)
    return Compiled(where, order, part.cand, False, _narrows(root), part.exact, key_order, part.fts)


def _narrows(node: Node) -> bool:
    """Whether an index bounds the hits of `node` (a plan hint: the results never depend on it).

    PostgreSQL then sorts the hits rather than walking a sort index while filtering,
    which its planner favours even when the hits lie at the far end of that index.
    """
    if isinstance(node, Boolean):
        right = node.right
        if node.op == "or" and isinstance(right, Term) and right.term == "*" and right.relation == "=":
            return _narrows(node.left)
        if node.op == "or":
            return _narrows(node.left) and _narrows(right)
        if node.op == "and":
            return _narrows(node.left) or _narrows(right)
        return _narrows(node.left)
    if not isinstance(node, Term) or node.modifiers:
        return False
    relation = node.relation.lower()
    term = re.sub(r" +\*", "", node.term).strip()
    if node.index == "id":
        return relation in ("=", "==") and term not in ("", "*")
    if node.index == "categories":
        return relation in ("=", "adj", "all", "any") and bool(UUID_RE.match(term))
    if node.index in ("firstName", "lastName"):
        if relation in ("=", "adj", "all", "any"):
            return term not in ("", "*")
        return relation == "==" and literal_prefix(node.term)[0] != ""
    return False


def _is_postgres() -> bool:
    from models.connect import is_postgres

    return is_postgres()


def _node(eng: _Engine, node: Node) -> _Part:
    if isinstance(node, Term):
        return _term(eng, node)
    if isinstance(node, Boolean):
        return _boolean(eng, node)
    raise unsupported_error(f"Not implemented yet: org.z3950.zing.cql.{_java_class(node)}")


def _java_class(node: Node) -> str:
    if isinstance(node, Prefix):
        return "CQLPrefixNode"
    if isinstance(node, Sort):
        return "CQLSortNode"
    return "CQLProxNode"


def _boolean(eng: _Engine, node: Boolean) -> _Part:
    if node.op == "prox":
        raise unsupported_error("Not implemented yet: org.z3950.zing.cql.CQLProxNode")
    right = node.right
    # cql2pgjson: `x OR field=*` is simplified to `x` (a cql2pgjson quirk kept on purpose; docs/mapping/folio.md)
    if node.op == "or" and isinstance(right, Term) and right.term == "*" and right.relation == "=":
        return _node(eng, node.left)
    left = _node(eng, node.left)
    other = _node(eng, right)
    if left.fts and other.fts:
        # two exact FTS5 queries make one (the UI's `firstName="x*" or lastName="x*"`)
        return _fts_part(f"({left.fts}) {node.op.upper()} ({other.fts})")
    params = left.pred.params + other.pred.params
    if node.op == "and":
        pred = Sql(f"({left.pred.text}) AND ({other.pred.text})", params)
        return _Part(pred, _intersect(eng, left.cand, other.cand), _and(left.residual, other.residual))
    if node.op == "or":
        pred = Sql(f"({left.pred.text}) OR ({other.pred.text})", params)
        if left.cand is None or other.cand is None:
            return _inexact(pred)
        cand = eng.set_op("UNION", left.cand, other.cand)
        return _Part(pred, cand, None if left.exact and other.exact else pred)
    # NOT = AND NOT, and a NULL (missing field) on the right counts as not true
    residual = eng.and_not(left.residual if left.residual is not None else Sql(eng.true), other.pred)
    return _Part(eng.and_not(left.pred, other.pred), left.cand, residual)


def _and(left: Sql | None, right: Sql | None) -> Sql | None:
    """Both residuals (None: nothing to check)."""
    if left is None or right is None:
        return right if left is None else left
    return Sql(f"({left.text}) AND ({right.text})", left.params + right.params)


def _intersect(eng: _Engine, left: Sql | None, right: Sql | None) -> Sql | None:
    if left is None:
        return right
    if right is None:
        return left
    return eng.set_op("INTERSECT", left, right)


def _term(eng: _Engine, node: Term) -> _Part:
    if node.index.lower() == "cql.allrecords":
        return _inexact(Sql(eng.true))
    if node.index.lower() == "cql.serverchoice":
        raise validation_error("cql.serverChoice requested, but no serverChoiceIndexes defined.")
    _check_index(node.index)
    mods = _read_modifiers(node.modifiers)
    if node.index == "id":
        return _id_term(eng, node)
    spec = eng.spec(node.index)
    relation = node.relation.lower()
    if relation == "=" and mods.number:
        return _inexact(_compare(spec, node, "=", mods))
    if relation in ("=", "adj", "all", "any"):
        return _full_text(eng, spec, node, relation, mods)
    if relation in ("==", "<>"):
        if mods.number:
            return _inexact(_compare(spec, node, "=" if relation == "==" else "<>", mods))
        if mods.array:
            raise validation_error(f"CQL: Unsupported relation modifier {mods.array[0].name}")
        return _like(spec, node, relation)
    if relation in ("<", ">", "<=", ">="):
        return _inexact(_compare(spec, node, relation, mods))
    raise unsupported_error(f"Relation {relation} not implemented yet: {term_to_cql(node)}")


def _full_text(eng: _Engine, spec: FieldSpec, node: Term, relation: str, mods: _Mods) -> _Part:
    term = re.sub(r" +\*", "", node.term).strip()
    if term == "*":
        return _inexact(Sql(eng.true))
    if term == "":
        return _inexact(spec.defined())
    query = compile_query(term, relation)
    if mods.array:
        raise validation_error(f"CQL: Unsupported relation modifier {mods.array[0].name}")
    value = spec.text()
    if eng.pg:
        pred = _pg_each_value(spec, lambda text: _pg_full_text(text, query, term, relation))
    elif spec.flag is not None:
        return _inexact(_flag_test(spec, lambda text: matches(text, query)))
    else:
        pred = Sql(f"folio_ft({value.text}, ?, ?)", value.params + [relation, term])
    # (PostgreSQL needs no candidates for names: the predicate itself is GIN-indexed)
    if not eng.pg and spec.fts_column and query.words:
        words = [list(word) for word in query.words]
        match = fts_match(spec.fts_column, words, query.mode)
        if match and fts_exact(words, query.mode):
            return _fts_part(match)
        if match:
            return _inexact(pred, Sql(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [match]))
    if spec.name == "categories" and UUID_RE.match(term):
        return _inexact(pred, Sql("SELECT m.contact_autokey FROM group_membership m JOIN contact_group g "
                                  "ON g.autokey = m.group_autokey WHERE g.id = ?", [term.lower()]))
    return _inexact(pred)


def _flag_test(spec: FieldSpec, test: Callable[[str], bool | None]) -> Sql:
    """SQLite: a test of a boolean field's text ('true'/'false'), decided now for both values,
    so the row test is plain SQL on the (indexed, NOT NULL) column instead of a Python call."""
    yes, no = bool(test("true")), bool(test("false"))
    if yes == no:
        return Sql("1" if yes else "0")
    return Sql(f"{spec.flag} = {int(yes)}")


def _pg_each_value(spec: FieldSpec, predicate: Callable[[Sql], Sql]) -> Sql:
    """`predicate(field text)`; for a boolean field one per constant, which PostgreSQL folds
    at plan time instead of running the text search on every row."""
    if spec.flag is None:
        return predicate(spec.text())
    yes, no = predicate(Sql("'true'")), predicate(Sql("'false'"))
    return Sql(f"(CASE WHEN {spec.flag} THEN {yes.text} ELSE {no.text} END)", yes.params + no.params)


def _pg_full_text(value: Sql, query, term: str, relation: str) -> Sql:
    """cql2pgjson's `get_tsvector(f_unaccent(f)) @@ tsquery_*(f_unaccent(t))`."""
    text = tsquery_text(term, relation)
    if not query.words or text is None:
        return Sql("FALSE")  # a query without lexemes matches nothing
    return Sql(f"{PG_TEXT_SEARCH.format(value.text)} @@ to_tsquery('simple', ?)", value.params + [text])


def _like(spec: FieldSpec, node: Term, relation: str) -> _Part:
    value = spec.text()
    if spec.pg:
        # C collation: byte-wise like SQLite, and the B-tree of migration 0201 serves prefixes
        pattern = like_pattern(node.term)
        pred = _pg_each_value(spec, lambda text: Sql(f"({PG_FOLD.format(text.text)} COLLATE \"C\") LIKE ?",
                                                     text.params + [pattern]))
    elif spec.flag is not None:
        pred = _flag_test(spec, lambda text: like(text, node.term))
    else:
        pred = Sql(f"folio_like({value.text}, ?)", value.params + [node.term])
    if relation == "<>":
        return _inexact(Sql(f"NOT ({pred.text})", pred.params))
    if not spec.key_column or spec.pg:
        return _inexact(pred)
    # folio_key holds fold(name) (also for a NULL name: ""), the very text the pattern is matched on
    prefix, shape = literal_shape(node.term)
    column = f"{KEY_TABLE}.{spec.key_column}"
    if shape == "literal":
        cand = Sql(f"SELECT contact_autokey FROM {KEY_TABLE} WHERE {column} = ?", [prefix])
        return _exact(pred, cand) if prefix else _inexact(pred, cand)
    if not prefix:
        return _inexact(pred)
    upper = successor(prefix)
    cand = Sql(f"SELECT contact_autokey FROM {KEY_TABLE} WHERE {column} >= ? AND {column} < ?",
               [prefix, upper or prefix + "\U0010ffff"])
    # `abc*`: the key starts with abc, i.e. lies in [abc, abd)
    return _exact(pred, cand) if shape == "prefix" and upper else _inexact(pred, cand)


def _compare(spec: FieldSpec, node: Term, op: str, mods: _Mods) -> Sql:
    value = spec.text()
    if mods.number:
        if not PG_NUMBER.fullmatch(node.term):
            raise CQLError(f'invalid input syntax for type numeric: "{node.term}"')
        if spec.pg:
            return Sql(f"CAST(({value.text}) AS numeric) {op} CAST(? AS numeric)", value.params + [node.term])
        return Sql(f"folio_num({value.text}) {op} ?", value.params + [float(node.term)])
    literal = compare_literal(node.term)
    collate = ' COLLATE "C"' if spec.pg else ""  # raw byte order, as SQLite (and FOLIO's note 3.9 #32)
    return Sql(f"({value.text}){collate} {op} ?", value.params + [literal])


def _id_term(eng: _Engine, node: Term) -> _Part:
    """cql2pgjson's pgId(): the primary key, with UUID rules and right truncation."""
    if node.modifiers:
        raise validation_error(f"CQL: Unsupported modifier {node.modifiers[0].name}")
    op, term = node.relation, node.term
    if op in (">", "<", ">=", "<="):
        if not UUID_RE.match(term):
            raise validation_error(f"CQL: Invalid UUID after 'id{op}': {term}")
        return _inexact(Sql(f"contact.id {op} ?", [term.lower()]))
    if op not in ("==", "=", "<>"):
        raise validation_error(f"CQL: Unsupported operator '{op}', UUID id only supports '=', '==', "
                               "and '<>' (possibly with right truncation)")
    equals = op != "<>"
    true, false = eng.true, eng.false
    if term in ("", "*"):
        return _inexact(Sql(true if equals else false))
    if "*" not in term:
        if not UUID_RE.match(term):
            return _inexact(Sql(false if equals else true))
        if equals:
            return _exact(Sql("contact.id = ?", [term.lower()]),
                          Sql("SELECT autokey FROM contact WHERE id = ?", [term.lower()]))
        return _inexact(Sql("contact.id <> ?", [term.lower()]))
    trunc = term.removesuffix("*")
    if "*" in trunc:
        raise validation_error(f"CQL: only right truncation supported for id:  {term}")
    lo = (trunc + "00000000-0000-0000-0000-000000000000"[len(trunc):]).lower()
    hi = (trunc + "ffffffff-ffff-ffff-ffff-ffffffffffff"[len(trunc):]).lower()
    if not (UUID_RE.match(lo) and UUID_RE.match(hi)):
        return _inexact(Sql(false if equals else true))
    if equals:
        return _exact(Sql("(contact.id >= ? AND contact.id <= ?)", [lo, hi]),
                      Sql("SELECT autokey FROM contact WHERE id >= ? AND id <= ?", [lo, hi]))
    return _inexact(Sql("(contact.id < ? OR contact.id > ?)", [lo, hi]))


def _sort_key(eng: _Engine, key: SortKey) -> list[Sql]:
    mods = _read_modifiers(key.modifiers)
    desc = " DESC" if mods.descending else ""
    if key.index == "id":
        return [Sql(f"contact.id{desc}")]
    _check_index(key.index)
    spec = eng.spec(key.index)
    if eng.pg:
        expr = _pg_sort_expr(spec, mods)
        if spec.always_defined:
            # names: exactly an expression of the B-trees of migration 0201
            return [Sql(f"{expr.text}{desc}", expr.params)]
    elif mods.number:
        value = spec.text()
        expr = Sql(f"folio_num({value.text})", value.params)
    elif spec.key_column and mods.lower and mods.unaccent:
        # indexed: folio_key(last_key, first_key); names are never missing
        return [Sql(f"{KEY_TABLE}.{spec.key_column}{desc}")]
    else:
        value = spec.text()
        expr = Sql(f"folio_sortkey({value.text}, ?, ?)", value.params + [int(mods.lower), int(mods.unaccent)])
    # PostgreSQL puts NULL (missing) last ascending and first descending
    nulls = Sql(f"({expr.text}) IS NULL{desc}", expr.params)
    return [nulls, Sql(f"{expr.text}{desc}", expr.params)]


def _pg_sort_expr(spec: FieldSpec, mods: _Mods) -> Sql:
    """cql2pgjson's sort key (lower/unaccent as the modifiers say), in byte order."""
    value = spec.text()
    if mods.number:
        return Sql(f"CAST(({value.text}) AS numeric)", value.params)
    text = value.text
    if mods.unaccent:
        text = f"folio_unaccent({text})"
    if mods.lower:
        text = f"lower({text})"
    return Sql(f'({text} COLLATE "C")', value.params)
