"""CardDAV through HTTP: discovery, PROPFIND, GET/PUT/DELETE, reports and sync, asserted exactly."""
from __future__ import annotations

import base64

import pytest

from tests.dav_client import basic
from tests.etags import card_etag_of, resource_etag

BOOK = "/carddav/addressbooks/contacts/"
HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">')
TAIL = "</D:multistatus>\n"
OK = "<D:status>HTTP/1.1 200 OK</D:status>"
GONE = "<D:status>HTTP/1.1 404 Not Found</D:status>"
TOKEN = "http://contacts-server.invalid/ns/sync/"
ALL_PRIVILEGES = ("<D:current-user-privilege-set><D:privilege><D:read/></D:privilege><D:privilege><D:write/>"
                  "</D:privilege><D:privilege><D:write-properties/></D:privilege>"
                  "<D:privilege><D:write-content/></D:privilege><D:privilege><D:bind/></D:privilege>"
                  "<D:privilege><D:unbind/></D:privilege><D:privilege><D:read-current-user-privilege-set/>"
                  "</D:privilege></D:current-user-privilege-set>")

CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
        "EMAIL;TYPE=INTERNET,HOME:ada@example.org\r\nTEL;TYPE=CELL:+44 20 7946 0001\r\n"
        "X-PHONETIC-FIRST-NAME:ay-da\r\nEND:VCARD\r\n")


def propfind(*props: str) -> str:
    inner = "".join(props)
    return ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">'
            f"<D:prop>{inner}</D:prop></D:propfind>")


def sync_report(token: str = "", props: str = "<D:getetag/>", limit: int | None = None) -> str:
    limit_xml = f"<D:limit><D:nresults>{limit}</D:nresults></D:limit>" if limit is not None else ""
    return ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:" '
            f'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:sync-token>{token}</D:sync-token>'
            f"<D:sync-level>1</D:sync-level>{limit_xml}<D:prop>{props}</D:prop></D:sync-collection>")


def put_card(dav, name: str, uid: str, **headers):
    return dav("PUT", BOOK + name, CARD.format(uid=uid), {"Content-Type": "text/vcard; charset=utf-8", **headers})


def etag_response(name: str, version: int | None) -> str:
    etag = resource_etag(name, version)
    return (f"<D:response><D:href>{BOOK}{name}</D:href><D:propstat><D:prop><D:getetag>{etag}</D:getetag>"
            f"</D:prop>{OK}</D:propstat></D:response>")


def current_token(dav) -> str:
    body = dav("PROPFIND", BOOK, propfind("<D:sync-token/>"), {"Depth": "0"}).get_data(as_text=True)
    return body.split("<D:sync-token>")[1].split("</D:sync-token>")[0]


# ---------------------------------------------------------------- discovery and auth

def test_well_known_redirects_to_the_context_path_without_credentials(client):
    for method in ("GET", "PROPFIND"):
        r = client.open("/.well-known/carddav", method=method)
        assert r.status_code == 301
        assert r.headers["Location"] == "/carddav/"
        assert r.data == b""


def test_no_credentials_get_401_with_a_basic_challenge_and_a_dav_error(client):
    r = client.open(BOOK, method="PROPFIND", headers={"Depth": "0"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="contacts"'
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<D:responsedescription>Authentication required: send Authorization: Bearer &lt;token&gt; or HTTP "
        "Basic with the token as password</D:responsedescription></D:error>\n")


@pytest.mark.parametrize("headers, status", [
    ("basic-any-user", 207), ("bearer", 207), ("basic-wrong", 401), ("basic-garbage", 401), ("basic-no-colon", 401),
])
def test_token_as_basic_password_or_bearer(client, token, headers, status):
    sent = {
        "basic-any-user": basic(token, user="whoever@example.org"),
        "bearer": {"Authorization": f"Bearer {token}"},
        "basic-wrong": basic("ct_wrong"),
        "basic-garbage": {"Authorization": "Basic !!!"},
        "basic-no-colon": {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()},
    }[headers]
    r = client.open(BOOK, method="PROPFIND", headers={"Depth": "0", **sent})
    assert r.status_code == status


def test_basic_is_not_accepted_by_the_other_doors(client, token):
    r = client.get("/rest/v1/addressbook/contacts", headers=basic(token))
    assert r.status_code == 401


def test_read_only_token_gets_403_on_put_and_read_privileges(client, make_token):
    reader = make_token("contacts:read")
    r = client.put(BOOK + "x.vcf", data=CARD.format(uid="x"), headers=basic(reader), content_type="text/vcard")
    assert r.status_code == 403
    assert r.get_data(as_text=True) == (  # RFC 3744's need-privileges, which DAVx5 reads
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:need-privileges><D:resource><D:href>{BOOK}x.vcf</D:href><D:privilege><D:write-content/></D:privilege>"
        "</D:resource></D:need-privileges><D:responsedescription>Token lacks the scope contacts:create"
        "</D:responsedescription></D:error>\n")
    r = client.open(BOOK, method="PROPFIND", data=propfind("<D:current-user-privilege-set/>"),
                    headers={"Depth": "0", **basic(reader)})
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}</D:href><D:propstat><D:prop><D:current-user-privilege-set>"
        "<D:privilege><D:read/></D:privilege><D:privilege><D:read-current-user-privilege-set/></D:privilege>"
        f"</D:current-user-privilege-set></D:prop>{OK}</D:propstat></D:response>{TAIL}")


def test_put_of_an_existing_card_needs_update_not_create(dav, client, make_token):
    assert put_card(dav, "a.vcf", "a").status_code == 201
    creator = make_token("contacts:create", "contacts:read")
    r = client.put(BOOK + "a.vcf", data=CARD.format(uid="a"), headers=basic(creator), content_type="text/vcard")
    assert r.status_code == 403
    assert "contacts:update" in r.get_data(as_text=True)


def test_options_advertises_carddav(dav):
    r = dav("OPTIONS", BOOK)
    assert r.status_code == 200
    assert r.headers["DAV"] == "1, 3, addressbook"
    assert r.headers["Allow"] == "OPTIONS, PROPFIND, PROPPATCH, REPORT"


def test_principal_discovery_chain(dav):
    r = dav("PROPFIND", "/carddav/", propfind("<D:current-user-principal/>"), {"Depth": "0"})
    assert r.status_code == 207
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>/carddav/</D:href><D:propstat><D:prop><D:current-user-principal>"
        f"<D:href>/carddav/principal/</D:href></D:current-user-principal></D:prop>{OK}</D:propstat>"
        f"</D:response>{TAIL}")
    r = dav("PROPFIND", "/carddav/principal/", propfind("<C:addressbook-home-set/>", "<D:resourcetype/>",
                                                        "<D:foo-unknown/>"), {"Depth": "0"})
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>/carddav/principal/</D:href><D:propstat><D:prop><C:addressbook-home-set>"
        "<D:href>/carddav/addressbooks/</D:href></C:addressbook-home-set><D:resourcetype><D:collection/>"
        f"<D:principal/></D:resourcetype></D:prop>{OK}</D:propstat><D:propstat><D:prop><D:foo-unknown/>"
        f"</D:prop>{GONE}</D:propstat></D:response>{TAIL}")
    r = dav("PROPFIND", "/carddav/addressbooks/", propfind("<D:resourcetype/>", "<D:displayname/>"), {"Depth": "1"})
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>/carddav/addressbooks/</D:href><D:propstat><D:prop><D:resourcetype>"
        f"<D:collection/></D:resourcetype><D:displayname>Address books</D:displayname></D:prop>{OK}</D:propstat>"
        f"</D:response><D:response><D:href>{BOOK}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/>"
        f"<C:addressbook/></D:resourcetype><D:displayname>Contacts</D:displayname></D:prop>{OK}</D:propstat>"
        f"</D:response>{TAIL}")


def test_address_book_properties(dav, app):
    r = dav("PROPFIND", BOOK, propfind("<D:resourcetype/>", "<CS:getctag/>", "<D:sync-token/>",
                                       "<C:supported-address-data/>", "<C:max-resource-size/>",
                                       "<D:current-user-privilege-set/>"), {"Depth": "0"})
    assert r.status_code == 207
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    token = current_token(dav)
    assert token.startswith(TOKEN)
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/>"
        f"<C:addressbook/></D:resourcetype><CS:getctag>{token}</CS:getctag><D:sync-token>{token}</D:sync-token>"
        '<C:supported-address-data><C:address-data-type content-type="text/vcard" version="3.0"/>'
        '<C:address-data-type content-type="text/vcard" version="4.0"/></C:supported-address-data>'
        f"<C:max-resource-size>{app.config['MAX_CONTENT_LENGTH']}</C:max-resource-size>{ALL_PRIVILEGES}"
        f"</D:prop>{OK}</D:propstat></D:response>{TAIL}")


def test_depth_1_lists_every_card_with_etag_and_content_type(dav, client, auth):
    niagara = client.post("/contacts", json={"label": "x", "name": "Grace Hopper", "email": "g@example.org"},
                          headers=auth).json
    assert put_card(dav, "chosen-name.vcf", "urn:uuid:4a1f7c4e-5b43-4b65-8f44-2f0e4a7a9b10").status_code == 201
    r = dav("PROPFIND", BOOK, propfind("<D:getetag/>", "<D:getcontenttype/>"), {"Depth": "1"})
    assert r.status_code == 207
    entries = "".join(
        f"<D:response><D:href>{BOOK}{name}</D:href><D:propstat><D:prop><D:getetag>{resource_etag(name)}</D:getetag>"
        f"<D:getcontenttype>text/vcard; charset=utf-8</D:getcontenttype></D:prop>{OK}</D:propstat></D:response>"
        for name in (f"{niagara['contact_id']}.vcf", "chosen-name.vcf"))
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}</D:href><D:propstat>"
        f"<D:prop><D:getetag/><D:getcontenttype/></D:prop>{GONE}</D:propstat></D:response>{entries}{TAIL}")


# ---------------------------------------------------------------- GET / PUT / DELETE

def test_location_of_a_created_card_is_spelled_as_the_listings_spell_its_href(dav):
    """Evolution keeps the Location of a PUT and finds the card in later listings by it."""
    r = put_card(dav, "%7BABC%7D-1%252%20x.vcf", "{ABC}-1%2 x")
    assert r.status_code == 201
    assert r.headers["Location"] == BOOK + "%7BABC%7D-1%252%20x.vcf"
    listing = dav("PROPFIND", BOOK, propfind("<D:getetag/>"), {"Depth": "1"}).get_data(as_text=True)
    assert f"<D:href>{BOOK}%7BABC%7D-1%252%20x.vcf</D:href>" in listing


def test_evolutions_escaped_data_uri_photo_is_the_photo_every_door_reads(dav, client):
    """EDS escapes `;` and `,` in every value it writes, a 4.0 PHOTO's data: URI too."""
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
    body = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:eds-photo\r\nFN:Eve Photo\r\n"
            f"PHOTO:data:image/png\\;base64\\,{png}\r\nEND:VCARD")
    r = dav("PUT", BOOK + "eds-photo.vcf", body, {"Content-Type": 'text/vcard; charset="utf-8"', "If-None-Match": "*"})
    assert r.status_code == 201
    v3 = dav("GET", BOOK + "eds-photo.vcf", headers={"Accept": "text/vcard; version=3.0"}).get_data(as_text=True)
    assert f"\r\nPHOTO;ENCODING=b;TYPE=PNG:{png[:49]}\r\n {png[49:]}\r\n" in v3
    v4 = dav("GET", BOOK + "eds-photo.vcf", headers={"Accept": "text/vcard; version=4.0"}).get_data(as_text=True)
    assert f"\r\nPHOTO:data:image/png;base64,{png[:47]}\r\n {png[47:]}\r\n" in v4


def test_put_then_get_keeps_unknown_properties_and_the_uid(dav):
    r = put_card(dav, "ada.vcf", "ada-1")
    assert r.status_code == 201
    assert r.headers["Location"] == BOOK + "ada.vcf"
    got = dav("GET", BOOK + "ada.vcf")
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert got.headers["ETag"] == resource_etag("ada.vcf", 1)
    text = got.get_data(as_text=True)
    assert "\r\nVERSION:3.0\r\n" in text
    assert "\r\nUID:ada-1\r\n" in text
    assert "\r\nX-PHONETIC-FIRST-NAME:ay-da\r\n" in text
    assert "\r\nFN:Ada Lovelace\r\n" in text


def test_get_negotiates_the_vcard_version(dav):
    put_card(dav, "ada.vcf", "ada-1")
    v4 = dav("GET", BOOK + "ada.vcf", headers={"Accept": "text/vcard; version=4.0"}).get_data(as_text=True)
    v3 = dav("GET", BOOK + "ada.vcf", headers={"Accept": "text/vcard;version=3.0"}).get_data(as_text=True)
    assert "\r\nVERSION:4.0\r\n" in v4
    assert "\r\nVERSION:3.0\r\n" in v3


def test_head_of_a_card_is_its_get_without_the_body(dav):
    put_card(dav, "ada.vcf", "ada-1")
    got = dav("GET", BOOK + "ada.vcf", headers={"Accept": "text/vcard; version=4.0"})
    head = dav("HEAD", BOOK + "ada.vcf", headers={"Accept": "text/vcard; version=4.0"})
    assert (head.status_code, head.data) == (200, b"")
    for name in ("ETag", "Content-Type", "Content-Length", "Vary"):
        assert head.headers[name] == got.headers[name], name
    assert int(head.headers["Content-Length"]) == len(got.data)
    assert dav("HEAD", BOOK + "ada.vcf", headers={"If-None-Match": got.headers["ETag"]}).status_code == 304
    missing = dav("HEAD", BOOK + "nobody.vcf")
    assert (missing.status_code, missing.data) == (404, b"")


def test_a_card_from_another_door_is_served_as_vcard_3_by_default(dav, client, auth):
    created = client.post("/contacts", json={"label": "x", "name": "Grace Hopper", "email": "g@example.org",
                                             "phone": "+1 555 0100"}, headers=auth).json
    r = dav("GET", f"{BOOK}{created['contact_id']}.vcf")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "\r\nFN:Grace Hopper\r\n" in text
    assert "EMAIL" in text and "g@example.org" in text
    assert "+1 555 0100" in text


def test_if_none_match_star_refuses_to_overwrite(dav):
    assert put_card(dav, "a.vcf", "a", **{"If-None-Match": "*"}).status_code == 201
    r = put_card(dav, "a.vcf", "a", **{"If-None-Match": "*"})
    assert r.status_code == 412
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"


def test_if_match_stale_etag_is_412_and_nothing_changes(dav):
    first = put_card(dav, "a.vcf", "a")
    assert first.headers.get("ETag") is None  # REV is rewritten: the client reads the tag back
    v1 = dav("GET", BOOK + "a.vcf").headers["ETag"]
    assert v1 == resource_etag("a.vcf", 1)
    changed = CARD.format(uid="a").replace("FN:Ada Lovelace", "FN:Ada King")
    ok = dav("PUT", BOOK + "a.vcf", changed, {"If-Match": v1, "Content-Type": "text/vcard"})
    assert ok.status_code == 204
    v2 = dav("GET", BOOK + "a.vcf").headers["ETag"]
    assert v2 == resource_etag("a.vcf", 2) != v1
    stale = dav("PUT", BOOK + "a.vcf", CARD.format(uid="a"), {"If-Match": v1, "Content-Type": "text/vcard"})
    assert stale.status_code == 412
    assert "FN:Ada King" in dav("GET", BOOK + "a.vcf").get_data(as_text=True)
    assert dav("DELETE", BOOK + "a.vcf", headers={"If-Match": v1}).status_code == 412
    assert dav("PUT", BOOK + "new.vcf", CARD.format(uid="n"), {"If-Match": v1,
                                                               "Content-Type": "text/vcard"}).status_code == 412
    # A tag as this server sent it before its tags named the card's creation: the version alone.
    assert dav("DELETE", BOOK + "a.vcf", headers={"If-Match": '"c1"'}).status_code == 412
    assert dav("DELETE", BOOK + "a.vcf", headers={"If-Match": '"c2"'}).status_code == 204
    assert dav("GET", BOOK + "a.vcf").status_code == 404


def test_a_4_0_card_sent_without_n_comes_back_without_one_until_a_door_names_its_parts(dav, client, auth):
    """Thunderbird writes no N for a company or an address; the parts derived from FN stay unsaid."""
    uid = "5b0c5e0e-3f5c-4a55-9c2e-0d1b6f1e8a01"
    body = f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:ACME Support\r\nEMAIL;PREF=1:support@acme.example\r\nUID:{uid}\r\nEND:VCARD\r\n"
    assert dav("PUT", BOOK + f"{uid}.vcf", body, {"Content-Type": "text/vcard"}).status_code == 201
    v4 = {"Accept": "text/vcard; version=4.0"}
    got = dav("GET", BOOK + f"{uid}.vcf", headers=v4).get_data(as_text=True)
    assert [line for line in got.split("\r\n") if not line.startswith("REV:")] == body.split("\r\n")
    plain = dav("GET", BOOK + f"{uid}.vcf").get_data(as_text=True)  # the version it was PUT in
    assert [line for line in plain.split("\r\n") if not line.startswith("REV:")] == body.split("\r\n")
    v3 = dav("GET", BOOK + f"{uid}.vcf", headers={"Accept": "text/vcard; version=3.0"}).get_data(as_text=True)
    assert "\r\nVERSION:3.0\r\n" in v3 and "\r\nN:Support;ACME;;;\r\n" in v3  # 3.0 requires N
    folio = {**auth, "X-Okapi-Tenant": "diku"}
    assert client.put(f"/organizations-storage/contacts/{uid}", json={"firstName": "Acme", "lastName": "Help"},
                      headers=folio).status_code == 204
    assert "\r\nN:Help;Acme;;;\r\n" in dav("GET", BOOK + f"{uid}.vcf", headers=v4).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/carddav/principal/", "/carddav/", "/carddav/addressbooks/", BOOK])
def test_expand_property_is_an_empty_multistatus_so_infcloud_goes_on_loading(dav, path):
    """InfCloud (DAVresourceDelegation) asks the principal for calendar proxies, listed or not."""
    body = ('<?xml version="1.0" encoding="utf-8"?><A:expand-property xmlns:A="DAV:"><A:property '
            'name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/"><A:property '
            'name="email-address-set" namespace="http://calendarserver.org/ns/"/></A:property></A:expand-property>')
    r = dav("REPORT", path, body, {"Depth": "0", "Content-Type": "text/xml"})
    assert r.status_code == 207
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.get_data(as_text=True) == HEAD + TAIL
    other = dav("REPORT", path, sync_report(), {"Depth": "0"}) if path != BOOK else None
    assert other is None or other.status_code == 403


def test_a_control_character_in_a_card_leaves_every_xml_answer_well_formed(dav, client, auth):
    """Qt (KDE) drops every card of a multiget whose XML it cannot read; DOMParser and libxml2 too."""
    import xml.etree.ElementTree as ET

    put_card(dav, "a.vcf", "a")
    weird = CARD.format(uid="w").replace("FN:Ada Lovelace", "FN:Ada\x0bLovelace\x1b").replace(
        "END:VCARD", "NOTE:form\x0cfeed\uffff\r\nEND:VCARD")
    assert dav("PUT", BOOK + "w.vcf", weird, {"Content-Type": "text/vcard"}).status_code == 201
    niagara = client.post("/contacts", json={"label": "x", "name": "Cat\u000bTest", "email": "c@x.org"}, headers=auth)
    assert niagara.status_code == 200
    body = ('<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>'
            f"<C:address-data/></D:prop><D:href>{BOOK}a.vcf</D:href><D:href>{BOOK}w.vcf</D:href>"
            f"<D:href>{BOOK}{niagara.json['contact_id']}.vcf</D:href></C:addressbook-multiget>")
    answers = []
    for method, request_body, headers in (("REPORT", body, {"Depth": "1"}),
                                          ("REPORT", sync_report(props="<C:address-data/>"), {}),
                                          ("PROPFIND", propfind("<D:getetag/>"), {"Depth": "1"})):
        answer = dav(method, BOOK, request_body, headers)  # streamed: read before the next request
        assert answer.status_code == 207
        answers.append(ET.fromstring(answer.get_data()))  # well-formed
    datas = [e.text for e in answers[0].iter("{urn:ietf:params:xml:ns:carddav}address-data")]
    assert len(datas) == 3
    # (An XML reader turns CR LF into LF.)
    assert "\nFN:Ada\ufffdLovelace\ufffd\n" in datas[1] and "\nNOTE:form\ufffdfeed\ufffd\n" in datas[1]
    assert "\nFN:Cat\ufffdTest\n" in datas[2]
    # The card itself is as written (a vCard GET is no XML).
    assert "\r\nNOTE:form\x0cfeed\uffff\r\n" in dav("GET", BOOK + "w.vcf").get_data(as_text=True)


@pytest.mark.parametrize("sent, asked", [("4.0", "3.0"), ("3.0", "4.0")])
def test_a_card_asked_for_in_the_other_version_keeps_every_component_of_n_org_and_adr(dav, client, auth, sent, asked):
    """DAVx5 asks 4.0 of a card iOS wrote in 3.0 (and iOS 3.0 of one DAVx5 wrote): its next save writes back what it read."""
    body = (f"BEGIN:VCARD\r\nVERSION:{sent}\r\nUID:conv-1\r\nFN:Jane Doe\r\nN:Doe;Jane;Q.,R.;Dr.;PhD\r\n"
            "ORG:ACME Corp;Sales;West\r\nADR;TYPE=work:PO Box 7;Suite 5;1 Main St;Springfield;IL;62701;USA\r\n"
            "TZ:Europe/Berlin\r\nEND:VCARD\r\n")
    assert dav("PUT", BOOK + "conv-1.vcf", body, {"Content-Type": "text/vcard"}).status_code == 201
    got = dav("GET", BOOK + "conv-1.vcf", headers={"Accept": f"text/vcard; version={asked}"}).get_data(as_text=True)
    assert f"\r\nVERSION:{asked}\r\n" in got
    for line in ("N:Doe;Jane;Q.,R.;Dr.;PhD", "ORG:ACME Corp;Sales;West",
                 "ADR;TYPE=" + ("WORK" if asked == "3.0" else "work") + ":PO Box 7;Suite 5;1 Main St;Springfield;IL;62701;USA",
                 "TZ;VALUE=text:Europe/Berlin" if asked == "3.0" else "TZ:Europe/Berlin"):
        assert f"\r\n{line}\r\n" in got, line
    # What another door changed (the given name) is written anew from the columns; ORG stays as read.
    folio = {**auth, "X-Okapi-Tenant": "diku"}
    record = client.get("/organizations-storage/contacts/" + _conv_id(), headers=folio).json
    assert client.put("/organizations-storage/contacts/" + _conv_id(), json={**record, "firstName": "Janet"},
                      headers=folio).status_code == 204
    again = dav("GET", BOOK + "conv-1.vcf", headers={"Accept": f"text/vcard; version={asked}"}).get_data(as_text=True)
    assert "\r\nN:Doe;Janet;Q. R.;Dr.;PhD\r\n" in again and "\r\nORG:ACME Corp;Sales;West\r\n" in again


def _conv_id() -> str:
    from services.io.vcard import id_for_uid

    return id_for_uid("conv-1")


def test_a_card_deleted_and_created_again_never_repeats_an_etag(dav):
    """Evolution and DAVx5 skip a listed card whose ETag they hold: the second card must not have the first's."""
    put_card(dav, "r1.vcf", "r1")
    old = dav("GET", BOOK + "r1.vcf").headers["ETag"]
    token = current_token(dav)
    assert dav("DELETE", BOOK + "r1.vcf", headers={"If-Match": old}).status_code == 204
    again = CARD.format(uid="r1").replace("FN:Ada Lovelace", "FN:Someone Else")
    assert dav("PUT", BOOK + "r1.vcf", again, {"Content-Type": "text/vcard", "If-None-Match": "*"}).status_code == 201
    new = dav("GET", BOOK + "r1.vcf").headers["ETag"]
    assert new.startswith('"c1-') and new != old and new == resource_etag("r1.vcf", 1)
    listed = dav("REPORT", BOOK, sync_report(token)).get_data(as_text=True)
    assert f"<D:getetag>{new}</D:getetag>" in listed
    assert dav("GET", BOOK + "r1.vcf", headers={"If-None-Match": old}).status_code == 200
    # The first card's tag names no version of the second: its If-Match cannot overwrite it.
    stale = dav("PUT", BOOK + "r1.vcf", CARD.format(uid="r1"), {"Content-Type": "text/vcard", "If-Match": old})
    assert stale.status_code == 412
    assert "FN:Someone Else" in dav("GET", BOOK + "r1.vcf").get_data(as_text=True)


def test_uid_of_an_existing_card_is_a_uid_conflict(dav):
    uid = "urn:uuid:0b6c3c1e-2f57-4a59-a0ad-6e8c8f3f4c11"
    assert put_card(dav, "one.vcf", uid).status_code == 201
    r = put_card(dav, "two.vcf", uid)
    assert r.status_code == 409
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<C:no-uid-conflict><D:href>{BOOK}one.vcf</D:href></C:no-uid-conflict><D:responsedescription>A card "
        "with the vCard&apos;s UID 0b6c3c1e-2f57-4a59-a0ad-6e8c8f3f4c11 exists already</D:responsedescription>"
        "</D:error>\n".replace("&apos;", "'"))
    assert dav("GET", BOOK + "two.vcf").status_code == 404


@pytest.mark.parametrize("body, content_type, status, precondition", [
    ("not a vcard", "text/vcard", 400, "<C:valid-address-data/>"),
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", "text/vcard", 400, "<C:valid-address-data/>"),
    # No BEGIN: a file import reads such a card (as Evolution does), one PUT vCard must be whole.
    ("VERSION:3.0\r\nFN:Frank Dawson\r\nEND:VCARD\r\n", "text/vcard", 400, "<C:valid-address-data/>"),
    ('{"fn": "x"}', "application/json", 415, "<C:supported-address-data/>"),
])
def test_bad_vcards_are_refused_with_a_precondition(dav, body, content_type, status, precondition):
    r = dav("PUT", BOOK + "bad.vcf", body, {"Content-Type": content_type})
    assert r.status_code == status
    assert precondition in r.get_data(as_text=True)
    assert dav("GET", BOOK + "bad.vcf").status_code == 404


NUL_REFUSED = ('<?xml version="1.0" encoding="utf-8"?>\n'
               '<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
               "<C:valid-address-data/><D:responsedescription>The vCard cannot be stored: NUL characters (U+0000) "
               "are not allowed in a contact</D:responsedescription></D:error>\n")


@pytest.mark.parametrize("version, line", [
    ("3.0", "TITLE:Count\x00ess"),                               # a mapped value, as sent
    ("2.1", "NOTE;ENCODING=QUOTED-PRINTABLE:two=00lines"),       # decoded from quoted-printable
    ("3.0", "X-PHONETIC-LAST-NAME:love\x00lace"),                # kept verbatim
    ("3.0", "CATEGORIES:Fri\x00ends"),                           # a category: no group is made for it
    ("4.0", "UID:ada\x00"),
])
def test_a_vcard_holding_a_nul_character_is_refused_on_every_database(dav, version, line):
    from models import ContactGroup

    groups = ContactGroup.select().count()
    body = f"BEGIN:VCARD\r\nVERSION:{version}\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n{line}\r\nEND:VCARD\r\n"
    r = dav("PUT", BOOK + "nul.vcf", body.encode(), {"Content-Type": "text/vcard; charset=utf-8"})
    assert (r.status_code, r.get_data(as_text=True)) == (400, NUL_REFUSED)
    assert dav("GET", BOOK + "nul.vcf").status_code == 404
    assert ContactGroup.select().count() == groups


def test_a_locked_card_is_403_need_privileges(dav, app):
    """Not the 423 the other doors send: KDE's Akonadi retried a 423 forever; DAVx5 downloads
    the card again on need-privileges (SyncManager.uploadDirty)."""
    put_card(dav, "a.vcf", "a")
    from services.carddav import resources
    from services.contacts import set_locked

    with app.app_context():
        card_id = resources.resolve("a.vcf")
        set_locked(card_id, True)
    for method, privilege in (("PUT", "write-content"), ("DELETE", "unbind")):
        r = put_card(dav, "a.vcf", "a") if method == "PUT" else dav("DELETE", BOOK + "a.vcf")
        assert r.status_code == 403
        assert r.get_data(as_text=True) == (
            '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            f"<D:need-privileges><D:resource><D:href>{BOOK}a.vcf</D:href><D:privilege><D:{privilege}/></D:privilege>"
            f"</D:resource></D:need-privileges><D:responsedescription>Contact {card_id} is locked"
            "</D:responsedescription></D:error>\n")
    assert dav("GET", BOOK + "a.vcf").status_code == 200


def test_put_keeps_what_other_doors_own(dav, client, auth):
    created = client.post("/rest/v1/addressbook/contacts", json={"displayname": "Ann Lee", "number": "11",
                                                                 "mobile": "8987000000"}, headers=auth).json
    name = f"{created['id']}.vcf"
    text = dav("GET", BOOK + name).get_data(as_text=True)
    edited = text.replace("FN:Ann Lee", "FN:Ann Leeds")
    assert dav("PUT", BOOK + name, edited, {"Content-Type": "text/vcard"}).status_code == 204
    after = client.get(f"/rest/v1/addressbook/contacts/{created['id']}", headers=auth).json
    assert after["displayname"] == "Ann Leeds"
    assert after["number"] == "11"
    assert after["mobile"] == "8987000000"


# ---------------------------------------------------------------- reports

@pytest.mark.parametrize("asked, served", [
    ('version="4.0"', "4.0"), ('version=" 4.0 "', "4.0"), ('version="3.0"', "3.0"),
    # not served by this door: the card's own version (3.0 here), as a GET's Accept would get
    ('version="5.0"', "3.0"), ('version="2.1"', "3.0"), ('version="x"', "3.0"), ("", "3.0"),
])
def test_multiget_address_data_in_the_version_asked_for_when_served(dav, asked, served):
    put_card(dav, "a.vcf", "a")
    body = ('<?xml version="1.0"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            f'<D:prop><C:address-data content-type="text/vcard" {asked}/></D:prop>'
            f"<D:href>{BOOK}a.vcf</D:href></C:addressbook-multiget>")
    r = dav("REPORT", BOOK, body, {"Depth": "1"})
    vcard = dav("GET", BOOK + "a.vcf", headers={"Accept": f"text/vcard; version={served}"}).get_data(as_text=True)
    assert f"\r\nVERSION:{served}\r\n" in vcard
    escaped = vcard.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert (r.status_code, r.get_data(as_text=True)) == (207, (
        f"{HEAD}<D:response><D:href>{BOOK}a.vcf</D:href><D:propstat><D:prop>"
        f"<C:address-data>{escaped}</C:address-data></D:prop>{OK}</D:propstat></D:response>{TAIL}"))


def test_multiget_returns_address_data_and_404_for_unknown_hrefs(dav):
    put_card(dav, "a.vcf", "a")
    body = ('<?xml version="1.0"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            '<D:prop><D:getetag/><C:address-data version="4.0"/></D:prop>'
            f"<D:href>{BOOK}a.vcf</D:href><D:href>{BOOK}missing.vcf</D:href></C:addressbook-multiget>")
    r = dav("REPORT", BOOK, body, {"Depth": "1"})
    assert r.status_code == 207
    vcard = dav("GET", BOOK + "a.vcf", headers={"Accept": "text/vcard; version=4.0"}).get_data(as_text=True)
    escaped = vcard.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert r.get_data(as_text=True) == (
        f'{HEAD}<D:response><D:href>{BOOK}a.vcf</D:href><D:propstat><D:prop><D:getetag>{resource_etag("a.vcf")}</D:getetag>'
        f"<C:address-data>{escaped}</C:address-data></D:prop>{OK}</D:propstat></D:response>"
        f"<D:response><D:href>{BOOK}missing.vcf</D:href>{GONE}</D:response>{TAIL}")


def _query(filter_xml: str, limit: int | None = None) -> str:
    limit_xml = f"<C:limit><C:nresults>{limit}</C:nresults></C:limit>" if limit is not None else ""
    return ('<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            f"<D:prop><D:getetag/></D:prop><C:filter>{filter_xml}</C:filter>{limit_xml}</C:addressbook-query>")


@pytest.mark.parametrize("filter_xml, expected", [
    ('<C:prop-filter name="FN"><C:text-match match-type="contains">LOVE</C:text-match></C:prop-filter>', ["a"]),
    ('<C:prop-filter name="EMAIL"><C:text-match match-type="equals">grace@example.org</C:text-match>'
     "</C:prop-filter>", ["g"]),
    ('<C:prop-filter name="TEL"><C:text-match match-type="starts-with">+44</C:text-match></C:prop-filter>', ["a"]),
    ('<C:prop-filter name="UID"><C:text-match match-type="equals">g</C:text-match></C:prop-filter>', ["g"]),
    ('<C:prop-filter name="N"><C:text-match match-type="starts-with">hopper</C:text-match></C:prop-filter>', ["g"]),
    ('<C:prop-filter name="FN"><C:text-match negate-condition="yes">ada</C:text-match></C:prop-filter>', ["g"]),
    ('<C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter>', ["a", "g"]),
])
def test_addressbook_query(dav, filter_xml, expected):
    put_card(dav, "a.vcf", "a")
    grace = (CARD.format(uid="g").replace("Ada Lovelace", "Grace Hopper").replace("Lovelace;Ada", "Hopper;Grace")
             .replace("ada@example.org", "grace@example.org").replace("+44 20 7946 0001", "+1 555 0100"))
    assert dav("PUT", BOOK + "g.vcf", grace, {"Content-Type": "text/vcard"}).status_code == 201
    r = dav("REPORT", BOOK, _query(filter_xml), {"Depth": "1"})
    assert r.status_code == 207
    assert r.get_data(as_text=True) == HEAD + "".join(etag_response(f"{n}.vcf", 1) for n in expected) + TAIL


def test_addressbook_query_limit_reports_the_cut(dav):
    for n in range(3):
        put_card(dav, f"a{n}.vcf", f"a{n}")
    r = dav("REPORT", BOOK, _query('<C:prop-filter name="FN"/>', limit=2), {"Depth": "1"})
    assert r.get_data(as_text=True) == (
        HEAD + etag_response("a0.vcf", 1) + etag_response("a1.vcf", 1)
        + f"<D:response><D:href>{BOOK}</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status>"
        f"<D:error><D:number-of-matches-within-limits/></D:error></D:response>{TAIL}")


def test_unsupported_filters_and_reports_are_403_with_their_precondition(dav):
    r = dav("REPORT", BOOK, _query('<C:prop-filter name="X-FOO"/>'))
    assert r.status_code == 403
    assert "<C:supported-filter/>" in r.get_data(as_text=True)
    r = dav("REPORT", BOOK, _query('<C:prop-filter name="FN"><C:text-match collation="i;klingon">x'
                                   "</C:text-match></C:prop-filter>"))
    assert r.status_code == 403
    assert "<C:supported-collation/>" in r.get_data(as_text=True)
    r = dav("REPORT", BOOK, '<D:acl-principal-prop-set xmlns:D="DAV:"/>')
    assert r.status_code == 403
    assert "<D:supported-report/>" in r.get_data(as_text=True)


@pytest.mark.parametrize("body, description", [
    ("<not-closed>", "The request body is not well-formed XML: no element found: line 1, column 12"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><D:propfind xmlns:D="DAV:">&a;</D:propfind>',
     "XML with entities or DTDs is refused: EntitiesForbidden"),
    ('<?xml version="1.0" encoding="ebcdic"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
     "The request body's XML declaration names an encoding that cannot be read: unknown encoding: ebcdic"),
    ('<?xml version="1.0" encoding="utf-32"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
     "The request body's XML declaration names an encoding that cannot be read: "
     "multi-byte encodings are not supported"),
])
def test_malformed_or_entity_xml_is_400(dav, body, description):
    r = dav("PROPFIND", BOOK, body, {"Depth": "0"})
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<D:responsedescription>{description}</D:responsedescription></D:error>\n")


# ---------------------------------------------------------------- sync-collection

def test_initial_sync_then_incremental_with_tombstones(dav):
    put_card(dav, "a.vcf", "a")
    put_card(dav, "b.vcf", "b")
    r = dav("REPORT", BOOK, sync_report())
    first = current_token(dav)
    assert r.get_data(as_text=True) == (
        HEAD + etag_response("a.vcf", 1) + etag_response("b.vcf", 1)
        + f"<D:sync-token>{first}</D:sync-token>{TAIL}")
    # Nothing changed: an empty answer with the same token.
    r = dav("REPORT", BOOK, sync_report(first))
    assert r.get_data(as_text=True) == f"{HEAD}<D:sync-token>{first}</D:sync-token>{TAIL}"
    edited = CARD.format(uid="a").replace("Ada Lovelace", "Ada King")
    assert dav("PUT", BOOK + "a.vcf", edited, {"Content-Type": "text/vcard"}).status_code == 204
    assert dav("DELETE", BOOK + "b.vcf").status_code == 204
    put_card(dav, "c.vcf", "c")
    r = dav("REPORT", BOOK, sync_report(first))
    second = current_token(dav)
    assert second != first
    assert r.get_data(as_text=True) == (
        HEAD + etag_response("a.vcf", 2) + f"<D:response><D:href>{BOOK}b.vcf</D:href>{GONE}</D:response>"
        + etag_response("c.vcf", 1) + f"<D:sync-token>{second}</D:sync-token>{TAIL}")


@pytest.mark.parametrize("depth", [None, "0", "1"])
@pytest.mark.parametrize("sent", ["http://example.com/other/1", TOKEN + "x", TOKEN + "999999999"])
def test_unknown_sync_token_is_valid_sync_token_error(dav, sent, depth):
    """403 (RFC 6578; Evolution starts over after it); 400 to the Depth 1 Thunderbird sends, which
    starts over only after a 400 (CardDAVDirectory.updateAllFromServerV2); DAVx5 reads the body."""
    r = dav("REPORT", BOOK, sync_report(sent), {"Depth": depth} if depth else {})
    assert r.status_code == (400 if depth == "1" else 403)
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<D:valid-sync-token/><D:responsedescription>The sync token is unknown or too old: sync again without a "
        "token</D:responsedescription></D:error>\n")


def test_pruned_tombstones_expire_old_tokens(dav, app):
    put_card(dav, "a.vcf", "a")
    put_card(dav, "b.vcf", "b")
    old = current_token(dav)
    assert dav("DELETE", BOOK + "a.vcf").status_code == 204
    from models.connect import database

    with app.app_context():  # the tombstone is older than the retention and a day
        database.execute_sql("UPDATE carddav_change SET at = at - 200 * 86400 WHERE contact_autokey IS NULL")
    assert dav("DELETE", BOOK + "b.vcf").status_code == 204  # a delete prunes
    with app.app_context():
        left = database.execute_sql("SELECT COUNT(*) FROM carddav_change WHERE contact_autokey IS NULL").fetchone()
    assert left[0] == 1  # b's tombstone, a's is gone
    r = dav("REPORT", BOOK, sync_report(old))
    assert r.status_code == 403
    assert "<D:valid-sync-token/>" in r.get_data(as_text=True)
    fresh = current_token(dav)
    assert dav("REPORT", BOOK, sync_report(fresh)).status_code == 207


def test_changes_through_every_door_reach_the_sync(dav, client, auth):
    folio_headers = {**auth, "X-Okapi-Tenant": "diku"}
    niagara = client.post("/contacts", json={"label": "x", "name": "Grace Hopper", "email": "g@example.org"},
                          headers=auth).json
    folio = client.post("/organizations-storage/contacts", json={"firstName": "Nick", "lastName": "Fury"},
                        headers=folio_headers).json
    incoplax = client.post("/rest/v1/addressbook/contacts", json={"displayname": "Ann Lee", "number": "11"},
                           headers=auth).json
    start = current_token(dav)
    assert client.put(f"/organizations-storage/contacts/{folio['id']}", json={"firstName": "Nicholas",
                      "lastName": "Fury"}, headers=folio_headers).status_code == 204
    assert client.delete(f"/rest/v1/addressbook/contacts/{incoplax['id']}", headers=auth).status_code == 204
    group = client.post("/rest/v1/addressbook/contactgroups", json={"name": "Engineers", "code": "eng"},
                        headers=auth).json
    assert client.patch(f"/contacts/{niagara['contact_id']}", json={"name": "Grace B. Hopper"},
                        headers=auth).status_code in (200, 400, 405)
    r = dav("REPORT", BOOK, sync_report(start))
    text = r.get_data(as_text=True)
    assert f"{BOOK}{folio['id']}.vcf</D:href><D:propstat><D:prop><D:getetag>{card_etag_of(folio['id'], 2)}" in text
    assert f"<D:response><D:href>{BOOK}{incoplax['id']}.vcf</D:href>{GONE}</D:response>" in text
    # A group rename changes the members' CATEGORIES: their ETags change and they are reported.
    mid = current_token(dav)
    assert client.patch(f"/rest/v1/addressbook/contacts/{niagara['contact_id']}", json={"opts": {"groups": ["eng"]}},
                        headers=auth).status_code == 200
    after_join = current_token(dav)
    assert after_join != mid
    etag = dav("GET", f"{BOOK}{niagara['contact_id']}.vcf").headers["ETag"]
    assert client.patch(f"/rest/v1/addressbook/contactgroups/{group['id']}", json={"name": "Engineering"},
                        headers=auth).status_code == 200
    r = dav("REPORT", BOOK, sync_report(after_join))
    got = dav("GET", f"{BOOK}{niagara['contact_id']}.vcf")
    assert got.headers["ETag"] != etag
    assert "CATEGORIES:Engineering" in got.get_data(as_text=True)
    assert r.get_data(as_text=True) == (
        HEAD + etag_response(f"{niagara['contact_id']}.vcf", None)
        + f"<D:sync-token>{current_token(dav)}</D:sync-token>{TAIL}")


def test_sync_with_address_data_and_client_chosen_names(dav):
    put_card(dav, "Phone-Chosen Name.vcf", "p1")
    first = current_token(dav)
    edited = CARD.format(uid="p1").replace("Ada Lovelace", "Ada King")
    assert dav("PUT", BOOK + "Phone-Chosen Name.vcf", edited, {"Content-Type": "text/vcard"}).status_code == 204
    r = dav("REPORT", BOOK, sync_report(first, "<D:getetag/><C:address-data/>"))
    text = r.get_data(as_text=True)
    assert f"<D:href>{BOOK}Phone-Chosen%20Name.vcf</D:href>" in text
    assert "FN:Ada King" in text
    assert dav("DELETE", BOOK + "Phone-Chosen Name.vcf").status_code == 204
    r = dav("REPORT", BOOK, sync_report(first))
    assert f"<D:response><D:href>{BOOK}Phone-Chosen%20Name.vcf</D:href>{GONE}</D:response>" in r.get_data(as_text=True)


PHONE_CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:7C4F1E2A-PHONE-1\r\nFN:Jane Doe\r\nN:Doe;Jane;;;\r\nORG:ACME;Sales\r\n"
              "TEL;TYPE=CELL:+1 555 0100\r\nEMAIL;TYPE=INTERNET,WORK:jane@acme.example\r\n"
              "item1.X-ABLabel:_$!<Anniversary>!$_\r\nX-SOCIALPROFILE;TYPE=twitter:janedoe\r\n"
              "CATEGORIES:Customers\r\nEND:VCARD\r\n")


def test_what_each_door_sees_of_a_card_created_by_a_phone(dav, client, auth):
    """The table of docs/mapping/carddav.md."""
    assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", PHONE_CARD, {"Content-Type": "text/vcard"}).status_code == 201
    got = dav("GET", BOOK + "7C4F1E2A-PHONE-1.vcf").get_data(as_text=True)
    lines = got.split("\r\n")
    assert [line for line in lines if not line.startswith("REV:")] == PHONE_CARD.split("\r\n")
    from services.io.vcard import id_for_uid

    card_id = id_for_uid("7C4F1E2A-PHONE-1")
    incoplax = client.get(f"/rest/v1/addressbook/contacts/{card_id}", headers=auth).json
    assert (incoplax["displayname"], incoplax["number"], incoplax["email"], incoplax["department"],
            incoplax["opts"]["groups"]) == ("Jane Doe", "+1 555 0100", "jane@acme.example", "Sales", ["Customers"])
    lookup = client.open("/rest/v1/addressbook/contacts", method="LOOKUP", data='"+1 555 0100"', headers=auth)
    assert lookup.json == [card_id]
    niagara = client.get(f"/contacts/{card_id}", headers=auth).json
    assert (niagara["name"], niagara["phone"], niagara["email"]) == ("Jane Doe", "+1 555 0100", "jane@acme.example")
    folio_headers = {**auth, "X-Okapi-Tenant": "diku"}
    folio = client.get(f"/organizations-storage/contacts/{card_id}", headers=folio_headers).json
    assert (folio["firstName"], folio["lastName"]) == ("Jane", "Doe")
    assert folio["phoneNumbers"] == [{"phoneNumber": "+1 555 0100", "categories": [], "type": "Mobile",
                                      "isPrimary": True}]
    assert len(folio["categories"]) == 1
    found = client.get("/organizations-storage/contacts?query=lastName%3Ddoe", headers=folio_headers).json
    assert [c["id"] for c in found["contacts"]] == [card_id]
    # MPDX requires its JSON:API Content-Type on every request (415 without it, as upstream).
    jsonapi = {**auth, "Content-Type": "application/vnd.api+json"}
    mpdx = client.get(f"/api/v2/organizations/contacts/{card_id}", headers=jsonapi).json
    assert mpdx["data"]["attributes"]["name"] == "Doe, Jane"
    search = client.get("/api/v2/organizations/contacts?filter[wildcard_search]=doe", headers=jsonapi).json
    assert [c["id"] for c in search["data"]] == [card_id]


@pytest.mark.parametrize("prodid, kept", [
    ("-//Apple Inc.//iPhone OS 17.2//EN", True),                 # groups are group vCards
    # DAVx5 sends CATEGORIES only in its CATEGORIES mode: this card's first vCard had them, so
    # its next one without them is a contact whose last group was removed.
    ("+//IDN bitfire.at//DAVx5/4.4.3-ose ez-vcard/0.12.1", False),
    ("-//KADDRESSBOOK//NONSGML Version 1//EN", False),           # drops CATEGORIES with the last tag
    ("-//Inf-IT//InfCloud 0.13.1//EN", False),
    (None, False),
])
def test_a_put_without_categories_keeps_the_groups_only_from_writers_of_group_vcards(dav, client, auth, prodid, kept):
    """iOS and DAVx5 never send CATEGORIES: their edits keep the groups; for KDE, InfCloud or
    Thunderbird a vCard without CATEGORIES is one whose last category was removed."""
    card = PHONE_CARD.replace("VERSION:3.0\r\n", f"VERSION:3.0\r\nPRODID:{prodid}\r\n") if prodid else PHONE_CARD
    assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", card, {"Content-Type": "text/vcard"}).status_code == 201
    from services.io.vcard import id_for_uid

    card_id = id_for_uid("7C4F1E2A-PHONE-1")

    def groups() -> list:
        return client.get(f"/rest/v1/addressbook/contacts/{card_id}", headers=auth).json["opts"]["groups"]

    assert groups() == ["Customers"]
    edited = card.replace("CATEGORIES:Customers\r\n", "").replace("FN:Jane Doe", "FN:Jane Q. Doe")
    etag = dav("GET", BOOK + "7C4F1E2A-PHONE-1.vcf").headers["ETag"]
    assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", edited, {"Content-Type": "text/vcard", "If-Match": etag}
               ).status_code == 204
    assert groups() == (["Customers"] if kept else [])
    got = dav("GET", BOOK + "7C4F1E2A-PHONE-1.vcf").get_data(as_text=True)
    assert "\r\nFN:Jane Q. Doe\r\n" in got and ("\r\nCATEGORIES:Customers\r\n" in got) == kept
    for line, expected in (("CATEGORIES:", []), ("CATEGORIES:Partners", ["Partners"])):
        sent = card.replace("CATEGORIES:Customers", line)
        etag = dav("GET", BOOK + "7C4F1E2A-PHONE-1.vcf").headers["ETag"]
        assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", sent, {"Content-Type": "text/vcard", "If-Match": etag}
                   ).status_code == 204
        assert groups() == expected


def test_davx5_in_its_group_vcard_mode_keeps_the_groups_another_door_gave(dav, client, auth):
    """DAVx5's default mode never sends CATEGORIES: its edit of a card it sent without them keeps
    the groups (here one Incoplax gave it)."""
    prodid = "PRODID:+//IDN bitfire.at//DAVx5/4.4.3-ose ez-vcard/0.12.1\r\n"
    card = PHONE_CARD.replace("CATEGORIES:Customers\r\n", "").replace("VERSION:3.0\r\n", "VERSION:3.0\r\n" + prodid)
    assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", card, {"Content-Type": "text/vcard"}).status_code == 201
    from services.io.vcard import id_for_uid

    card_id = id_for_uid("7C4F1E2A-PHONE-1")
    url = f"/rest/v1/addressbook/contacts/{card_id}"
    assert client.post("/rest/v1/addressbook/contactgroups", json={"name": "Customers", "code": "Customers"},
                       headers=auth).status_code == 200  # Incoplax answers a create with 200
    assert client.patch(url, json={"opts": {"groups": ["Customers"]}}, headers=auth).status_code == 200
    etag = dav("GET", BOOK + "7C4F1E2A-PHONE-1.vcf").headers["ETag"]
    edited = card.replace("FN:Jane Doe", "FN:Jane Q. Doe")
    assert dav("PUT", BOOK + "7C4F1E2A-PHONE-1.vcf", edited, {"Content-Type": "text/vcard", "If-Match": etag}
               ).status_code == 204
    assert client.get(url, headers=auth).json["opts"]["groups"] == ["Customers"]


def test_sync_limit_truncates_and_the_client_goes_on_with_the_partial_token(dav):
    for name in ("a", "b", "c"):
        put_card(dav, f"{name}.vcf", name)
    cut = (f"<D:response><D:href>{BOOK}</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status>"
           "<D:error><D:number-of-matches-within-limits/></D:error></D:response>")
    r = dav("REPORT", BOOK, sync_report(limit=2))  # an initial sync, two at a time
    partial = r.get_data(as_text=True).split("<D:sync-token>")[1].split("</D:sync-token>")[0]
    assert r.get_data(as_text=True) == (HEAD + etag_response("a.vcf", 1) + etag_response("b.vcf", 1)
                                        + cut + f"<D:sync-token>{partial}</D:sync-token>{TAIL}")
    r = dav("REPORT", BOOK, sync_report(partial, limit=2))
    final = current_token(dav)
    assert r.get_data(as_text=True) == (HEAD + etag_response("c.vcf", 1)
                                        + f"<D:sync-token>{final}</D:sync-token>{TAIL}")
    assert dav("DELETE", BOOK + "a.vcf").status_code == 204
    r = dav("REPORT", BOOK, sync_report(final, limit=5))
    assert r.get_data(as_text=True) == (HEAD + f"<D:response><D:href>{BOOK}a.vcf</D:href>{GONE}</D:response>"
                                        + f"<D:sync-token>{current_token(dav)}</D:sync-token>{TAIL}")


# ---------------------------------------------------------------- clients that read 3.0 only

CARD_4_0 = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:5b0c5e0e-3f5c-4a55-9c2e-0d1b6f1e8a77\r\nFN:Sue Storm\r\n"
            "N:Storm;Sue;;;\r\nEMAIL;TYPE=work:sue@example.org\r\nEND:VCARD\r\n")


@pytest.mark.parametrize(("headers", "version", "in_multiget"), [
    ({"X-client": "InfCloud 0.13.1 (Inf-IT CalDAV/CardDAV Web Client)"}, "3.0", "3.0"),  # data_process.js
    ({"User-Agent": "iOS/17.2 (21C62) dataaccessd/1.0"}, "3.0", "3.0"),
    ({"User-Agent": "macOS/14.2 (23C64) AddressBookCore/2487.300.1"}, "3.0", "3.0"),
    ({"User-Agent": "Mac OS X/10.11.6 (15G31) AddressBook/1756"}, "3.0", "3.0"),
    ({"User-Agent": "DAVx5/4.4.3-ose (2024/02/12; dav4jvm; okhttp/4.12.0) Android/14"}, "4.0", "4.0"),
    ({"User-Agent": "Evolution/3.50.2"}, "4.0", "4.0"),
    # A version asked is given, whoever asks (Accept applies to the GET only).
    ({"User-Agent": "iOS/17.2 (21C62) dataaccessd/1.0", "Accept": "text/vcard; version=4.0"}, "4.0", "3.0"),
])
def test_a_client_that_reads_3_0_only_gets_3_0_of_a_card_put_as_4_0(dav, headers, version, in_multiget):
    """InfCloud refuses any vCard but 3.0 and Apple's Contacts read 3.0; neither names a version."""
    assert dav("PUT", BOOK + "sue.vcf", CARD_4_0, {"Content-Type": "text/vcard"}).status_code == 201
    got = dav("GET", BOOK + "sue.vcf", headers=headers)
    assert f"\r\nVERSION:{version}\r\n" in got.get_data(as_text=True)
    assert got.headers["Vary"] == "Accept, User-Agent, X-client"
    body = ('<?xml version="1.0"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            f"<D:prop><C:address-data/></D:prop><D:href>{BOOK}sue.vcf</D:href></C:addressbook-multiget>")
    text = dav("REPORT", BOOK, body, {"Depth": "1", **headers}).get_data(as_text=True)
    assert f"\r\nVERSION:{in_multiget}\r\n" in text
