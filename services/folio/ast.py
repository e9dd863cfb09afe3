"""CQL parse tree: the node kinds cql-java 1.13 produces (term, boolean, sort, prefix)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Modifier:
    """A `/name` or `/name<comparison>value` modifier; the name is lower-cased like cql-java."""

    name: str
    comparison: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Term:
    """`index relation term` (a search clause)."""

    index: str
    relation: str
    term: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Boolean:
    """`left op right` with op one of and, or, not, prox."""

    op: str
    left: Node
    right: Node
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Prefix:
    """`> name = "identifier" subtree` (parsed, never supported by cql2pgjson)."""

    name: str | None
    identifier: str
    subtree: Node


@dataclass(frozen=True)
class SortKey:
    """One `sortby` key: an index and its modifiers."""

    index: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Sort:
    """A query with its `sortby` keys."""

    subtree: Node
    keys: tuple[SortKey, ...] = field(default_factory=tuple)


Node = Term | Boolean | Prefix | Sort
