"""Niagara relations: one stored edge, seen OUTWARD from its source and INWARD at a contact target.

An *edge* dict is a relation as seen from one contact (the viewer): key (keyset position), relation_id,
relation, direction, created, updated, viewer_id and the entity at the other end
(entity_type, entity_id, entity_label, entity_created, entity_updated).
"""
from __future__ import annotations

import base64
import uuid

from peewee import JOIN, SQL, IntegrityError, fn

from models import Contact, utcnow
from models.writer import run_write
from models.niagara import NiagaraRelation

from ..errors import Conflict, FieldError, Invalid, NotFound

CONTACT_TYPE = "CON"
Source = Contact.alias("source")
Target = Contact.alias("target")


def _viewer(contact_id: str) -> dict:
    rows = list(Contact.select(Contact.autokey, Contact.id).where(Contact.id == contact_id).dicts())
    if not rows:
        raise NotFound(f"Contact {contact_id} not found", resource="contact", id=contact_id)
    return rows[0]


def new_relation_id(entity_type: str, relation: str) -> str:
    """An opaque id in the style of Niagara's (base64url of a DynamoDB-like key)."""
    key = f"{entity_type}#rel:{relation}#{uuid.uuid4()}".encode("ascii")
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def _where_viewer(autokey: int, direction: str | None):
    outward = NiagaraRelation.contact == autokey
    inward = NiagaraRelation.target == autokey
    if direction == "OUTWARD":
        return outward
    if direction == "INWARD":
        return inward
    return outward | inward


def _filtered(autokey: int, filters: dict):
    """Edges of one contact matching filter[direction], filter[relation], filter[entity_type]."""
    direction = filters.get("direction")
    cond = _where_viewer(autokey, direction)
    if filters.get("relation"):
        cond &= NiagaraRelation.relation == filters["relation"]
    entity_type = filters.get("entity_type")
    if entity_type:
        # Seen INWARD, the entity is always the source contact.
        outward = (NiagaraRelation.contact == autokey) & (NiagaraRelation.entity_type == entity_type)
        inward = NiagaraRelation.target == autokey
        if entity_type != CONTACT_TYPE:
            cond &= outward
        else:
            cond &= outward | inward
    return cond


def _select():
    return (NiagaraRelation
            .select(NiagaraRelation, Source.id.alias("source_id"), Source.display_name.alias("source_name"),
                    Source.created.alias("source_created"), Source.updated.alias("source_updated"),
                    Target.display_name.alias("target_name"), Target.created.alias("target_created"),
                    Target.updated.alias("target_updated"))
            .join(Source, on=(NiagaraRelation.contact == Source.autokey))
            .switch(NiagaraRelation)
            .join(Target, JOIN.LEFT_OUTER, on=(NiagaraRelation.target == Target.autokey)))


def _edge(row: dict, viewer: dict) -> dict:
    """A stored relation row as the viewer sees it."""
    outward = row["contact"] == viewer["autokey"]
    edge = {"key": row["pk"], "relation_id": row["relation_id"], "relation": row["relation"],
            "direction": "OUTWARD" if outward else "INWARD",
            "created": row["created"], "updated": row["updated"], "viewer_id": viewer["id"]}
    if not outward:
        edge.update(entity_type=CONTACT_TYPE, entity_id=row["source_id"], entity_label=row["source_name"],
                    entity_created=row["source_created"], entity_updated=row["source_updated"])
    elif row["target"] is not None:
        edge.update(entity_type=CONTACT_TYPE, entity_id=row["entity_id"], entity_label=row["target_name"],
                    entity_created=row["target_created"], entity_updated=row["target_updated"])
    else:
        # Entities of other types live outside this service: known by id only.
        edge.update(entity_type=row["entity_type"], entity_id=row["entity_id"], entity_label=row["entity_id"],
                    entity_created=row["created"], entity_updated=row["created"])
    return edge


def page(contact_id: str, filters: dict, after: int, limit: int) -> tuple[list[dict], bool, int]:
    """One page of a contact's edges (keyset on the relation key), whether more follow, the total."""
    viewer = _viewer(contact_id)
    cond = _filtered(viewer["autokey"], filters)
    rows = list(_select().where(cond & (NiagaraRelation.pk > after))
                .order_by(NiagaraRelation.pk).limit(limit + 1).dicts())
    total = NiagaraRelation.select(fn.COUNT(SQL("*"))).where(cond).scalar() or 0
    edges = [_edge(row, viewer) for row in rows[:limit]]
    return edges, len(rows) > limit, total


def create(contact_id: str, relation: str, entity_type: str, entity_id: str) -> dict:
    """Add an OUTWARD edge from a contact; a contact target sees it INWARD."""
    def _create() -> dict:
        viewer = _viewer(contact_id)
        target = None
        if entity_type == CONTACT_TYPE:
            rows = list(Contact.select(Contact.autokey).where(Contact.id == entity_id).tuples())
            if not rows:
                raise NotFound(f"Contact {entity_id} not found", resource="contact", id=entity_id)
            target = rows[0][0]
            if target == viewer["autokey"]:
                raise Invalid("A contact cannot be related to itself", errors=[FieldError(
                    "entity.entity_id", "should not be the contact itself", "not", entity_id)])
        now = utcnow()
        relation_id = new_relation_id(entity_type, relation)
        try:
            NiagaraRelation.insert(relation_id=relation_id, contact=viewer["autokey"], relation=relation,
                                   entity_type=entity_type, entity_id=entity_id, target=target,
                                   created=now, updated=now).execute()
        except IntegrityError:
            raise Conflict("A similar resource exists: the contact already has this relation to "
                           f"{entity_type} {entity_id}") from None
        return _get(viewer, relation_id)
    return run_write(_create)


def _get(viewer: dict, relation_id: str) -> dict:
    rows = list(_select().where((NiagaraRelation.relation_id == relation_id)
                                & _where_viewer(viewer["autokey"], None)).dicts())
    if not rows:
        raise NotFound(f"Relation {relation_id} not found", resource="relation", id=relation_id)
    return _edge(rows[0], viewer)


def delete(contact_id: str, relation_id: str) -> dict:
    """Remove an edge from either of its contacts; returns it as that contact saw it."""
    def _delete() -> dict:
        viewer = _viewer(contact_id)
        edge = _get(viewer, relation_id)
        NiagaraRelation.delete().where(NiagaraRelation.relation_id == relation_id).execute()
        return edge
    return run_write(_delete)
