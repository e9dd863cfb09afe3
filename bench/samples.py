"""What the scenarios ask for: random stored ids and phone numbers, Niagara cursors, OSID objects."""
from __future__ import annotations

import http.client
import json
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from .dataset import database_url, log

OSID_EMAIL_TYPE = "type.Type:email@dxtera.org"


@dataclass
class Samples:
    """Stored values the request files are built from."""

    ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    niagara_pages: list[str] = field(default_factory=list)
    osid_contact_ids: list[str] = field(default_factory=list)
    osid_book_id: str = ""
    osid_contacts: int = 0


def stored_cards(db_path: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """`count` random (id, primary phone) pairs of stored cards, read in-process."""
    from models.connect import database, open_database

    open_database(database_url(db_path))
    highest = database.execute_sql("SELECT MAX(autokey) FROM contact").fetchone()[0] or 0
    rng = random.Random(seed)
    keys = rng.sample(range(1, highest + 1), k=min(count, highest))
    ids, phones = [], []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for cid, phone in database.execute_sql(
                f"SELECT id, primary_phone FROM contact WHERE autokey IN ({marks})", chunk):
            ids.append(cid)
            if phone:
                phones.append(phone)
    database.obj.close()
    return ids, phones


class Client:
    """A tiny keep-alive JSON client for set-up requests (not for measuring)."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.token = parts.hostname, parts.port, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method: str, path: str, body=None, content_type: str = "application/json"):
        """(status, parsed JSON or raw bytes)."""
        headers = {"Authorization": f"Bearer {self.token}", "X-Okapi-Tenant": "bench"}
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw


def niagara_pages(client: Client, pages: int) -> list[str]:
    """Paths of the first `pages` pages of a Niagara walk (following `_links.next`)."""
    path, out = "/contacts?limit=25", []
    while path and len(out) < pages:
        out.append(path)
        status, body = client.call("GET", path)
        if status != 200:
            raise SystemExit(f"Niagara list {path} answered {status}: {body!r:.300}")
        href = (body.get("_links") or {}).get("next", {}).get("href")
        path = None if not href else urlsplit(href).path + "?" + urlsplit(href).query
    return out


def osid_book(client: Client) -> str:
    """The id of the default OSID address book."""
    status, books = client.call("GET", "/contact/address-books")
    if status != 200 or not books:
        raise SystemExit(f"OSID address-books answered {status}: {books!r:.300}")
    return books[0]["id"]


def seed_osid(base_url: str, token: str, count: int, workers: int = 4) -> int:
    """Create `count` OSID addresses and a contact of each (over HTTP: OSID objects are their own
    tables, not person cards, and the JSON Lines import does not carry them)."""
    def make(share: int) -> int:
        client, made = Client(base_url, token), 0
        for n in range(share, count, workers):
            status, address = client.call(
                "POST", f"/contact/addresses?genusType={quote(OSID_EMAIL_TYPE, safe='')}",
                {"displayName": f"Bench address {n}", "addressText": f"bench{n}@example.org"})
            if status != 201:
                raise SystemExit(f"OSID address create answered {status}: {address!r:.300}")
            status, contact = client.call(
                "POST", f"/contact/contacts?addressId={quote(address['id'], safe='')}"
                        f"&referenceId={quote(f'resource.Resource:{n}@bench', safe='')}",
                {"displayName": f"Bench contact {n}"})
            if status != 201:
                raise SystemExit(f"OSID contact create answered {status}: {contact!r:.300}")
            made += 1
        return made

    with ThreadPoolExecutor(workers) as pool:
        made = sum(pool.map(make, range(workers)))
    log(f"seeded {made} OSID addresses and contacts")
    return made


def osid_contact_ids(client: Client, book_id: str, count: int) -> list[str]:
    """Ids of OSID contacts in the book (the first `count`)."""
    status, rows = client.call("GET", f"/contact/address-books/{quote(book_id, safe='')}/contacts"
                                      f"?offset=0&limit={count}")
    if status != 200:
        raise SystemExit(f"OSID book contacts answered {status}: {rows!r:.300}")
    return [row["id"] for row in rows]
