"""Optional rate limiting per token and CORS: off by default, on when configured."""
from __future__ import annotations

from app import create_app
from config import Config

BASE = "/rest/v1/addressbook/contacts"


def _app(tmp_path, **settings):
    return create_app(Config(database_url=f"sqlite:///{tmp_path}/p.db", auth=True, **settings))


def _token(app, *scopes):
    from services.tokens import create_token

    with app.app_context():
        return create_token(list(scopes) or ["*"])[0]


def test_no_rate_limit_by_default(client, auth):
    assert all(client.get(BASE, headers=auth).status_code == 200 for _ in range(30))


def test_rate_limit_per_token_in_dialect_format(tmp_path):
    app = _app(tmp_path, rate_limit="3/minute")
    client = app.test_client()
    first, second = _token(app), _token(app)
    statuses = [client.get(BASE, headers={"Authorization": f"Bearer {first}"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = client.get(BASE, headers={"Authorization": f"Bearer {first}"})
    assert r.json["error_code"] == 1429 and "3 per 1 minute" in r.json["error_message"]
    assert r.headers["Retry-After"]
    # another token has its own budget; service routes are never limited
    assert client.get(BASE, headers={"Authorization": f"Bearer {second}"}).status_code == 200
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_cors_off_by_default(client, auth):
    r = client.get(BASE, headers={**auth, "Origin": "http://example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_configured_origins(tmp_path):
    app = _app(tmp_path, cors_origins="http://app.example")
    client = app.test_client()
    token = _token(app)
    preflight = client.options(BASE, headers={"Origin": "http://app.example",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://app.example"
    r = client.get(BASE, headers={"Authorization": f"Bearer {token}", "Origin": "http://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert "ETag" in r.headers.get("Access-Control-Expose-Headers", "")
    other = client.get(BASE, headers={"Authorization": f"Bearer {token}", "Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    # a preflight is no way around the token
    assert client.get(BASE, headers={"Origin": "http://app.example"}).status_code == 401


def test_cors_lets_a_carddav_web_client_from_another_origin_send_webdav_requests(tmp_path):
    """InfCloud served from another origin: its REPORT and PROPFIND, with Depth and its X-client header."""
    app = _app(tmp_path, cors_origins="http://infcloud.example")
    client = app.test_client()
    book = "/carddav/addressbooks/contacts/"
    for method, headers in (("REPORT", "authorization,content-type,depth,x-client"),
                            ("PROPFIND", "authorization,depth,x-client"),
                            ("PUT", "authorization,content-type,if-none-match,prefer,x-client"),  # InfCloud's PUT
                            ("PUT", "authorization,content-type,if-match,prefer,x-client"),
                            ("LOOKUP", "authorization,content-type")):
        preflight = client.options(book, headers={"Origin": "http://infcloud.example",
                                                  "Access-Control-Request-Method": method,
                                                  "Access-Control-Request-Headers": headers})
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "http://infcloud.example"
        assert method in preflight.headers["Access-Control-Allow-Methods"].split(", ")
        assert set(preflight.headers["Access-Control-Allow-Headers"].lower().split(", ")) == set(headers.split(","))
        assert preflight.headers["Access-Control-Max-Age"] == "600"
    r = client.open(book, method="PROPFIND", headers={"Authorization": f"Bearer {_token(app)}", "Depth": "0",
                                                      "Origin": "http://infcloud.example"})
    assert r.status_code == 207
    assert r.headers["Access-Control-Allow-Origin"] == "http://infcloud.example"
