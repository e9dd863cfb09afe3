"""The canonical store: Peewee models and the one database layer (no HTTP here)."""
from .auth import ApiToken
from .base import BaseModel, utcnow
from .contact import (
    CHILD_MODELS,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactGroup,
    ContactPhone,
    ContactUrl,
    GroupMembership,
)
from .connect import database, open_database
from .writer import run_write, write_transaction

__all__ = [
    "ApiToken",
    "BaseModel",
    "CHILD_MODELS",
    "Contact",
    "ContactAddress",
    "ContactEmail",
    "ContactGroup",
    "ContactPhone",
    "ContactUrl",
    "GroupMembership",
    "database",
    "open_database",
    "run_write",
    "utcnow",
    "write_transaction",
]
