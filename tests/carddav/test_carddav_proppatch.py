"""PROPPATCH of the collections (RFC 4918 9.2): the dead properties clients keep on the server.

The request bodies are InfCloud's own (webdav_protocol.js: netSaveSettings on the principal,
netSaveProperty for an address book's colour; its PROPFIND that reads them back at login).
"""
from __future__ import annotations

import json

import pytest

from tests.dav_client import basic
from tests.carddav.test_carddav_protocol import BOOK, HEAD, OK, TAIL, propfind

PRINCIPAL = "/carddav/principal/"
INF = "http://inf-it.com/ns/dav/"
SETTINGS = {"version": "0.13.1", "addressbooks": {"sort": ["last", "first"]}, "note": "a < b & c"}
SAVE_SETTINGS = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
                 f'<I:settings xmlns:I="{INF}">{json.dumps(SETTINGS).replace("&", "&amp;").replace("<", "&lt;")}'
                 "</I:settings></D:prop></D:set></D:propertyupdate>")
# InfCloud's login PROPFIND of the principal (webdav_protocol.js, netFindResource), trimmed of
# the CalDAV properties.
LOGIN_PROPFIND = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
                  f'<I:settings xmlns:I="{INF}"/><D:displayname/></D:prop></D:propfind>')
XML = {"Content-Type": "text/xml", "Depth": "0"}


def settings_element() -> str:
    text = json.dumps(SETTINGS).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<X:settings xmlns:X="{INF}">{text}</X:settings>'


def test_infcloud_saves_its_settings_on_the_principal_and_reads_them_back_at_login(dav):
    r = dav("PROPPATCH", PRINCIPAL, SAVE_SETTINGS, XML)
    assert r.status_code == 207
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{PRINCIPAL}</D:href><D:propstat><D:prop><X:settings xmlns:X=\"{INF}\"/>"
        f"</D:prop>{OK}</D:propstat></D:response>{TAIL}")
    r = dav("PROPFIND", PRINCIPAL, LOGIN_PROPFIND, XML)
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{PRINCIPAL}</D:href><D:propstat><D:prop>{settings_element()}"
        f"<D:displayname>Address book owner</D:displayname></D:prop>{OK}</D:propstat></D:response>{TAIL}")
    # What InfCloud parses out of it: the JSON it saved.
    body = r.get_data(as_text=True)
    saved = body.split(f'xmlns:X="{INF}">')[1].split("</X:settings>")[0]
    assert json.loads(saved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) == SETTINGS


def test_an_address_book_keeps_the_colour_and_the_name_a_client_gives_it(dav):
    colour = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
              '<I:addressbook-color xmlns:I="http://inf-it.com/ns/ab/">#1f6fcfff</I:addressbook-color>'
              "</D:prop></D:set></D:propertyupdate>")
    assert dav("PROPPATCH", BOOK, colour, XML).status_code == 207
    rename = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
              "<D:displayname>Family &amp; friends</D:displayname></D:prop></D:set></D:propertyupdate>")
    assert dav("PROPPATCH", BOOK, rename, XML).status_code == 207
    r = dav("PROPFIND", BOOK, propfind("<D:displayname/>", '<I:addressbook-color xmlns:I="http://inf-it.com/ns/ab/"/>'),
            XML)
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}</D:href><D:propstat><D:prop>"
        "<D:displayname>Family &amp; friends</D:displayname>"
        '<X:addressbook-color xmlns:X="http://inf-it.com/ns/ab/">#1f6fcfff</X:addressbook-color>'
        f"</D:prop>{OK}</D:propstat></D:response>{TAIL}")
    remove = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:remove><D:prop>'
              "<D:displayname/></D:prop></D:remove></D:propertyupdate>")
    assert dav("PROPPATCH", BOOK, remove, XML).status_code == 207
    r = dav("PROPFIND", BOOK, propfind("<D:displayname/>"), XML)
    assert "<D:displayname>Contacts</D:displayname>" in r.get_data(as_text=True)


def test_a_protected_property_fails_the_whole_proppatch_and_nothing_is_stored(dav):
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
            "<D:displayname>Mine</D:displayname><D:resourcetype><D:collection/></D:resourcetype>"
            "</D:prop></D:set></D:propertyupdate>")
    r = dav("PROPPATCH", BOOK, body, XML)
    assert r.status_code == 207
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}</D:href>"
        "<D:propstat><D:prop><D:displayname/></D:prop><D:status>HTTP/1.1 424 Failed Dependency</D:status>"
        "</D:propstat><D:propstat><D:prop><D:resourcetype/></D:prop><D:status>HTTP/1.1 403 Forbidden</D:status>"
        "<D:error><D:cannot-modify-protected-property/></D:error></D:propstat></D:response>" + TAIL)
    r = dav("PROPFIND", BOOK, propfind("<D:displayname/>"), XML)
    assert "<D:displayname>Contacts</D:displayname>" in r.get_data(as_text=True)


def test_a_value_with_elements_comes_back_as_xml(dav):
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:E="urn:example">'
            "<D:set><D:prop><E:tags>first<E:tag a=\"1\">x</E:tag></E:tags></D:prop></D:set></D:propertyupdate>")
    assert dav("PROPPATCH", PRINCIPAL, body, XML).status_code == 207
    r = dav("PROPFIND", PRINCIPAL, propfind('<E:tags xmlns:E="urn:example"/>'), XML)
    assert ('<X:tags xmlns:X="urn:example">first<ns0:tag xmlns:ns0="urn:example" a="1">x</ns0:tag></X:tags>'
            in r.get_data(as_text=True))


@pytest.mark.parametrize(("body", "message"), [
    ("", "A PROPPATCH body must be a DAV:propertyupdate element"),
    ('<D:propfind xmlns:D="DAV:"/>', "A PROPPATCH body must be a DAV:propertyupdate element"),
    ('<D:propertyupdate xmlns:D="DAV:"/>', "The PROPPATCH sets or removes no property"),
    ('<D:propertyupdate xmlns:D="DAV:"><D:get/></D:propertyupdate>',
     "DAV:propertyupdate holds DAV:set and DAV:remove only, not {DAV:}get"),
])
def test_a_malformed_proppatch_is_400_and_nothing_is_stored(dav, body, message):
    r = dav("PROPPATCH", BOOK, body, XML)
    assert r.status_code == 400
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:responsedescription>{message.replace('<', '&lt;')}</D:responsedescription></D:error>\n")


def test_more_than_the_limit_is_507(dav):
    big = "x" * (300 * 1024)
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
            f'<I:settings xmlns:I="{INF}">{big}</I:settings></D:prop></D:set></D:propertyupdate>')
    r = dav("PROPPATCH", PRINCIPAL, body, XML)
    assert r.status_code == 207
    assert "<D:status>HTTP/1.1 507 Insufficient Storage</D:status>" in r.get_data(as_text=True)
    r = dav("PROPFIND", PRINCIPAL, LOGIN_PROPFIND, XML)
    assert "<D:status>HTTP/1.1 404 Not Found</D:status>" in r.get_data(as_text=True)  # settings: not stored


def test_a_read_only_token_may_not_proppatch(client, make_token):
    r = client.open(PRINCIPAL, method="PROPPATCH", data=SAVE_SETTINGS,
                    headers={**basic(make_token("contacts:read")), **XML})
    assert r.status_code == 403
    assert ("<D:need-privileges><D:resource><D:href>/carddav/principal/</D:href><D:privilege><D:write-properties/>"
            "</D:privilege></D:resource></D:need-privileges>") in r.get_data(as_text=True)


@pytest.mark.parametrize("login", ["me", "jane.doe@example.org", "x" * 80])
def test_infcloud_logs_in_with_its_principal_built_from_the_login_name(dav, login):
    """InfCloud builds the principal as `<href><login>/` and keeps its settings there."""
    path = f"/carddav/{login}/"
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
            f'<I:settings xmlns:I="{INF}"/><D:current-user-privilege-set/><D:displayname/><D:resourcetype/>'
            '<R:addressbook-home-set xmlns:R="urn:ietf:params:xml:ns:carddav"/></D:prop></D:propfind>')
    r = dav("PROPFIND", path, body, XML)
    assert r.status_code == 207
    text = r.get_data(as_text=True)
    assert f"<D:response><D:href>{path}</D:href>" in text
    assert "<C:addressbook-home-set><D:href>/carddav/addressbooks/</D:href></C:addressbook-home-set>" in text
    assert "<D:resourcetype><D:collection/><D:principal/></D:resourcetype>" in text
    assert dav("PROPPATCH", path, SAVE_SETTINGS, XML).status_code == 207
    assert settings_element() in dav("PROPFIND", path, LOGIN_PROPFIND, XML).get_data(as_text=True)
    # Its own: the one principal's are not those.
    assert settings_element() not in dav("PROPFIND", PRINCIPAL, LOGIN_PROPFIND, XML).get_data(as_text=True)


def test_only_so_many_collections_keep_dead_properties(dav, monkeypatch):
    """Every `/carddav/<login>/` is a collection: a client cannot fill the disk through login names."""
    from services.carddav import dead_props

    monkeypatch.setattr(dead_props, "MAX_COLLECTIONS", 2)
    for login in ("ann", "ben"):
        assert "HTTP/1.1 200 OK" in dav("PROPPATCH", f"/carddav/{login}/", SAVE_SETTINGS, XML).get_data(as_text=True)
    r = dav("PROPPATCH", "/carddav/cy/", SAVE_SETTINGS, XML)
    assert r.status_code == 207
    assert "<D:status>HTTP/1.1 507 Insufficient Storage</D:status>" in r.get_data(as_text=True)
    # The collections that have some may change them still.
    assert "HTTP/1.1 200 OK" in dav("PROPPATCH", "/carddav/ann/", SAVE_SETTINGS, XML).get_data(as_text=True)
