"""MPDX organizations contacts (JSON:API): list, fetch and delete contacts across organizations."""
from __future__ import annotations

import math
import re
from http import HTTPStatus

from flask import Flask, Response, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from schemas import mpdx as wire
from services.mpdx import contacts as mpdx_contacts
from services.mpdx import query as q
from services.errors import DomainError, NotAcceptable, UnsupportedMediaType

from .apidoc import document_dialect, query_documented, response
from .errors import register_error_format
from .http import empty_response, etag_for, expected_version, json_response

PREFIX = "/api/v2/organizations/contacts"
# Everything under /api/v2 answers as MPDX does (JSON:API errors, "Route not found").
API_PREFIX = "/api/v2"
blp = Blueprint("mpdx", __name__, url_prefix=PREFIX,
                description="MPDX organizations contacts (JSON:API): contacts across organizations")


# ---------------------------------------------------------------- errors and negotiation

ERROR_SCHEMA = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "array", "minItems": 1, "items": {"type": "object", "required": ["status", "title"], "properties": {
        "status": {"type": "string"}, "title": {"type": "string"}, "detail": {"type": "string"},
        "source": {"type": "object"}, "meta": {"type": "object"}}}}}}

def _detail(error: DomainError) -> str | None:
    """MPDX's detail texts where real MPDX answers them (docs/mapping/mpdx.md), else the error's message."""
    if error.status == 401:
        return "Exceptions::AuthenticationError"
    if error.status == 404:
        if error.details.get("resource") == "contact":
            return f"Couldn't find Contact with 'id'={error.details.get('id')}"
        return "Route not found"
    if error.status == 500:
        return None  # MPDX's 500 body is exactly status and title
    return error.message


def render_error(error: DomainError) -> Response:
    """JSON:API error document: `{"errors": [{"status", "title", "detail"...}]}`."""
    item: dict = {"status": str(error.status), "title": HTTPStatus(error.status).phrase}
    detail = _detail(error)
    if detail:
        item["detail"] = detail
    if error.details.get("parameter"):
        item["source"] = {"parameter": error.details["parameter"]}
    if error.details.get("meta"):
        item["meta"] = error.details["meta"]
    return json_response({"errors": [item]}, error.status, wire.CONTENT_TYPE)


def _pieces(header: str) -> list[str]:
    return [piece.strip().lower() for piece in re.split(r"[;,]", header)]


def _accepts_jsonapi(header: str) -> bool:
    """MPDX's Accept rule: empty, */*, or one JSON:API entry without media type parameters."""
    if not header.strip():
        return True
    for entry in header.split(","):
        parts = [part.strip() for part in entry.split(";")]
        media = parts[0].lower()
        if media.startswith("*/*"):
            return True
        params = [p for p in parts[1:] if p and not p.lower().startswith("q=")]
        if media in (wire.JSONAPI_MEDIA_TYPE, "application/*") and not params:
            return True
    return False


@blp.before_request
def negotiate() -> None:
    """Content-Type and Accept checks of every MPDX route (after authentication)."""
    content_type = request.headers.get("Content-Type", "")
    # A bodiless GET/DELETE may omit Content-Type (docs/mapping/mpdx.md); a wrong one is 415.
    if content_type.strip() and wire.JSONAPI_MEDIA_TYPE not in _pieces(content_type):
        raise UnsupportedMediaType(f"Content-Type {content_type} is not supported; "
                                   f"send {wire.JSONAPI_MEDIA_TYPE}")
    if not _accepts_jsonapi(request.headers.get("Accept", "")):
        raise NotAcceptable(f"Accept {request.headers.get('Accept')} does not allow "
                            f"{wire.JSONAPI_MEDIA_TYPE} without media type parameters")


# ---------------------------------------------------------------- documents

def _compound(found: mpdx_contacts.Contacts, shape: wire.Shape) -> tuple[list[dict], list[dict] | None]:
    """Resource objects of the cards and, when `include` asked for any, `included`."""
    data = [wire.contact_resource(card, found.account_lists[card.get("account_list_id")], shape)
            for card in found.cards]
    if shape.include is None:
        return data, None
    return data, wire.included_resources(found.cards, found.account_lists, found.organizations, shape)


def _document(data, included: list[dict] | None, meta: dict | None = None) -> dict:
    body: dict = {"data": data}
    if included is not None:
        body["included"] = included
    if meta is not None:
        body["meta"] = meta
    return body


_RESOURCE = {"type": "object", "required": ["id", "type"], "properties": {
    "id": {"type": "string"}, "type": {"type": "string"}, "attributes": {"type": "object"},
    "relationships": {"type": "object"}}}
_CONTACT = {**_RESOURCE, "properties": {**_RESOURCE["properties"], "type": {"enum": ["contacts"]}}}
_INCLUDED = {"type": "array", "items": _RESOURCE}
_PAGINATION = {"type": "object", "required": ["page", "per_page", "total_count", "total_pages"],
               "properties": {name: {"type": "integer"} for name in ("page", "per_page", "total_count", "total_pages")}}
LIST_SCHEMA = {"type": "object", "required": ["data", "meta"], "properties": {
    "data": {"type": "array", "items": _CONTACT}, "included": _INCLUDED,
    "meta": {"type": "object", "required": ["pagination", "sort", "filter"], "properties": {
        "pagination": _PAGINATION, "sort": {"type": "string", "nullable": True}, "filter": {"type": "object"}}}}}
ITEM_SCHEMA = {"type": "object", "required": ["data"], "properties": {"data": _CONTACT, "included": _INCLUDED}}


def _ok(description: str, schema: dict) -> dict:
    return response(description, schema, wire.JSONAPI_MEDIA_TYPE)


LIST_DOC = {"responses": {
    "200": _ok("Contacts with `meta.pagination`, `meta.sort`, `meta.filter`", LIST_SCHEMA),
    "400": {"description": "Unsupported sort or bad page parameters"},
    "406": {"description": "Accept does not allow JSON:API"},
    "415": {"description": "Content-Type is not JSON:API"},
}}


@blp.route("")
class Contacts(MethodView):
    """The organizations' contacts."""

    @blp.arguments(wire.ListArgsSchema(), location="query")
    @blp.doc(**LIST_DOC)
    def get(self, _args):
        """List contacts, filtered by organization, status and wildcard search."""
        params = wire.parse_list_params(request.args)
        spec = q.ContactFilter(organization_ids=params.organization_ids, statuses=params.statuses,
                               wildcard_search=params.wildcard_search, sort_field=params.sort_field,
                               descending=params.descending, nulls=params.nulls)
        # per_page=0 asks for the count only
        found = mpdx_contacts.list_contacts(spec, (params.page - 1) * params.per_page, params.per_page)
        total = found.total
        data, included = _compound(found, params.shape)
        meta = {
            "pagination": {"page": params.page, "per_page": params.per_page, "total_count": total,
                           "total_pages": math.ceil(total / params.per_page) if params.per_page else 0},
            "sort": params.sort_raw,
            "filter": params.filter_echo,
        }
        return json_response(_document(data, included, meta), 200, wire.CONTENT_TYPE)


@blp.route("/<contact_id>")
class ContactItem(MethodView):
    """One contact."""

    @query_documented(wire.ItemArgsSchema())
    @blp.doc(responses={"200": _ok("The contact", ITEM_SCHEMA),
                        "404": {"description": "Couldn't find Contact with 'id'=..."}})
    def get(self, contact_id):
        """Fetch a contact (with `include` and sparse fieldsets)."""
        found = mpdx_contacts.get_contact(contact_id)
        data, included = _compound(found, wire.parse_shape(request.args))
        return json_response(_document(data[0], included), 200, wire.CONTENT_TYPE,
                             headers={"ETag": etag_for(found.cards[0]["version"])})

    @blp.doc(responses={"204": {"description": "Deleted from every dialect"},
                        "403": {"description": "allow_deletion is false (the card is locked)"},
                        "412": {"description": "If-Match does not match the current version"},
                        "404": {"description": "Couldn't find Contact with 'id'=..."}})
    def delete(self, contact_id):
        """Delete a contact (refused with 403 when allow_deletion is false)."""
        mpdx_contacts.delete_contact(contact_id, expected_version=expected_version())
        return empty_response(204)


def register(api: Api, app: Flask) -> None:
    """Register the MPDX routes (with content negotiation) and the JSON:API error format."""
    api.register_blueprint(blp)
    document_dialect(api, PREFIX, error_schema_name="MpdxErrors", error_schema=ERROR_SCHEMA,
                     error_content_type=wire.JSONAPI_MEDIA_TYPE, success_content_type=wire.JSONAPI_MEDIA_TYPE,
                     extra_errors={"406": "Accept does not allow JSON:API",
                                   "415": "Content-Type is not JSON:API"})
    register_error_format(API_PREFIX, render_error)
