"""Requests as FOLIO's own tests make them, for the modules ported from upstream sources.

(No tests live here.) Headers follow mod-organizations-storage's tests (`TestBase`,
`TenantApiTestUtil`): tenant `diku`, user `28d0fb04-d137-11e8-a8d5-f2801f1b9fd1`.
"""
from __future__ import annotations

import json
import os

PREFIX = "/organizations-storage/contacts"
USER = "28d0fb04-d137-11e8-a8d5-f2801f1b9fd1"
NON_EXISTED_ID = "bad500aa-aaaa-500a-aaaa-aaaaaaaaaaaa"  # TestBase.NON_EXISTED_ID
UUID_RULE = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
USER_RULE = "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"
URL_RULE = "^$|(([Hh][Tt][Tt][Pp]|[Ff][Tt][Pp])([Ss])?://.+$)"
NOT_NULL = "jakarta.validation.constraints.NotNull.message"
PATTERN = "jakarta.validation.constraints.Pattern.message"
NULL = "jakarta.validation.constraints.Null.message"
DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "data", "folio")


def data_file(name: str) -> dict:
    """A JSON file under tests/data/folio (copied from mod-organizations-storage)."""
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        return json.load(handle)


def sample_files(folder: str) -> list[str]:
    """The JSON files of a sample-data folder, by name."""
    return sorted(os.path.join(folder, name) for name in os.listdir(os.path.join(DATA, folder)))


def contact_sample() -> dict:
    """MOS `src/test/resources/contact.sample` (Nick Fury)."""
    return data_file("contact.sample")


def error(message: str, code: str, key: str, value: str) -> dict:
    """One RMB validation error object (type "1")."""
    return {"message": message, "type": "1", "code": code, "parameters": [{"key": key, "value": value}]}


def errors_as_set(body: dict) -> list:
    """RMB collects violations in a Set: compare them in any order."""
    return sorted(json.dumps(item, sort_keys=True) for item in body["errors"])


class Folio:
    """GET/POST/PUT/DELETE on /organizations-storage/contacts with the tests' headers."""

    def __init__(self, client, headers: dict):
        self.client = client
        self.headers = headers

    def _headers(self, extra: dict | None, drop: tuple = ()) -> dict:
        merged = {**self.headers, **(extra or {})}
        return {key: value for key, value in merged.items() if key not in drop}

    def get(self, path: str = "", query: dict | None = None, headers: dict | None = None, drop: tuple = ()):
        return self.client.get(PREFIX + path, query_string=query or {}, headers=self._headers(extra=headers,
                                                                                               drop=drop))

    def post(self, body, path: str = "", query: dict | None = None, headers: dict | None = None,
             drop: tuple = ()):
        return self.client.post(PREFIX + path, query_string=query or {}, **_body(body),
                                headers=self._headers({"Content-Type": "application/json", **(headers or {})}, drop))

    def put(self, path: str, body, query: dict | None = None, headers: dict | None = None, drop: tuple = ()):
        return self.client.put(PREFIX + path, query_string=query or {}, **_body(body),
                               headers=self._headers({"Content-Type": "application/json", **(headers or {})}, drop))

    def delete(self, path: str, headers: dict | None = None, drop: tuple = ()):
        return self.client.delete(PREFIX + path, headers=self._headers(headers, drop))

    def count(self) -> int:
        return self.get(query={"limit": 0}).json["totalRecords"]

    def create(self, body: dict) -> dict:
        response = self.post(body)
        assert response.status_code == 201, response.data
        return response.json


def _body(body) -> dict:
    return {"data": body} if isinstance(body, (bytes, str)) else {"data": json.dumps(body)}


def text(response) -> tuple[int, str, str]:
    """(status, Content-Type, body text) of a plain-text answer."""
    return response.status_code, response.headers.get("Content-Type"), response.get_data(as_text=True)
