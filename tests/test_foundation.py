"""The service skeleton: auth, config, CLI, OpenAPI/docs, health, and the real server."""
from __future__ import annotations

import http.client
import json

import pytest
from click.testing import CliRunner

from cli import cli
from config import Config
from tests.live_server import LiveServer, request

BASE = "/rest/v1/addressbook/contacts"


# ---------------------------------------------------------------- auth

def test_no_token_is_401_in_dialect_format(client):
    r = client.get(BASE)
    assert r.status_code == 401
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.json == {"error_code": 1401,
                      "error_message": "Authentication required: send Authorization: Bearer <token>"}


def test_garbage_and_revoked_tokens_are_401(app, client, token):
    assert client.get(BASE, headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get(BASE, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from services.tokens import revoke_token

    with app.app_context():
        assert revoke_token(token) == 1
    r = client.get(BASE, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json["error_message"] == "Invalid or revoked token"


@pytest.mark.parametrize("scope, method, allowed", [
    ("contacts:read", "GET", True),
    ("contacts:read", "POST", False),
    ("contacts:create", "POST", True),
    ("contacts:create", "GET", False),
    ("contacts:update", "PATCH", True),
    ("contacts:delete", "PATCH", False),
    ("contacts:delete", "DELETE", True),
])
def test_scopes(client, make_token, auth, scope, method, allowed):
    created = client.post(BASE, json={"displayname": "A", "number": "1"}, headers=auth).json
    headers = {"Authorization": f"Bearer {make_token(scope)}"}
    url = BASE if method in ("GET", "POST") else f"{BASE}/{created['id']}"
    body = {"displayname": "B", "number": "2"} if method in ("POST", "PATCH") else None
    r = client.open(url, method=method, json=body, headers=headers)
    if allowed:
        assert r.status_code in (200, 204), r.data
    else:
        assert r.status_code == 403
        assert r.json["error_code"] == 1403 and "lacks the scope" in r.json["error_message"]


def test_okapi_token_header_is_accepted(client, token):
    assert client.get(BASE, headers={"X-Okapi-Token": token}).status_code == 200


def test_auth_off(tmp_path):
    from app import create_app

    app = create_app(Config(database_url=f"sqlite:///{tmp_path}/a.db", auth=False))
    assert app.test_client().get(BASE).status_code == 200


def test_tokens_are_stored_hashed(app, token):
    from models import ApiToken

    with app.app_context():
        stored = [row.token_hash for row in ApiToken.select()]
    assert token not in stored and all(len(h) == 64 for h in stored)


# ---------------------------------------------------------------- service routes

def test_health_and_ready_need_no_token(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_openapi_describes_incoplax_and_lookup(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json
    assert spec["openapi"].startswith("3.")
    contacts = spec["paths"]["/rest/v1/addressbook/contacts"]
    assert {"get", "post", "x-lookup"} <= set(contacts)
    assert contacts["get"]["summary"] == "List contacts."
    assert "IncoplaxContact" in spec["components"]["schemas"]
    assert "/rest/v1/addressbook/combined_contacts" in spec["paths"]


def test_docs_are_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in html and "http" not in html.split("<body>")[1].split("url:")[0]
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_unknown_path_outside_dialects_is_json_404(client):
    r = client.get("/nope")
    assert r.status_code == 404
    assert r.json == {"error": {"status": 404, "message": "No resource at /nope"}}


# ---------------------------------------------------------------- config and CLI

def test_config_from_env_and_flags():
    env = {"CONTACTS_DATABASE_URL": "sqlite:///x.db", "CONTACTS_AUTH": "off", "CONTACTS_PORT": "9000"}
    config = Config.from_env(env, port=9100)
    assert config.database_url == "sqlite:///x.db" and config.auth is False and config.port == 9100
    assert Config.from_env({}).database_url == "sqlite:///data/contacts.db"


@pytest.mark.parametrize("environ, message", [
    ({"CONTACTS_PORT": "abc"}, "CONTACTS_PORT must be an integer, not 'abc'"),
    ({"CONTACTS_PORT": "0"}, "CONTACTS_PORT (or --port) must be between 1 and 65535, not 0"),
    ({"CONTACTS_PORT": "65536"}, "CONTACTS_PORT (or --port) must be between 1 and 65535, not 65536"),
    ({"CONTACTS_WORKERS": "-1"}, "CONTACTS_WORKERS (or --workers) must be at least 0, not -1"),
    ({"CONTACTS_THREADS": "0"}, "CONTACTS_THREADS (or --threads) must be at least 1, not 0"),
    ({"CONTACTS_MAX_BODY_BYTES": "0"}, "CONTACTS_MAX_BODY_BYTES must be at least 1, not 0"),
    ({"CONTACTS_REQUEST_READ_TIMEOUT": "soon"}, "CONTACTS_REQUEST_READ_TIMEOUT must be a number, not 'soon'"),
    ({"CONTACTS_REQUEST_READ_TIMEOUT": "0"}, "CONTACTS_REQUEST_READ_TIMEOUT must be at least 0.001, not 0.0"),
    ({"CONTACTS_WAL_LIMIT_BYTES": "-1"}, "CONTACTS_WAL_LIMIT_BYTES must be at least 0, not -1"),
    ({"CONTACTS_SQLITE_SYNCHRONOUS": "off"}, "CONTACTS_SQLITE_SYNCHRONOUS must be full, normal or extra, not 'off'"),
])
def test_a_setting_that_cannot_be_used_is_named_by_the_command_without_a_traceback(
        monkeypatch, capsys, tmp_path, environ, message):
    from app import main
    from config import ConfigError

    with pytest.raises(ConfigError) as raised:
        Config.from_env(environ)
    assert str(raised.value) == message
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    # A command that returns at once when the setting is (wrongly) taken, rather than serving
    monkeypatch.setattr("sys.argv", ["contacts", "token", "list", "--database-url", f"sqlite:///{tmp_path}/c.db"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert (exited.value.code, capsys.readouterr().err) == (2, f"Error: {message}\n")


def test_serve_flags_out_of_range_are_refused_by_click(monkeypatch):
    def serving(*args):
        raise AssertionError("the flag was taken: the server was about to start")

    import importlib

    serve_module = importlib.import_module("cli.serve")  # `cli.serve` as an attribute is the command
    monkeypatch.setattr(serve_module, "_check_port_free", serving)
    for flags, shown in [(["--port", "0"], "0 is not in the range 1<=x<=65535"),
                         (["--threads", "0"], "0 is not in the range x>=1"),
                         (["--workers", "-1"], "-1 is not in the range x>=0")]:
        result = CliRunner().invoke(cli, ["serve", *flags])
        assert result.exit_code == 2 and shown in result.stderr, (flags, result.stderr)


def test_cli_token_create_list_revoke(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "--scope", "contacts:read", "--name", "ci",
                                  "--database-url", url])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ct_") and len(token) > 30
    listed = runner.invoke(cli, ["token", "list", "--database-url", url])
    assert "active" in listed.stdout and "contacts:read" in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli, ["token", "revoke", "ci", "--database-url", url]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["token", "list", "--database-url", url]).stdout
    bad = runner.invoke(cli, ["token", "create", "--scope", "root", "--database-url", url])
    assert bad.exit_code != 0


def test_cli_lock_unlock(tmp_path):
    url = f"sqlite:///{tmp_path}/lock.db"
    from app import create_app

    app = create_app(Config(database_url=url, auth=False))
    client = app.test_client()
    created = client.post(BASE, json={"displayname": "A", "number": "1"}).json
    runner = CliRunner()
    assert runner.invoke(cli, ["lock", created["id"], "--database-url", url]).exit_code == 0
    create_app(Config(database_url=url, auth=False))  # rebind the proxy for this test's client
    assert client.delete(f"{BASE}/{created['id']}").status_code == 423
    assert runner.invoke(cli, ["unlock", created["id"], "--database-url", url]).exit_code == 0
    assert runner.invoke(cli, ["lock", "nope", "--database-url", url]).exit_code != 0


# ---------------------------------------------------------------- the real server

def test_serve_runs_gunicorn_with_first_token_and_lookup(tmp_path):
    with LiveServer(f"sqlite:///{tmp_path}/srv.db", workers=2, env={"CONTACTS_AUTH": "on"}) as server:
        token = server.first_token()
        assert "curl" in server.first_output
        url = server.base + BASE
        status, headers, body = request(url, "POST", {"displayname": "John Smith", "number": "11"}, token)
        assert status == 200 and headers["Server"] == "gunicorn"
        created = json.loads(body)
        status, headers, body = request(url, "LOOKUP", b'"11"', token)
        assert status == 200 and json.loads(body) == [created["id"]]
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        status, _, body = request(url, "LOOKUP", b'"12"', token)
        assert status == 404 and body == b'{"error_code":1404,"error_message":"Lookup failed"}'
        assert request(url)[0] == 401
        # A URL over the app's limit but under gunicorn's request-line limit: the dialect's 414.
        status, headers, body = request(url + "?filter=" + "x" * 8100, token=token)
        assert (status, headers["Content-Type"]) == (414, "application/json; charset=utf-8")
        assert json.loads(body) == {"error_code": 1414, "error_message": "The URL is longer than 8000 bytes"}
        # Keep-alive: several requests on one connection.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for _ in range(3):
            conn.request("GET", f"{BASE}/{created['id']}", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["id"] == created["id"]
            assert response.getheader("Connection", "keep-alive").lower() != "close"
        conn.close()


def test_serve_refuses_unsafe_multi_writer_sqlite(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", "--workers", "2", "--database-url",
                                 f"sqlite+stdlib:///{tmp_path}/old.db"])
    assert result.exit_code != 0
    assert "not safe with several writing connections" in result.output


def test_serve_refuses_threads_on_unsafe_sqlite(tmp_path):
    # Threads of one worker are several connections too.
    result = CliRunner().invoke(cli, ["serve", "--workers", "1", "--threads", "2", "--database-url",
                                      f"sqlite+stdlib:///{tmp_path}/old.db"])
    assert result.exit_code != 0
    assert "--workers 1 --threads 1" in result.output
