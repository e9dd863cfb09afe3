"""Settings: command-line flags, else `CONTACTS_*` environment variables, else defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

DEFAULT_DATABASE_URL = "sqlite:///data/contacts.db"


def _env_bool(value: str) -> bool:
    return value.strip().lower() not in ("0", "off", "false", "no", "")


class ConfigError(ValueError):
    """A setting that cannot be used (the `contacts` command shows it as an error, not a traceback)."""


# The numeric settings' smallest (and largest) usable values, checked at start-up: a port
# out of range or no thread would otherwise fail deep in gunicorn ("Worker failed to boot").
_BOUNDS: dict[str, tuple[float, float | None]] = {
    "port": (1, 65535),
    "workers": (0, None),  # 0: one per CPU core
    "threads": (1, None),
    "max_body_bytes": (1, None),
    "wal_limit_bytes": (0, None),
    "request_read_timeout": (0.001, None),
    "ui_max_upload_bytes": (1, None),
}

_SERVE_FLAGS = ("port", "workers", "threads")  # settings `contacts serve` also takes as flags


def _number(kind: type, raw: str, name: str):
    try:
        return kind(raw)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name} must be {noun}, not {raw!r}") from None


@dataclass
class Config:
    """Everything the app and the server need to know at start-up."""

    database_url: str = DEFAULT_DATABASE_URL
    auth: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 0  # 0: one per CPU core
    threads: int = 4  # per worker: connections waiting on keep-alive cost nothing, GIL-bound work queues
    max_body_bytes: int = 1024 * 1024
    # SQLite: `full` (every acknowledged write is on disk) or `normal` (faster; see README).
    sqlite_synchronous: str = "full"
    # SQLite: past this size the WAL is truncated, holding writers briefly (see models.wal).
    wal_limit_bytes: int = 64 * 1024 * 1024
    # Seconds a client has to send a whole request (headers and body) once it began.
    request_read_timeout: float = 10.0
    osid_authority: str = "localhost"
    cors_origins: str = ""
    rate_limit: str = ""  # e.g. "120/minute"; empty: no limit
    rate_limit_storage: str = "memory://"
    ui_max_upload_bytes: int = 64 * 1024 * 1024  # the web UI's import upload (other bodies: max_body_bytes)
    extra: dict = field(default_factory=dict)

    ENV = {
        "database_url": "CONTACTS_DATABASE_URL",
        "auth": "CONTACTS_AUTH",
        "host": "CONTACTS_HOST",
        "port": "CONTACTS_PORT",
        "workers": "CONTACTS_WORKERS",
        "threads": "CONTACTS_THREADS",
        "max_body_bytes": "CONTACTS_MAX_BODY_BYTES",
        "request_read_timeout": "CONTACTS_REQUEST_READ_TIMEOUT",
        "sqlite_synchronous": "CONTACTS_SQLITE_SYNCHRONOUS",
        "wal_limit_bytes": "CONTACTS_WAL_LIMIT_BYTES",
        "osid_authority": "CONTACTS_OSID_AUTHORITY",
        "cors_origins": "CONTACTS_CORS_ORIGINS",
        "rate_limit": "CONTACTS_RATE_LIMIT",
        "rate_limit_storage": "CONTACTS_RATE_LIMIT_STORAGE",
        "ui_max_upload_bytes": "CONTACTS_UI_MAX_UPLOAD_BYTES",
    }

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Config":
        """Defaults, overridden by the environment, overridden by explicit values (flags)."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            name = cls.ENV.get(f.name)
            if name and environ.get(name) not in (None, ""):
                raw = environ[name]
                if f.type in ("bool", bool):
                    values[f.name] = _env_bool(raw)
                elif f.type in ("int", int):
                    values[f.name] = _number(int, raw, name)
                elif f.type in ("float", float):
                    values[f.name] = _number(float, raw, name)
                else:
                    values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        if config.sqlite_synchronous.lower() not in ("full", "normal", "extra"):
            raise ConfigError(f"CONTACTS_SQLITE_SYNCHRONOUS must be full, normal or extra, "
                              f"not {config.sqlite_synchronous!r}")
        for name, (low, high) in _BOUNDS.items():
            value = getattr(config, name)
            if value < low or (high is not None and value > high):
                limits = f"between {low} and {high}" if high is not None else f"at least {low}"
                flag = f" (or --{name})" if name in _SERVE_FLAGS else ""
                raise ConfigError(f"{cls.ENV[name]}{flag} must be {limits}, not {value}")
        return config

    def sqlite_settings(self):
        """How this configuration sets up each SQLite connection."""
        from models.connect import SqliteSettings

        return SqliteSettings(synchronous=self.sqlite_synchronous.lower(), journal_size_limit=self.wal_limit_bytes)
