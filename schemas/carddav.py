"""CardDAV / WebDAV XML on the wire: request bodies parsed (safely), multistatus written.

Requests are parsed with defusedxml (no entity expansion, no external references).
Responses are written as text, element by element, so a multistatus of a million
responses can be streamed without building a tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from xml.etree.ElementTree import tostring

from services.carddav import vcards
from services.carddav.dead_props import Change
from services.carddav.query import PropFilter, TextMatch
from services.errors import Invalid

DAV = "DAV:"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
PREFIXES = {DAV: "D", CARDDAV: "C", CS: "CS"}
XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
MULTISTATUS_OPEN = (XML_DECL + f'<D:multistatus xmlns:D="{DAV}" xmlns:C="{CARDDAV}" xmlns:CS="{CS}">')
MULTISTATUS_CLOSE = "</D:multistatus>\n"
XML_TYPE = "application/xml; charset=utf-8"
STATUS_TEXT = {200: "OK", 403: "Forbidden", 404: "Not Found", 424: "Failed Dependency", 507: "Insufficient Storage"}


def qname(namespace: str, name: str) -> str:
    """ElementTree's `{namespace}name`."""
    return f"{{{namespace}}}{name}"


RESOURCETYPE = qname(DAV, "resourcetype")
DISPLAYNAME = qname(DAV, "displayname")
GETETAG = qname(DAV, "getetag")
GETCONTENTTYPE = qname(DAV, "getcontenttype")
GETCTAG = qname(CS, "getctag")
SYNC_TOKEN = qname(DAV, "sync-token")
ADDRESS_DATA = qname(CARDDAV, "address-data")


# What XML 1.0 cannot hold, not even as a character reference: C0 controls but tab, LF and CR,
# U+FFFE, U+FFFF, lone surrogates. A card may hold one (a vertical tab from an Outlook export,
# another door's write); written raw it makes the whole multistatus unreadable (Qt's reader,
# DOMParser and libxml2 refuse it: KDE then drops every card of that multiget).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def escape(text: str) -> str:
    """Text as XML character data (a character XML cannot hold becomes U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def element(name: str, inner: str | None = None) -> str:
    """`<P:local>inner</P:local>` (empty element when inner is None or '') for a qualified name."""
    namespace, _, local = name[1:].partition("}") if name.startswith("{") else ("", "", name)
    prefix = PREFIXES.get(namespace)
    if prefix is None:
        head = f'X:{local} xmlns:X="{_attr(namespace)}"' if namespace else local
        tag = f"X:{local}" if namespace else local
    else:
        head = tag = f"{prefix}:{local}"
    return f"<{head}/>" if not inner else f"<{head}>{inner}</{tag}>"


def url_path(path: str) -> str:
    """A path percent-encoded as hrefs and `Location` carry it (`%` itself as `%25`)."""
    return quote(path, safe="/@:+,;=$!*()~")


def href(path: str) -> str:
    """`<D:href>` of a path (percent-encoded)."""
    return f"<D:href>{escape(url_path(path))}</D:href>"


def status_line(code: int) -> str:
    """`<D:status>HTTP/1.1 200 OK</D:status>`."""
    return f"<D:status>HTTP/1.1 {code} {STATUS_TEXT.get(code, '')}</D:status>"


def response(path: str, found: dict[str, str], missing: list[str] = ()) -> str:
    """One `<D:response>`: found properties (inner XML by name) in a 200 propstat, missing in a 404 one."""
    parts = [f"<D:response>{href(path)}"]
    if found:
        props = "".join(element(name, inner) for name, inner in found.items())
        parts.append(f"<D:propstat><D:prop>{props}</D:prop>{status_line(200)}</D:propstat>")
    if missing:
        props = "".join(element(name) for name in missing)
        parts.append(f"<D:propstat><D:prop>{props}</D:prop>{status_line(404)}</D:propstat>")
    parts.append("</D:response>")
    return "".join(parts)


def patch_response(path: str, statuses: dict[str, int]) -> str:
    """The `<D:response>` of a PROPPATCH: one propstat per status, in the order they first occur."""
    by_status: dict[int, list[str]] = {}
    for name, code in statuses.items():
        by_status.setdefault(code, []).append(name)
    parts = [f"<D:response>{href(path)}"]
    for code, names in by_status.items():
        error = "<D:error><D:cannot-modify-protected-property/></D:error>" if code == 403 else ""
        props = "".join(element(name) for name in names)
        parts.append(f"<D:propstat><D:prop>{props}</D:prop>{status_line(code)}{error}</D:propstat>")
    parts.append("</D:response>")
    return "".join(parts)


def status_response(path: str, code: int, error: str | None = None) -> str:
    """A `<D:response>` carrying only a status (404 for a deleted or unknown href, 507 for a cut result)."""
    inner = f"<D:error>{error}</D:error>" if error else ""
    return f"<D:response>{href(path)}{status_line(code)}{inner}</D:response>"


def error_body(precondition: str | None, message: str) -> str:
    """A WebDAV `<D:error>` body: the precondition element (if any) and a message."""
    inner = precondition or ""
    return (XML_DECL + f'<D:error xmlns:D="{DAV}" xmlns:C="{CARDDAV}">{inner}'
            f"<D:responsedescription>{escape(message)}</D:responsedescription></D:error>\n")


# ---------------------------------------------------------------- requests

@dataclass
class PropRequest:
    """What a PROPFIND or REPORT asks for: named properties, all, or only the names."""

    kind: str = "allprop"  # prop, allprop, propname
    names: list[str] = field(default_factory=list)
    address_data_version: str | None = None  # from <C:address-data version="...">


@dataclass
class Report:
    """A parsed REPORT body."""

    kind: str  # addressbook-multiget, addressbook-query, sync-collection
    props: PropRequest
    hrefs: list[str] = field(default_factory=list)
    filters: list[PropFilter] = field(default_factory=list)
    test: str = "anyof"
    limit: int | None = None
    sync_token: str = ""
    sync_level: str = "1"


def parse_xml(body: bytes) -> Element | None:
    """The root element of an XML body (None when the body is empty); Invalid when it is not XML."""
    if not body.strip():
        return None
    try:
        return SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise Invalid(f"XML with entities or DTDs is refused: {type(exc).__name__}") from None
    except SafeET.ParseError as exc:
        raise Invalid(f"The request body is not well-formed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # an encoding Python does not know, or expat cannot read (UTF-32)
        raise Invalid(f"The request body's XML declaration names an encoding that cannot be read: {exc}") from None


def _props(parent: Element | None) -> PropRequest:
    if parent is None:
        return PropRequest("allprop")
    if parent.find(qname(DAV, "propname")) is not None:
        return PropRequest("propname")
    prop = parent.find(qname(DAV, "prop"))
    if prop is None:
        return PropRequest("allprop")
    request = PropRequest("prop", [child.tag for child in prop if isinstance(child.tag, str)])
    data = prop.find(ADDRESS_DATA)
    if data is not None:
        # A version the door does not serve is ignored, as in a GET's Accept: each card comes in
        # the version it was stored from (SabreDAV falls back the same way).
        version = (data.get("version") or "").strip()
        request.address_data_version = version if version in vcards.VERSIONS else None
    return request


def parse_propfind(body: bytes) -> PropRequest:
    """The properties a PROPFIND asks for (an empty body is allprop)."""
    root = parse_xml(body)
    if root is not None and root.tag != qname(DAV, "propfind"):
        raise Invalid("A PROPFIND body must be a DAV:propfind element")
    return _props(root)


def parse_proppatch(body: bytes) -> list[Change]:
    """A PROPPATCH body: the sets and removes of a DAV:propertyupdate, in document order."""
    root = parse_xml(body)
    if root is None or root.tag != qname(DAV, "propertyupdate"):
        raise Invalid("A PROPPATCH body must be a DAV:propertyupdate element")
    changes = []
    for instruction in root:
        if instruction.tag not in (qname(DAV, "set"), qname(DAV, "remove")):
            raise Invalid(f"DAV:propertyupdate holds DAV:set and DAV:remove only, not {instruction.tag}")
        setting = instruction.tag == qname(DAV, "set")
        for prop in instruction.findall(qname(DAV, "prop")):
            changes.extend(Change(item.tag, _inner_xml(item) if setting else None)
                           for item in prop if isinstance(item.tag, str))
    if not changes:
        raise Invalid("The PROPPATCH sets or removes no property")
    return changes


def _inner_xml(item: Element) -> str:
    """A property's value as XML to write back inside it: its text, then its elements (each
    declaring its namespaces)."""
    return escape(item.text or "") + "".join(tostring(child, encoding="unicode") for child in item)


def parse_report(body: bytes) -> Report:
    """A REPORT body: addressbook-multiget, addressbook-query or sync-collection."""
    root = parse_xml(body)
    if root is None:
        raise Invalid("A REPORT needs a body")
    props = _props(root)
    if root.tag == qname(CARDDAV, "addressbook-multiget"):
        hrefs = [(h.text or "").strip() for h in root.findall(qname(DAV, "href"))]
        return Report("addressbook-multiget", props, hrefs=hrefs)
    if root.tag == qname(CARDDAV, "addressbook-query"):
        return _query(root, props)
    if root.tag == qname(DAV, "sync-collection"):
        token = root.findtext(qname(DAV, "sync-token")) or ""
        level = (root.findtext(qname(DAV, "sync-level")) or "1").strip()
        return Report("sync-collection", props, sync_token=token.strip(), sync_level=level,
                      limit=_limit(root.find(qname(DAV, "limit")), DAV))
    return Report(root.tag, props)


def _limit(element_: Element | None, namespace: str) -> int | None:
    if element_ is None:
        return None
    text = (element_.findtext(qname(namespace, "nresults")) or "").strip()
    if not text.isdigit():
        raise Invalid("limit/nresults must be a non-negative integer")
    return int(text)


def _query(root: Element, props: PropRequest) -> Report:
    report = Report("addressbook-query", props, limit=_limit(root.find(qname(CARDDAV, "limit")), CARDDAV))
    filter_ = root.find(qname(CARDDAV, "filter"))
    if filter_ is not None:
        report.test = filter_.get("test", "anyof")
        for pf in filter_.findall(qname(CARDDAV, "prop-filter")):
            item = PropFilter(name=pf.get("name", ""), test=pf.get("test", "anyof"),
                              is_not_defined=pf.find(qname(CARDDAV, "is-not-defined")) is not None,
                              has_param_filter=pf.find(qname(CARDDAV, "param-filter")) is not None)
            for tm in pf.findall(qname(CARDDAV, "text-match")):
                item.text_matches.append(TextMatch(
                    text=tm.text or "", collation=tm.get("collation", "i;unicode-casemap"),
                    match_type=tm.get("match-type", "contains"), negate=tm.get("negate-condition") == "yes"))
            report.filters.append(item)
    if report.test not in ("anyof", "allof") or any(pf.test not in ("anyof", "allof") for pf in report.filters):
        raise Invalid("filter test must be anyof or allof")
    for pf in report.filters:
        for tm in pf.text_matches:
            if tm.match_type not in ("equals", "contains", "starts-with", "ends-with"):
                raise Invalid(f"text-match match-type {tm.match_type} is not one of RFC 6352's")
    return report


def href_path(text: str) -> str:
    """The decoded path of an href (absolute URL or path)."""
    return unquote(urlsplit(text).path)
