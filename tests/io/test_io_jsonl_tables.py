"""JSON Lines carries the dialects' own tables: Niagara relations, MPDX organizations and
account lists, OSID address books, addresses, contacts and hierarchy; an export imported
into another database answers every API exactly as the original did."""
from __future__ import annotations

import json
from urllib.parse import quote

from app import create_app
from config import Config
from services.mpdx import imports as mpdx_import

from .io_support import fresh_database_url, run, summary

ORG = "11111111-2222-4333-8444-555555555555"
LIST = "66666666-7777-4888-9999-000000000000"
USER = "77777777-8888-4999-8aaa-bbbbbbbbbbbb"
NIAGARA = {"Content-Type": "application/json"}
MPDX = {"Accept": "application/vnd.api+json", "Content-Type": "application/vnd.api+json"}


def _build(app, client, auth) -> dict:
    """One of everything, made through the APIs (and MPDX's documented import)."""
    a = client.post("/contacts", json={"label": "A", "name": "Ann Able", "email": "ann@example.org"},
                    headers={**auth, **NIAGARA}).get_json()
    b = client.post("/contacts", json={"label": "B", "name": "Bob Baker", "email": "bob@example.org"},
                    headers={**auth, **NIAGARA}).get_json()
    relation = client.post(f"/contacts/{a['contact_id']}/relations",
                           json={"relation": "backup", "entity": {"entity_type": "CON", "entity_id": b["contact_id"]}},
                           headers={**auth, **NIAGARA})
    assert relation.status_code == 201, relation.get_json()
    with app.app_context():
        mpdx_import.import_data({"organizations": [{"id": ORG, "name": "Org"}],
                                 "account_lists": [{"id": LIST, "name": "List", "organizations": [ORG],
                                                    "users": [{"id": USER, "first_name": "Olga",
                                                               "emails": [{"email": "o@x.example", "primary": True}]}]}],
                                 "contacts": [{"id": a["contact_id"], "account_list": LIST,
                                               "status": "Partner - Financial"}]})
    parent = client.post("/contact/address-books", json={"displayName": "Campus"}, headers=auth).get_json()
    child = client.post("/contact/address-books", json={"displayName": "Dept"}, headers=auth).get_json()
    edge = client.put(f"/contact/address-books/{quote(parent['id'], safe='')}/children/{quote(child['id'], safe='')}",
                      headers=auth)
    assert edge.status_code == 200, edge.get_json()
    address = client.post(f"/contact/addresses?addressBookId={quote(child['id'], safe='')}"
                          "&genusType=type.Type%3Aemail%40dxtera.org&recordType=type.Type%3Ax%40y",
                          json={"displayName": "Tom", "addressText": "tom@earth.com"}, headers=auth).get_json()
    osid_contact = client.post(f"/contact/contacts?addressId={quote(address['id'], safe='')}"
                               "&referenceId=resource.Resource%3A504%40base.url",
                               json={"displayName": "Tom at work"}, headers=auth)
    assert osid_contact.status_code == 201, osid_contact.get_json()
    return {"a": a["contact_id"], "b": b["contact_id"], "parent": parent["id"], "child": child["id"],
            "address": address["id"], "osid_contact": osid_contact.get_json()["id"]}


def _views(client, auth, ids) -> dict:
    """What the APIs answer about everything `_build` made."""
    def get(path, headers=None):
        response = client.get(path, headers={**auth, **(headers or {})})
        assert response.status_code == 200, (path, response.get_json())
        return response.get_json()

    q = lambda value: quote(value, safe="")  # noqa: E731
    return {
        "relations_a": get(f"/contacts/{ids['a']}/relations"),
        "relations_b": get(f"/contacts/{ids['b']}/relations"),
        "mpdx": get(f"/api/v2/organizations/contacts/{ids['a']}?include=account_list.organizations,"
                    "account_list.account_list_users", MPDX),
        "mpdx_by_org": get(f"/api/v2/organizations/contacts?filter[organization_id]={ORG}", MPDX),
        "children": get(f"/contact/address-books/{q(ids['parent'])}/children"),
        "parents": get(f"/contact/address-books/{q(ids['child'])}/parents"),
        "book_addresses": get(f"/contact/address-books/{q(ids['child'])}/addresses"),
        "address": get(f"/contact/addresses/{q(ids['address'])}"),
        "osid_contact": get(f"/contact/contacts/{q(ids['osid_contact'])}"),
        "by_record_type": get("/contact/addresses?recordTypeId=type.Type%3Ax%40y"),
    }


def test_every_dialect_table_round_trips(app, client, auth, database_url, tmp_path):
    ids = _build(app, client, auth)
    before = _views(client, auth, ids)
    exported = tmp_path / "all.jsonl"
    assert run("export", "--format", "jsonl", "--output", str(exported), "--database-url", database_url).exit_code == 0
    types = [json.loads(line)["type"] for line in exported.read_text().splitlines()]
    for name in ("mpdx_organization", "mpdx_account_list", "mpdx_account_list_organization",
                 "mpdx_account_list_user", "niagara_relation",
                 "osid_address_book", "osid_address", "osid_contact", "osid_book_edge", "osid_book_address",
                 "osid_record_type"):
        assert name in types, name

    other = fresh_database_url(tmp_path, "other")
    result = run("import", str(exported), "--database-url", other)
    assert result.exit_code == 0, result.stderr
    assert ", failed 0," in summary(result)

    restored = create_app(Config(database_url=other, auth=False))
    after = _views(restored.test_client(), {}, ids)
    assert after == before

    again = run("import", str(exported), "--database-url", other)
    assert summary(again).startswith("imported 0,"), summary(again)
