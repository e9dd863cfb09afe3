"""MPDX organizations contacts (JSON:API): list, fetch and delete contacts across organizations.

Requests under /api/v2 meet MPDX's Rails pipeline in its order: X-HTTP-Method-Override
(Rack::MethodOverride), the JSON body parser (400), routing (ids must be UUIDs;
unknown routes are 404s), content negotiation (415, then 406), and only then the token
(401/403: the shared check in blueprints.auth runs this dialect's `pre_auth` first).
"""
from __future__ import annotations

import math
from http import HTTPStatus

import orjson
from flask import Flask, Response, g, request, stream_with_context
from flask_smorest import Api, Blueprint

from schemas import mpdx as wire
from schemas import mpdx_params as params
from services.errors import Conflict, DomainError, Invalid, NotAcceptable, NotFound, UnsupportedMediaType
from services.mpdx import contacts as mpdx_contacts
from services.mpdx import query as q

from .apidoc import document_dialect, query_documented, response
from .auth import presented_scopes, register_pre_auth_check
from .item_reads import ItemAnswer, answer_response, register_item_read
from .errors import register_error_format
from .http import (
    ResourceView,
    check_request_url,
    dumps,
    empty_response,
    card_etag_for,
    expected_card,
    install_method_override,
    json_response,
)

PREFIX = "/api/v2/organizations/contacts"
# Everything under /api/v2 answers as MPDX does (JSON:API errors, "Route not found").
API_PREFIX = "/api/v2"
# Pages of more rows than this are streamed in batches (bounded memory for any per_page).
STREAM_ROWS = 1000
blp = Blueprint("mpdx", __name__, url_prefix=PREFIX,
                description="MPDX organizations contacts (JSON:API): contacts across organizations")


# ---------------------------------------------------------------- errors

ERROR_SCHEMA = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "array", "minItems": 1, "items": {"type": "object", "required": ["status", "title"], "properties": {
        "status": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"},
        "meta": {"type": "object"}}}}}}
# Statuses whose upstream body is exactly status and title.
_BARE = (406, 415, 500)


def _detail(error: DomainError) -> str | None:
    """MPDX's detail texts (ErrorSerializer) for each kind of error."""
    if error.status == 401:
        return "Exceptions::AuthenticationError"
    if error.status == 404:
        if error.details.get("resource") == "contact":
            return f"Couldn't find Contact with 'id'={error.details.get('id')}"
        return "Route not found"
    if error.status in _BARE:
        return None
    return error.message


def _json_accepted() -> bool:
    """Whether Rails' `request.formats.first` is JSON (which PublicExceptions renders as JSON)."""
    accept = request.headers.get("Accept", "")
    if not accept or "*/*," in accept.replace(" ", "") or ",*/*" in accept.replace(" ", ""):
        return False  # no or a browser-like Accept: HTML
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in (wire.JSONAPI_MEDIA_TYPE, "application/json")


def render_error(error: DomainError) -> Response:
    """JSON:API error document: `{"errors": [{"status", "title", "detail"...}]}`."""
    item: dict = {"status": str(error.status), "title": HTTPStatus(error.status).phrase}
    if error.details.get("public_exceptions"):
        # Raised outside any controller (routing, the body parser): Rails' PublicExceptions,
        # JSON only for a JSON Accept, else an empty HTML 404/400 (the app has no public/*.html).
        if not _json_accepted():
            response_ = Response(b"", status=error.status)
            response_.headers["Content-Type"] = "text/html; charset=utf-8"
            return response_
        return json_response({"errors": [item]}, error.status, wire.CONTENT_TYPE)
    detail = _detail(error)
    if detail:
        item["detail"] = detail
    if error.details.get("meta"):
        item["meta"] = error.details["meta"]
    return json_response({"errors": [item]}, error.status, wire.CONTENT_TYPE)


# ---------------------------------------------------------------- before the token: body, routing, negotiation

def _content_type_ok(header: str | None) -> bool:
    """ApiController#valid_content_type_header?: a `,`/`;` piece equal to the JSON:API type (untrimmed, exact)."""
    return wire.JSONAPI_MEDIA_TYPE in (header or "").replace(",", ";").split(";")


def _accept_ok(header: str | None) -> bool:
    """ApiController#valid_accept_header?: no Accept, or an entry that is exactly the JSON:API type or starts with */*."""
    entries = [params.ruby_strip(entry) for entry in wire.MEDIA_TYPE_MATCHER.findall(header or "")]
    return not entries or any(e == wire.JSONAPI_MEDIA_TYPE or e.startswith("*/*") for e in entries)


def negotiate() -> None:
    """415 for a Content-Type without the JSON:API type (every method), then 406 for a refused Accept."""
    headers = request.headers
    if not _content_type_ok(headers.get("Content-Type")):
        raise UnsupportedMediaType("Unsupported Media Type")
    if not _accept_ok(headers.get("Accept")):
        raise NotAcceptable("Not Acceptable")


def _body() -> object:
    """A JSON body as Rails' params parser reads it (400 before anything else when it is not JSON)."""
    environ = request.environ
    if (environ.get("CONTENT_LENGTH") in (None, "", "0", 0)
            and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()):
        return None  # no body (every GET of a real client)
    mime = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = request.get_data(cache=True)
    if mime not in (wire.JSONAPI_MEDIA_TYPE, "application/json") or not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Invalid("Bad Request", public_exceptions=True) from None


def _route() -> str:
    """'yes' (an MPDX route), 'no' (Rails has no route) or 'maybe' (an id that is not a UUID)."""
    req = request._get_current_object()  # runs on every MPDX request: one proxy look-up
    if req.routing_exception is not None or req.method == "OPTIONS":
        return "no"
    endpoint = req.endpoint
    if endpoint == "mpdx.ContactItem" and not mpdx_contacts.UUID.fullmatch(req.view_args["contact_id"]):
        return "maybe"
    return "yes" if endpoint and endpoint.startswith("mpdx.") else "no"


def _authenticated() -> bool:
    from flask import current_app

    if not current_app.config["CONTACTS_AUTH"]:
        return True
    # A token, or the web UI's in-process request (the session token's digest in the environ).
    return presented_scopes() is not None


def _routing_miss() -> NotFound:
    """Rails' answer when no route matches: the catch-all (GET, POST) after negotiation, else PublicExceptions."""
    if request.method in ("GET", "HEAD", "POST"):
        negotiate()
        return NotFound("Route not found")
    return NotFound("Not Found", public_exceptions=True)


def pre_auth() -> None:
    """What MPDX answers before looking at the token."""
    check_request_url()  # a front server refuses these before the application sees them
    g.mpdx_body = _body()
    route = _route()
    # A non-UUID id is a routing miss upstream; a card of another door may have such an id:
    # a caller with a valid token reaches it (without one, nothing tells whether it exists).
    if route == "no" or (route == "maybe" and not (_authenticated()
                                                   and mpdx_contacts.contact_exists(request.view_args["contact_id"]))):
        raise _routing_miss()
    negotiate()


# ---------------------------------------------------------------- request parameters

def _params() -> dict:
    """Rails' params: the query string over a JSON body's members."""
    return params.merged_params(request.query_string, getattr(g, "mpdx_body", None))


def _contact_filter(filters: params.Filters, sort: params.Sort) -> q.ContactFilter:
    status, organizations = filters.text("status"), filters.text("organization_id")
    updated = filters.dates.get("updated_at")
    reverse = frozenset(name for name in params.FILTERS if filters.reversed(name))
    return q.ContactFilter(
        organization_ids=params_list(organizations), statuses=params_list(status),
        wildcard_search=filters.text("wildcard_search"),
        updated=(updated.low, updated.high, updated.exclusive) if updated else None,
        reverse=reverse, sort_field=sort.field, descending=sort.descending, nulls=sort.nulls)


def params_list(value: str | None) -> list[str] | None:
    """ApplicationFilter#parse_list: comma-split, blanks dropped, parts stripped."""
    if value is None:
        return None
    return [params.ruby_strip(part) for part in value.split(",") if params.ruby_strip(part)] or None


# ---------------------------------------------------------------- documents

def _data_and_included(found: mpdx_contacts.Contacts, shape: params.Shape,
                       seen: set | None = None) -> tuple[list[dict], list[dict]]:
    data = [wire.contact_resource(card, found.account_lists[card.get("account_list_id")], shape)
            for card in found.cards]
    included = (wire.included_resources(found.cards, found.account_lists, found.organizations, found.users,
                                        shape, seen) if shape.include else [])
    return data, included


def _meta(paging: params.Paging, total: int, sort: params.Sort, filters: params.Filters) -> dict:
    return {
        "pagination": {"page": paging.page_echo, "per_page": paging.per_page_echo, "total_count": total,
                       "total_pages": math.ceil(total / paging.limit)},
        "sort": sort.echo,
        "filter": filters.echo,
    }


def _streamed(spec: q.ContactFilter, paging: params.Paging, shape: params.Shape, sort: params.Sort,
              filters: params.Filters) -> Response:
    """The list document written batch by batch: data, then included (a second pass), then meta."""
    passes = 2 if shape.include else 1

    def generate():
        yield b'{"data":['
        first_data, data_open, included_open, seen = True, True, False, set()
        for number, found in mpdx_contacts.stream_contacts(spec, paging.offset, paging.limit, passes=passes,
                                                           with_users="account_list" in shape.include):
            if number == 0:
                data = [wire.contact_resource(card, found.account_lists[card.get("account_list_id")], shape)
                        for card in found.cards]
                if data:
                    yield (b"" if first_data else b",") + orjson.dumps(data)[1:-1]
                    first_data = False
                continue
            if data_open:
                yield b"]"
                data_open = False
            if number < passes:
                included = wire.included_resources(found.cards, found.account_lists, found.organizations,
                                                   found.users, shape, seen)
                if included:
                    yield (b"," if included_open else b',"included":[') + orjson.dumps(included)[1:-1]
                    included_open = True
                continue
            yield (b"]" if included_open else b"") + b',"meta":' + \
                orjson.dumps(_meta(paging, found.total, sort, filters)) + b"}"

    return Response(stream_with_context(generate()), status=200, content_type=wire.CONTENT_TYPE)


_RESOURCE = {"type": "object", "required": ["id", "type"], "properties": {
    "id": {"type": "string"}, "type": {"type": "string"}, "attributes": {"type": "object"},
    "relationships": {"type": "object"}}}
_CONTACT = {**_RESOURCE, "properties": {**_RESOURCE["properties"], "type": {"enum": ["contacts"]}}}
_INCLUDED = {"type": "array", "items": _RESOURCE}
_ECHO = {"oneOf": [{"type": "integer"}, {"type": "string"}]}
_PAGINATION = {"type": "object", "required": ["page", "per_page", "total_count", "total_pages"],
               "properties": {"page": _ECHO, "per_page": _ECHO, "total_count": {"type": "integer"},
                              "total_pages": {"type": "integer"}}}
LIST_SCHEMA = {"type": "object", "required": ["data", "meta"], "properties": {
    "data": {"type": "array", "items": _CONTACT}, "included": _INCLUDED,
    "meta": {"type": "object", "required": ["pagination", "sort", "filter"], "properties": {
        "pagination": _PAGINATION, "sort": {"type": "string", "nullable": True}, "filter": {"type": "object"}}}}}
ITEM_SCHEMA = {"type": "object", "required": ["data"], "properties": {"data": _CONTACT, "included": _INCLUDED}}


def _ok(description: str, schema: dict) -> dict:
    return response(description, schema, wire.JSONAPI_MEDIA_TYPE)


LIST_DOC = {"responses": {
    "200": _ok("Contacts with `meta.pagination`, `meta.sort`, `meta.filter`", LIST_SCHEMA),
    "400": {"description": "Unsupported sort, or a date filter that is not a date range"},
    "404": {"description": "Route not found (e.g. a POST without X-HTTP-Method-Override)"},
    "406": {"description": "Accept does not allow JSON:API"},
    "415": {"description": "Content-Type is not JSON:API"},
}}


@blp.route("")
class Contacts(ResourceView):
    """The organizations' contacts."""

    @blp.arguments(wire.ListArgsSchema(), location="query")
    @blp.doc(**LIST_DOC)
    def get(self, _args):
        """List contacts, filtered by organization, status, update time and wildcard search."""
        merged = _params()
        filters = params.parse_filters(merged)  # its 400 comes before the sort's
        sort = params.parse_sort(merged.get("sort"))
        paging, shape = params.paging(merged), params.parse_shape(merged)
        spec = _contact_filter(filters, sort)
        if paging.limit > STREAM_ROWS:
            return _streamed(spec, paging, shape, sort, filters)
        found = mpdx_contacts.list_contacts(spec, paging.offset, paging.limit,
                                            with_users="account_list" in shape.include)
        data, included = _data_and_included(found, shape)
        body: dict = {"data": data}
        if included:  # AMS: `included` only when it has members
            body["included"] = included
        body["meta"] = _meta(paging, found.total, sort, filters)
        return json_response(body, 200, wire.CONTENT_TYPE)


def _item_answer(contact_id: str, shape: params.Shape) -> ItemAnswer:
    found = mpdx_contacts.get_contact(contact_id, with_users="account_list" in shape.include)
    data, included = _data_and_included(found, shape)
    body: dict = {"data": data[0]}
    if included:
        body["included"] = included
    return ItemAnswer(dumps(body), wire.CONTENT_TYPE, [("ETag", card_etag_for(found.cards[0]))])


def _read_item(environ: dict, contact_id: str) -> ItemAnswer | None:
    """A plain GET of one contact, before Flask (blueprints/item_reads.py); None: Flask answers.

    Only what `pre_auth` passes without a word: a UUID (a routed id), JSON:API's
    Content-Type and an Accept that takes it; the default shape (no `include`, no fields)."""
    if (not mpdx_contacts.UUID.fullmatch(contact_id) or not _content_type_ok(environ.get("CONTENT_TYPE"))
            or not _accept_ok(environ.get("HTTP_ACCEPT"))):
        return None
    return _item_answer(contact_id, params.parse_shape({}))


def _contact_id(contact_id: str) -> str:
    """The id of a route that Rails would not have matched (not a UUID) must name an existing card."""
    if not mpdx_contacts.UUID.fullmatch(contact_id) and not mpdx_contacts.contact_exists(contact_id):
        raise _routing_miss()
    return contact_id


@blp.route("/<contact_id>")
class ContactItem(ResourceView):
    """One contact."""

    @query_documented(wire.ItemArgsSchema())
    @blp.doc(responses={"200": _ok("The contact", ITEM_SCHEMA),
                        "404": {"description": "Couldn't find Contact with 'id'=... (a UUID), else Route not found"}})
    def get(self, contact_id):
        """Fetch a contact (with `include` and sparse fieldsets)."""
        shape = params.parse_shape(_params())
        return answer_response(_item_answer(_contact_id(contact_id), shape))

    @blp.doc(responses={"204": {"description": "Deleted from every dialect"},
                        "403": {"description": "allow_deletion is false (the card is locked)"},
                        "409": {"description": "A body whose data.type is missing or not contacts"},
                        "412": {"description": "If-Match does not match the current version"},
                        "404": {"description": "Couldn't find Contact with 'id'=..."}})
    def delete(self, contact_id):
        """Delete a contact (refused with 403 when allow_deletion is false)."""
        _check_body_type(getattr(g, "mpdx_body", None))
        mpdx_contacts.delete_contact(_contact_id(contact_id), expected_version=expected_card())
        return empty_response(204)


def _check_body_type(body) -> None:
    """JsonApiService's validator on a DELETE that carries `data`: its type must be `contacts` (409)."""
    if not isinstance(body, dict) or body.get("data") is None:
        return
    data = body["data"]
    kind = data.get("type") if isinstance(data, dict) else None
    if kind is None:
        raise Conflict("JSONAPI resource objects MUST contain a `type` top-level member of its hash for POST and "
                       "PATCH requests. Expected to find a `type` member at /data/type")
    if kind != "contacts":
        raise Conflict(f"'{kind}' is not a valid resource type for this endpoint. Expected 'contacts' instead")


def register(api: Api, app: Flask) -> None:
    """Register the MPDX routes, its checks before the token, method override and its JSON:API error format."""
    api.register_blueprint(blp)
    document_dialect(api, PREFIX, error_schema_name="MpdxErrors", error_schema=ERROR_SCHEMA,
                     error_content_type=wire.JSONAPI_MEDIA_TYPE, success_content_type=wire.JSONAPI_MEDIA_TYPE,
                     extra_errors={"404": "Route not found, or no such contact",
                                   "406": "Accept does not allow JSON:API",
                                   "415": "Content-Type is not JSON:API"})
    register_error_format(API_PREFIX, render_error)
    register_pre_auth_check(API_PREFIX, pre_auth)
    install_method_override(app, API_PREFIX)
    register_item_read(app, PREFIX, PREFIX + "/<contact_id>", _read_item)
