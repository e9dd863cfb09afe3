"""The canonical store: Peewee models and the one database layer (no HTTP here)."""
from .auth import ApiToken
from .base import BaseModel, utcnow
from .contact import (
    CHILD_MODELS,
    CHILD_SKIP,
    DENORMALISED_PRIMARIES,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactGroup,
    ContactPhone,
    ContactUrl,
    GroupMembership,
    primary_position,
)
from .connect import database, open_database
from .writer import run_write, write_transaction

__all__ = [
    "ApiToken",
    "BaseModel",
    "CHILD_MODELS",
    "CHILD_SKIP",
    "Contact",
    "ContactAddress",
    "ContactEmail",
    "ContactGroup",
    "ContactPhone",
    "ContactUrl",
    "DENORMALISED_PRIMARIES",
    "GroupMembership",
    "database",
    "open_database",
    "primary_position",
    "run_write",
    "utcnow",
    "write_transaction",
]
