"""`contacts import|export` of LDIF: Thunderbird's LDIF export (its cards and its mailing lists).

The files are Thunderbird's own test data (tests/data/io/real, origins in its README); what a
card must hold is what Thunderbird's importer makes of them (comm-central's
mailnews/import/test/unit/resources/addressbook.json, "basic_addressbook" and "bug_263304").
"""
from __future__ import annotations

import os

import pytest

from .io_support import (
    DATA,
    all_cards,
    card_named,
    fresh_database_url,
    run,
    sample,
    summary,
    use_database,
    write_file,
)

REAL = os.path.join(DATA, "real")


def _import(path, database_url, *extra):
    return run("import", str(path), "--database-url", database_url, *extra)


def _group_sizes(client, auth) -> dict[str, int]:
    """{group name: how many members}, as Incoplax lists them."""
    out = {}
    for group in client.get("/rest/v1/addressbook/contactgroups", headers=auth).json:
        detail = client.get(f"/rest/v1/addressbook/contactgroups/{group['id']}", headers=auth).json
        out[detail["name"]] = len(detail["opts"]["abonents"])
    return out


def test_thunderbirds_ldif_with_every_mapped_attribute_is_the_card_thunderbird_imports(app, database_url):
    result = _import(os.path.join(REAL, "thunderbird-basic_ldif_addressbook.ldif"), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Display Name")
    assert (card["given_name"], card["family_name"], card["job_title"], card["department"]) == \
        ("First", "Last", "Job Title", "Department")
    assert card["extra"]["vcard"] == {"org": "Organization Name", "nickname": "Nickname", "bday": "1900-01-02"}
    assert card["notes"] == "Notes line 1\nNotes line 2\nNotes line 3\nNotes line 4"  # a base64 value
    assert [e["value"] for e in card["emails"]] == ["primaryemail@host.invalid", "secondemail@host.invalid"]
    assert [(p["value"], p["type"], p["label"]) for p in card["phones"]] == [
        ("123-456-7890", "office", ""), ("234-567-8901", "home", ""), ("567-890-1234", "mobile", ""),
        ("345-678-9012", "fax", ""), ("456-789-0123", "other", "Pager")]
    assert [(a["type"], a["line1"], a["line2"], a["city"], a["region"], a["postal_code"], a["country"])
            for a in card["addresses"]] == [
        ("home", "Home Address Line 1", "Home Address Line 2", "Home City", "Home State", "Home Zip", "Home Country"),
        ("work", "Work Address Line 1", "Work Address Line 2", "Work City", "Work State", "Work Zip", "Work Country")]
    assert [(u["value"], u["type"]) for u in card["urls"]] == [("http://127.0.0.1", "work"),
                                                               ("http://localhost", "home")]
    # What no field holds is kept under Thunderbird's column (or the attribute's) name; the
    # entry's objectclass and modifytimestamp are not the person's.
    assert card["extra"]["csv"] == {"Screen Name": "screenname", "mozillaUseHtmlMail": "true",
                                    "Custom 1": "Custom Field 1", "Custom 2": "Custom Field 2",
                                    "Custom 3": "Custom Field 3", "Custom 4": "Custom Field 4"}


def test_a_labeled_uri_is_its_uri_and_the_label_is_kept(app, database_url):
    """Thunderbird's bug 263304: `labeledURI: http://127.0.0.1 label` is the URL http://127.0.0.1."""
    result = _import(os.path.join(REAL, "thunderbird-bug_263304.ldif"), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Display Name")
    assert (card["primary_email"], [u["value"] for u in card["urls"]]) == ("primaryemail@host.invalid",
                                                                           ["http://127.0.0.1"])
    assert card["extra"]["csv"] == {"labeledURI label": "label"}


@pytest.mark.parametrize("name", ["thunderbird-export.ldif", "thunderbird-import.ldif"])
def test_a_mailing_list_is_a_group_of_the_cards_its_members_name(app, database_url, client, auth, name):
    """Thunderbird's export writes the list first (import.ldif: and its nickname and description)."""
    result = _import(os.path.join(REAL, name), database_url)
    cards = 2 if name == "thunderbird-export.ldif" else 1
    assert summary(result) == f"imported {cards}, updated 0, skipped 0, failed 0, warnings 0, groups 1"
    group = "new list" if cards == 2 else "list"
    assert _group_sizes(client, auth) == {group: 1}
    one = card_named("contact number one")
    assert [g["name"] for g in one["groups"]] == [group]
    if cards == 1:
        return
    two = card_named("contact number two")
    assert two["groups"] == []
    # Values as written, base64 ones decoded: a comma, a tab, a CR, a LF, UTF-8 text.
    assert two["job_title"] == '"worker"' and two["notes"] == "here's some unicode text\u2026"
    assert two["extra"]["csv"] == {"Custom 1": "custom, 1", "Custom 2": "custom\t2", "Custom 3": "custom\r3",
                                   "Custom 4": "custom\n4"}


def test_importing_the_same_ldif_again_finds_the_same_cards(app, database_url):
    path = os.path.join(REAL, "thunderbird-export.ldif")
    assert summary(_import(path, database_url)) == \
        "imported 2, updated 0, skipped 0, failed 0, warnings 0, groups 1"
    again = _import(path, database_url)
    assert summary(again) == "imported 0, updated 0, skipped 2, failed 0, warnings 0, groups 1"
    assert len(all_cards()) == 2


def test_a_bad_entry_fails_alone_and_urls_are_never_fetched(app, database_url, tmp_path):
    data = (b"version: 1\n\n"
            b"dn: cn=Broken,mail=b@example.org\ncn: Broken\ndescription:: not*base64!\n\n"
            b"dn: cn=Gone\nchangetype: delete\n\n"
            b"dn: cn=Ana Lima,mail=ana@example.org\nobjectclass: person\ncn: Ana Lima\nmail: ana@example.org\n"
            b"mail: ana@work.example\nnotes:< file:///etc/passwd\n\n"
            b"dn: cn=Friends\nobjectclass: groupOfNames\ncn: Friends\nmember: cn=Ana Lima,mail=ana@example.org\n"
            b"member: cn=Nobody,mail=nobody@example.org\n")
    path = write_file(tmp_path, "mixed.txt", data)  # no .ldif name: the content says what it is
    result = _import(path, database_url)
    assert result.exit_code == 1
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 2, warnings 1, groups 1"
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{path}: entry 1 (cn=Broken,mail=b@example.org): malformed LDIF: ")
               for line in lines), lines
    assert f"{path}: entry 2 (cn=Gone): an LDIF change record (changetype: delete), not an address book entry" \
        in lines
    assert f"{path}: entry 4 (cn=Friends): warning: group 'Friends': 1 member(s) not in the file or the store, " \
           "left out: cn=Nobody,mail=nobody@example.org" in lines
    [card] = all_cards()
    assert [e["value"] for e in card["emails"]] == ["ana@example.org"]
    # The second mail is kept; the `:<` URL value is never read (an empty note, nothing of the file).
    assert card["notes"] == "" and card["extra"]["csv"] == {"mail 2": "ana@work.example"}
    assert [g["name"] for g in card["groups"]] == ["Friends"]


def test_nul_characters_a_missing_dn_and_two_dns_fail_their_entry(app, database_url, tmp_path):
    data = (b"dn: cn=A\ncn:: QQBC\n\n"                      # base64 of A, NUL, B
            b"cn: no dn here\nmail: x@example.org\n\n"
            b"dn: cn=B\ndn: cn=C\ncn: B\n\n"
            b"dn: cn=Good\ncn: Good\n")
    path = write_file(tmp_path, "bad.ldif", data)
    result = _import(path, database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 3, warnings 0"
    lines = result.stderr.splitlines()
    assert f"{path}: entry 1 (cn=A): NUL characters (U+0000) are not allowed in a contact" in lines
    assert f"{path}: entry 2: malformed LDIF: First line of record does not start with 'dn:': cn" in lines
    assert f"{path}: entry 3 (cn=B): malformed LDIF: two dn: lines in one entry" in lines
    assert [card["display_name"] for card in all_cards()] == ["Good"]


def test_a_member_dn_of_another_name_is_found_by_its_email_as_thunderbird_finds_it(app, database_url, tmp_path):
    """Thunderbird's importer adds a list's members by the `mail=` of their DN; a card renamed by
    hand (or by another writer) after its list was written is still the member."""
    data = (b"dn: cn=Team\nobjectclass: groupOfNames\ncn: Team\nmember: cn=Bob,mail=Bob@Example.org\n\n"
            b"dn: cn=Robert Smith,mail=bob@example.org\ncn: Robert Smith\nmail: bob@example.org\n")
    result = _import(write_file(tmp_path, "renamed.ldif", data), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0, groups 1"
    assert [g["name"] for g in card_named("Robert Smith")["groups"]] == ["Team"]


def test_a_photo_a_bom_and_a_latin1_value(app, database_url, tmp_path):
    import base64

    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
    # An old export in the system's code page (Thunderbird's "system charset" choice), raw values.
    data = (b"dn: cn=Jos\xe9 P\xe9rez\ncn: Jos\xe9 P\xe9rez\ngivenName: Jos\xe9\nsn: P\xe9rez\n"
            b"jpegPhoto:: " + base64.b64encode(jpeg) + b"\n")
    result = _import(write_file(tmp_path, "latin.ldif", data), database_url, "--encoding", "cp1252")
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("José Pérez")
    assert (card["given_name"], card["family_name"]) == ("José", "Pérez")
    assert card["photo"] == "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    # Exported, the JPEG goes out as jpegPhoto and comes back the same.
    out = tmp_path / "out.ldif"
    assert run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url).exit_code == 0
    assert f"jpegPhoto:: {base64.b64encode(jpeg).decode()}\n" in out.read_text(encoding="utf-8")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    other = write_file(tmp_path, "png.ldif", b"dn: cn=Pat\ncn: Pat\njpegPhoto:: " + base64.b64encode(png) + b"\n")
    assert summary(_import(other, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert card_named("Pat")["photo"] == "data:image/png;base64," + base64.b64encode(png).decode()
    fax = b"\x00\x01\x80\xff\x00"  # LDAP's `photo` (a G3 fax image), binary: kept as its base64
    binary = write_file(tmp_path, "fax.ldif", b"dn: cn=Max\ncn: Max\nphoto:: " + base64.b64encode(fax) + b"\n")
    assert summary(_import(binary, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert card_named("Max")["extra"]["csv"] == {"photo": "base64:" + base64.b64encode(fax).decode()}
    # Exported, it is binary again (`photo::`); a text that only starts so stays text.
    assert run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url).exit_code == 0
    assert f"\nphoto:: {base64.b64encode(fax).decode()}\n" in out.read_text(encoding="utf-8")
    text = write_file(tmp_path, "text.ldif", b"dn: cn=Tex\ncn: Tex\nphoto: base64:QUJD\n")
    assert summary(_import(text, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url).exit_code == 0
    assert "\nphoto: base64:QUJD\n" in out.read_text(encoding="utf-8")
    bom = write_file(tmp_path, "bom.ldif", "\ufeffdn: cn=Zoë\ncn: Zoë\nmail: zoe@example.org\n".encode())
    assert summary(_import(bom, database_url)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert card_named("Zoë")["primary_email"] == "zoe@example.org"


def test_a_name_with_a_comma_in_its_dn_is_read_without_noise(app, database_url, tmp_path, caplog):
    """Thunderbird writes `cn=Doe, John,mail=...` unescaped; its list names the member so too."""
    data = (b"dn: cn=Friends\nobjectclass: groupOfNames\ncn: Friends\nmember: cn=Doe, John,mail=j@example.org\n\n"
            b"dn: cn=Doe, John,mail=j@example.org\ncn: Doe, John\nmail: j@example.org\n")
    result = _import(write_file(tmp_path, "comma.ldif", data), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0, groups 1"
    assert [record.getMessage() for record in caplog.records if record.name == "ldif"] == []  # once on stderr
    assert [g["name"] for g in card_named("Doe, John")["groups"]] == ["Friends"]


def test_format_ldif_is_asked_by_name_and_an_empty_ldif_is_an_error(app, database_url, tmp_path):
    path = write_file(tmp_path, "book", b"dn: cn=Ana\ncn: Ana\nmail: ana@example.org\n")
    assert summary(_import(path, database_url, "--format", "ldif")) == \
        "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    empty = write_file(tmp_path, "empty.ldif", b"version: 1\n# nothing here\n")
    result = _import(empty, database_url, "--format", "ldif")
    assert result.exit_code == 1
    assert "Error: no LDIF entry (dn: ...) in the file" in result.stderr


# ---------------------------------------------------------------- export


def test_thunderbirds_own_ldif_comes_back_line_for_line(app, database_url, tmp_path):
    """Imported and exported, Thunderbird's test file comes back with every line: the attributes
    Thunderbird maps in its order, then the ones kept (`mozillaUseHtmlMail`, which this older
    file has after `nsAIMid`). Only the modify time is the card's own, not the one read."""
    original = os.path.join(REAL, "thunderbird-basic_ldif_addressbook.ldif")
    _import(original, database_url)
    out = tmp_path / "out.ldif"
    result = run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url)
    assert result.exit_code == 0 and "cannot carry" not in result.stderr
    with open(original, encoding="utf-8") as handle:
        expected = [line for line in handle.read().splitlines() if line]
    written = [line for line in out.read_text(encoding="utf-8").splitlines() if line]
    # Thunderbird's file has its modifytimestamp where its card's was read; ours is the card's.
    kept = "mozillaUseHtmlMail: true"
    # This older file writes the fax as `fax:`; Thunderbird's attribute map today writes its first
    # name for it, `facsimiletelephonenumber`, and so do we.
    expected = [line.replace("fax: ", "facsimiletelephonenumber: ", 1) if line.startswith("fax: ") else line
                for line in expected]
    assert [line for line in written if not line.startswith("modifytimestamp:")] == \
        [line for line in expected if not line.startswith("modifytimestamp:") and line != kept] + [kept]
    assert any(line.startswith("modifytimestamp: ") for line in written)


def test_groups_go_out_as_mailing_lists_that_come_back_as_groups(app, database_url, tmp_path):
    run("import", sample("sample.vcf"), "--database-url", database_url)
    _import(os.path.join(REAL, "thunderbird-export.ldif"), database_url)
    out = tmp_path / "out.ldif"
    result = run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url)
    assert result.exit_code == 0
    # What LDIF has no place for is said, not dropped silently.
    assert "ldif cannot carry (left out; JSON Lines keeps everything): " in result.stderr
    text = out.read_text(encoding="utf-8")
    assert ("dn: cn=new list\nobjectclass: top\nobjectclass: groupOfNames\ncn: new list\n"
            "member: cn=contact number one,mail=contact1@invalid\n\n") in text
    before = {card["display_name"]: sorted(g["name"] for g in card["groups"]) for card in all_cards()}
    other = fresh_database_url(tmp_path, "other")
    again = run("import", str(out), "--database-url", other)
    assert again.exit_code == 0, again.stderr
    use_database(other)
    after = {card["display_name"]: sorted(g["name"] for g in card["groups"]) for card in all_cards()}
    assert after == before and any(after.values())
    two = card_named("contact number two")
    assert two["extra"]["csv"] == {"Custom 1": "custom, 1", "Custom 2": "custom\t2", "Custom 3": "custom\r3",
                                   "Custom 4": "custom\n4"}
    assert two["notes"] == "here's some unicode text\u2026"


def test_a_lists_nickname_and_description_are_its_groups_shortname_and_comment_both_ways(app, database_url,
                                                                                        tmp_path):
    """Thunderbird's import.ldif list has a nickname and a description (a list's NickName and Notes,
    nsAbLDIFService); its export writes them after cn (AddrBookUtils.exportDirectoryToLDIF), and
    writes an empty list too."""
    from models import ContactGroup
    from services import groups as group_service

    _import(os.path.join(REAL, "thunderbird-import.ldif"), database_url)
    group = ContactGroup.get(ContactGroup.name == "list")
    assert (group.shortname, group.comment) == ("nick name", "a list of cards")
    group_service.create_group({"code": "empty", "name": "Empty list"})
    out = tmp_path / "out.ldif"
    assert run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert ("\n\ndn: cn=list\nobjectclass: top\nobjectclass: groupOfNames\ncn: list\nmozillaNickname: nick name\n"
            "description: a list of cards\nmember: cn=contact number one,mail=contact1@invalid\n\n"
            "dn: cn=Empty list\nobjectclass: top\nobjectclass: groupOfNames\ncn: Empty list\n\n") in text
    other = fresh_database_url(tmp_path, "other")
    assert ", groups 2" in summary(run("import", str(out), "--database-url", other))
    use_database(other)
    assert sorted((g.name, g.shortname, g.comment) for g in ContactGroup.select()) == \
        [("Empty list", "", ""), ("list", "nick name", "a list of cards")]


def test_a_lists_details_fill_a_stored_group_without_replacing_what_it_has(app, database_url, tmp_path):
    from models import ContactGroup
    from services import groups as group_service

    group_service.create_group({"code": "list", "name": "list", "comment": "ours"})
    _import(os.path.join(REAL, "thunderbird-import.ldif"), database_url)
    group = ContactGroup.get(ContactGroup.name == "list")
    assert (group.shortname, group.comment) == ("nick name", "ours")
    assert [card["display_name"] for card in all_cards() if card["groups"]] == ["contact number one"]


def test_a_phone_of_a_type_thunderbird_has_no_field_for_is_its_work_phone(app, database_url, tmp_path):
    """Thunderbird reads a TEL of no type it knows as its work phone (VCardUtils._parse); the LDIF
    export writes it so, while the work phone is free, and counts the rest."""
    path = write_file(tmp_path, "tel.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL:0300000000\r\n"
                                           b"TEL;TYPE=HOME:0311111111\r\nTEL:0322222222\r\nEND:VCARD\r\n")
    assert summary(run("import", str(path), "--database-url", database_url)) == \
        "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    out = tmp_path / "out.ldif"
    result = run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url)
    text = out.read_text(encoding="utf-8")
    assert "\ntelephoneNumber: 0300000000\n" in text and "\nhomePhone: 0311111111\n" in text
    assert "0322222222" not in text and "phones beyond Thunderbird's columns x1" in result.stderr


def test_the_primary_email_is_thunderbirds_primary_email_wherever_it_is(app, database_url, tmp_path):
    """Thunderbird's PrimaryEmail is the most preferred EMAIL (VCardUtils._parse), which the DN names too."""
    path = write_file(tmp_path, "pref.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:a@example.org\r\n"
                                            b"EMAIL;TYPE=INTERNET,PREF:b@example.org\r\nEND:VCARD\r\n")
    run("import", str(path), "--database-url", database_url)
    out = tmp_path / "out.ldif"
    assert run("export", "--format", "ldif", "--output", str(out), "--database-url", database_url).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("dn: cn=Ann Lee,mail=b@example.org\n")
    assert "\nmail: b@example.org\nmozillaSecondEmail: a@example.org\n" in text
