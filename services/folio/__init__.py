"""CQL for FOLIO: a cql-java 1.13 parser and a cql2pgjson-faithful evaluator on the canonical store."""
from __future__ import annotations

from functools import lru_cache

from .errors import CQLError
from .parser import parse
from .translate import Compiled, translate


def compile_cql(text: str) -> Compiled:
    """Parse and translate a CQL query; CQLError carries FOLIO's 400 text."""
    from models.connect import is_postgres

    return _compiled(text, is_postgres())


@lru_cache(maxsize=256)
def _compiled(text: str, pg: bool) -> Compiled:
    # A UI sends a few query texts over and over; a Compiled is never modified once made.
    return translate(parse(text), pg)


__all__ = ["CQLError", "Compiled", "compile_cql", "parse", "translate"]
