"""Settings the server keeps in its own database (e.g. the UI's session-signing secret)."""
from __future__ import annotations

from peewee import CharField, TextField

from .base import BaseModel


class AppSetting(BaseModel):
    """One named value, created once and kept with the data it belongs to."""

    name = CharField(max_length=64, primary_key=True)
    value = TextField()

    class Meta:
        table_name = "app_setting"
