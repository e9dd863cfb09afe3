"""The address book hierarchy: a directed acyclic graph of parent -> child edges.

OSID: "An OSID Id may have one or more parents or children and the hierarchy itself
represents a directed acyclic graph." A book is *in* the hierarchy when it takes part
in an edge (or is the default book); roots are such books without parents. Books in no
edge are orphans: known by id, absent from traversals.
"""
from __future__ import annotations

from peewee import JOIN, ModelSelect, fn

from models.writer import run_write
from models.osid import OsidAddressBook, OsidBookEdge

from ..errors import Conflict, Invalid, NotFound


def descendants(book_pk: int, *, include_self: bool = True):
    """A select of the pks of every book below `book_pk` (recursive CTE, each pk once)."""
    edge = OsidBookEdge.alias("e")
    base = (OsidBookEdge.select(OsidBookEdge.child.alias("pk"))
            .where(OsidBookEdge.parent == book_pk)
            .cte("below", recursive=True, columns=("pk",)))
    step = edge.select(edge.child).join(base, on=(edge.parent == base.c.pk))
    cte = base.union(step)  # UNION, not UNION ALL: a DAG reaches a node along many paths
    below = cte.select_from(cte.c.pk)
    if include_self:
        return OsidAddressBook.select(OsidAddressBook.pk).where(
            (OsidAddressBook.pk == book_pk) | OsidAddressBook.pk.in_(below))
    return below


def is_descendant(candidate_pk: int, of_pk: int) -> bool:
    """Whether `candidate_pk` is reachable downwards from `of_pk`."""
    edge = OsidBookEdge.alias("e")
    base = (OsidBookEdge.select(OsidBookEdge.child.alias("pk"))
            .where(OsidBookEdge.parent == of_pk)
            .cte("below", recursive=True, columns=("pk",)))
    step = edge.select(edge.child).join(base, on=(edge.parent == base.c.pk))
    cte = base.union(step)
    return cte.select_from(cte.c.pk).where(cte.c.pk == candidate_pk).exists()


def add_child(parent_pk: int, child_pk: int, parent_label: str, child_label: str) -> None:
    """Add the edge parent -> child; duplicates, self-edges and cycles are refused."""
    if parent_pk == child_pk:
        raise Invalid(f"An address book cannot be its own child: {child_label}", field="childId")

    def _add():
        exists = (OsidBookEdge.select().where((OsidBookEdge.parent == parent_pk)
                                              & (OsidBookEdge.child == child_pk)).exists())
        if exists:
            raise Conflict(f"{child_label} is already a child of {parent_label}", field="childId")
        if is_descendant(parent_pk, child_pk):
            raise Conflict(f"Adding {child_label} as a child of {parent_label} would create a cycle: "
                           f"{parent_label} is already below {child_label} in the hierarchy",
                           field="childId")
        OsidBookEdge.insert(parent=parent_pk, child=child_pk).execute()
    run_write(_add)


def remove_child(parent_pk: int, child_pk: int, parent_label: str, child_label: str) -> None:
    """Remove the edge parent -> child, NotFound when there is none."""
    def _remove():
        removed = (OsidBookEdge.delete().where((OsidBookEdge.parent == parent_pk)
                                               & (OsidBookEdge.child == child_pk)).execute())
        if not removed:
            raise NotFound(f"{child_label} is not a child of {parent_label}")
    run_write(_remove)


def children_select(book_pk: int) -> ModelSelect:
    """Books directly below `book_pk`."""
    return OsidAddressBook.select().where(OsidAddressBook.pk.in_(
        OsidBookEdge.select(OsidBookEdge.child).where(OsidBookEdge.parent == book_pk)))


def parents_select(book_pk: int) -> ModelSelect:
    """Books directly above `book_pk`."""
    return OsidAddressBook.select().where(OsidAddressBook.pk.in_(
        OsidBookEdge.select(OsidBookEdge.parent).where(OsidBookEdge.child == book_pk)))


def roots_select() -> ModelSelect:
    """Books in the hierarchy without parents: the default book and parents of any edge."""
    up = OsidBookEdge.alias("up")
    has_children = OsidBookEdge.select(OsidBookEdge.child).where(OsidBookEdge.parent == OsidAddressBook.pk)
    return (OsidAddressBook.select()
            .join(up, JOIN.LEFT_OUTER, on=(up.child == OsidAddressBook.pk))
            .where(up.child.is_null()
                   & (OsidAddressBook.is_default | fn.EXISTS(has_children))))
