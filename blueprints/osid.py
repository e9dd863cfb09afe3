"""The osid dialect (not built yet: see its issue)."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def register(api: Api, app: Flask) -> None:
    """Register the dialect's routes and error format (none yet)."""
