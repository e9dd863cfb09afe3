"""Named settings stored in the database (table `app_setting`, migration 0700)."""
from __future__ import annotations

import secrets

from models.writer import run_write
from models.settings import AppSetting

SESSION_SECRET = "ui.session_secret"


def get_setting(name: str) -> str | None:
    """The stored value of `name`, or None."""
    row = AppSetting.select(AppSetting.value).where(AppSetting.name == name).tuples().first()
    return row[0] if row else None


def session_secret() -> str:
    """The UI's cookie-signing secret: made by migration 0700, made again if someone deleted it.

    Deleting the row (and restarting the server) signs every UI user out.
    """
    value = get_setting(SESSION_SECRET)
    if value is None:
        run_write(lambda: AppSetting.insert(name=SESSION_SECRET, value=secrets.token_urlsafe(48))
                  .on_conflict_ignore().execute())
        value = get_setting(SESSION_SECRET)
    return value
