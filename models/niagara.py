"""Niagara relations: typed edges from a contact to another entity (docs/mapping/niagara.md)."""
from __future__ import annotations

from peewee import AutoField, CharField, ForeignKeyField, TextField

from .base import BaseModel, UTCTimestampField, utcnow
from .contact import Contact


class NiagaraRelation(BaseModel):
    """One edge, stored once: OUTWARD from `contact`, INWARD at `target` when it is a contact."""

    pk = AutoField()  # keyset order of relation pages
    relation_id = CharField(max_length=255, unique=True)  # opaque public id
    # Both ends cascade, so deleting either contact removes the edge.
    contact = ForeignKeyField(Contact, backref="+", on_delete="CASCADE", column_name="contact_autokey",
                              index=False)  # the unique index below leads with it (migration 0750)
    relation = TextField()
    entity_type = TextField()
    entity_id = TextField()
    target = ForeignKeyField(Contact, backref="+", null=True, on_delete="CASCADE",
                             column_name="target_autokey")
    created = UTCTimestampField(default=utcnow)
    updated = UTCTimestampField(default=utcnow)

    class Meta:
        table_name = "niagara_relation"
        # One edge per (source, relation, entity); also serves the source's lookups.
        indexes = ((("contact", "relation", "entity_type", "entity_id"), True),)
