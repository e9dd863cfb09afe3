"""CQL errors, carrying the exact texts RMB answers with (docs/mapping/folio.md lists them)."""
from __future__ import annotations

QVE = "org.folio.cql2pgjson.exception.QueryValidationException"
CFU = "org.folio.cql2pgjson.exception.CQLFeatureUnsupportedException"
PARSE = "org.z3950.zing.cql.CQLParseException"


class CQLError(Exception):
    """A query FOLIO rejects with 400; `text` is the whole response body."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class CQLParseError(CQLError):
    """cql-java could not parse the query (wrapped in a QueryValidationException)."""

    def __init__(self, message: str):
        super().__init__(f"{QVE}: {PARSE}: {message}")
        self.message = message


def validation_error(message: str) -> CQLError:
    """cql2pgjson's QueryValidationException."""
    return CQLError(f"{QVE}: {message}")


def unsupported_error(message: str) -> CQLError:
    """cql2pgjson's CQLFeatureUnsupportedException."""
    return CQLError(f"{CFU}: {message}")


class CQLRuntimeError(CQLError):
    """A failure while the database evaluates the query (PostgreSQL would answer 400 too)."""
