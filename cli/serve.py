"""`contacts serve`: the production server (gunicorn, pre-fork threaded workers)."""
from __future__ import annotations

import functools
import gc
import logging
import os
import sys

import click

from config import Config
from models.connect import database, multi_writer_safe, open_database, sqlite_version
from models.schema import migrate
from models.serving import hold_as_server
from blueprints.observability import prepare_multiprocess_dir, worker_exited
from services import tokens

from .options import describe, one_line, prepare_file

log = logging.getLogger("contacts")


def _prepare(config: Config) -> None:
    """Migrate, check the engine and create the first token, then close (before fork)."""
    created = prepare_file(config.database_url)
    click.echo(f"database: {describe(config.database_url)}{' (new, empty)' if created else ''}", err=True)
    try:
        db = open_database(config.database_url, config.sqlite_settings())
        # Held for the server's life: an import's fast path (no WAL) is not taken meanwhile, and
        # one under way is waited for (see models.serving).
        hold_as_server(db, on_wait=lambda: click.echo(
            "an import is loading this database without its WAL; waiting for it to finish", err=True))
        version = sqlite_version(db)
        if version is not None:
            click.echo(f"SQLite {'.'.join(map(str, version))} ({type(db).__name__})", err=True)
        if config.workers * config.threads > 1 and not multi_writer_safe(db):
            raise click.ClickException(
                f"SQLite {'.'.join(map(str, version))} is not safe with several writing connections "
                "(needs >= 3.51.3): use a sqlite:// URL (APSW, bundled SQLite) or --workers 1 --threads 1")
        applied = migrate(db)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 - an unreachable server, a bad file: one line, exit 1
        raise click.ClickException(f"cannot open the database {describe(config.database_url)}: "
                                   f"{one_line(exc)}") from None
    if applied:
        click.echo(f"database schema: applied {', '.join(applied)}", err=True)
    if not config.auth:
        click.secho("WARNING: authentication is OFF (CONTACTS_AUTH=off): anyone who can reach "
                    f"{config.host}:{config.port} can read and change every contact.",
                    fg="red", bold=True, err=True)
    elif tokens.active_token_count() == 0:
        plaintext, _ = tokens.create_token(["*"], "first token (created by serve)")
        click.echo("No API token existed, so one with scope * was created. It is shown only once:")
        click.echo(f"\n    {plaintext}\n")
        click.echo(f"Try:  curl -H 'Authorization: Bearer {plaintext}' "
                   f"http://{config.host}:{config.port}/rest/v1/addressbook/contacts\n")
    db.close()
    database.initialize(None)


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port somebody listens on: with SO_REUSEPORT (see load_config) a second
    server on it would start and silently share the connections."""
    import socket

    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        # as gunicorn binds: connections of a server just stopped (TIME_WAIT) do not count
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _gunicorn_app(config: Config):
    from gunicorn.app.base import BaseApplication

    class ContactsServer(BaseApplication):
        """gunicorn running `create_app(config)` in each worker, created after fork."""

        def load_config(self):
            self.cfg.set("bind", f"{config.host}:{config.port}")
            self.cfg.set("workers", config.workers)
            # Threaded workers keep connections alive (a sync worker closes every one, and
            # reconnecting costs more than a GET by id); SQLite connections are per thread.
            # gthread with each request read whole by the event loop, under a deadline, before
            # a thread takes it: slow clients hold no thread (see cli.http_worker).
            from cli.http_worker import ReadAheadThreadWorker

            ReadAheadThreadWorker.read_timeout = config.request_read_timeout
            ReadAheadThreadWorker.max_body = config.max_body_bytes
            self.cfg.set("worker_class", "cli.http_worker.ReadAheadThreadWorker")
            self.cfg.set("worker_connections", 1000)
            # A listening socket per worker (SO_REUSEPORT): the kernel spreads new connections
            # over the workers. On one shared socket whichever worker woke first took them, and
            # a few keep-alive clients could all land on one worker, which then ran at GIL speed
            # on one core while the other idled (bench runs at 25-45% of the usual req/s).
            self.cfg.set("reuse_port", True)
            self.cfg.set("threads", config.threads)
            self.cfg.set("keepalive", 5)
            # The largest request line gunicorn allows: longer URLs get gunicorn's plain 400,
            # up to 8 KiB the app answers (414 in the dialect's format above its own limit).
            self.cfg.set("limit_request_line", 8190)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")
            # Metrics of several workers are summed from PROMETHEUS_MULTIPROC_DIR (set in serve).
            self.cfg.set("child_exit", lambda server, worker: worker_exited(worker.pid))

        def load(self):
            from app import create_app
            from models.wal import deferred_checkpoints, start_checkpointer
            from services.folio import name_index

            # The connections skip the checkpoint on commit: the thread started below runs them.
            app = create_app(config, run_migrations=False, sqlite=deferred_checkpoints(config.sqlite_settings()))
            # New cards reach FOLIO's index in batches; the WAL is truncated past its limit.
            # A budget per tick, so that the checkpoint after it runs twice a second under any load.
            start_checkpointer(tasks=(functools.partial(name_index.flush, budget_seconds=0.25),),
                               wal_limit=config.wal_limit_bytes)
            # The app's modules, routes and schemas live as long as the worker: moved out of
            # the collector's generations, they are no longer traversed by every full
            # collection, which otherwise pauses a request now and then for milliseconds.
            gc.freeze()
            return app

    return ContactsServer()


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1)")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default 8080)")
@click.option("--database-url", default=None, help="playhouse.db_url URL")
@click.option("--workers", default=None, type=click.IntRange(0),
              help="Worker processes (default, or 0: one per CPU core)")
@click.option("--threads", default=None, type=click.IntRange(1), help="Threads per worker (default 4)")
def serve(host, port, database_url, workers, threads) -> None:
    """Run the server with gunicorn (not the Flask development server)."""
    config = Config.from_env(host=host, port=port, database_url=database_url, workers=workers,
                             threads=threads)
    if not config.workers:
        config.workers = os.cpu_count() or 1
    _check_port_free(config.host, config.port)
    _prepare(config)
    prepare_multiprocess_dir()  # before the workers fork and import prometheus_client
    click.echo(f"contacts serving on http://{config.host}:{config.port} "
               f"with {config.workers} worker(s) x {config.threads} thread(s); docs at /docs", err=True)
    sys.argv = sys.argv[:1]  # gunicorn must not parse our flags
    _gunicorn_app(config).run()
