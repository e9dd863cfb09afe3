"""CQL for FOLIO: a cql-java 1.13 parser and a cql2pgjson-faithful evaluator on the canonical store."""
from __future__ import annotations

from .errors import CQLError
from .parser import parse
from .translate import Compiled, translate


def compile_cql(text: str) -> Compiled:
    """Parse and translate a CQL query; CQLError carries FOLIO's 400 text."""
    return translate(parse(text))


__all__ = ["CQLError", "Compiled", "compile_cql", "parse", "translate"]
