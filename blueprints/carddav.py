"""CardDAV (RFC 6352, sync-collection of RFC 6578, discovery of RFC 6764): the sixth door.

URL layout (one principal, one address book holding every card):

    /.well-known/carddav                  301 -> /carddav/
    /carddav/                             context path (current-user-principal)
    /carddav/principal/                   the principal (addressbook-home-set)
    /carddav/addressbooks/                the address-book home
    /carddav/addressbooks/contacts/       the address book (every card)
    /carddav/addressbooks/contacts/<name> a card, `<card id>.vcf` or the name a client PUT it at,
                                          or a group a client PUT as a group vCard

A plain Flask blueprint: WebDAV's methods and XML bodies have no place in OpenAPI.
Requests are parsed by schemas.carddav, answered by services.carddav and services.contacts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Blueprint, Flask, Response, current_app, g, request, stream_with_context

from schemas import carddav as xml
from services import tokens
from services.card_tags import card_etag
from services.carddav import changes, dead_props, query, resources, vcards
from services.errors import DomainError, Forbidden, Invalid, Locked, UnsupportedMediaType

from .auth import BASIC_AUTH_PREFIXES
from .apidoc import document_dialect
from .errors import register_error_format
from .http import card_etag_for, empty_response, expected_card
from .item_reads import ItemAnswer, answer_response, register_item_read

PREFIX = "/carddav"
ROOT = "/carddav/"
PRINCIPAL = "/carddav/principal/"
HOME = "/carddav/addressbooks/"
BOOK = "/carddav/addressbooks/contacts/"
WELL_KNOWN = "/.well-known/carddav"
REALM = "contacts"
VCARD_TYPE = "text/vcard; charset=utf-8"
VCARD_MEDIA = ("text/vcard", "text/x-vcard", "text/directory")
# What a client that names no version gets for a card never PUT as a vCard (iOS/macOS read 3.0
# only). A card PUT as 4.0 comes back as 4.0 (docs/mapping/carddav.md says why, against
# SabreDAV), except to a client known to read 3.0 only (`_reads_3_0_only`).
DEFAULT_VERSION = "3.0"
DAV_HEADER = "1, 3, addressbook"
COLLECTION_METHODS = "OPTIONS, PROPFIND, PROPPATCH, REPORT"
CARD_METHODS = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND"
DAV_PRECONDITIONS = {"valid-sync-token", "supported-report", "number-of-matches-within-limits",
                     "propfind-finite-depth", "need-privileges"}
# The privilege a refused write lacked (RFC 3744 3.1; the DELETE's is the book's unbind).
_WRITE_PRIVILEGE = {"PUT": "write-content", "DELETE": "unbind", "PROPPATCH": "write-properties"}

bp = Blueprint("carddav", __name__)


# ---------------------------------------------------------------- errors

def render_error(error: DomainError) -> Response:
    """WebDAV errors: `<D:error>` with the precondition element the RFCs name, and a description."""
    precondition = error.details.get("precondition")
    if precondition is None and error.status == 403 and "scope" in error.details:
        precondition = "need-privileges"  # a token without the scope: RFC 3744's answer
    element = None
    if precondition == "need-privileges":
        privilege = _WRITE_PRIVILEGE.get(request.method, "read")
        element = xml.element(xml.qname(xml.DAV, precondition), (
            f"<D:resource>{xml.href(request.path)}<D:privilege><D:{privilege}/></D:privilege></D:resource>"))
    elif precondition:
        namespace = xml.DAV if precondition in DAV_PRECONDITIONS else xml.CARDDAV
        inner = xml.href(_card_path(error.details["href_name"])) if error.details.get("href_name") else None
        element = xml.element(xml.qname(namespace, precondition), inner)
    response = Response(xml.error_body(element, error.message), status=error.status, content_type=xml.XML_TYPE)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return response


# ---------------------------------------------------------------- helpers

def _card_path(name: str) -> str:
    return BOOK + name


def _scopes() -> list[str]:
    if not current_app.config["CONTACTS_AUTH"]:
        return ["*"]
    return getattr(g, "token_scopes", None) or []


def _privileges() -> str:
    scopes = _scopes()
    granted = [("read", "contacts:read"), ("write-properties", "contacts:update"), ("write-content", "contacts:update"),
               ("bind", "contacts:create"), ("unbind", "contacts:delete")]
    names = [name for name, scope in granted if tokens.has_scope(scopes, scope)]
    if len(names) == len(granted):  # RFC 3744's DAV:write aggregates the four write privileges
        names.insert(1, "write")
    if "read" in names:
        names.append("read-current-user-privilege-set")
    return "".join(f"<D:privilege><D:{name}/></D:privilege>" for name in names)


def _depth(default: str = "infinity") -> str:
    depth = request.headers.get("Depth", default).strip().lower()
    if depth not in ("0", "1", "infinity"):
        raise Invalid(f"Depth must be 0, 1 or infinity, not {depth!r}")
    return "1" if depth == "infinity" else depth  # no deeper collections exist: infinity is 1


def _select(available: dict[str, str], wanted: xml.PropRequest) -> tuple[dict[str, str], list[str]]:
    """The requested properties found (name -> inner XML) and the names not found."""
    if wanted.kind == "allprop":
        return {k: v for k, v in available.items() if k != xml.ADDRESS_DATA}, []
    if wanted.kind == "propname":
        return {k: "" for k in available if k != xml.ADDRESS_DATA}, []
    found, missing = {}, []
    for name in wanted.names:
        if name in available:
            found[name] = available[name]
        else:
            missing.append(name)
    return found, missing


def _common() -> dict[str, str]:
    principal = xml.href(PRINCIPAL)
    return {
        xml.qname(xml.DAV, "current-user-principal"): principal,
        xml.qname(xml.DAV, "current-user-privilege-set"): _privileges(),
        xml.qname(xml.DAV, "owner"): principal,
    }


def _is_login_path(path: str) -> bool:
    """`/carddav/<login>/`: the principal under a login name (InfCloud builds the principal so)."""
    return path.startswith(ROOT) and path.count("/") == 3 and path not in (PRINCIPAL, HOME)


def _collection_props(path: str) -> dict[str, str]:
    collection = "<D:collection/>"
    props = _common()
    if path == ROOT:
        props.update({xml.RESOURCETYPE: collection, xml.DISPLAYNAME: "Contacts server"})
    elif path == PRINCIPAL or _is_login_path(path):
        props.update({xml.RESOURCETYPE: collection + "<D:principal/>", xml.DISPLAYNAME: "Address book owner",
                      xml.qname(xml.DAV, "principal-URL"): xml.href(PRINCIPAL),
                      xml.qname(xml.CARDDAV, "addressbook-home-set"): xml.href(HOME)})
    elif path == HOME:
        props.update({xml.RESOURCETYPE: collection, xml.DISPLAYNAME: "Address books"})
    else:
        token = xml.escape(changes.format_token(changes.current_token()))
        props.update({
            xml.RESOURCETYPE: collection + "<C:addressbook/>",
            xml.DISPLAYNAME: "Contacts",
            xml.qname(xml.CARDDAV, "addressbook-description"): "Every card of the contacts server",
            xml.GETCTAG: token,
            xml.SYNC_TOKEN: token,
            xml.qname(xml.CARDDAV, "supported-address-data"): (
                '<C:address-data-type content-type="text/vcard" version="3.0"/>'
                '<C:address-data-type content-type="text/vcard" version="4.0"/>'),
            xml.qname(xml.CARDDAV, "max-resource-size"): str(current_app.config.get("MAX_CONTENT_LENGTH") or 0),
            xml.qname(xml.DAV, "supported-report-set"): "".join(
                f"<D:supported-report><D:report>{report}</D:report></D:supported-report>"
                for report in ("<C:addressbook-multiget/>", "<C:addressbook-query/>", "<D:sync-collection/>")),
        })
    props.update(dead_props.stored(path))  # a client's own (a displayname it gave replaces ours)
    return props


def _card_props(etag: str, privileges: str, card: dict | None = None,
                data_version: str | None = None) -> dict[str, str]:
    props = {xml.RESOURCETYPE: "", xml.GETETAG: xml.escape(etag), xml.GETCONTENTTYPE: VCARD_TYPE,
             xml.qname(xml.DAV, "current-user-privilege-set"): privileges}
    if card is not None:
        version = data_version or _card_version(card, _reads_3_0_only(request.headers.get))
        props[xml.ADDRESS_DATA] = xml.escape(vcards.render(card, version))
    return props


# Clients that read vCard 3.0 only and never name a version: InfCloud (its X-client header;
# data_process.js refuses any other version, so a 4.0 card could not even be shown) and Apple's
# Contacts (dataaccessd on iOS, AddressBookCore on macOS). They get 3.0 whatever was PUT.
_X_CLIENT_3_0_ONLY = ("Inf-IT CalDAV/CardDAV Web Client",)
_USER_AGENT_3_0_ONLY = ("dataaccessd", "AddressBookCore", " AddressBook/")


def _reads_3_0_only(header: Callable[[str], str | None]) -> bool:
    """Whether the request comes from a client that reads vCard 3.0 only (`header`: a header's value)."""
    client, agent = header("X-client") or "", header("User-Agent") or ""
    return any(mark in client for mark in _X_CLIENT_3_0_ONLY) or any(mark in agent for mark in _USER_AGENT_3_0_ONLY)


def _card_version(card: dict, reads_3_0_only: bool = False) -> str:
    """The version for a client that names none: 3.0 for a 3.0-only reader, else the version PUT, else 3.0."""
    return DEFAULT_VERSION if reads_3_0_only else vcards.source_version(card) or DEFAULT_VERSION


def _multistatus(parts, extra: str = "") -> Response:
    """A 207 multistatus streamed from an iterable of `<D:response>` strings."""
    def generate():
        yield xml.MULTISTATUS_OPEN
        for part in parts:
            yield part
        if extra:
            yield extra() if callable(extra) else extra
        yield xml.MULTISTATUS_CLOSE
    return Response(stream_with_context(generate()), status=207, content_type=xml.XML_TYPE)


def _options(allow: str) -> Response:
    return empty_response(200, {"DAV": DAV_HEADER, "Allow": allow, "Content-Length": "0"})


# ---------------------------------------------------------------- discovery

@bp.route(WELL_KNOWN, methods=["GET", "PROPFIND", "OPTIONS"])
def well_known() -> Response:
    """RFC 6764 service discovery: the context path."""
    return empty_response(301, {"Location": ROOT})


@bp.route(ROOT, methods=["OPTIONS", "PROPFIND", "PROPPATCH", "REPORT"], strict_slashes=False)
@bp.route(PRINCIPAL, methods=["OPTIONS", "PROPFIND", "PROPPATCH", "REPORT"], strict_slashes=False)
@bp.route(HOME, methods=["OPTIONS", "PROPFIND", "PROPPATCH", "REPORT"], strict_slashes=False)
# InfCloud's login builds the principal as `<href><login>/`, and Radicale's clients expect
# `/<user>/`: any other single segment is the one principal too, its dead properties its own.
@bp.route(PREFIX + "/<login>/", methods=["OPTIONS", "PROPFIND", "PROPPATCH", "REPORT"])
def collection(login: str | None = None) -> Response:
    """PROPFIND and PROPPATCH of the context path, the principal or the address-book home (REPORT: expand-property)."""
    path = request.path if request.path.endswith("/") else request.path + "/"
    if request.method == "OPTIONS":
        return _options(COLLECTION_METHODS)
    if request.method == "PROPPATCH":
        return _proppatch(path)
    if request.method == "REPORT":
        return _expand_property(xml.parse_report(request.get_data()))
    wanted = xml.parse_propfind(request.get_data())
    depth = _depth()
    parts = [xml.response(path, *_select(_collection_props(path), wanted))]
    if path == HOME and depth == "1":
        parts.append(xml.response(BOOK, *_select(_collection_props(BOOK), wanted)))
    return _multistatus(parts)


# ---------------------------------------------------------------- the address book

@bp.route(BOOK, methods=["OPTIONS", "PROPFIND", "PROPPATCH", "REPORT"], strict_slashes=False)
def address_book() -> Response:
    """PROPFIND (Depth 0/1, streamed), PROPPATCH and REPORT of the address book."""
    if request.method == "OPTIONS":
        return _options(COLLECTION_METHODS)
    if request.method == "PROPPATCH":
        return _proppatch(BOOK)
    if request.method == "REPORT":
        return _report(xml.parse_report(request.get_data()))
    wanted = xml.parse_propfind(request.get_data())
    depth = _depth()
    head = xml.response(BOOK, *_select(_collection_props(BOOK), wanted))
    if depth == "0":
        return _multistatus([head])
    privileges = _privileges()

    def members():
        yield head
        for batch in resources.listing():
            yield "".join(xml.response(_card_path(name), *_select(_card_props(card_etag(version, created), privileges),
                                                                  wanted))
                          for name, version, created in batch)
    return _multistatus(members())


def _proppatch(path: str) -> Response:
    """RFC 4918 PROPPATCH of a collection: its dead properties, all or nothing (services.carddav.dead_props)."""
    statuses = dead_props.patch(path, xml.parse_proppatch(request.get_data()))
    return _multistatus([xml.patch_response(path, statuses)])


EXPAND_PROPERTY = xml.qname(xml.DAV, "expand-property")


def _expand_property(report: xml.Report) -> Response:
    """RFC 3253 expand-property, which no answer here expands: an empty multistatus, as Radicale
    answers. InfCloud asks the principal for its calendar proxies whether or not a server
    lists the report, and stops loading on an error."""
    if report.kind != EXPAND_PROPERTY:
        raise Forbidden(f"The report {report.kind} is not supported here", precondition="supported-report")
    return _multistatus([])


def _report(report: xml.Report) -> Response:
    if report.kind == EXPAND_PROPERTY:
        return _expand_property(report)
    if report.kind == "addressbook-multiget":
        return _multiget(report)
    if report.kind == "addressbook-query":
        return _query(report)
    if report.kind == "sync-collection":
        return _sync(report)
    raise Forbidden(f"The report {report.kind} is not supported here", precondition="supported-report")


def _names(hrefs: list[str]) -> list[tuple[str, str | None]]:
    """(href as sent, resource name or None when the href is not a card of this book)."""
    out = []
    for text in hrefs:
        path = xml.href_path(text)
        name = path[len(BOOK):] if path.startswith(BOOK) else ""
        out.append((path, name if name and "/" not in name else None))
    return out


def _multiget(report: xml.Report) -> Response:
    if not report.hrefs:
        raise Invalid("addressbook-multiget needs at least one DAV:href")
    targets = _names(report.hrefs)
    found = resources.cards_by_names([name for _, name in targets if name])
    privileges = _privileges()
    parts = []
    for path, name in targets:
        card = found.get(name) if name else None
        if card is None:
            parts.append(xml.status_response(path, 404))
            continue
        available = _card_props(card_etag_for(card), privileges, card, report.props.address_data_version)
        parts.append(xml.response(path, *_select(available, report.props)))
    return _multistatus(parts)


def _query(report: xml.Report) -> Response:
    collations = [tm.collation for pf in report.filters for tm in pf.text_matches]
    query.check(report.filters, collations)
    privileges = _privileges()
    limit = report.limit

    def parts():
        count = 0
        for name, card in query.run(report.filters, report.test, limit):
            count += 1
            if limit is not None and count > limit:
                yield xml.status_response(BOOK, 507, "<D:number-of-matches-within-limits/>")
                return
            available = _card_props(card_etag_for(card), privileges, card, report.props.address_data_version)
            yield xml.response(_card_path(name), *_select(available, report.props))
    return _multistatus(parts())


def _sync(report: xml.Report) -> Response:
    if report.sync_level not in ("1", "infinite"):
        raise Invalid("sync-level must be 1 or infinite")
    privileges = _privileges()
    wants_data = report.props.kind == "prop" and xml.ADDRESS_DATA in report.props.names
    if not report.sync_token and report.limit is None:  # everything, streamed by autokey
        now = changes.sync_state()
        return _multistatus(_initial_sync(report, privileges, wants_data), _token_xml(now))
    if report.limit is not None and report.limit < 1:
        raise Forbidden("DAV:limit must allow at least one result", precondition="number-of-matches-within-limits")
    try:
        now, changed, truncated = changes.changes_since(report.sync_token, report.limit)
    except Forbidden as exc:
        if request.headers.get("Depth", "").strip() != "1":
            raise
        # RFC 6578 defines sync-collection for Depth 0 only (else 400). Thunderbird sends Depth 1
        # (for Google) and starts over only after a 400; DAVx5 starts over on the precondition
        # whatever the status; Evolution (Depth 0) after the 403.
        raise Invalid(exc.message, **exc.details) from None
    token_xml = _token_xml(now)
    live = [c for c in changed if c.version is not None]
    cards = resources.cards_by_names([c.name for c in live]) if wants_data else {}
    parts = []
    for change in changed:
        if change.version is None:
            parts.append(xml.status_response(_card_path(change.name), 404))
            continue
        card = cards.get(change.name)
        if wants_data and card is None:  # deleted since the log was read
            parts.append(xml.status_response(_card_path(change.name), 404))
            continue
        etag = card_etag_for(card) if card else card_etag(change.version, change.created)
        available = _card_props(etag, privileges, card, report.props.address_data_version)
        parts.append(xml.response(_card_path(change.name), *_select(available, report.props)))
    if truncated:  # RFC 6578 3.6: the client asks again with the token of this part
        parts.append(xml.status_response(BOOK, 507, "<D:number-of-matches-within-limits/>"))
    return _multistatus(parts, token_xml)


def _token_xml(number: int) -> str:
    return f"<D:sync-token>{xml.escape(changes.format_token(number))}</D:sync-token>"


def _initial_sync(report: xml.Report, privileges: str, wants_data: bool):
    for batch in resources.listing():
        cards = resources.cards_by_names([name for name, _, _ in batch]) if wants_data else {}
        out = []
        for name, version, created in batch:
            card = cards.get(name)
            if wants_data and card is None:
                continue
            available = _card_props(card_etag_for(card) if card else card_etag(version, created), privileges, card,
                                    report.props.address_data_version)
            out.append(xml.response(_card_path(name), *_select(available, report.props)))
        yield "".join(out)


# ---------------------------------------------------------------- cards

def _put_scope() -> str:
    """PUT creates (contacts:create) or replaces (contacts:update), by whether the resource exists."""
    name = (request.view_args or {}).get("name", "")
    return "contacts:update" if name and resources.exists(name) else "contacts:create"


def _card_answer(card: dict, accept: str, reads_3_0_only: bool) -> ItemAnswer:
    return ItemAnswer(vcards.render(card, _wanted_version(card, accept, reads_3_0_only)).encode("utf-8"),
                      VCARD_TYPE, [("ETag", card_etag_for(card)), ("Vary", "Accept, User-Agent, X-client")])


def _read_card(environ: dict, name: str) -> ItemAnswer | None:
    """A plain GET of one vCard (no If-None-Match), before Flask (blueprints/item_reads.py); None: Flask answers."""
    if "HTTP_IF_NONE_MATCH" in environ:
        return None
    reads_3_0_only = _reads_3_0_only(lambda header: environ.get("HTTP_" + header.upper().replace("-", "_")))
    return _card_answer(resources.get(name), environ.get("HTTP_ACCEPT", ""), reads_3_0_only)


def _wanted_version(card: dict, accept: str, reads_3_0_only: bool = False) -> str:
    """The vCard version to send: the client's Accept, else 3.0 for a 3.0-only reader, else the
    version it PUT, else 3.0."""
    best, best_q = None, 0.0
    for item in accept.split(","):
        media, *params = [p.strip() for p in item.split(";")]
        if media.lower() not in (*VCARD_MEDIA, "*/*", "text/*"):
            continue
        values = dict(p.split("=", 1) for p in params if "=" in p)
        version = values.get("version", "").strip('"') or ("3.0" if media.lower() == "text/x-vcard" else None)
        try:
            q = float(values.get("q", "1"))
        except ValueError:
            q = 1.0
        if version in vcards.VERSIONS and q > best_q:
            best, best_q = version, q
    return best or _card_version(card, reads_3_0_only)


@contextmanager
def _locked_is_forbidden() -> Iterator[None]:
    """A locked card (`contacts lock`) is one no client may write: 403 with need-privileges.

    DAVx5 then downloads the card again (SyncManager.uploadDirty), where the 423 the other
    doors answer made KDE's Akonadi defer the change and retry it forever.
    """
    try:
        yield
    except Locked as exc:
        raise Forbidden(exc.message, precondition="need-privileges") from None


class _CardView:
    """The methods of one address object."""

    @staticmethod
    def get(name: str) -> Response:
        card = resources.get(name)
        etag = card_etag_for(card)
        if request.headers.get("If-None-Match", "").strip() in (etag, "*"):
            return empty_response(304, {"ETag": etag})
        return answer_response(_card_answer(card, request.headers.get("Accept", ""),
                                            _reads_3_0_only(request.headers.get)))

    @staticmethod
    def put(name: str) -> Response:
        if request.mimetype and request.mimetype not in VCARD_MEDIA:
            raise UnsupportedMediaType(f"Content-Type {request.mimetype} is not a vCard; send text/vcard",
                                       precondition="supported-address-data")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("The vCard is not UTF-8 text", precondition="valid-address-data") from None
        if_match = "If-Match" in request.headers
        create_only = request.headers.get("If-None-Match", "").strip() == "*"
        with _locked_is_forbidden():
            card, created = resources.put(name, text, expected_version=expected_card() if if_match else None,
                                          if_match=if_match, create_only=create_only,
                                          user=None)
        headers = {}
        # RFC 7231 4.3.4: an ETag only when the card is stored as sent, byte for byte (in the
        # version it was sent in: a plain GET may give another one, as Accept or the client asks).
        if vcards.render(card, vcards.stored_version(card) or DEFAULT_VERSION) == text:
            headers["ETag"] = card_etag_for(card)
        if created:
            headers["Location"] = xml.url_path(_card_path(name))  # as the listings' hrefs spell it
        return empty_response(201 if created else 204, headers)

    @staticmethod
    def delete(name: str) -> Response:
        with _locked_is_forbidden():
            resources.delete(name, expected_version=expected_card() if "If-Match" in request.headers else None)
        return empty_response(204)

    @staticmethod
    def propfind(name: str) -> Response:
        wanted = xml.parse_propfind(request.get_data())
        card = resources.get(name)
        return _multistatus([xml.response(_card_path(name), *_select(_card_props(card_etag_for(card), _privileges()),
                                                                      wanted))])


def card(name: str) -> Response:
    """GET, HEAD, PUT, DELETE, PROPFIND and OPTIONS of one address object."""
    if request.method == "OPTIONS":
        return _options(CARD_METHODS)
    # HEAD is GET's answer without its body (Werkzeug drops the body, keeps Content-Length).
    return getattr(_CardView, "get" if request.method == "HEAD" else request.method.lower())(name)


def _card_view_scope():
    return _put_scope() if request.method == "PUT" else None


card.required_scope = _card_view_scope
bp.add_url_rule(BOOK + "<name>", "card", card, methods=["OPTIONS", "GET", "PUT", "DELETE", "PROPFIND"])


XML_ERROR = {"type": "string", "description": "A WebDAV <D:error> document: the precondition element and "
                                            "a D:responsedescription"}
_VCARD_BODY = {"text/vcard": {"schema": {"type": "string", "description": "one vCard (3.0 or 4.0)"}}}
_MULTISTATUS = {"207": {"description": "A DAV:multistatus document (streamed)",
                        "content": {"application/xml": {"schema": {"type": "string"}}}}}


def _name_parameter() -> dict:
    return {"name": "name", "in": "path", "required": True,
            "schema": {"type": "string"},
            "description": "`<card id>.vcf`, or the name the card (or group vCard) was PUT at"}


def _document(api) -> None:
    """CardDAV in the OpenAPI document: GET/PUT/DELETE of a card as operations; PROPFIND and
    REPORT, which OpenAPI 3.0 cannot list, as `x-propfind` / `x-report` extensions."""
    card_path = BOOK + "{name}"
    operations = {
        "get": {"summary": "A card as a vCard (Accept: text/vcard; version=3.0 or 4.0)", "tags": ["carddav"],
                "parameters": [_name_parameter()],
                "responses": {"200": {"description": "The vCard; ETag is the card's version",
                                      "content": {"text/vcard": {"schema": {"type": "string"}}}},
                              "304": {"description": "If-None-Match matched the ETag"}}},
        "put": {"summary": "Create (If-None-Match: *) or replace a card (or a group, from a group vCard)",
                "tags": ["carddav"],
                "parameters": [_name_parameter()], "requestBody": {"required": True, "content": _VCARD_BODY},
                "responses": {"201": {"description": "Created"}, "204": {"description": "Replaced"},
                              "409": {"description": "no-uid-conflict: another card or group has this UID; "
                                                     "valid-address-data: a card's name given a group vCard, "
                                                     "or a group's name a card"},
                              "412": {"description": "If-Match / If-None-Match failed"},
                              "415": {"description": "Not a vCard media type"},
                              "403": {"description": "need-privileges: the card is locked, or the token "
                                                     "lacks the scope"}}},
        "delete": {"summary": "Delete a card (or a group resource: the group, for every door)", "tags": ["carddav"],
                   "parameters": [_name_parameter()],
                   "responses": {"204": {"description": "Deleted"},
                                 "412": {"description": "If-Match failed"},
                                 "403": {"description": "need-privileges: the card is locked, or the token "
                                                     "lacks the scope"}}},
        "x-propfind": {"summary": "WebDAV PROPFIND of the card", "tags": ["carddav"],
                       "parameters": [_name_parameter()], "responses": dict(_MULTISTATUS)},
    }
    # Written into the path items directly, as the Incoplax door does for LOOKUP: flask-smorest's
    # path helper wants a Flask rule of its own blueprints.
    api.spec._paths.setdefault(card_path, {}).update(operations)
    for path, summary in ((ROOT, "Context path"), (PRINCIPAL, "The principal"),
                          (PREFIX + "/{login}/", "The principal under a login name (InfCloud builds it so)"),
                          (HOME, "Address-book home"), (BOOK, "The address book (Depth 0 or 1)")):
        item = {"x-propfind": {"summary": f"WebDAV PROPFIND: {summary}", "tags": ["carddav"],
                               "responses": dict(_MULTISTATUS)},
                "x-proppatch": {"summary": f"WebDAV PROPPATCH (dead properties): {summary}", "tags": ["carddav"],
                                "responses": dict(_MULTISTATUS)}}
        if path == BOOK:
            item["x-report"] = {"summary": "REPORT addressbook-multiget, addressbook-query, sync-collection "
                                           "(expand-property: an empty multistatus)",
                                "tags": ["carddav"], "responses": dict(_MULTISTATUS)}
        else:
            item["x-report"] = {"summary": "REPORT expand-property: an empty multistatus (InfCloud asks it)",
                                "tags": ["carddav"], "responses": dict(_MULTISTATUS)}
        api.spec._paths.setdefault(path, {}).update(item)
    api.spec.tag({"name": "carddav", "description": "CardDAV (RFC 6352, RFC 6578): HTTP Basic with the token "
                                                    "as password, or Bearer; see docs/mapping/carddav.md"})


def register(api, app: Flask) -> None:
    """Register the CardDAV routes, HTTP Basic for them, and the WebDAV error format."""
    app.register_blueprint(bp)
    _document(api)
    document_dialect(api, PREFIX, error_schema_name="WebDAVError", error_schema=XML_ERROR,
                     error_content_type="application/xml", extra_errors={"404": "No such resource"})
    for prefix in (PREFIX, WELL_KNOWN):
        if prefix not in BASIC_AUTH_PREFIXES:
            BASIC_AUTH_PREFIXES.append(prefix)
    register_error_format(PREFIX, render_error)
    register_item_read(app, BOOK, BOOK + "<name>", _read_card)
