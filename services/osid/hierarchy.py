"""The address book hierarchy: a directed acyclic graph of parent -> child edges.

OSID: "An OSID Id may have one or more parents or children and the hierarchy itself
represents a directed acyclic graph." A book is *in* the hierarchy when it takes part
in an edge (or is the default book); roots are such books without parents. Books in no
edge are orphans: known by id, absent from traversals.
"""
from __future__ import annotations

from peewee import JOIN, ModelSelect, fn

from models.osid import OsidAddressBook, OsidBookEdge
from models.writer import run_write

from ..errors import Conflict, Invalid, NotFound
from . import objects
from .common import KIND_BOOK, page
from .ids import BOOK_NS, format_id


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


def scope(book_pk: int, federated: bool):
    """The books a listing of `book_pk` covers: that book, plus those below it when `federated`."""
    return descendants(book_pk) if federated else [book_pk]


def list_scope(book_id: str | None, federated: bool, authority: str):
    """Book pks a list is limited to by `addressBookId` (+ `federated`): None for all, [] for an unknown book."""
    if not book_id:
        return None
    book = objects.find(KIND_BOOK, book_id, authority)
    return [] if book is None else scope(book["pk"], federated)


def _label(book: dict, authority: str) -> str:
    return f"addressBook {format_id(BOOK_NS, book['ident'], authority)}"


def _edge(book_id: str, child_id: str, authority: str) -> tuple[dict, dict]:
    return (objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY),
            objects.book(child_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY))


def add_child(book_id: str, child_id: str, authority: str) -> None:
    """Add the edge parent -> child; unknown books, duplicates, self-edges and cycles are refused."""
    parent, child = _edge(book_id, child_id, authority)
    parent_pk, child_pk = parent["pk"], child["pk"]
    parent_label, child_label = _label(parent, authority), _label(child, authority)
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


def remove_child(book_id: str, child_id: str, authority: str) -> None:
    """Remove the edge parent -> child; NotFound for unknown books or when there is no such edge."""
    parent, child = _edge(book_id, child_id, authority)

    def _remove():
        removed = (OsidBookEdge.delete().where((OsidBookEdge.parent == parent["pk"])
                                               & (OsidBookEdge.child == child["pk"])).execute())
        if not removed:
            raise NotFound(f"{_label(child, authority)} is not a child of {_label(parent, authority)}")
    run_write(_remove)


def roots(offset: int, limit: int) -> list[dict]:
    """A page of the root books (in the hierarchy, without parents)."""
    return page(roots_select(), OsidAddressBook, offset, limit)


def children(book_id: str, authority: str, offset: int, limit: int) -> list[dict]:
    """A page of the books directly below the book `book_id` names (NotFound when none)."""
    book = objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY)
    return page(children_select(book["pk"]), OsidAddressBook, offset, limit)


def parents(book_id: str, authority: str, offset: int, limit: int) -> list[dict]:
    """A page of the books directly above the book `book_id` names (NotFound when none)."""
    book = objects.book(book_id, authority, objects.BOOK_NOT_FOUND_HIERARCHY)
    return page(parents_select(book["pk"]), OsidAddressBook, offset, limit)


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
