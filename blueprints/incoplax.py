"""Incoplax REST v1 addressbook: contacts (with LOOKUP), contact groups, combined contacts."""
from __future__ import annotations

from copy import deepcopy

import orjson
from flask import Flask, Response, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError

from models import Contact, ContactGroup
from schemas import incoplax as wire
from schemas import incoplax_query as q
from services import contacts as cards
from services import groups
from services.errors import DomainError, FieldError, Invalid, NotFound, PreconditionFailed

from .apidoc import document_dialect, query_documented
from .errors import invalid_from_validation, register_error_format
from .http import empty_response, etag_for, expected_version, json_response, read_json_body

PREFIX = "/rest/v1/addressbook"
blp = Blueprint("incoplax", __name__, url_prefix=PREFIX,
                description="Incoplax REST v1 addressbook: contacts, contact groups, combined contacts")
LOOKUP_FAILED = {"error_code": 1404, "error_message": "Lookup failed"}
ERROR_SCHEMA = {"type": "object", "required": ["error_code", "error_message"], "properties": {
    "error_code": {"type": "integer", "description": "1000 + HTTP status"}, "error_message": {"type": "string"}}}
# Response bodies, for the OpenAPI document (what tests/test_fuzz_openapi.py holds responses to).
_TEXT = {"type": "string"}
_EXT = {"type": "object", "required": ["ct", "lwt"], "properties": {"ct": _TEXT, "lwt": _TEXT}}
CONTACT_ENTITY = {"type": "object", "required": ["id", "autokey", *wire.CONTACT_TEXT_FIELDS, "opts", "ext"],
                  "properties": {"id": _TEXT, "autokey": {"type": "integer"},
                                 **{name: _TEXT for name in wire.CONTACT_TEXT_FIELDS},
                                 "opts": {"type": "object", "required": ["title", "comment", "groups", "priority"],
                                          "properties": {"title": _TEXT, "comment": _TEXT,
                                                         "groups": {"type": "array", "items": _TEXT},
                                                         "priority": {"type": "integer", "nullable": True}}},
                                 "ext": _EXT}}
GROUP_ENTITY = {"type": "object", "required": ["id", "code", "name", "shortname", "opts", "ext"],
                "properties": {"id": _TEXT, "code": _TEXT, "name": _TEXT, "shortname": _TEXT,
                               "opts": {"type": "object", "required": ["abonents", "abonentcount"], "properties": {
                                   "title": _TEXT, "comment": _TEXT, "priority": {"type": "integer", "nullable": True},
                                   "abonents": {"type": "array", "items": {"type": "integer"}},
                                   "abonentcount": {"type": "integer"}}},
                               "ext": _EXT}}
COMBINED_ITEM = {"type": "object", "required": ["id", "key", "type", "name", "number"], "properties": {
    "id": _TEXT, "key": {"oneOf": [_TEXT, {"type": "integer"}]}, "type": {"enum": ["contactgroup", "contact"]},
    "name": _TEXT, "number": _TEXT}}
# Create: displayname and number are required and not blank; autokey absent or -1.
CONTACT_CREATE = {"allOf": [{"$ref": "#/components/schemas/IncoplaxContact"}],
                  "required": ["displayname", "number"],
                  "properties": {"displayname": {"type": "string", "pattern": r"\S"},
                                 "number": {"type": "string", "pattern": r"\S"}, "autokey": {"enum": [-1]}}}
# `mask` and `flat` reshape entities: a masked body is an object (or array of objects) of the asked paths.
SHAPED = {"type": "object"}


def _body(component: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{component}"}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def render_error(error: DomainError) -> Response:
    """Incoplax errors: `{"error_code": 1000 + status, "error_message": ...}`."""
    return json_response({"error_code": 1000 + error.status, "error_message": error.message}, error.status)


def _load(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise invalid_from_validation(exc) from None


def _required(body: dict, names: tuple[str, ...]) -> None:
    missing = [name for name in names if not str(body.get(name) or "").strip()]
    if missing:
        raise Invalid(f"Required field(s) missing or empty: {', '.join(missing)}",
                      errors=[FieldError(name, "required", "required") for name in missing])


def _prohibited(body: dict, current: dict, names: tuple[str, ...]) -> None:
    changed = [name for name in names if name in body and body[name] != current[name]]
    if changed:
        raise Invalid(f"Fields prohibited for modification: {', '.join(changed)}",
                      errors=[FieldError(name, "read-only", "readOnly") for name in changed])


def _item_response(entity: dict, version: int, kind: str) -> Response:
    args = request.args
    # The entity's paths are only needed to check a mask.
    paths = q.parse_mask(args, q.entity_paths(entity)) if args.get("mask") else None
    shaped = q.apply_mask(entity, paths, q.parse_flat(args))
    return json_response(shaped, headers={"ETag": etag_for(version, kind)})


def _retry_unless_if_match(attempt, if_match: int | None, tries: int = 5):
    """Run a read-merge-write; without If-Match a write that raced another is redone, not a 412."""
    for remaining in range(tries - 1, -1, -1):
        try:
            return attempt()
        except PreconditionFailed:
            if if_match is not None or not remaining:
                raise


def _lookup_key() -> str:
    try:
        value = orjson.loads(request.get_data(cache=True) or b"")
    except orjson.JSONDecodeError:
        raise Invalid("LOOKUP body must be a JSON string, e.g. \"11\"") from None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid("LOOKUP body must be a JSON string, e.g. \"11\"")
    return str(value)


# ---------------------------------------------------------------- contacts

@blp.route("/contacts")
class Contacts(MethodView):
    """The contact collection."""

    @blp.arguments(q.ListArgsSchema(), location="query")
    @blp.doc(responses={"200": _ok("Array of contacts (reduced field set unless mask is given)", _array(SHAPED))})
    def get(self, args):
        """List contacts."""
        offset = q.parse_int(args, "offset", 0, maximum=2**62)
        limit = q.parse_int(args, "limit", q.DEFAULT_LIMIT)
        query = q.contact_select(args)
        mask = args.get("mask")
        rows = list(query.offset(offset).limit(limit).dicts())
        flat = q.parse_flat(args)
        if mask:
            loaded = cards.load_cards(rows)
            entities = [wire.contact_entity(card) for card in loaded]
            paths = q.parse_mask(args, q.entity_paths(wire.contact_entity(_sample_card())))
            body = [q.apply_mask(e, paths, flat) for e in entities]
        else:
            body = [q.apply_mask(wire.contact_list_entity(card), None, flat)
                    for card in _with_groups(rows)]
        return json_response(body)

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": CONTACT_CREATE}}},
             responses={"200": _ok("The created contact", CONTACT_ENTITY),
                        "409": {"description": "A contact with this id already exists"}})
    def post(self):
        """Create a contact."""
        body = _load(wire.CONTACT_BODY, read_json_body())
        if body.get("autokey", -1) != -1:
            raise Invalid("autokey is generated by the server: omit it or send -1",
                          errors=[FieldError("autokey", "read-only", "readOnly")])
        _required(body, ("displayname", "number"))
        changes = wire.contact_changes(body, None)
        changes["groups"] = cards.group_keys_for_codes((body.get("opts") or {}).get("groups") or [])
        if "id" in body:
            changes["id"] = body["id"].lower()
        card = cards.create_card(changes)
        return json_response(wire.contact_entity(card), headers={"ETag": etag_for(card["version"])})


def _with_groups(rows: list[dict]) -> list[dict]:
    """Attach group codes to contact rows without loading their other child rows."""
    from models import GroupMembership

    by_key = {row["autokey"]: row for row in rows}
    for row in rows:
        row["groups"] = []
    if by_key:
        query = (GroupMembership.select(GroupMembership.contact, ContactGroup.code)
                 .join(ContactGroup)
                 .where(GroupMembership.contact.in_(list(by_key)))
                 .order_by(GroupMembership.contact, GroupMembership.position).tuples())
        for contact_key, code in query:
            by_key[contact_key]["groups"].append({"code": code})
    return rows


def _sample_card() -> dict:
    """A card with every field, to enumerate the entity's field paths for `mask`."""
    from models import utcnow

    now = utcnow()
    card = {name: "" for name in cards.SCALAR_FIELDS}
    card.update(id="", autokey=0, priority=None, extra=None, created=now, updated=now,
                phones=[], emails=[], groups=[])
    return card


def lookup_contacts():
    """Find contact ids by id, autokey or number (the custom LOOKUP method)."""
    ids = q.contact_lookup_ids(_lookup_key())
    if not ids:
        return json_response(LOOKUP_FAILED, 404)
    return json_response(ids)


@blp.route("/contacts/<contact_id>")
class ContactItem(MethodView):
    """One contact."""

    @query_documented(q.ItemArgsSchema())
    @blp.doc(responses={"200": _ok("The contact (shaped by mask/flat when given)", SHAPED),
                        "404": {"description": "Not found"}})
    def get(self, contact_id):
        """Retrieve a contact."""
        card = cards.get_card(contact_id)
        return _item_response(wire.contact_entity(card), card["version"], "c")

    @blp.doc(requestBody=_body("IncoplaxContact"),
             responses={"200": _ok("The changed contact", CONTACT_ENTITY),
                        "412": {"description": "If-Match does not match the current version"},
                        "423": {"description": "The contact is locked"}})
    def patch(self, contact_id):
        """Change some fields of a contact."""
        data = read_json_body()
        version = expected_version()
        body = _load(wire.CONTACT_PATCH, data)

        def attempt():
            card = cards.get_card(contact_id)
            _prohibited(body, card, ("id", "autokey"))
            if "displayname" in body or "number" in body:
                _required({**{"displayname": "x", "number": "x"}, **body}, ("displayname", "number"))
            changes = wire.contact_changes(body, card)
            opts = body.get("opts") or {}
            if "groups" in opts:
                changes["groups"] = cards.group_keys_for_codes(opts["groups"] or [])
            # The changes were merged into the card as read: it must not have moved since.
            return cards.update_card(contact_id, changes,
                                     expected_version=version if version is not None else card["version"])

        card = _retry_unless_if_match(attempt, version)
        return json_response(wire.contact_entity(card), headers={"ETag": etag_for(card["version"])})

    @blp.doc(responses={"204": {"description": "Deleted"},
                        "412": {"description": "If-Match does not match the current version"},
                        "423": {"description": "The contact is locked"}})
    def delete(self, contact_id):
        """Delete a contact."""
        cards.delete_card(contact_id, expected_version=expected_version())
        return empty_response(204)


# ---------------------------------------------------------------- contact groups

@blp.route("/contactgroups")
class ContactGroups(MethodView):
    """The contact group collection."""

    @blp.arguments(q.ListArgsSchema(), location="query")
    @blp.doc(responses={"200": _ok("Array of contact groups (shaped by mask/flat when given)", _array(SHAPED))})
    def get(self, args):
        """List contact groups."""
        offset = q.parse_int(args, "offset", 0, maximum=2**62)
        limit = q.parse_int(args, "limit", q.DEFAULT_LIMIT)
        rows = groups.with_members(list(q.group_select(args).offset(offset).limit(limit).dicts()))
        entities = [wire.group_entity(row, row["members"]) for row in rows]
        paths = q.parse_mask(args, q.entity_paths(wire.group_entity(_sample_group(), [])))
        flat = q.parse_flat(args)
        if paths is None:
            paths = list(wire.GROUP_LIST_FIELDS)
        return json_response([q.apply_mask(e, paths, flat) for e in entities])

    @blp.doc(requestBody=_body("IncoplaxContactGroup"),
             responses={"200": _ok("The created contact group", GROUP_ENTITY),
                        "409": {"description": "A contact group with this id or code already exists"}})
    def post(self):
        """Create a contact group."""
        body = _load(wire.GROUP_BODY, read_json_body())
        _required(body, ("name",))
        values = wire.group_changes(body)
        if "id" in body:
            values["id"] = body["id"].lower()
        values.setdefault("priority", wire.DEFAULT_GROUP_PRIORITY)
        members = (body.get("opts") or {}).get("abonents")
        group = groups.create_group(values, members)
        return json_response(wire.group_entity(group, group["members"]),
                             headers={"ETag": etag_for(group["version"], "g")})


def _sample_group() -> dict:
    from models import utcnow

    now = utcnow()
    return {"id": "", "code": "", "name": "", "shortname": "", "title": "", "comment": "",
            "priority": None, "created": now, "updated": now, "extra": None}


def lookup_groups():
    """Find contact group ids by id or code (the custom LOOKUP method)."""
    ids = [row[0] for row in q.group_lookup_select(_lookup_key()).tuples()]
    if not ids:
        return json_response(LOOKUP_FAILED, 404)
    return json_response(ids)


@blp.route("/contactgroups/<group_id>")
class ContactGroupItem(MethodView):
    """One contact group."""

    @query_documented(q.ItemArgsSchema())
    @blp.doc(responses={"200": _ok("The contact group (shaped by mask/flat when given)", SHAPED)})
    def get(self, group_id):
        """Retrieve a contact group."""
        group = groups.get_group(group_id)
        return _item_response(wire.group_entity(group, group["members"]), group["version"], "g")

    @blp.doc(requestBody=_body("IncoplaxContactGroup"),
             responses={"200": _ok("The changed contact group", GROUP_ENTITY),
                        "409": {"description": "Another contact group has this code"},
                        "412": {"description": "If-Match does not match the current version"}})
    def patch(self, group_id):
        """Change some fields of a contact group."""
        data = read_json_body()
        version = expected_version("g")
        body = _load(wire.GROUP_PATCH, data)

        def attempt():
            current = groups.get_group(group_id)
            _prohibited(body, current, ("id",))
            if "name" in body:
                _required(body, ("name",))
            if "code" in body and not body["code"].strip():
                raise Invalid("code must not be empty", errors=[FieldError("code", "empty", "minLength")])
            members = (body.get("opts") or {}).get("abonents")
            return groups.update_group(group_id, wire.group_changes(body), members,
                                       expected_version=version if version is not None else current["version"])

        group = _retry_unless_if_match(attempt, version)
        return json_response(wire.group_entity(group, group["members"]),
                             headers={"ETag": etag_for(group["version"], "g")})

    @blp.doc(responses={"204": {"description": "Deleted"},
                        "412": {"description": "If-Match does not match the current version"}})
    def delete(self, group_id):
        """Delete a contact group."""
        groups.delete_group(group_id, expected_version=expected_version("g"))
        return empty_response(204)


# ---------------------------------------------------------------- combined contacts

@blp.route("/combined_contacts")
class CombinedContacts(MethodView):
    """Groups and contacts in one list, groups first."""

    @blp.arguments(q.ListArgsSchema(only=("filter", "offset", "limit")), location="query")
    @blp.doc(responses={"200": _ok("Array of {id, key, type, name, number}", _array(COMBINED_ITEM))})
    def get(self, args):
        """List groups then contacts (id, key, type, name, number)."""
        offset = q.parse_int(args, "offset", 0, maximum=2**62)
        limit = q.parse_int(args, "limit", q.DEFAULT_LIMIT)
        group_query, contact_query = q.combined_selects(args)
        items = []
        group_total = q.count(group_query)
        if offset < group_total:
            for row in group_query.offset(offset).limit(limit).dicts():
                items.append({"id": row["id"], "key": row["code"], "type": "contactgroup",
                              "name": row["name"], "number": f"group#{row['code']}"})
        remaining = limit - len(items)
        if remaining > 0:
            contact_offset = max(0, offset - group_total)
            for row in (contact_query.select(Contact.id, Contact.autokey, Contact.display_name, Contact.primary_phone)
                        .offset(contact_offset).limit(remaining).dicts()):
                items.append({"id": row["id"], "key": row["autokey"], "type": "contact",
                              "name": row["display_name"], "number": row["primary_phone"]})
        return json_response(items)


# LOOKUP is routed like any method; flask-smorest documents only standard ones.
blp.add_url_rule("/contacts", "lookup_contacts", lookup_contacts, methods=["LOOKUP"])
blp.add_url_rule("/contactgroups", "lookup_groups", lookup_groups, methods=["LOOKUP"])

LOOKUP_DOC = {
    "summary": "Find ids by key (custom HTTP method LOOKUP)",
    "description": "Sent with the HTTP method LOOKUP (not GET). The body is a JSON string; "
                   "contacts match on id, autokey or number, groups on id or code.",
    "tags": ["incoplax"],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "string"}}}},
    "responses": {
        "200": {"description": "Matching ids", "content": {"application/json": {
            "schema": {"type": "array", "items": {"type": "string"}}}}},
        "404": {"description": '{"error_code":1404,"error_message":"Lookup failed"}'},
    },
}


def register(api: Api, app: Flask) -> None:
    """Register the Incoplax routes, the LOOKUP method and the error format."""
    api.spec.components.schema("IncoplaxContact", schema=wire.ContactBodySchema)
    api.spec.components.schema("IncoplaxContactGroup", schema=wire.GroupBodySchema)
    api.register_blueprint(blp)
    # OpenAPI 3.0 has no slot for custom methods: LOOKUP is described as an extension.
    # /docs lists and sends it through a Swagger UI plugin (blueprints/docs.py); the example
    # is what its "Try it out" starts with.
    for path, example in (("/contacts", "11"), ("/contactgroups", "eng")):
        doc = deepcopy(LOOKUP_DOC)
        doc["requestBody"]["content"]["application/json"]["example"] = example
        api.spec._paths.setdefault(PREFIX + path, {})["x-lookup"] = doc
    document_dialect(api, PREFIX, error_schema_name="IncoplaxError", error_schema=ERROR_SCHEMA,
                     error_content_type="application/json", success_content_type="application/json")
    register_error_format(PREFIX, render_error)
