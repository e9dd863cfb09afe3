"""Incoplax REST v1 addressbook: contacts (with LOOKUP), contact groups, combined contacts."""
from __future__ import annotations

from copy import deepcopy

import orjson
from flask import Flask, Response, request
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError

from schemas import incoplax as wire
from schemas import incoplax_params as params
from services import contacts as cards
from services import groups
from services.errors import DomainError, FieldError, Invalid
from services.incoplax import addressbook

from .apidoc import array_of, document_dialect, query_documented, request_body, response
from .errors import invalid_from_validation, register_error_format
from .http import (
    JSON_UTF8,
    ResourceView,
    card_etag_for,
    dumps,
    empty_response,
    etag_for,
    expected_card,
    expected_version,
    json_response,
    read_json_body,
)
from .item_reads import ItemAnswer, answer_response, register_item_read, register_lookup_read

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


def _item_response(entity: dict, etag: str) -> Response:
    args = request.args
    # The entity's paths are only needed to check a mask.
    paths = params.parse_mask(args, params.entity_paths(entity)) if args.get("mask") else None
    return answer_response(_item_answer(params.apply_mask(entity, paths, params.parse_flat(args)), etag))


def _item_answer(shaped: dict, etag: str) -> ItemAnswer:
    return ItemAnswer(dumps(shaped), JSON_UTF8, [("ETag", etag)])


def _read_contact(environ: dict, contact_id: str) -> ItemAnswer | None:
    """A plain GET of one contact (no mask, no flat), before Flask (blueprints/item_reads.py); None: Flask answers."""
    card = cards.find_card(contact_id)
    return None if card is None else _item_answer(wire.contact_entity(card), card_etag_for(card))


def _lookup_key() -> str:
    key = _lookup_value(request.get_data(cache=True))
    if key is None:
        raise Invalid("LOOKUP body must be a JSON string, e.g. \"11\"")
    return key


def _lookup_value(body: bytes) -> str | None:
    """The key a LOOKUP body names (a JSON string, or an integer), None when it names none."""
    try:
        value = orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def _lookup_answer(ids: list[str]) -> ItemAnswer:
    return ItemAnswer(dumps(ids), JSON_UTF8, [])


# ---------------------------------------------------------------- contacts

@blp.route("/contacts")
class Contacts(ResourceView):
    """The contact collection."""

    @blp.arguments(params.ListArgsSchema(), location="query")
    @blp.doc(responses={"200": response("Array of contacts (reduced field set unless mask is given)", array_of(SHAPED))})
    def get(self, args):
        """List contacts."""
        offset = params.parse_int(args, "offset", 0, maximum=2**62)
        limit = params.parse_int(args, "limit", params.DEFAULT_LIMIT)
        mask = args.get("mask")
        rows = addressbook.list_contacts(args, offset, limit, whole_cards=bool(mask))
        flat = params.parse_flat(args)
        if mask:
            paths = params.parse_mask(args, params.CONTACT_PATHS)
            body = [params.apply_mask(wire.contact_entity(card), paths, flat) for card in rows]
        else:
            body = [params.apply_mask(wire.contact_list_entity(card), None, flat) for card in rows]
        return json_response(body)

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": CONTACT_CREATE}}},
             responses={"200": response("The created contact", CONTACT_ENTITY),
                        "409": {"description": "A contact with this id already exists"}})
    def post(self):
        """Create a contact."""
        body = _load(wire.CONTACT_BODY, read_json_body())
        if body.get("autokey", -1) != -1:
            raise Invalid("autokey is generated by the server: omit it or send -1",
                          errors=[FieldError("autokey", "read-only", "readOnly")])
        _required(body, ("displayname", "number"))
        changes = wire.contact_changes(body, None)
        if "id" in body:
            changes["id"] = body["id"].lower()
        card = addressbook.create_contact(changes, (body.get("opts") or {}).get("groups") or [])
        return json_response(wire.contact_entity(card), headers={"ETag": card_etag_for(card)})


def lookup_contacts():
    """Find contact ids by id, autokey or number (the custom LOOKUP method)."""
    ids = addressbook.lookup_contact_ids(_lookup_key())
    if not ids:
        return json_response(LOOKUP_FAILED, 404)
    return answer_response(_lookup_answer(ids))


def _read_lookup(environ: dict, body: bytes) -> ItemAnswer | None:
    """A plain LOOKUP of contacts that finds some, before Flask (blueprints/item_reads.py); None: Flask answers.

    Only a body `_lookup_key` takes without a word and without escapes (the request guard
    checks those for NUL)."""
    if b"\\" in body:
        return None
    key = _lookup_value(body)
    ids = addressbook.lookup_contact_ids(key) if key is not None else []
    return _lookup_answer(ids) if ids else None


@blp.route("/contacts/<contact_id>")
class ContactItem(ResourceView):
    """One contact."""

    @query_documented(params.ItemArgsSchema())
    @blp.doc(responses={"200": response("The contact (shaped by mask/flat when given)", SHAPED),
                        "404": {"description": "Not found"}})
    def get(self, contact_id):
        """Retrieve a contact."""
        card = cards.get_card(contact_id)
        return _item_response(wire.contact_entity(card), card_etag_for(card))

    @blp.doc(requestBody=request_body("IncoplaxContact"),
             responses={"200": response("The changed contact", CONTACT_ENTITY),
                        "412": {"description": "If-Match does not match the current version"},
                        "423": {"description": "The contact is locked"}})
    def patch(self, contact_id):
        """Change some fields of a contact."""
        data = read_json_body()
        version = expected_card()
        body = _load(wire.CONTACT_PATCH, data)

        def merge(card: dict) -> tuple[dict, list[str] | None]:
            _prohibited(body, card, ("id", "autokey"))
            if "displayname" in body or "number" in body:
                _required({**{"displayname": "x", "number": "x"}, **body}, ("displayname", "number"))
            opts = body.get("opts") or {}
            return wire.contact_changes(body, card), (opts["groups"] or []) if "groups" in opts else None

        card = addressbook.modify_contact(contact_id, merge, expected_version=version)
        return json_response(wire.contact_entity(card), headers={"ETag": card_etag_for(card)})

    @blp.doc(responses={"204": {"description": "Deleted"},
                        "412": {"description": "If-Match does not match the current version"},
                        "423": {"description": "The contact is locked"}})
    def delete(self, contact_id):
        """Delete a contact."""
        cards.delete_card(contact_id, expected_version=expected_card())
        return empty_response(204)


# ---------------------------------------------------------------- contact groups

@blp.route("/contactgroups")
class ContactGroups(ResourceView):
    """The contact group collection."""

    @blp.arguments(params.ListArgsSchema(), location="query")
    @blp.doc(responses={"200": response("Array of contact groups (shaped by mask/flat when given)", array_of(SHAPED))})
    def get(self, args):
        """List contact groups."""
        offset = params.parse_int(args, "offset", 0, maximum=2**62)
        limit = params.parse_int(args, "limit", params.DEFAULT_LIMIT)
        rows = addressbook.list_groups(args, offset, limit)
        entities = [wire.group_entity(row, row["members"]) for row in rows]
        paths = params.parse_mask(args, params.GROUP_PATHS)
        flat = params.parse_flat(args)
        if paths is None:
            paths = list(wire.GROUP_LIST_FIELDS)
        return json_response([params.apply_mask(e, paths, flat) for e in entities])

    @blp.doc(requestBody=request_body("IncoplaxContactGroup"),
             responses={"200": response("The created contact group", GROUP_ENTITY),
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


def lookup_groups():
    """Find contact group ids by id or code (the custom LOOKUP method)."""
    ids = addressbook.lookup_group_ids(_lookup_key())
    if not ids:
        return json_response(LOOKUP_FAILED, 404)
    return json_response(ids)


@blp.route("/contactgroups/<group_id>")
class ContactGroupItem(ResourceView):
    """One contact group."""

    @query_documented(params.ItemArgsSchema())
    @blp.doc(responses={"200": response("The contact group (shaped by mask/flat when given)", SHAPED)})
    def get(self, group_id):
        """Retrieve a contact group."""
        group = groups.get_group(group_id)
        return _item_response(wire.group_entity(group, group["members"]), etag_for(group["version"], "g"))

    @blp.doc(requestBody=request_body("IncoplaxContactGroup"),
             responses={"200": response("The changed contact group", GROUP_ENTITY),
                        "409": {"description": "Another contact group has this code"},
                        "412": {"description": "If-Match does not match the current version"}})
    def patch(self, group_id):
        """Change some fields of a contact group."""
        data = read_json_body()
        version = expected_version("g")
        body = _load(wire.GROUP_PATCH, data)

        def merge(current: dict) -> tuple[dict, list[int] | None]:
            _prohibited(body, current, ("id",))
            if "name" in body:
                _required(body, ("name",))
            if "code" in body and not body["code"].strip():
                raise Invalid("code must not be empty", errors=[FieldError("code", "empty", "minLength")])
            return wire.group_changes(body), (body.get("opts") or {}).get("abonents")

        group = groups.modify_group(group_id, merge, expected_version=version)
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
class CombinedContacts(ResourceView):
    """Groups and contacts in one list, groups first."""

    @blp.arguments(params.ListArgsSchema(only=("filter", "offset", "limit")), location="query")
    @blp.doc(responses={"200": response("Array of {id, key, type, name, number}", array_of(COMBINED_ITEM))})
    def get(self, args):
        """List groups then contacts (id, key, type, name, number)."""
        offset = params.parse_int(args, "offset", 0, maximum=2**62)
        limit = params.parse_int(args, "limit", params.DEFAULT_LIMIT)
        return json_response([wire.combined_item(kind, row)
                              for kind, row in addressbook.combined_contacts(args, offset, limit)])


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
    register_item_read(app, PREFIX + "/contacts", PREFIX + "/contacts/<contact_id>", _read_contact)
    register_lookup_read(app, PREFIX + "/contacts", _read_lookup)
