"""Niagara contact relations through HTTP: both directions, labels, HAL links, filters, paging, errors."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.etags import card_etag_of

BASE = "/contacts"
HOST = "http://localhost"
HAL = "application/hal+json"
PROBLEM = "application/problem+json"
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RELATION_KEYS = ["relation_id", "relation", "label", "direction", "created", "updated", "entity", "_links"]
SCHEMA = "https://docs.nterprise.com/schemas/niagara/relation.json#"
LABELS = {
    "created": "Created By", "backup": "Backup For", "owner": "Owner Of", "tech": "Technician For",
    "allocated": "Allocated To", "contact": "Contact For", "note": "Note For", "file": "Attachment For",
    "viewer": "Viewer For", "editor": "Editor For", "collaborator": "Collaborator On",
    "co_creator": "'Co-Creator For",
}


def contact(client, auth, name):
    email = re.sub(r"\W", "", name).lower() + "@sg1.com"
    r = client.post(BASE, json={"label": "SG-1", "name": name, "email": email}, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def relate(client, auth, cid, relation, entity_type, entity_id):
    return client.post(f"{BASE}/{cid}/relations", headers=auth,
                       json={"relation": relation, "entity": {"entity_id": entity_id, "entity_type": entity_type}})


def listing(client, auth, cid, **query):
    r = client.get(f"{BASE}/{cid}/relations", query_string=query, headers=auth)
    assert r.status_code == 200, r.data
    assert r.headers["Content-Type"] == HAL
    return r.json


def items(page):
    return page["_embedded"]["nter:relations"]


def problem(status, title, detail, **extra):
    return {"title": title, "type": f"https://docs.nterprise.com/api/problem/{title.replace(' ', '')}",
            "status": status, "detail": detail, **extra}


@pytest.fixture
def pair(client, auth):
    return contact(client, auth, "Samantha Carter"), contact(client, auth, "Jack O'Neill")


# ---------------------------------------------------------------- create

def test_relation_to_a_customer_answers_201_with_hal_links(client, auth, pair):
    carter, _ = pair
    r = relate(client, auth, carter["contact_id"], "contact", "CUS", "cus-42")
    assert r.status_code == 201
    assert r.headers["Content-Type"] == HAL
    body = r.json
    assert list(body) == RELATION_KEYS
    assert re.match(r"^[0-9a-zA-Z-_]+$", body["relation_id"])
    assert (body["relation"], body["label"], body["direction"]) == ("contact", "Contact For", "OUTWARD")
    assert TIME_RE.match(body["created"]) and body["created"] == body["updated"]
    assert body["entity"] == {"entity_type": "CUS", "entity_id": "cus-42", "label": "cus-42",
                              "created": body["created"], "updated": body["created"]}
    self_href = f"{HOST}/contacts/{carter['contact_id']}/relations/{body['relation_id']}"
    assert body["_links"] == {"self": {"href": self_href}, "nter:customer": {"href": f"{HOST}/customers/cus-42"}}
    assert r.headers["Location"] == self_href


@pytest.mark.parametrize("relation, label", list(LABELS.items()))
def test_label_is_derived_from_relation(client, auth, pair, relation, label):
    r = relate(client, auth, pair[0]["contact_id"], relation, "USER", "b0a84f51-443e-4ff1-9667-73b66be7435a")
    assert r.status_code == 201
    assert (r.json["relation"], r.json["label"]) == (relation, label)
    assert items(listing(client, auth, pair[0]["contact_id"]))[0]["label"] == label


@pytest.mark.parametrize("entity_type, link, collection", [
    ("BAT", "nter:batch", "batches"), ("FILE", "nter:file", "files"), ("LOC", "nter:location", "locations"),
    ("MFR", "nter:manufacturer", "manufacturers"), ("NOTE", "nter:note", "notes"), ("PART", "nter:part", "parts"),
    ("PGM", "nter:program", "programs"), ("PRJ", "nter:project", "projects"), ("QUE", "nter:queue", "queues"),
    ("RES", "nter:resource", "resources"), ("SRES", "nter:sub-resource", "sub-resources"),
    ("UNIT", "nter:unit", "units"), ("USER", "nter:user", "users"), ("VEN", "nter:vendor", "vendors"),
    ("WKF", "nter:work-flow", "work-flows"), ("WOR", "nter:work-order", "work-orders"),
])
def test_each_entity_type_has_exactly_one_entity_link(client, auth, pair, entity_type, link, collection):
    r = relate(client, auth, pair[0]["contact_id"], "owner", entity_type, "e-1")
    assert r.status_code == 201
    assert list(r.json["_links"]) == ["self", link]
    assert r.json["_links"][link] == {"href": f"{HOST}/{collection}/e-1"}


def test_contact_relation_is_seen_outward_and_inward(client, auth, pair):
    carter, jack = pair
    created = relate(client, auth, carter["contact_id"], "backup", "CON", jack["contact_id"]).json
    assert created["direction"] == "OUTWARD"
    assert created["entity"] == {"entity_type": "CON", "entity_id": jack["contact_id"], "label": "Jack O'Neill",
                                 "created": jack["created"], "updated": jack["updated"]}
    assert created["_links"]["nter:contact"] == {"href": f"{HOST}/contacts/{jack['contact_id']}"}
    outward = listing(client, auth, carter["contact_id"])
    assert items(outward) == [created]
    inward = items(listing(client, auth, jack["contact_id"]))
    assert inward == [{
        "relation_id": created["relation_id"], "relation": "backup", "label": "Backup For", "direction": "INWARD",
        "created": created["created"], "updated": created["updated"],
        "entity": {"entity_type": "CON", "entity_id": carter["contact_id"], "label": "Samantha Carter",
                   "created": carter["created"], "updated": carter["updated"]},
        "_links": {"self": {"href": f"{HOST}/contacts/{jack['contact_id']}/relations/{created['relation_id']}"},
                   "nter:contact": {"href": f"{HOST}/contacts/{carter['contact_id']}"}},
    }]


def test_inward_entity_label_follows_the_other_contacts_name(client, auth, pair):
    carter, jack = pair
    relate(client, auth, carter["contact_id"], "contact", "CON", jack["contact_id"])
    client.put(f"{BASE}/{carter['contact_id']}", headers=auth,
               json={"label": "SG-1", "name": "Sam Carter", "email": "samanthacarter@sg1.com"})
    assert items(listing(client, auth, jack["contact_id"]))[0]["entity"]["label"] == "Sam Carter"


def test_relations_do_not_change_the_contacts(client, auth, pair):
    carter, jack = pair
    relate(client, auth, carter["contact_id"], "contact", "CON", jack["contact_id"])
    assert client.get(f"{BASE}/{carter['contact_id']}", headers=auth).json == carter
    assert client.get(f"{BASE}/{jack['contact_id']}", headers=auth).headers["ETag"] == card_etag_of(jack["contact_id"], 1)


# ---------------------------------------------------------------- create errors

def _msg(keyword, path, schema_path, params, message):
    return {"keyword": keyword, "dataPath": path, "schemaPath": f"{SCHEMA}{schema_path}", "params": params,
            "message": message}


def test_unknown_relation_is_400(client, auth, pair):
    r = relate(client, auth, pair[0]["contact_id"], "friend", "CUS", "c1")
    assert r.status_code == 400
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(400, "Bad Request", "Invalid Data", validation_messages=[
        _msg("enum", ".relation", "/properties/relation/enum", {"allowedValues": list(LABELS)},
             "should be equal to one of the allowed values")])


def test_every_failing_relation_member_is_reported(client, auth, pair):
    body = {"relation": 3, "entity": {"entity_id": "has space", "entity_type": "CTX", "color": "red"}, "x": 1}
    r = client.post(f"{BASE}/{pair[0]['contact_id']}/relations", json=body, headers=auth)
    assert r.status_code == 400
    relatable = ["BAT", "CON", "CUS", "FILE", "LOC", "MFR", "NOTE", "PART", "PGM", "PRJ", "QUE", "RES", "SRES",
                 "UNIT", "USER", "VEN", "WKF", "WOR"]
    assert r.json["validation_messages"] == [
        _msg("additionalProperties", "", "/additionalProperties", {"additionalProperty": "x"},
             "should NOT have additional properties"),
        _msg("type", ".relation", "/properties/relation/type", {"type": "string"}, "should be string"),
        _msg("enum", ".relation", "/properties/relation/enum", {"allowedValues": list(LABELS)},
             "should be equal to one of the allowed values"),
        _msg("additionalProperties", ".entity", "/properties/entity/additionalProperties",
             {"additionalProperty": "color"}, "should NOT have additional properties"),
        _msg("pattern", ".entity.entity_id", "/properties/entity/properties/entity_id/pattern",
             {"pattern": "^[0-9a-zA-Z-_]+$"}, 'should match pattern "^[0-9a-zA-Z-_]+$"'),
        _msg("enum", ".entity.entity_type", "/properties/entity/properties/entity_type/enum",
             {"allowedValues": relatable}, "should be equal to one of the allowed values"),
    ]


def test_missing_members_are_400(client, auth, pair):
    r = client.post(f"{BASE}/{pair[0]['contact_id']}/relations", json={"entity": {}}, headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"] == [
        _msg("required", "", "/required", {"missingProperty": "relation"}, "should have required property 'relation'"),
        _msg("required", ".entity", "/properties/entity/required", {"missingProperty": "entity_id"},
             "should have required property 'entity_id'"),
        _msg("required", ".entity", "/properties/entity/required", {"missingProperty": "entity_type"},
             "should have required property 'entity_type'"),
    ]


def test_read_only_relation_members_are_ignored(client, auth, pair):
    body = {"relation": "owner", "label": "whatever", "direction": "INWARD", "relation_id": "mine",
            "entity": {"entity_id": "u1", "entity_type": "USER", "label": "Bob"}}
    r = client.post(f"{BASE}/{pair[0]['contact_id']}/relations", json=body, headers=auth)
    assert r.status_code == 201
    assert (r.json["label"], r.json["direction"], r.json["entity"]["label"]) == ("Owner Of", "OUTWARD", "u1")
    assert r.json["relation_id"] != "mine"


def test_relation_from_unknown_contact_is_404(client, auth):
    r = relate(client, auth, "nope", "owner", "USER", "u1")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(404, "Not Found", 'A Resource with the id "nope" was not found')


def test_relation_to_unknown_contact_is_404_and_writes_nothing(client, auth, pair):
    r = relate(client, auth, pair[0]["contact_id"], "contact", "CON", "ghost")
    assert r.status_code == 404
    assert r.json == problem(404, "Not Found", 'A Resource with the id "ghost" was not found')
    assert listing(client, auth, pair[0]["contact_id"])["total_count"] == 0


def test_relation_to_itself_is_400(client, auth, pair):
    cid = pair[0]["contact_id"]
    r = relate(client, auth, cid, "contact", "CON", cid)
    assert r.status_code == 400
    assert r.json == problem(400, "Bad Request", "A contact cannot be related to itself", validation_messages=[
        {"keyword": "not", "dataPath": ".entity.entity_id", "schemaPath": "#", "params": {},
         "message": "should not be the contact itself"}])


def test_same_relation_twice_is_409(client, auth, pair):
    cid = pair[0]["contact_id"]
    assert relate(client, auth, cid, "owner", "USER", "u1").status_code == 201
    r = relate(client, auth, cid, "owner", "USER", "u1")
    assert r.status_code == 409
    assert r.json == problem(409, "Conflict",
                             "A similar resource exists: the contact already has this relation to USER u1")
    assert relate(client, auth, cid, "viewer", "USER", "u1").status_code == 201
    assert listing(client, auth, cid)["total_count"] == 2


# ---------------------------------------------------------------- scopes

def test_relations_need_the_update_scope(client, auth, make_token, pair):
    cid = pair[0]["contact_id"]
    creator = {"Authorization": f"Bearer {make_token('contacts:create', 'contacts:read', 'contacts:delete')}"}
    r = relate(client, creator, cid, "owner", "USER", "u1")
    assert r.status_code == 403
    assert r.headers["Content-Type"] == PROBLEM
    assert r.json == problem(403, "Forbidden", "Token lacks the scope contacts:update")
    updater = {"Authorization": f"Bearer {make_token('contacts:update')}"}
    created = relate(client, updater, cid, "owner", "USER", "u1")
    assert created.status_code == 201
    path = f"{BASE}/{cid}/relations/{created.json['relation_id']}"
    assert client.delete(path, headers=creator).status_code == 403
    assert client.delete(path, headers=updater).status_code == 200


def test_listing_relations_needs_the_read_scope(client, auth, make_token, pair):
    cid = pair[0]["contact_id"]
    writer = {"Authorization": f"Bearer {make_token('contacts:update')}"}
    assert client.get(f"{BASE}/{cid}/relations", headers=writer).status_code == 403
    reader = {"Authorization": f"Bearer {make_token('contacts:read')}"}
    assert client.get(f"{BASE}/{cid}/relations", headers=reader).status_code == 200
    assert client.get(f"{BASE}/{cid}/relations").status_code == 401


# ---------------------------------------------------------------- listing, filters, paging

def test_relations_of_unknown_contact_is_404(client, auth):
    r = client.get(f"{BASE}/nope/relations", headers=auth)
    assert r.status_code == 404
    assert r.json == problem(404, "Not Found", 'A Resource with the id "nope" was not found')


def test_filters(client, auth, pair):
    carter, jack = pair
    daniel = contact(client, auth, "Daniel Jackson")
    cid = carter["contact_id"]
    relate(client, auth, cid, "owner", "USER", "u1")
    relate(client, auth, cid, "contact", "CUS", "c1")
    relate(client, auth, cid, "backup", "CON", jack["contact_id"])
    relate(client, auth, daniel["contact_id"], "contact", "CON", cid)  # INWARD at Carter

    def seen(**filters):
        page = listing(client, auth, cid, **filters)
        assert page["total_count"] == len(items(page))
        return [(i["direction"], i["relation"], i["entity"]["entity_type"], i["entity"]["entity_id"])
                for i in items(page)]

    everything = seen()
    assert everything == [("OUTWARD", "owner", "USER", "u1"), ("OUTWARD", "contact", "CUS", "c1"),
                          ("OUTWARD", "backup", "CON", jack["contact_id"]),
                          ("INWARD", "contact", "CON", daniel["contact_id"])]
    assert seen(**{"filter[direction]": "OUTWARD"}) == everything[:3]
    assert seen(**{"filter[direction]": "INWARD"}) == everything[3:]
    assert seen(**{"filter[relation]": "contact"}) == [everything[1], everything[3]]
    assert seen(**{"filter[entity_type]": "CON"}) == everything[2:]
    assert seen(**{"filter[entity_type]": "CUS"}) == [everything[1]]
    assert seen(**{"filter[entity_type]": "CON", "filter[direction]": "OUTWARD"}) == [everything[2]]
    assert seen(**{"filter[relation]": "created"}) == []


@pytest.mark.parametrize("name, value, allowed", [
    ("direction", "UP", ["OUTWARD", "INWARD"]),
    ("relation", "friend", list(LABELS)),
    ("entity_type", "contact", ["BAT", "CON", "CTX", "CUS", "FILE", "LOC", "MFR", "NOTE", "PART", "PGM", "PRJ",
                                "QUE", "RES", "SRES", "TEN", "UNIT", "USER", "VEN", "WKF", "WOR"]),
])
def test_unknown_filter_value_is_400(client, auth, pair, name, value, allowed):
    r = client.get(f"{BASE}/{pair[0]['contact_id']}/relations", query_string={f"filter[{name}]": value},
                   headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"] == [{
        "keyword": "enum", "dataPath": f"['filter[{name}]']", "schemaPath": f"#/properties/filter[{name}]/enum",
        "params": {"allowedValues": allowed}, "message": "should be equal to one of the allowed values"}]


def test_relation_pages_follow_next_and_keep_filters(client, auth, pair):
    cid = pair[0]["contact_id"]
    for i in range(5):
        relate(client, auth, cid, "viewer", "USER", f"u{i}")
    relate(client, auth, cid, "owner", "USER", "boss")
    first = listing(client, auth, cid, **{"limit": 2, "filter[relation]": "viewer"})
    assert list(first) == ["total_count", "limit", "offset", "_embedded", "_links"]
    assert (first["total_count"], first["limit"]) == (5, 2)
    assert first["_links"]["self"]["href"].startswith(f"{HOST}/contacts/{cid}/relations?")
    seen = [i["entity"]["entity_id"] for i in items(first)]
    href = first["_links"]["next"]["href"]
    pages = 1
    while href:
        parts = urlsplit(href)
        page = listing_from(client, auth, f"{parts.path}?{parts.query}")
        pages += 1
        seen += [i["entity"]["entity_id"] for i in items(page)]
        href = page["_links"].get("next", {}).get("href")
        assert (page["offset"] is None) == (href is None)
    assert pages == 3
    assert seen == [f"u{i}" for i in range(5)]


def listing_from(client, auth, path):
    r = client.get(path, headers=auth)
    assert r.status_code == 200, r.data
    return r.json


def test_contact_cursor_is_rejected_for_relations(client, auth, pair):
    for i in range(3):
        contact(client, auth, f"Extra {i}")
    offset = client.get(f"{BASE}?limit=1", headers=auth).json["offset"]
    r = client.get(f"{BASE}/{pair[0]['contact_id']}/relations", query_string={"offset": offset}, headers=auth)
    assert r.status_code == 400
    assert r.json["validation_messages"][0]["dataPath"] == ".offset"


# ---------------------------------------------------------------- delete

def test_delete_answers_200_with_the_relation_then_404(client, auth, pair):
    carter, jack = pair
    created = relate(client, auth, carter["contact_id"], "owner", "CON", jack["contact_id"]).json
    path = f"{BASE}/{carter['contact_id']}/relations/{created['relation_id']}"
    r = client.delete(path, headers=auth)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == HAL
    assert r.json == created
    assert listing(client, auth, carter["contact_id"])["total_count"] == 0
    assert listing(client, auth, jack["contact_id"])["total_count"] == 0
    again = client.delete(path, headers=auth)
    assert again.status_code == 404
    assert again.json == problem(404, "Not Found", f'A Resource with the id "{created["relation_id"]}" was not found')


def test_delete_from_the_inward_end(client, auth, pair):
    carter, jack = pair
    created = relate(client, auth, carter["contact_id"], "owner", "CON", jack["contact_id"]).json
    r = client.delete(f"{BASE}/{jack['contact_id']}/relations/{created['relation_id']}", headers=auth)
    assert r.status_code == 200
    assert (r.json["direction"], r.json["entity"]["entity_id"]) == ("INWARD", carter["contact_id"])
    assert listing(client, auth, carter["contact_id"])["total_count"] == 0


def test_delete_through_an_unrelated_contact_is_404(client, auth, pair):
    carter, jack = pair
    created = relate(client, auth, carter["contact_id"], "owner", "USER", "u1").json
    r = client.delete(f"{BASE}/{jack['contact_id']}/relations/{created['relation_id']}", headers=auth)
    assert r.status_code == 404
    assert listing(client, auth, carter["contact_id"])["total_count"] == 1


@pytest.mark.parametrize("deleted", [0, 1])
def test_deleting_either_contact_removes_their_relations(client, auth, pair, deleted):
    carter, jack = pair
    relate(client, auth, carter["contact_id"], "contact", "CON", jack["contact_id"])
    relate(client, auth, carter["contact_id"], "owner", "USER", "u1")
    relate(client, auth, jack["contact_id"], "viewer", "CUS", "c1")
    gone, kept = (carter, jack) if deleted == 0 else (jack, carter)
    assert client.delete(f"{BASE}/{gone['contact_id']}", headers=auth).status_code == 205
    remaining = items(listing(client, auth, kept["contact_id"]))
    assert [r["entity"]["entity_type"] for r in remaining] == (["CUS"] if deleted == 0 else ["USER"])
    assert client.get(f"{BASE}/{gone['contact_id']}/relations", headers=auth).status_code == 404
    # The deleted contact's own edges are gone from the store, not merely hidden.
    from models.niagara import NiagaraRelation

    with client.application.app_context():
        assert NiagaraRelation.select().count() == 1


def test_deleting_a_contact_in_another_dialect_removes_its_relations(client, auth, pair):
    carter, jack = pair
    relate(client, auth, carter["contact_id"], "contact", "CON", jack["contact_id"])
    assert client.delete(f"/rest/v1/addressbook/contacts/{jack['contact_id']}", headers=auth).status_code == 204
    assert listing(client, auth, carter["contact_id"])["total_count"] == 0


@pytest.mark.parametrize("filters", [{}, {"direction": "INWARD"}, {"entity_type": "CON"}, {"relation": "owner"}])
def test_relation_page_and_total_queries_use_indexes(app, filters):
    from peewee import SQL, fn

    from models.plans import plan_scans_table, query_plan
    from models.niagara import NiagaraRelation
    from services.niagara import relations as niagara_relations

    with app.app_context():
        cond = niagara_relations._filtered(3, filters)
        page = niagara_relations._select().where(cond & (NiagaraRelation.pk > 0)).order_by(NiagaraRelation.pk)
        for query in (page.limit(26), NiagaraRelation.select(fn.COUNT(SQL("*"))).where(cond)):
            plan = query_plan(query)
            assert not plan_scans_table(plan, "niagara_relation"), plan
