"""The contacts service: `create_app(config)` and the `contacts` command-line entry point."""
from __future__ import annotations

import logging
import os

from flask import Flask, request
from flask_smorest import Api

from blueprints import register_dialects
from blueprints.auth import install_auth
from blueprints.docs import install_docs
from blueprints.errors import install_error_handlers
from blueprints.observability import install_observability
from blueprints.http import install_request_guards, json_response
from blueprints.item_reads import install_item_reads
from blueprints.protection import install_cors, install_rate_limit
from blueprints.ui import install_ui
from config import Config
from models import health
from models.connect import SqliteSettings, database, open_database
from models.schema import migrate
from schemas.folio import array_text as folio_array_text
from services.setup import install as install_services

log = logging.getLogger("contacts")

API_VERSION = "1.0.0"


class ContactsFlask(Flask):
    """Flask, remembering which of its hooks and views are coroutines.

    Flask asks `inspect.iscoroutinefunction` of every before/after-request hook and of the
    view on every request (`ensure_sync`); this app registers only plain functions, so
    the answer for each function is kept (about 20 us a request).
    """

    def ensure_sync(self, func):
        cache = self.__dict__.setdefault("_sync_functions", {})
        found = cache.get(func)
        if found is None:
            found = cache[func] = super().ensure_sync(func)
        return found


def create_app(config: Config | None = None, *, run_migrations: bool = True,
               sqlite: SqliteSettings | None = None) -> Flask:
    """Build the Flask app for `config` (default: from the environment); SQLite connections set up by `sqlite`."""
    config = config or Config.from_env()
    sqlite = sqlite or config.sqlite_settings()
    app = ContactsFlask(__name__)
    app.config.update(
        CONTACTS=config,
        CONTACTS_AUTH=config.auth,
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        API_TITLE="Contacts",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    db = open_database(config.database_url, sqlite)
    if run_migrations:
        migrate(db)
    # FOLIO's name indexer and CQL SQL functions (registered here, not on import).
    install_services(db, folio_array_text=folio_array_text)

    api = Api(app, spec_kwargs={"info": {"description": (
        "One address book, five contacts APIs: Niagara, FOLIO organizations-storage, "
        "Incoplax addressbook (with LOOKUP), MPDX organizations contacts and CampusAPI/OSID."
    )}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    register_dialects(api, app)
    _register_service_routes(app)
    install_ui(app)
    install_cors(app, config)
    install_auth(app)
    install_request_guards(app)
    install_rate_limit(app, config)
    install_error_handlers(app)
    install_observability(app)
    install_item_reads(app, config)  # last: the outermost WSGI layer
    return app


def _register_service_routes(app: Flask) -> None:
    install_docs(app)  # /docs: Swagger UI (local files) with the LOOKUP plugin

    @app.get("/healthz")
    def healthz():
        """Liveness: the process answers."""
        return json_response({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        """Readiness: the database answers a query and writes are not failing (e.g. a full disk)."""
        database.execute_sql("SELECT 1").fetchall()
        failure = health.write_failure()
        if failure is not None and not health.probe_write():  # the probe clears it once space is back
            return json_response({"status": "degraded", "database": "ok",
                                  "writes": f"failing: {health.write_failure() or failure}"}, 503)
        return json_response({"status": "ok", "database": "ok"})

    if os.environ.get("CONTACTS_BENCH_BASELINE") == "1":
        _register_bench_baseline(app)


def _register_bench_baseline(app: Flask) -> None:
    """bench/'s baseline: a JSON body of the asked size from memory (no database, no auth)."""
    bodies: dict[int, dict] = {}

    @app.get("/_bench/baseline")
    def bench_baseline():
        """Benchmark baseline (only with CONTACTS_BENCH_BASELINE=1): `bytes` of JSON from memory."""
        size = min(max(request.args.get("bytes", 1000, type=int), 16), 1 << 20)
        body = bodies.get(size)
        if body is None:
            body = bodies[size] = {"padding": "x" * (size - 14)}  # {"padding":""} is 14 bytes
        return json_response(body)


def main() -> None:
    """The `contacts` command."""
    import click

    from cli import cli
    from config import ConfigError

    try:
        cli(prog_name="contacts")
    except ConfigError as exc:  # a bad CONTACTS_* setting: said as click says a bad flag, no traceback
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
