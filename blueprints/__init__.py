"""Dialect blueprints (one module per API) and the shared HTTP layer beneath them."""
from __future__ import annotations

import importlib

from flask import Flask
from flask_smorest import Api

# Each module exposes `register(api, app)`, which registers its blueprint(s) and its
# error format. Order does not matter; prefixes do not overlap.
DIALECTS = (
    "blueprints.niagara",
    "blueprints.folio",
    "blueprints.incoplax",
    "blueprints.mpdx",
    "blueprints.osid",
    "blueprints.carddav",
)


def register_dialects(api: Api, app: Flask) -> None:
    """Register every dialect's routes and error format on the app."""
    for name in DIALECTS:
        importlib.import_module(name).register(api, app)
