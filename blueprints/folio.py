"""FOLIO mod-organizations-storage: `/organizations-storage/contacts` with CQL search.

Statuses, headers and error texts follow the real module (docs/mapping/folio.md): errors
are `text/plain` except 422 (`{"errors": [...]}`); `X-Okapi-Tenant` is required.
"""
from __future__ import annotations

import base64
import json
import re

from typing import Iterator

from flask import Flask, Response, request, stream_with_context
from flask_smorest import Api, Blueprint

from schemas import folio as wire
from services import contacts as cards
from services import folio as cql
from services.folio import contacts as folio_contacts
from services.folio import view
from services.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unprocessable,
)

from .apidoc import document_dialect, ref, request_body, response, responses
from .errors import register_error_format
from .http import ResourceView, card_etag_for, dumps, empty_response, expected_card, json_response
from .item_reads import ItemAnswer, answer_response, register_item_read

PREFIX = "/organizations-storage/contacts"
JSON = "application/json"
TEXT = "text/plain"
ID_PATTERN = wire.UUID_PATTERN
INT_MAX = 2**31 - 1
TOTAL_RECORDS = ("exact", "estimated", "none", "auto")
TOTAL_RECORDS_PATTERN = "|".join(TOTAL_RECORDS)
PERMISSIONS = {"GET_list": "organizations-storage.contacts.collection.get",
               "GET": "organizations-storage.contacts.item.get",
               "POST": "organizations-storage.contacts.item.post",
               "PUT": "organizations-storage.contacts.item.put",
               "DELETE": "organizations-storage.contacts.item.delete"}
UNAUTHORIZED = {"GET_list": "unable to list contacts -- unauthorized",
                "GET": "unable to get contact -- unauthorized",
                "POST": "unable to create contacts -- unauthorized",
                "PUT": "unable to update contact -- unauthorized",
                "DELETE": "unable to delete contact -- unauthorized"}

blp = Blueprint("folio", __name__, url_prefix=PREFIX,
                description="FOLIO organizations-storage contacts (CQL search, RMB error texts)")


# ---------------------------------------------------------------- errors

def _text(body: str, status: int) -> Response:
    response = Response(body.encode("utf-8"), status=status)
    response.headers["Content-Type"] = TEXT
    return response


def _operation() -> str:
    if request.method == "GET" and request.path.rstrip("/") == PREFIX:
        return "GET_list"
    return request.method


def render_error(error: DomainError) -> Response:
    """FOLIO errors: 422 as `{"errors": [...]}` JSON, everything else as plain text."""
    if error.status == 422:
        return json_response({"errors": error.details.get("folio_errors", [])}, 422, JSON)
    if isinstance(error, Unauthorized):
        return _text(UNAUTHORIZED.get(_operation(), "unauthorized"), 401)
    if isinstance(error, Forbidden):
        return _text(f"Access requires permission: {PERMISSIONS.get(_operation(), 'organizations-storage.contacts.all')}",
                     403)
    if error.status == 404:
        return _text("Not found", 404)
    if error.status >= 500:
        return _text("Internal server error, contact administrator", error.status)
    return _text(error.message, error.status)


def _unprocessable(errors: list[dict]) -> Unprocessable:
    return Unprocessable("Validation errors", folio_errors=errors)


def _unrecognized(message: str) -> Unprocessable:
    return _unprocessable([{"message": message, "type": "1", "code": "-1",
                            "parameters": [{"key": "", "value": ""}]}])


# ---------------------------------------------------------------- request checks

def _param_error(name: str, value: str, rule: str) -> str:
    """One line of RMB's RestValidator aspect (each line starts with a newline and a space)."""
    return f"\n '{name}' parameter is incorrect. parameter value {{{value}}} is not valid: {rule}"


# RestRouting's media types per operation (the RAML: 2xx and error bodies, the validate trait's 422 JSON)
PRODUCES = {"GET": (JSON, TEXT), "POST": (JSON, TEXT), "PUT": (TEXT, JSON), "DELETE": (TEXT, JSON)}
PRODUCES["HEAD"] = PRODUCES["GET"]  # Flask answers HEAD with the GET view (the body dropped)
_JAVA_TRIM = "".join(chr(code) for code in range(33))  # String.trim(): every char <= U+0020


def _media_list(types: tuple[str, ...]) -> str:
    """A Vert.x JsonArray's text: compact JSON."""
    return "[" + ",".join(f'"{media}"' for media in types) + "]"


def _check_headers(with_body: bool) -> None:
    """Tenant, then Content-Type, then Accept, as RMB's RestRouting checks them."""
    if not request.headers.get("X-Okapi-Tenant"):
        raise Invalid("Unable to process request Tenant must be set")
    if with_body:
        # absent -> application/json; parameters cut, trimmed; then an exact, case-sensitive match
        raw = request.headers.get("Content-Type")
        content_type = JSON if raw is None else raw.split(";", 1)[0].strip(_JAVA_TRIM)
        at = content_type.find("boundary")
        if (content_type[:at - 1] if at > 0 else content_type) != JSON:
            raise Invalid(f'Content-type header must be {_media_list((JSON,))} but it is "{content_type}"')
    produces = PRODUCES[request.method]
    accept = request.headers.get("Accept", "*/*")
    if not _acceptable(accept, produces):
        raise Invalid(f'Accept header must be {_media_list(produces)} for this request, but it is "{accept}", '
                      "can not send */*")


def _acceptable(accept: str, produces: tuple[str, ...]) -> bool:
    """RestRouting.acceptCheck: some media range is exactly `*/*` or a produced type (any case)."""
    for entry in accept.split(","):
        media_range = entry.split(";")[0].strip(_JAVA_TRIM)
        if media_range == "*/*" or media_range.lower() in produces:
            return True
    return False


def _int_param(name: str, default: int) -> int:
    """RestRouting.parseQueryParameter for an int: default, empty -> 400, Integer.valueOf."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw == "":
        raise Invalid(f"{name} does not have a default value in the RAML and has been passed empty")
    if not re.fullmatch(r"[+-]?\d+", raw) or not -2**31 <= int(raw) <= INT_MAX:
        raise Invalid(f'For input string: "{raw}"')
    return int(raw)


def _list_params() -> tuple[str | None, str, int, int]:
    """query, totalRecords, offset, limit: all parsed first (in RMB's signature order), then
    every constraint violation reported together (RestValidator)."""
    query = request.args.get("query")
    total_mode = request.args.get("totalRecords", "auto")
    offset = _int_param("offset", 0)
    limit = _int_param("limit", 10)
    problems = []
    if not re.fullmatch(TOTAL_RECORDS_PATTERN, total_mode):
        problems.append(_param_error("totalRecords", total_mode, f'must match "{TOTAL_RECORDS_PATTERN}"'))
    for name, value in (("offset", offset), ("limit", limit)):
        if value < 0:
            problems.append(_param_error(name, str(value), "must be greater than or equal to 0"))
    if problems:
        raise Invalid("".join(problems))
    return query, total_mode, offset, limit


def _check_id(contact_id: str) -> str:
    """The path id (RMB's aspect: the RAML `UUID` pattern, else 400); a card another door stored
    under an id the pattern refuses (a UUIDv7 vCard UID, say) is still served by its id."""
    if re.fullmatch(ID_PATTERN, contact_id):
        return contact_id.lower()
    foreign = _foreign_id(contact_id)
    if foreign is None:
        raise Invalid(_param_error("id", contact_id, f'must match "{ID_PATTERN}"'))
    return foreign


def _foreign_id(contact_id: str) -> str | None:
    """The stored id of an existing card whose id RMB's pattern refuses, else None."""
    for candidate in dict.fromkeys((contact_id, contact_id.lower())):
        if cards.find_card(candidate) is not None:
            return candidate
    return None


def _user_id() -> str | None:
    """X-Okapi-User-Id, else the (unverified) `user_id` claim of an X-Okapi-Token JWT; only a
    UUID-shaped one is recorded (metadata.schema's pattern: RMB would refuse its own record back)."""
    return view.user_id(_okapi_user())


def _okapi_user() -> str | None:
    user = request.headers.get("X-Okapi-User-Id")
    if user is not None:  # MetadataUtil: the token is the fall-back only when the header is absent
        return user
    token = request.headers.get("X-Okapi-Token") or ""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
            user = payload.get("user_id")
            return user if isinstance(user, str) and user else None  # RMB reads it as a string claim
        except (ValueError, AttributeError):
            return None
    return None


class ValidationOnly(Exception):
    """`?validate_field=` and no violation of the named fields: RMB answers 200 and writes nothing."""


def _read_record(path_id: str | None = None) -> dict:
    """The request body as a validated FOLIO record (400 text / 422 JSON otherwise).

    `path_id` (PUT): a body id equal to it may be an id another door stored that RMB's
    pattern refuses, when such a card exists (the record this server served).
    """
    try:
        record = wire.read_contact(request.get_data(cache=True))
    except wire.BodyError as exc:
        raise Invalid(exc.text) from None
    except wire.UnknownProperty as exc:
        raise _unrecognized(exc.message) from None
    problems = wire.violations(record)
    if path_id is not None and any(_is_id_error(problem) for problem in problems) \
            and record["id"].lower() == path_id.lower() and _foreign_id(path_id) is not None:
        problems = [problem for problem in problems if not _is_id_error(problem)]
    fields = request.args.getlist("validate_field")
    if fields:
        problems = [problem for problem in problems if problem["parameters"][0]["key"] in fields]
    if problems:
        raise _unprocessable(problems)
    if fields:
        raise ValidationOnly()
    record.pop("metadata", None)  # readonly: removed, the server sets it
    return record


def _is_id_error(problem: dict) -> bool:
    return problem["parameters"][0]["key"] == "id"


# ---------------------------------------------------------------- routes

TENANT_HEADERS = [
    {"name": "X-Okapi-Tenant", "in": "header", "required": True, "schema": {"type": "string", "minLength": 1},
     "description": "Tenant id (any value: one data space); missing -> 400 `Unable to process request Tenant must "
                    "be set`"},
    {"name": "X-Okapi-Token", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "Okapi token: accepted as the API token when no `Authorization: Bearer` is sent; the (unverified) "
                    "`user_id` claim of a JWT is the metadata user when `X-Okapi-User-Id` is absent"},
    {"name": "X-Okapi-User-Id", "in": "header", "required": False, "schema": {"type": "string", "format": "uuid"},
     "description": "User id recorded in `metadata.createdByUserId` / `updatedByUserId`"},
]
LIST_PARAMS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "CQL, e.g. `(firstName=\"jo*\" or lastName=\"jo*\") sortby lastName firstName`"},
    {"name": "offset", "in": "query",
     "schema": {"type": "integer", "format": "int32", "default": 0, "minimum": 0, "maximum": INT_MAX}},
    {"name": "limit", "in": "query",
     "schema": {"type": "integer", "format": "int32", "default": 10, "minimum": 0, "maximum": INT_MAX}},
    {"name": "totalRecords", "in": "query", "schema": {"type": "string", "enum": list(TOTAL_RECORDS), "default": "auto"},
     "description": "`none` leaves `totalRecords` out of the answer"},
    *TENANT_HEADERS,
]
ITEM_PARAMS = TENANT_HEADERS
# Error bodies are text/plain except 422; its JSON schema is given per status to document_dialect.
TEXT_SCHEMA = {"type": "string"}
ERRORS_CONTENT = {JSON: {"schema": ref("FolioErrors")}}
_ETAG = {"ETag": {"description": "The record's version (send it back in If-Match)", "required": True,
                  "schema": {"type": "string"}}}


def _json(description: str, component: str, headers: dict | None = None) -> dict:
    return response(description, ref(component), JSON, headers)


BODY = request_body("FolioContactBody")
_BAD_BODY = "text/plain: missing tenant, bad parameter, Content-Type or Accept; malformed JSON or a wrong JSON type"
_INVALID = 'Validation errors: `{"errors": [{"message", "type", "code", "parameters": [{"key", "value"}]}]}`'


@blp.route("")
class Contacts(ResourceView):
    """The contact collection."""

    @blp.doc(parameters=LIST_PARAMS, responses={
        "200": _json("Returns a list of contact items", "FolioContactCollection"),
        **responses(_400="text/plain: missing tenant, bad parameter, Accept, or CQL (the parser's exception text)")})
    def get(self):
        """Get list of contact persons (CQL `query`, `offset`, `limit`)."""
        _check_headers(with_body=False)
        query, total_mode, offset, limit = _list_params()
        try:
            page = folio_contacts.search_contacts(query, limit, offset, count=total_mode != "none")
        except cql.CQLError as exc:
            raise Invalid(exc.text) from None
        if len(page) > page.BATCH:
            return _streamed(page)
        body: dict = {"contacts": [wire.contact_record(card) for batch in page.batches() for card in batch]}
        if page.total is not None:
            body["totalRecords"] = page.total
        return json_response(body, 200, JSON)

    @blp.doc(parameters=ITEM_PARAMS, requestBody=BODY, responses={
        "201": _json("The stored record", "FolioContact", {
            "Location": {"description": "The bare id of the new record (not a URL)", "required": True,
                         "schema": {"type": "string"}}, **_ETAG}),
        **responses(_400=_BAD_BODY, _422=_INVALID + " (also: unknown property, duplicate id)")})
    def post(self):
        """Create a new contact item."""
        _check_headers(with_body=True)
        try:
            record = _read_record()
        except ValidationOnly:
            return empty_response(200)
        changes = wire.card_changes(record, None)
        changes["id"] = (record.get("id") or cards.new_id()).lower()
        card = folio_contacts.create_contact(changes, user=_user_id())
        # PgUtil answers with the id as sent in Location; the body's is the stored (lower-case) one
        return json_response(wire.contact_record(card), 201, JSON,
                             headers={"Location": record.get("id") or card["id"], "ETag": card_etag_for(card)})


@blp.route("/<contact_id>")
class ContactItem(ResourceView):
    """One contact."""

    @blp.doc(parameters=ITEM_PARAMS, responses={
        "200": _json("Returns item with a given ID", "FolioContact", _ETAG),
        **responses(_400="text/plain: missing tenant, id not a UUID, or Accept", _404="text/plain `Not found`")})
    def get(self, contact_id):
        """Retrieve contact item with given {contactId}."""
        _check_headers(with_body=False)
        return answer_response(_item_answer(_card(_check_id(contact_id))))

    @blp.doc(parameters=ITEM_PARAMS, requestBody=BODY, responses=responses(
        _204="Updated (whole record replaced, path id wins)", _400=_BAD_BODY + "; id not a UUID",
        _404="text/plain `Not found`", _412="text/plain: If-Match does not match the current version",
        _422=_INVALID, _423="text/plain: the card is locked (canonical lock)"))
    def put(self, contact_id):
        """Update contact item with given {contactId}."""
        _check_headers(with_body=True)
        try:
            record = _read_record(path_id=contact_id)
        except ValidationOnly:
            return empty_response(200)
        contact_id = _check_id(contact_id)
        try:
            folio_contacts.replace_contact(contact_id, lambda card: wire.card_changes(record, card),
                                           expected_version=expected_card(), user=_user_id() or "")
        except NotFound:
            raise NotFound("Not found") from None
        return empty_response(204)

    @blp.doc(parameters=ITEM_PARAMS, responses=responses(
        _204="Deleted", _400="text/plain: missing tenant, id not a UUID, or Accept",
        _404="text/plain `Not found`", _412="text/plain: If-Match does not match the current version",
        _423="text/plain: the card is locked (canonical lock)"))
    def delete(self, contact_id):
        """Delete contact item with given {contactId}."""
        _check_headers(with_body=False)
        contact_id = _check_id(contact_id)
        try:
            cards.delete_card(contact_id, expected_version=expected_card())
        except NotFound:
            raise NotFound("Not found") from None
        return empty_response(204)


def _streamed(page: folio_contacts.ContactPage) -> Response:
    """A long page as a stream, a batch of records at a time: memory stays bounded whatever the
    `limit` (RMB accepts up to 2147483647). The query ran before (its errors are 400s); only
    reading and rendering the cards happens while the body is sent."""
    def body() -> Iterator[bytes]:
        yield b'{"contacts":['
        separator = b""
        for batch in page.batches():
            if batch:
                yield separator + b",".join(dumps(wire.contact_record(card)) for card in batch)
                separator = b","
        total = b"" if page.total is None else b',"totalRecords":' + str(page.total).encode()
        yield b"]" + total + b"}"

    response = Response(stream_with_context(body()), status=200)
    response.headers["Content-Type"] = JSON
    return response


def _item_answer(card: dict) -> ItemAnswer:
    return ItemAnswer(dumps(wire.contact_record(card)), JSON, [("ETag", card_etag_for(card))])


def _read_item(environ: dict, contact_id: str) -> ItemAnswer | None:
    """A plain GET of one contact, before Flask (blueprints/item_reads.py); None: Flask answers.

    Only what `_check_headers` and `_check_id` pass without a word: a tenant, an Accept
    that takes JSON, an id of RMB's pattern."""
    if (not environ.get("HTTP_X_OKAPI_TENANT") or not _acceptable(environ.get("HTTP_ACCEPT", "*/*"), PRODUCES["GET"])
            or not re.fullmatch(ID_PATTERN, contact_id)):
        return None
    card = cards.find_card(contact_id.lower())
    return None if card is None else _item_answer(card)


def _card(contact_id: str) -> dict:
    card = cards.find_card(contact_id)
    if card is None:
        raise NotFound("Not found")
    return card


def register(api: Api, app: Flask) -> None:
    """Register the FOLIO routes, the CQL SQL functions and the plain-text error format."""
    for name, schema in wire.openapi_schemas().items():
        api.spec.components.schema(name, component=schema)
    api.register_blueprint(blp)
    document_dialect(api, PREFIX, error_schema_name="FolioText", error_schema=TEXT_SCHEMA, error_content_type=TEXT,
                     success_content_type=JSON, error_contents={"422": ERRORS_CONTENT})
    register_error_format(PREFIX, render_error)
    register_item_read(app, PREFIX, PREFIX + "/<contact_id>", _read_item)
