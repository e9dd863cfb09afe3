"""Group vCards as address objects (iOS/macOS Contacts, DAVx5): stored as the groups every door sees.

The vCards are as the clients write them: Apple's 3.0 `X-ADDRESSBOOKSERVER-KIND:group` with
`X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:` lines (Contacts on iOS 17), and DAVx5's 4.0
`KIND:group` with `MEMBER` (DAVx5 4.4 through ez-vcard, its default group method).
"""
from __future__ import annotations

import pytest

from tests.dav_client import basic
from tests.carddav.test_carddav_protocol import BOOK, GONE, HEAD, OK, TAIL, current_token, propfind, sync_report
from tests.etags import card_etag_of, group_resource_etag

GROUPS = "/rest/v1/addressbook/contactgroups"
ADA = "0d8f1a2e-5b7c-4d3e-9f10-2a3b4c5d6e01"
ALAN = "0d8f1a2e-5b7c-4d3e-9f10-2a3b4c5d6e02"
GRACE = "0d8f1a2e-5b7c-4d3e-9f10-2a3b4c5d6e03"
GROUP_UID = "5d2a7c10-8e4f-4b1a-9c3d-7e6f5a4b3c21"
APPLE_GROUP = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\nN:Friends\r\n"
               "FN:Friends\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
               f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ADA}\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ALAN}\r\n"
               f"REV:2024-01-02T10:11:12Z\r\nUID:{GROUP_UID}\r\nEND:VCARD\r\n")
DAVX5_GROUP = (f"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:{GROUP_UID}\r\n"
               "PRODID:+//IDN bitfire.at//DAVx5/4.4.3-ose ez-vcard/0.12.1\r\nFN:Friends\r\nKIND:group\r\n"
               f"MEMBER:urn:uuid:{ADA}\r\nREV:20240102T101112Z\r\nEND:VCARD\r\n")
VCARD = {"Content-Type": "text/vcard; charset=utf-8"}


def person(uid: str, name: str) -> str:
    given, family = name.split()
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\nN:{family};{given};;;\r\n"
            f"FN:{name}\r\nUID:{uid}\r\nEND:VCARD\r\n")


@pytest.fixture
def people(dav):
    for uid, name in ((ADA, "Ada Lovelace"), (ALAN, "Alan Turing"), (GRACE, "Grace Hopper")):
        assert dav("PUT", f"{BOOK}{uid}.vcf", person(uid, name), VCARD).status_code == 201


def incoplax_group(client, auth) -> dict:
    """The one group, as Incoplax gives it (with its members, `opts.abonents`)."""
    groups = client.get(GROUPS, headers=auth).json
    assert len(groups) == 1, groups
    return client.get(f"{GROUPS}/{groups[0]['id']}", headers=auth).json


def autokey(client, auth, contact_id: str) -> int:
    return client.get(f"/rest/v1/addressbook/contacts/{contact_id}", headers=auth).json["autokey"]


def groups_of(client, auth, contact_id: str) -> list[str]:
    return client.get(f"/rest/v1/addressbook/contacts/{contact_id}", headers=auth).json["opts"]["groups"]


def test_an_apple_group_vcard_is_stored_as_the_group_every_door_sees_and_comes_back_as_sent(dav, client, auth,
                                                                                             people):
    r = dav("PUT", BOOK + f"{GROUP_UID}.vcf", APPLE_GROUP, {**VCARD, "If-None-Match": "*"})
    assert r.status_code == 201
    assert r.headers["ETag"] == group_resource_etag(GROUP_UID)  # stored byte for byte as sent
    assert r.headers["Location"] == f"{BOOK}{GROUP_UID}.vcf"
    group = incoplax_group(client, auth)
    assert (group["id"], group["name"], group["code"]) == (GROUP_UID, "Friends", "Friends")
    assert group["opts"]["abonents"] == [autokey(client, auth, ADA), autokey(client, auth, ALAN)]
    assert groups_of(client, auth, ADA) == ["Friends"]
    assert groups_of(client, auth, GRACE) == []
    got = dav("GET", BOOK + f"{GROUP_UID}.vcf")
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert got.headers["ETag"] == r.headers["ETag"]
    assert got.get_data(as_text=True) == APPLE_GROUP
    # Listed with the cards, as a vCard resource.
    listing = dav("PROPFIND", BOOK, propfind("<D:getetag/>", "<D:getcontenttype/>"), {"Depth": "1"})
    assert (f"<D:response><D:href>{BOOK}{GROUP_UID}.vcf</D:href><D:propstat><D:prop><D:getetag>"
            f"{r.headers['ETag']}</D:getetag><D:getcontenttype>text/vcard; charset=utf-8</D:getcontenttype>"
            f"</D:prop>{OK}</D:propstat></D:response>") in listing.get_data(as_text=True)


DAVX5_GROUP_AS_3_0 = (
    f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{GROUP_UID}\r\nN:Friends\r\n"
    "PRODID:+//IDN bitfire.at//DAVx5/4.4.3-ose ez-vcard/0.12.1\r\nFN:Friends\r\n"
    f"X-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ADA}\r\n"
    "REV:20240102T101112Z\r\nEND:VCARD\r\n")


def test_a_davx5_4_0_group_is_given_in_3_0_unless_4_0_is_asked(dav, people):
    """DAVx5 always asks 4.0; a client naming no version reads 3.0 only (iOS, InfCloud's
    isContactGroup knows a group only by X-ADDRESSBOOKSERVER-KIND)."""
    r = dav("PUT", BOOK + "davx5-group.vcf", DAVX5_GROUP, VCARD)
    assert r.status_code == 201
    assert r.headers["ETag"] == group_resource_etag(GROUP_UID)  # stored as sent, whatever a plain GET gives
    got = dav("GET", BOOK + "davx5-group.vcf", headers={"Accept": "text/vcard; version=4.0"})
    assert got.get_data(as_text=True) == DAVX5_GROUP
    assert dav("GET", BOOK + "davx5-group.vcf").get_data(as_text=True) == DAVX5_GROUP_AS_3_0
    got = dav("GET", BOOK + "davx5-group.vcf", headers={"Accept": "text/vcard; version=3.0"})
    assert got.get_data(as_text=True) == (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{GROUP_UID}\r\nN:Friends\r\n"
        "PRODID:+//IDN bitfire.at//DAVx5/4.4.3-ose ez-vcard/0.12.1\r\nFN:Friends\r\n"
        f"X-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ADA}\r\n"
        "REV:20240102T101112Z\r\nEND:VCARD\r\n")


def test_a_member_or_a_name_changed_in_another_door_changes_the_group_vcard_its_etag_and_the_sync(
        dav, client, auth, people):
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    before = dav("GET", BOOK + "friends.vcf").headers["ETag"]
    start = current_token(dav)
    group = incoplax_group(client, auth)
    members = [*group["opts"]["abonents"], autokey(client, auth, GRACE)]
    assert client.patch(f"{GROUPS}/{GROUP_UID}", json={"name": "Best friends", "opts": {"abonents": members}},
                        headers=auth).status_code == 200
    got = dav("GET", BOOK + "friends.vcf")
    assert got.headers["ETag"] == group_resource_etag(GROUP_UID) != before
    assert got.get_data(as_text=True) == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\nN:Best friends\r\n"
        "FN:Best friends\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
        f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ADA}\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ALAN}\r\n"
        f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{GRACE}\r\n"
        f"REV:2024-01-02T10:11:12Z\r\nUID:{GROUP_UID}\r\nEND:VCARD\r\n")
    text = dav("REPORT", BOOK, sync_report(start)).get_data(as_text=True)
    assert (f"<D:response><D:href>{BOOK}friends.vcf</D:href><D:propstat><D:prop><D:getetag>{got.headers['ETag']}"
            f"</D:getetag></D:prop>{OK}</D:propstat></D:response>") in text
    # A card leaving the group from the card side (Incoplax's opts.groups) changes it too.
    mid = current_token(dav)
    assert client.patch(f"/rest/v1/addressbook/contacts/{ALAN}", json={"opts": {"groups": []}},
                        headers=auth).status_code == 200
    assert f"urn:uuid:{ALAN}" not in dav("GET", BOOK + "friends.vcf").get_data(as_text=True)
    assert f"<D:href>{BOOK}friends.vcf</D:href>" in dav("REPORT", BOOK, sync_report(mid)).get_data(as_text=True)


def test_a_put_replaces_the_members_and_a_stale_if_match_is_refused(dav, client, auth, people):
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    etag = dav("GET", BOOK + "friends.vcf").headers["ETag"]
    only_grace = APPLE_GROUP.replace(f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ADA}\r\n"
                                     f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ALAN}\r\n",
                                     f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{GRACE}\r\n")
    r = dav("PUT", BOOK + "friends.vcf", only_grace, {**VCARD, "If-Match": etag})
    assert r.status_code == 204
    assert r.headers["ETag"] == group_resource_etag(GROUP_UID)
    assert incoplax_group(client, auth)["opts"]["abonents"] == [autokey(client, auth, GRACE)]
    assert groups_of(client, auth, ADA) == []
    assert groups_of(client, auth, GRACE) == ["Friends"]
    stale = dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, {**VCARD, "If-Match": etag})
    assert stale.status_code == 412
    assert incoplax_group(client, auth)["opts"]["abonents"] == [autokey(client, auth, GRACE)]
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, {**VCARD, "If-None-Match": "*"}).status_code == 412


def test_deleting_the_group_resource_deletes_the_group_for_every_door_and_the_sync_reports_it(
        dav, client, auth, people):
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    start = current_token(dav)
    etag = dav("GET", BOOK + "friends.vcf").headers["ETag"]
    assert dav("DELETE", BOOK + "friends.vcf", headers={"If-Match": '"c99-1"'}).status_code == 412
    assert dav("DELETE", BOOK + "friends.vcf", headers={"If-Match": etag}).status_code == 204
    assert dav("GET", BOOK + "friends.vcf").status_code == 404
    assert dav("DELETE", BOOK + "friends.vcf").status_code == 404
    assert client.get(GROUPS, headers=auth).json == []
    assert groups_of(client, auth, ADA) == []
    assert dav("GET", f"{BOOK}{ADA}.vcf").status_code == 200  # the members stay
    text = dav("REPORT", BOOK, sync_report(start)).get_data(as_text=True)
    assert f"<D:response><D:href>{BOOK}friends.vcf</D:href>{GONE}</D:response>" in text
    # Ada's card changed (it left the group: its CATEGORIES), and is reported with its new tag.
    assert f"<D:getetag>{card_etag_of(ADA)}</D:getetag>" in text


def test_a_member_put_after_its_group_joins_the_group_and_an_unknown_member_is_kept_as_written(
        dav, client, auth):
    """DAVx5 and iOS may upload a group before a new member card: the member waits in the vCard."""
    assert dav("PUT", f"{BOOK}{ADA}.vcf", person(ADA, "Ada Lovelace"), VCARD).status_code == 201
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    assert incoplax_group(client, auth)["opts"]["abonents"] == [autokey(client, auth, ADA)]
    assert dav("GET", BOOK + "friends.vcf").get_data(as_text=True) == APPLE_GROUP
    etag = dav("GET", BOOK + "friends.vcf").headers["ETag"]
    assert dav("PUT", f"{BOOK}{ALAN}.vcf", person(ALAN, "Alan Turing"), VCARD).status_code == 201
    assert incoplax_group(client, auth)["opts"]["abonents"] == [autokey(client, auth, ADA), autokey(client, auth, ALAN)]
    assert groups_of(client, auth, ALAN) == ["Friends"]
    got = dav("GET", BOOK + "friends.vcf")
    assert got.get_data(as_text=True) == APPLE_GROUP
    assert got.headers["ETag"] != etag


def test_multiget_and_the_initial_sync_give_the_group_vcard(dav, people):
    assert dav("PUT", BOOK + "friends.vcf", DAVX5_GROUP, VCARD).status_code == 201
    body = ('<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data version="4.0"/></D:prop>'
            f"<D:href>{BOOK}friends.vcf</D:href></C:addressbook-multiget>")
    r = dav("REPORT", BOOK, body, {"Depth": "1"})
    etag = group_resource_etag(GROUP_UID)
    data = DAVX5_GROUP  # as DAVx5 asks it
    assert r.get_data(as_text=True) == (
        HEAD + f"<D:response><D:href>{BOOK}friends.vcf</D:href><D:propstat><D:prop><D:getetag>{etag}</D:getetag>"
        f"<C:address-data>{data}</C:address-data></D:prop>{OK}</D:propstat></D:response>" + TAIL)
    text = dav("REPORT", BOOK, sync_report("", "<D:getetag/><C:address-data/>")).get_data(as_text=True)
    assert f"<D:href>{BOOK}friends.vcf</D:href><D:propstat><D:prop><D:getetag>{etag}</D:getetag>" in text
    assert text.count("<D:response>") == 4  # three cards and the group


def test_a_group_vcard_adopts_the_group_a_category_made(dav, client, auth, people):
    """A group KDE or Thunderbird made as a category becomes the phone's group: one group, both members."""
    kde = person(GRACE, "Grace Hopper").replace("END:VCARD", "CATEGORIES:Friends\r\nEND:VCARD")
    assert dav("PUT", f"{BOOK}{GRACE}.vcf", kde, {**VCARD, "If-Match": card_etag_of(GRACE)}).status_code == 204
    made = incoplax_group(client, auth)
    assert dav("PUT", BOOK + "friends.vcf", DAVX5_GROUP, VCARD).status_code == 201
    group = incoplax_group(client, auth)
    assert group["id"] == made["id"]
    assert group["opts"]["abonents"] == [autokey(client, auth, ADA), autokey(client, auth, GRACE)]
    assert f"MEMBER:urn:uuid:{GRACE}" in dav("GET", BOOK + "friends.vcf").get_data(as_text=True)


@pytest.mark.parametrize(("first", "second", "message"), [
    ("person", "group", "The card at x.vcf cannot become a group: delete it first"),
    ("group", "person", "The group at x.vcf cannot become a card: delete it first"),
])
def test_a_resource_keeps_its_kind(dav, first, second, message):
    bodies = {"person": person(ADA, "Ada Lovelace"), "group": DAVX5_GROUP.replace(f"MEMBER:urn:uuid:{ADA}\r\n", "")}
    assert dav("PUT", BOOK + "x.vcf", bodies[first], VCARD).status_code == 201
    r = dav("PUT", BOOK + "x.vcf", bodies[second], VCARD)
    assert r.status_code == 409
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<C:valid-address-data/><D:responsedescription>{message}</D:responsedescription></D:error>\n")


def test_a_group_vcard_with_the_uid_of_a_card_or_of_another_group_is_a_uid_conflict(dav, people):
    clash = APPLE_GROUP.replace(f"UID:{GROUP_UID}", f"UID:{ADA}")
    r = dav("PUT", BOOK + "g.vcf", clash, VCARD)
    assert r.status_code == 409
    assert f"<C:no-uid-conflict><D:href>{BOOK}{ADA}.vcf</D:href></C:no-uid-conflict>" in r.get_data(as_text=True)
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    r = dav("PUT", BOOK + "again.vcf", APPLE_GROUP, VCARD)
    assert r.status_code == 409
    assert f"<C:no-uid-conflict><D:href>{BOOK}friends.vcf</D:href></C:no-uid-conflict>" in r.get_data(as_text=True)
    assert dav("GET", BOOK + "again.vcf").status_code == 404
    assert dav("GET", BOOK + "g.vcf").status_code == 404


def test_a_group_made_by_another_door_is_not_an_address_object(dav, client, auth, people):
    """A client that keeps groups as CATEGORIES would show it as a contact: it stays in the cards' CATEGORIES."""
    assert client.post(GROUPS, json={"name": "Team", "code": "team"}, headers=auth).status_code == 200
    text = dav("PROPFIND", BOOK, propfind("<D:getetag/>"), {"Depth": "1"}).get_data(as_text=True)
    assert text.count("<D:response>") == 4  # the book and three cards


def test_a_read_only_token_cannot_put_a_group(client, make_token):
    r = client.open(BOOK + "friends.vcf", method="PUT", data=DAVX5_GROUP,
                    headers={**basic(make_token("contacts:read")), **VCARD})
    assert r.status_code == 403
    assert "<D:need-privileges>" in r.get_data(as_text=True)


def test_a_group_resource_deleted_through_incoplax_is_reported_gone(dav, client, auth, people):
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    start = current_token(dav)
    assert client.delete(f"{GROUPS}/{GROUP_UID}", headers=auth).status_code in (200, 204)
    assert dav("GET", BOOK + "friends.vcf").status_code == 404
    text = dav("REPORT", BOOK, sync_report(start)).get_data(as_text=True)
    assert f"<D:response><D:href>{BOOK}friends.vcf</D:href>{GONE}</D:response>" in text
    # The name is free again: the phone can upload the group anew.
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, {**VCARD, "If-None-Match": "*"}).status_code == 201


@pytest.mark.parametrize("where", ["FN:Fri\x00ends", "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a\x00b"])
def test_a_group_vcard_holding_a_nul_is_refused_and_nothing_is_stored(dav, client, auth, where):
    body = APPLE_GROUP.replace("FN:Friends", where) if where.startswith("FN") else \
        APPLE_GROUP.replace("REV:", f"{where}\r\nREV:")
    r = dav("PUT", BOOK + "friends.vcf", body, VCARD)
    assert r.status_code == 400
    assert r.get_data(as_text=True) == (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        "<C:valid-address-data/><D:responsedescription>The vCard cannot be stored: NUL characters (U+0000) are "
        "not allowed in a group</D:responsedescription></D:error>\n")
    assert client.get(GROUPS, headers=auth).json == []


def test_an_evolution_contact_list_without_members_comes_back_as_the_4_0_it_was(dav):
    """Evolution writes its lists as 4.0 KIND:group with EMAIL lines (no MEMBER) and reads KIND."""
    evolution = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:pas-id-5F2A1B3C00000009\r\nFN:Book club\r\nKIND:group\r\n"
                 "EMAIL;X-EVOLUTION-DEST-EMAIL=ann@example.org:Ann <ann@example.org>\r\n"
                 "X-EVOLUTION-LIST-SHOW-ADDRESSES:TRUE\r\nEND:VCARD\r\n")
    r = dav("PUT", BOOK + "pas-id-5F2A1B3C00000009.vcf", evolution, VCARD)
    assert r.status_code == 201
    assert dav("GET", BOOK + "pas-id-5F2A1B3C00000009.vcf").get_data(as_text=True) == evolution
    assert "ETag" in r.headers


# UIDs that are not UUIDs: InfCloud's own (common.js generateUID), Evolution's (pas-id-...).
@pytest.mark.parametrize("uid", ["27nvr9vw-1ehq-w4qx-2kyv-9vdna5y7ajhp", "pas-id-5F2A1B3C00000001"])
def test_a_member_whose_uid_is_no_uuid_joins_and_stays_in_the_group(dav, client, auth, people, uid):
    """DAVx5 and InfCloud write `urn:uuid:<the UID as written>` whatever the UID is."""
    assert dav("PUT", BOOK + "eve.vcf", person(uid, "Eve Moneypenny"), VCARD).status_code == 201
    eve_id = next(card["id"] for card in client.get("/rest/v1/addressbook/contacts", headers=auth).json
                  if card["displayname"] == "Eve Moneypenny")
    group = APPLE_GROUP.replace(f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{ALAN}\r\n",
                                f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{uid}\r\n")
    assert dav("PUT", BOOK + "friends.vcf", group, VCARD).status_code == 201
    members = [autokey(client, auth, ADA), autokey(client, auth, eve_id)]
    assert incoplax_group(client, auth)["opts"]["abonents"] == sorted(members)
    assert groups_of(client, auth, eve_id) == ["Friends"]
    # The group as read back names her as written, and a PUT of it back keeps her.
    text = dav("GET", BOOK + "friends.vcf").get_data(as_text=True)
    assert text == group
    renamed = text.replace("FN:Friends", "FN:Close friends")
    assert dav("PUT", BOOK + "friends.vcf", renamed, VCARD).status_code == 204
    assert incoplax_group(client, auth)["opts"]["abonents"] == sorted(members)


def test_a_member_with_a_non_uuid_uid_added_by_another_door_survives_the_phones_next_put(dav, client, auth, people):
    uid = "pas-id-5F2A1B3C00000001"
    assert dav("PUT", BOOK + "eve.vcf", person(uid, "Eve Moneypenny"), VCARD).status_code == 201
    eve_id = next(card["id"] for card in client.get("/rest/v1/addressbook/contacts", headers=auth).json
                  if card["displayname"] == "Eve Moneypenny")
    assert dav("PUT", BOOK + "friends.vcf", APPLE_GROUP, VCARD).status_code == 201
    members = incoplax_group(client, auth)["opts"]["abonents"] + [autokey(client, auth, eve_id)]
    assert client.patch(f"{GROUPS}/{GROUP_UID}", json={"opts": {"abonents": members}}, headers=auth).status_code == 200
    text = dav("GET", BOOK + "friends.vcf").get_data(as_text=True)
    assert f"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:{uid}\r\n" in text
    assert dav("PUT", BOOK + "friends.vcf", text.replace("FN:Friends", "FN:Pals"), VCARD).status_code == 204
    assert incoplax_group(client, auth)["opts"]["abonents"] == sorted(members)


def _query(filter_xml: str) -> str:
    return ('<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            f"<D:prop><D:getetag/></D:prop><C:filter>{filter_xml}</C:filter></C:addressbook-query>")


@pytest.mark.parametrize("filter_xml, expected", [
    ('<C:prop-filter name="FN"><C:text-match>friend</C:text-match></C:prop-filter>', ["group"]),
    ('<C:prop-filter name="N"><C:text-match match-type="equals">friends</C:text-match></C:prop-filter>', ["group"]),
    (f'<C:prop-filter name="UID"><C:text-match match-type="equals">{GROUP_UID}</C:text-match></C:prop-filter>',
     ["group"]),
    # A group vCard has no EMAIL, and its members' CATEGORIES are theirs, not the group's.
    ('<C:prop-filter name="EMAIL"><C:is-not-defined/></C:prop-filter>', [ADA, ALAN, GRACE, "group"]),
    ('<C:prop-filter name="CATEGORIES"><C:text-match>friends</C:text-match></C:prop-filter>', [ADA, ALAN]),
    ('<C:prop-filter name="FN"><C:text-match match-type="starts-with">ada</C:text-match></C:prop-filter>', [ADA]),
])
def test_addressbook_query_finds_group_vcards_as_address_objects(dav, people, filter_xml, expected):
    """RFC 6352 8.6: the query is over every address object resource, a group vCard one of them."""
    assert dav("PUT", BOOK + f"{GROUP_UID}.vcf", APPLE_GROUP, VCARD).status_code == 201
    r = dav("REPORT", BOOK, _query(filter_xml), {"Depth": "1"})
    assert r.status_code == 207
    responses = []
    for name in expected:
        etag = group_resource_etag(GROUP_UID) if name == "group" else dav("GET", f"{BOOK}{name}.vcf").headers["ETag"]
        href = f"{BOOK}{GROUP_UID if name == 'group' else name}.vcf"
        responses.append(f"<D:response><D:href>{href}</D:href><D:propstat><D:prop><D:getetag>{etag}</D:getetag>"
                         f"</D:prop>{OK}</D:propstat></D:response>")
    assert r.get_data(as_text=True) == HEAD + "".join(responses) + TAIL


def test_addressbook_query_gives_a_group_vcards_address_data_as_a_get_does(dav, people):
    assert dav("PUT", BOOK + f"{GROUP_UID}.vcf", APPLE_GROUP, VCARD).status_code == 201
    body = ('<?xml version="1.0"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            "<D:prop><C:address-data/></D:prop><C:filter><C:prop-filter name=\"FN\"><C:text-match>friends"
            "</C:text-match></C:prop-filter></C:filter></C:addressbook-query>")
    r = dav("REPORT", BOOK, body, {"Depth": "1"})
    text = dav("GET", f"{BOOK}{GROUP_UID}.vcf").get_data(as_text=True)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert text == APPLE_GROUP
    assert r.get_data(as_text=True) == (
        f"{HEAD}<D:response><D:href>{BOOK}{GROUP_UID}.vcf</D:href><D:propstat><D:prop>"
        f"<C:address-data>{escaped}</C:address-data></D:prop>{OK}</D:propstat></D:response>{TAIL}")


def test_a_card_with_a_group_resources_uid_is_a_uid_conflict_naming_the_group(dav, people):
    """RFC 6352's no-uid-conflict holds for group vCards too: the card would otherwise be served
    at the group's name (`<UID>.vcf`), hiding the group."""
    assert dav("PUT", BOOK + f"{GROUP_UID}.vcf", APPLE_GROUP, VCARD).status_code == 201
    r = dav("PUT", BOOK + "other.vcf", person(GROUP_UID, "Eve Shadow"), VCARD)
    assert (r.status_code, r.get_data(as_text=True)) == (409, (
        '<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
        f"<C:no-uid-conflict><D:href>{BOOK}{GROUP_UID}.vcf</D:href></C:no-uid-conflict><D:responsedescription>"
        f"A group with the vCard's UID {GROUP_UID} exists already</D:responsedescription></D:error>\n"))
    assert dav("GET", BOOK + "other.vcf").status_code == 404
    assert dav("GET", BOOK + f"{GROUP_UID}.vcf").get_data(as_text=True) == APPLE_GROUP
