"""nterprise Niagara contacts: HAL+JSON contacts and relations, problem+json errors."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, current_app, request
from flask_smorest import Api, Blueprint

from schemas import niagara as wire
from services import contacts as cards
from services.niagara import contacts as contacts
from services.niagara import cursor as cursors
from services.niagara import relations as relations
from services.errors import DomainError, Invalid

from .apidoc import document_dialect, request_body, response, responses
from .auth import requires_scope
from .item_reads import ItemAnswer, answer_response, register_item_read
from .errors import register_error_format
from .http import (
    ResourceView,
    dumps,
    empty_response,
    environ_url,
    card_etag_for,
    expected_card,
    json_response,
    read_json_body,
)

PREFIX = "/contacts"
HAL = "application/hal+json"
PROBLEM = "application/problem+json"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
blp = Blueprint("niagara", __name__, url_prefix=PREFIX,
                description="nterprise Niagara contacts and relations (HAL+JSON, problem+json errors)")

# Titles as Niagara spells them (note "Payload too Large"); the type URL is the title in PascalCase.
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 412: "Precondition Failed",
          413: "Payload too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
          423: "Locked", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
INVALID_DATA = "Invalid Data"
PROBLEM_SCHEMA = {"type": "object", "required": ["title", "type", "status", "detail"], "properties": {
    "title": {"type": "string"}, "type": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"},
    "validation_messages": {"type": "array", "items": {"type": "object"}, "description": "Ajv-style, on 400 only"}}}


# ---------------------------------------------------------------- errors

def render_error(error: DomainError) -> Response:
    """Niagara errors: RFC 7807 problem+json with title, type, status, detail (+ validation_messages)."""
    status = error.status
    title = TITLES.get(status, error.title)
    body = {"title": title, "type": wire.PROBLEM_BASE + "".join(w[:1].upper() + w[1:] for w in title.split()),
            "status": status, "detail": _detail(error)}
    if status == 400:
        body["validation_messages"] = error.details.get("validation_messages") or [
            wire.ajv_error(e.kind, wire.data_path(e.path.split(".")) if e.path else "", "#", e.params, e.message)
            for e in error.errors]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return json_response(body, status, PROBLEM, headers)


def _detail(error: DomainError) -> str:
    if error.status == 404 and "id" in error.details:
        return f'A Resource with the id "{error.details["id"]}" was not found'
    if error.status == 423:
        return "This resource is currently locked from editing"
    if error.status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        size = f"{limit // 2**20} MB" if limit and limit % 2**20 == 0 else f"{limit} bytes"
        return f"The request payload exceeded {size}"
    return error.message


def _invalid(messages: list[dict], detail: str = INVALID_DATA) -> Invalid:
    return Invalid(detail, validation_messages=messages)


def _validated(kind: str, body) -> dict:
    messages = wire.validate_body(kind, body)
    if messages:
        raise _invalid(messages)
    return body


# ---------------------------------------------------------------- query parameters

def _query_error(name: str, keyword: str, params: dict, message: str) -> dict:
    return wire.ajv_error(keyword, wire.data_path([name]), f"#/properties/{name}/{keyword}", params, message)


def _paging(kind: str) -> tuple[int, int]:
    """`limit` (1..100, default 25) and the keyset position of `offset` (0: first page)."""
    errors = []
    limit = DEFAULT_LIMIT
    raw = request.args.get("limit")
    if raw is not None:
        if not raw.strip().lstrip("-").isdigit():
            errors.append(_query_error("limit", "type", {"type": "integer"}, "should be integer"))
        else:
            limit = int(raw)
            if limit < 1:
                errors.append(_query_error("limit", "minimum", {"comparison": ">=", "limit": 1, "exclusive": False},
                                           "should be >= 1"))
            elif limit > MAX_LIMIT:
                errors.append(_query_error("limit", "maximum",
                                           {"comparison": "<=", "limit": MAX_LIMIT, "exclusive": False},
                                           f"should be <= {MAX_LIMIT}"))
    after = 0
    cursor = request.args.get("offset")
    if cursor:
        try:
            after = cursors.decode(kind, cursor)
        except cursors.BadCursor:
            errors.append(_query_error("offset", "format", {"format": "offset"},
                                       'should match format "offset"'))
    if errors:
        raise _invalid(errors)
    return limit, after


def _relation_filters() -> dict:
    """`filter[direction]`, `filter[relation]`, `filter[entity_type]`, each checked against its enum."""
    allowed = {"direction": wire.DIRECTIONS, "relation": tuple(wire.RELATION_LABELS),
               "entity_type": wire.ENTITY_TYPES}
    filters, errors = {}, []
    for name, values in allowed.items():
        value = request.args.get(f"filter[{name}]")
        if value is None or value == "":
            continue
        if value not in values:
            errors.append(_query_error(f"filter[{name}]", "enum", {"allowedValues": list(values)},
                                       "should be equal to one of the allowed values"))
        filters[name] = value
    if errors:
        raise _invalid(errors)
    return filters


def _base_url(environ: dict | None = None) -> str:
    """The links' base: the request's (or `environ`'s) root URL without its trailing slash."""
    return environ_url(request.environ if environ is None else environ, "url_root").rstrip("/")


def _next_href(path: str, limit: int, cursor: str | None, extra: dict | None = None) -> str | None:
    if cursor is None:
        return None
    query = {**(extra or {}), "limit": limit, "offset": cursor}
    return f"{_base_url()}{path}?{urlencode(query)}"


def _hal(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return json_response(body, status, HAL, headers)


def _contact_response(card: dict) -> Response:
    return answer_response(_contact_answer(card, _base_url()))


def _contact_answer(card: dict, base_url: str) -> ItemAnswer:
    return ItemAnswer(dumps(wire.contact_resource(card, base_url)), HAL, [("ETag", card_etag_for(card))])


def _read_item(environ: dict, contact_id: str) -> ItemAnswer | None:
    """A plain GET of one contact, before Flask (blueprints/item_reads.py); None: Flask answers."""
    card = cards.find_card(contact_id)
    return None if card is None else _contact_answer(card, _base_url(environ))


# ---------------------------------------------------------------- OpenAPI fragments

PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False, "description": "How many items to return at one time (max 100)",
     "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
    {"name": "offset", "in": "query", "required": False, "description": "Continue from last offset",
     "schema": {"type": "string"}},
]
FILTER_PARAMS = [
    {"name": "filter[entity_type]", "in": "query", "required": False, "description": "Filter on entity type",
     "schema": {"type": "string", "enum": list(wire.ENTITY_TYPES)}},
    {"name": "filter[relation]", "in": "query", "required": False, "description": "Filter on relation type",
     "schema": {"type": "string", "enum": list(wire.RELATION_LABELS)}},
    {"name": "filter[direction]", "in": "query", "required": False, "description": "Filter on relation direction",
     "schema": {"type": "string", "enum": list(wire.DIRECTIONS)}},
]


_TEXT = {"type": "string"}
_LINK = {"type": "object", "required": ["href"], "properties": {"href": _TEXT}}
CONTACT_RESOURCE = {"type": "object", "required": ["contact_id", "label", "created", "updated", "name", "email",
                                                   "phone", "_links"],
                    "properties": {"contact_id": _TEXT, "label": _TEXT, "created": _TEXT, "updated": _TEXT,
                                   "name": _TEXT, "email": _TEXT, "phone": {"type": "string", "nullable": True},
                                   "_links": {"type": "object", "required": ["self"], "properties": {"self": _LINK}}}}
RELATION_RESOURCE = {"type": "object", "required": ["relation_id", "relation", "label", "direction", "created",
                                                    "updated", "entity", "_links"],
                     "properties": {"relation_id": _TEXT, "relation": _TEXT, "label": _TEXT,
                                    "direction": {"enum": list(wire.DIRECTIONS)}, "created": _TEXT, "updated": _TEXT,
                                    "entity": {"type": "object", "required": ["entity_type", "entity_id"],
                                               "properties": {"entity_type": _TEXT, "entity_id": _TEXT}},
                                    "_links": {"type": "object", "required": ["self"]}}}


def _page_schema(embedded: str, item: dict) -> dict:
    return {"type": "object", "required": ["total_count", "limit", "offset", "_embedded", "_links"], "properties": {
        "total_count": {"type": "integer"}, "limit": {"type": "integer"},
        "offset": {"type": "string", "nullable": True, "description": "Cursor of the next page, null on the last"},
        "_embedded": {"type": "object", "required": [embedded],
                      "properties": {embedded: {"type": "array", "items": item}}},
        "_links": {"type": "object", "required": ["self"], "properties": {"self": _LINK, "next": _LINK}}}}


def _hal_responses(ok: tuple[str, str, dict], **described: str) -> dict:
    """`_responses` plus the success response's HAL body schema."""
    status, text, schema = ok
    return {status: response(text, schema, HAL), **responses(**described)}


# ---------------------------------------------------------------- contacts

@blp.route("")
class Contacts(ResourceView):
    """The contact collection."""

    @blp.doc(parameters=PAGE_PARAMS, responses=_hal_responses(
        ("200", "A HAL page: total_count, limit, offset (next cursor or null), _embedded['nter:contacts'], _links",
         _page_schema("nter:contacts", CONTACT_RESOURCE)),
        _400="Bad limit or offset (problem+json with validation_messages)"))
    def get(self):
        """Fetch a page of contacts."""
        limit, after = _paging("CON")
        rows, more = contacts.page_after(after, limit)
        cursor = cursors.encode("CON", rows[-1]["autokey"]) if more and rows else None
        base = _base_url()
        body = wire.page([wire.contact_resource(row, base) for row in rows], "nter:contacts",
                         total=contacts.total(), limit=limit, cursor=cursor, self_href=request.url,
                         next_href=_next_href(PREFIX, limit, cursor))
        return _hal(body)

    @blp.doc(requestBody=request_body("NiagaraContactBody"), responses=_hal_responses(
        ("200", "The created contact", CONTACT_RESOURCE), _400="Invalid data", _409="Another contact has this email"))
    def post(self):
        """Create a contact."""
        body = _validated("contact", wire.without(read_json_body(required_type=None), wire.CONTACT_READ_ONLY))
        card = contacts.create(wire.contact_changes(body, None), body["email"])
        return _contact_response(card)


@blp.route("/<contact_id>")
class ContactItem(ResourceView):
    """One contact."""

    @blp.doc(responses=_hal_responses(("200", "The contact (ETag header)", CONTACT_RESOURCE), _404="No such contact"))
    def get(self, contact_id):
        """Fetch a contact."""
        return _contact_response(cards.get_card(contact_id))

    @blp.doc(requestBody=request_body("NiagaraContactBody"), responses=_hal_responses(
        ("200", "The replaced contact", CONTACT_RESOURCE), _400="Invalid data", _404="No such contact",
        _409="Another contact has this email",
        _412="If-Match does not match", _423="The contact is locked"))
    def put(self, contact_id):
        """Replace a contact (label, name, email, phone)."""
        body = _validated("contact", wire.without(read_json_body(required_type=None), wire.CONTACT_READ_ONLY))
        card = contacts.replace(contact_id, lambda current: wire.contact_changes(body, current), body["email"],
                                expected_version=expected_card())
        return _contact_response(card)

    @blp.doc(responses=responses(_205="Contact deleted (no body)", _404="No such contact",
                                  _412="If-Match does not match", _423="The contact is locked"))
    def delete(self, contact_id):
        """Delete a contact and its relations."""
        cards.delete_card(contact_id, expected_version=expected_card(), respect_lock=True)
        return empty_response(205)


# ---------------------------------------------------------------- relations

@blp.route("/<contact_id>/relations")
class Relations(ResourceView):
    """A contact's relations, OUTWARD and INWARD."""

    @blp.doc(parameters=FILTER_PARAMS + PAGE_PARAMS, responses=_hal_responses(
        ("200", "A HAL page of relations: _embedded['nter:relations']",
         _page_schema("nter:relations", RELATION_RESOURCE)), _404="No such contact"))
    def get(self, contact_id):
        """Fetch a contact's relations."""
        filters = _relation_filters()
        limit, after = _paging("REL")
        edges, more, total = relations.page(contact_id, filters, after, limit)
        cursor = cursors.encode("REL", edges[-1]["key"]) if more and edges else None
        base = _base_url()
        extra = {f"filter[{name}]": value for name, value in filters.items()}
        body = wire.page([wire.relation_resource(edge, base) for edge in edges], "nter:relations",
                         total=total, limit=limit, cursor=cursor, self_href=request.url,
                         next_href=_next_href(f"{PREFIX}/{contact_id}/relations", limit, cursor, extra))
        return _hal(body)

    @requires_scope("contacts:update")
    @blp.doc(requestBody=request_body("NiagaraRelationBody"), responses=_hal_responses(
        ("201", "The created relation (OUTWARD)", RELATION_RESOURCE), _400="Invalid data",
        _404="No such contact (or target contact)",
        _409="The contact already has this relation to this entity"))
    def post(self, contact_id):
        """Create a relation from a contact to an entity."""
        body = _validated("relation", wire.strip_relation_read_only(read_json_body(required_type=None)))
        entity = body["entity"]
        edge = relations.create(contact_id, body["relation"], entity["entity_type"], entity["entity_id"])
        resource = wire.relation_resource(edge, _base_url())
        return _hal(resource, 201, headers={"Location": resource["_links"]["self"]["href"]})


@blp.route("/<contact_id>/relations/<relation_id>")
class RelationItem(ResourceView):
    """One relation of a contact."""

    @requires_scope("contacts:update")
    @blp.doc(responses=_hal_responses(("200", "The deleted relation", RELATION_RESOURCE),
                                      _404="No such contact or relation"))
    def delete(self, contact_id, relation_id):
        """Delete a relation (from either contact it joins)."""
        edge = relations.delete(contact_id, relation_id)
        return _hal(wire.relation_resource(edge, _base_url()))


def register(api: Api, app: Flask) -> None:
    """Register the Niagara routes, their request schemas and the problem+json error format."""
    api.spec.components.schema("NiagaraContactBody", component=wire.CONTACT_SCHEMA)
    api.spec.components.schema("NiagaraRelationBody", component=wire.RELATION_SCHEMA)
    api.register_blueprint(blp)
    document_dialect(api, PREFIX, error_schema_name="NiagaraProblem", error_schema=PROBLEM_SCHEMA,
                     error_content_type=PROBLEM, success_content_type=HAL)
    register_error_format(PREFIX, render_error)
    register_item_read(app, PREFIX, PREFIX + "/<contact_id>", _read_item)
