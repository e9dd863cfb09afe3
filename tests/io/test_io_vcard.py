"""`contacts import|export` with vCard 2.1/3.0/4.0: real-world cards, bad cards, round trips."""
from __future__ import annotations

import re

import pytest

from services import search

from .io_support import (
    INCOPLAX,
    all_cards,
    card_named,
    comparable,
    fresh_database_url,
    run,
    sample,
    summary,
    use_database,
)

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


@pytest.fixture
def imported(app, database_url):
    """The sample file imported into the app's database; returns the CLI result."""
    return run("import", sample("sample.vcf"), "--database-url", database_url)


def test_a_bad_property_is_kept_unread_with_a_warning_and_the_card_is_stored(imported):
    assert imported.exit_code == 0
    assert summary(imported) == "imported 7, updated 0, skipped 0, failed 0, warnings 2"
    problems = [line for line in imported.stderr.splitlines() if ": card " in line]
    assert problems == [
        f"{sample('sample.vcf')}: card 5 (line 50): warning: line 53: PHOTO: the image data is not valid base64; "
        "kept as written, not read",
        f"{sample('sample.vcf')}: card 7 (line 66): warning: line 69 is not a vCard property, dropped: "
        "'this line has no colon'",
    ]
    assert sorted(c["display_name"] for c in all_cards()) == [
        "Alan Mathison Turing", "Bletchley Park Trust", "Broken Line", "Broken Photo", "Grace Hopper",
        "Hon. Ada Augusta Lovelace", "Margaret Hamilton"]
    assert card_named("Broken Photo")["photo"] == ""


def test_vcard3_card_with_folded_lines_photo_and_typed_rows(imported):
    ada = card_named("Hon. Ada Augusta Lovelace")
    assert ada["id"] == "7f3c2a9e-4b1d-4c8e-9a6f-2d5e8b1c0a11"  # from UID
    assert (ada["prefix"], ada["given_name"], ada["middle_name"], ada["family_name"]) == (
        "Hon.", "Ada", "Augusta", "Lovelace")
    assert (ada["department"], ada["job_title"], ada["title"]) == ("Research", "Mathematician", "Programmer")
    vcard = ada["extra"]["vcard"]
    assert (vcard["org"], vcard["nickname"], vcard["bday"], vcard["uid"], vcard["version"]) == (
        "Analytical Engines Ltd", "Countess", "1815-12-10", "7f3c2a9e-4b1d-4c8e-9a6f-2d5e8b1c0a11", "3.0")
    assert vcard["props"][0] == "PRODID:-//Apple Inc.//macOS 14.0//EN"  # kept verbatim, in its place
    assert [(p["type"], p["value"], p["is_primary"]) for p in ada["phones"]] == [
        ("office", "+44 20 7946 0100", True), ("mobile", "+44 7700 900123", False),
        ("fax", "+44 20 7946 0199", False), ("home", "+44 20 7946 0555", False)]
    assert [(e["type"], e["value"], e["is_primary"], e["value_norm"]) for e in ada["emails"]] == [
        ("work", "ada@engines.example", False, "ada@engines.example"),
        ("home", "ada.lovelace@home.example", True, "ada.lovelace@home.example")]
    assert ada["primary_phone"] == "+44 20 7946 0100"
    assert ada["primary_email"] == "ada.lovelace@home.example"
    work, home = ada["addresses"]
    assert (work["type"], work["is_primary"], work["line1"], work["line2"], work["city"], work["postal_code"],
            work["country"]) == ("work", True, "12 St James's Square", "Floor 2", "London", "SW1Y 4JH",
                                 "United Kingdom")  # folded in the middle of a word
    assert (home["type"], home["line1"], home["line2"], home["region"]) == (
        "home", "Ockham Park", "PO Box 7", "Surrey")
    assert [(u["type"], u["value"]) for u in ada["urls"]] == [("work", "https://engines.example/ada")]
    assert ada["notes"] == ("Wrote the first published algorithm for the Analytical Engine, notes A to G.\n"
                            "Corresponds with C. Babbage.")
    assert ada["photo"] == f"data:image/png;base64,{PNG}"
    assert [g["name"] for g in ada["groups"]] == ["Friends", "Scientists"]
    assert ada["version"] == 1


def test_vcard4_card_with_data_uri_photo_and_pref(imported):
    grace = card_named("Grace Hopper")
    assert grace["id"] == "0c6f3e0a-8d47-4f0e-b1f2-5a9d3c7e2b44"  # urn:uuid: stripped
    assert grace["prefix"] == "Rear Admiral" and grace["middle_name"] == "Brewster Murray"
    assert [(p["type"], p["value"], p["is_primary"]) for p in grace["phones"]] == [
        ("mobile", "+1-202-555-0143", True), ("office", "+1-202-555-0100", False)]
    assert grace["photo"] == f"data:image/png;base64,{PNG}"  # the comma in the URI survives
    assert grace["language"] == "en"


def test_cards_without_fn_are_named_from_n_or_org(imported):
    turing = card_named("Alan Mathison Turing")
    assert (turing["given_name"], turing["middle_name"], turing["family_name"]) == ("Alan", "Mathison", "Turing")
    trust = card_named("Bletchley Park Trust")
    # An organisation is not parsed as a person's name.
    assert (trust["given_name"], trust["family_name"]) == ("", "")
    assert trust["extra"]["vcard"]["org"] == "Bletchley Park Trust"


def test_vcard21_quoted_printable_and_photo_url(imported):
    margaret = card_named("Margaret Hamilton")
    assert margaret["notes"] == "Led the Apollo flight software team \u2014 MIT."
    assert margaret["photo"] == "https://photos.example/margaret.jpg"
    assert [(p["type"], p["is_primary"]) for p in margaret["phones"]] == [("office", True), ("mobile", False)]


def test_imported_cards_are_searchable_and_served_by_the_dialects(imported, client, auth):
    ada = card_named("Hon. Ada Augusta Lovelace")
    assert search.match_autokeys(search.Term("lovelace")) == [ada["autokey"]]
    r = client.get(f"{INCOPLAX}/{ada['id']}", headers=auth)
    assert r.status_code == 200
    assert (r.json["displayname"], r.json["number"], r.json["email"]) == (
        "Hon. Ada Augusta Lovelace", "+44 20 7946 0100", "ada.lovelace@home.example")


def test_reimport_skips_cards_whose_uid_is_stored(imported, database_url):
    again = run("import", sample("sample.vcf"), "--database-url", database_url)
    # Cards with a UID are matched by it, the others by their content: nothing is duplicated.
    assert summary(again) == "imported 0, updated 0, skipped 7, failed 0, warnings 2"


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4"])
def test_round_trip_through_export_and_import(imported, database_url, tmp_path, fmt):
    before = {c["id"]: comparable(c) for c in all_cards()}
    path = tmp_path / f"out-{fmt}.vcf"
    result = run("export", "--format", fmt, "--output", str(path), "--database-url", database_url)
    assert result.exit_code == 0
    assert result.stderr.strip().splitlines()[-1] == f"exported 7 records to {path} in " + result.stderr.split(" in ")[-1].strip()
    raw = path.read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCARD" and lines[1] == f"VERSION:{fmt[-1]}.0".encode()
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert b"\n" not in raw.replace(b"\r\n", b"")

    other = fresh_database_url(tmp_path, "other")
    again = run("import", str(path), "--database-url", other)
    # The broken PHOTO the sample holds is exported as it was read, and warned of again.
    assert summary(again) == "imported 7, updated 0, skipped 0, failed 0, warnings 1"
    assert [line.split(": ", 4)[-1] for line in again.stderr.splitlines() if ": warning: " in line] == \
        ["PHOTO: the image data is not valid base64; kept as written, not read"]
    use_database(other)
    after = {c["id"]: comparable(c) for c in all_cards()}
    assert after.keys() == before.keys()  # ids kept: from the UID, else written as the UID
    for card_id, card in after.items():
        old = before[card_id]
        assert {k: v for k, v in card.items() if k != "extra"} == {k: v for k, v in old.items() if k != "extra"}
        for key in ("org", "nickname", "bday"):
            assert card["extra"]["vcard"].get(key) == old["extra"]["vcard"].get(key)


def test_export_to_stdout_streams_vcards(imported, database_url):
    result = run("export", "--format", "vcard4", "--database-url", database_url)
    assert result.exit_code == 0
    out = result.stdout_bytes  # bytes: click's .stdout turns CRLF into LF
    assert out.count(b"BEGIN:VCARD\r\n") == 7
    # Grace was read as vCard 4.0: her lines come back as they were; the UID is never rewritten.
    assert b"\r\nUID:urn:uuid:0c6f3e0a-8d47-4f0e-b1f2-5a9d3c7e2b44\r\n" in out
    assert b"\r\nTEL;VALUE=uri;TYPE=\"voice,cell\";PREF=1:tel:+1-202-555-0143\r\n" in out
    # Ada was read as 3.0: written as 4.0, her UID stays as written, her mapped lines are 4.0 ones.
    assert b"\r\nUID:7f3c2a9e-4b1d-4c8e-9a6f-2d5e8b1c0a11\r\n" in out
    assert b"\r\nTEL;TYPE=work,voice;PREF=1:+44 20 7946 0100\r\n" in out


def test_unfinished_card_and_garbage_between_cards(app, database_url, tmp_path):
    path = tmp_path / "odd.vcf"
    path.write_text("some preamble\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Off\r\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 2"
    assert f"{path}: line 1: warning: not a vCard property, dropped: 'some preamble'" in result.stderr
    assert f"{path}: card 2 (line 6): warning: the card has no END:VCARD" in result.stderr
    assert [c["display_name"] for c in all_cards()] == ["Good One", "Cut Off"]


@pytest.mark.parametrize("version, kind_line, other_versions_line", [
    ("4.0", "KIND:org", "X-ABShowAs:COMPANY"),                  # khard's test/fixture/vcards/org.vcf
    ("4.0", "KIND:organization", "X-ABShowAs:COMPANY"),
    ("3.0", "X-ABShowAs:COMPANY", "KIND:org"),                  # Apple's company card, here without its N:;;;;
])
def test_an_organisations_card_without_n_is_not_split_into_a_persons_name(app, database_url, tmp_path, version,
                                                                         kind_line, other_versions_line):
    path = tmp_path / "org.vcf"
    path.write_text(f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:429A43AB-52F2-4714-AA62-077528A12464\r\n"
                    f"{kind_line}\r\nFN:ACME Inc.\r\nORG:ACME Inc.;\r\nEND:VCARD\r\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("ACME Inc.")
    assert [card[part] for part in ("prefix", "given_name", "middle_name", "family_name", "suffix")] == [""] * 5
    # 4.0 needs no N, and the card's KIND says what FN is: none is added ("Inc.;ACME" was, before).
    exported = run("export", "--format", "vcard4", "--database-url", database_url).stdout
    assert "\nN:" not in exported and "\nFN:ACME Inc.\n" in exported
    # 3.0 requires N: an empty one, as Apple writes for a company.
    exported3 = run("export", "--format", "vcard3", "--database-url", database_url).stdout
    assert "\nN:;;;;\n" in exported3
    # Each version says "organisation" its own way (sabre/vobject's VCardConverter): 4.0's KIND:org is
    # Apple's X-ABShowAs:COMPANY in 3.0 and 2.1, and back.
    exported21 = run("export", "--format", "vcard21", "--database-url", database_url).stdout
    said = {"4.0": exported, "3.0": exported3, "2.1": exported21}
    for written in ("4.0", "3.0", "2.1"):
        lines = said[written].splitlines()
        expected = kind_line if written == version or {written, version} == {"3.0", "2.1"} else other_versions_line
        assert [line for line in lines if line.startswith(("KIND", "X-ABShowAs"))] == [expected], written


def test_kind_individual_is_left_out_before_4_0_and_one_organisation_line_is_written_for_two(app, database_url,
                                                                                          tmp_path):
    path = tmp_path / "kinds.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann Lee\r\nKIND:individual\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:ACME\r\nKIND:org\r\nX-ABShowAs:COMPANY\r\nEND:VCARD\r\n",
                    encoding="utf-8")
    assert summary(run("import", str(path), "--database-url", database_url)) == \
        "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    exported = run("export", "--format", "vcard3", "--database-url", database_url).stdout
    assert [line for line in exported.splitlines() if line.startswith(("FN", "KIND", "X-ABShowAs"))] == \
        ["FN:Ann Lee", "FN:ACME", "X-ABShowAs:COMPANY"]
    exported = run("export", "--format", "vcard4", "--database-url", database_url).stdout
    assert [line for line in exported.splitlines() if line.startswith(("FN", "KIND", "X-ABShowAs"))] == \
        ["FN:Ann Lee", "KIND:individual", "FN:ACME", "KIND:org", "X-ABShowAs:COMPANY"]


def test_card_with_nothing_to_name_it_fails(app, database_url, tmp_path):
    path = tmp_path / "noname.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nNOTE:who am I\nEND:VCARD\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 0, updated 0, skipped 0, failed 1, warnings 0"
    assert f"{path}: card 1 (line 1): card has no name: no FN, N, ORG, nickname, email or phone" in result.stderr


def test_cards_holding_a_nul_character_fail_on_every_database_and_the_rest_is_imported(app, database_url, tmp_path):
    from models import ContactGroup

    groups = ContactGroup.select().count()
    path = tmp_path / "nul.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nul-raw\r\nFN:Ann\x00 Smith\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:nul-qp\r\nFN:Bob Jones\r\n"
        b"NOTE;ENCODING=QUOTED-PRINTABLE:a=00b\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nul-x\r\nFN:Cleo Ray\r\nX-FOO:a\x00b\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nul-cat\r\nFN:Dora Lee\r\nCATEGORIES:Fr\x00iends\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:grp-nul\r\nFN:Te\x00am\r\nKIND:group\r\n"
        b"MEMBER:urn:uuid:ok-1\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ok-1\r\nFN:Eve Okafor\r\nEND:VCARD\r\n")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 5, warnings 0"
    for number, line in [(1, 1), (2, 6), (3, 12), (4, 18)]:
        assert f"{path}: card {number} (line {line}): NUL characters (U+0000) are not allowed in a contact" \
            in result.stderr
    assert f"{path}: card 5 (line 24): NUL characters (U+0000) are not allowed in a group" in result.stderr
    assert [c["display_name"] for c in all_cards()] == ["Eve Okafor"]
    assert ContactGroup.select().count() == groups  # neither the category nor the group card made one


def test_cards_imported_into_a_stored_group_change_that_groups_version(app, database_url, tmp_path):
    """A group shows its members (Incoplax's abonents): an import that adds some changes its ETag."""
    from services import groups

    with app.app_context():
        stored = groups.create_group({"code": "Friends", "name": "Friends"})
    assert stored["version"] == 1
    path = tmp_path / "friends.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nCATEGORIES:Friends,Family\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo Chan\r\nCATEGORIES:Friends\r\nEND:VCARD\r\n", encoding="utf-8")
    assert summary(run("import", str(path), "--database-url", database_url)) == \
        "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    with app.app_context():
        friends = groups.get_group(stored["id"])
    assert (friends["version"], len(friends["members"])) == (2, 2)  # one batch: one change


def _import_text(tmp_path, database_url, text: str, cards: int) -> None:
    """Import vCard text from a file; every card is imported, with no warning."""
    path = tmp_path / "cards.vcf"
    path.write_text(text, encoding="utf-8")
    assert summary(run("import", str(path), "--database-url", database_url)) == \
        f"imported {cards}, updated 0, skipped 0, failed 0, warnings 0"


def _exported_lines(database_url, fmt: str, names: tuple[str, ...]) -> list[str]:
    """The lines of an export in `fmt` that start with one of `names`."""
    text = run("export", "--format", fmt, "--database-url", database_url).stdout
    return [line for line in text.splitlines() if line.startswith(names)]


DATED = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:dated-4\r\nFN:Ann Lee\r\nBDAY:--0412\r\nANNIVERSARY:--0505\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dated-3\r\nFN:Bob Ray\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12\r\n"
         "X-ANNIVERSARY:2009-08-08\r\nitem1.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-03-04\r\n"
         "item1.X-ABLabel:_$!<Anniversary>!$_\r\nEND:VCARD\r\n")


ABDATE = "item1.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-03-04"
APPLE_LABEL = "item1.X-ABLabel:_$!<Anniversary>!$_"


@pytest.mark.parametrize("fmt, ann, bob", [
    # 4.0: Apple's anniversary pair is an ANNIVERSARY (its label goes with it).
    ("vcard4", ["BDAY:--0412", "ANNIVERSARY:--0505"],
     ["BDAY:--0412", "ANNIVERSARY:2009-08-08", "ANNIVERSARY:--0304"]),
    # 3.0 and 2.1: 4.0's ANNIVERSARY is X-ANNIVERSARY and Apple's pair, in a free itemN group.
    ("vcard3", ["BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "X-ANNIVERSARY;X-APPLE-OMIT-YEAR=1604:1604-05-05",
                "item1.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-05-05", APPLE_LABEL],
     ["BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "X-ANNIVERSARY:2009-08-08", ABDATE, APPLE_LABEL]),
    ("vcard21", ["BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "X-ANNIVERSARY;X-APPLE-OMIT-YEAR=1604:1604-05-05",
                 "item1.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-05-05", APPLE_LABEL],
     ["BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "X-ANNIVERSARY:2009-08-08", ABDATE, APPLE_LABEL]),
])
def test_dates_without_a_year_and_anniversaries_are_written_in_each_versions_form(app, database_url, tmp_path,
                                                                                 fmt, ann, bob):
    """As sabre/vobject's VCardConverter: a 4.0 date without a year is Apple's 1604 with X-APPLE-OMIT-YEAR
    before 4.0 and back (written --MMDD, RFC 6350 4.3.1); ANNIVERSARY is X-ANNIVERSARY and Apple's
    X-ABDATE pair before 4.0, and either is ANNIVERSARY in 4.0."""
    _import_text(tmp_path, database_url, DATED, 2)
    exported = run("export", "--format", fmt, "--database-url", database_url).stdout.split("END:VCARD")
    dated = [[line for line in card.splitlines()
              if re.match(r"(item\d\.)?(BDAY|X-ANNIVERSARY|ANNIVERSARY|X-ABDATE|X-ABLabel)", line)]
             for card in exported[:2]]
    assert dated == [ann, bob]
    # Either way, the birthday itself has no year: CSV writes it so, and the Apple anniversary too.
    google = run("export", "--format", "csv-google", "--database-url", database_url).stdout.splitlines()
    assert [row.split(",")[13] for row in google[1:]] == ["--04-12", "--04-12"]
    assert google[2].endswith("Anniversary,2009-08-08,Anniversary,--03-04")


def test_the_most_preferred_row_is_the_primary_one_and_pref_is_said_in_each_versions_form(app, database_url,
                                                                                       tmp_path):
    """RFC 6350 5.3: PREF=1 is the most preferred, whatever the order. Before 4.0 only PREF=1 is
    TYPE=PREF (sabre/vobject's VCardConverter drops other ranks), on kept lines too, and back."""
    _import_text(tmp_path, database_url,
                 "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:pref-4\r\nFN:Ann Lee\r\nEMAIL;TYPE=work;PREF=2:a@x.example\r\n"
                 "EMAIL;PREF=1:b@x.example\r\nTEL;VALUE=uri;TYPE=cell;PREF=3:tel:+15551234\r\n"
                 "IMPP;PREF=1:xmpp:a@x.example\r\nX-FOO;PREF=2:bar\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:pref-3\r\nFN:Bob Ray\r\nIMPP;TYPE=pref,work:xmpp:b@x.example\r\n"
                 "END:VCARD\r\n", 2)
    ann = card_named("Ann Lee")
    assert [(email["value"], email["is_primary"]) for email in ann["emails"]] == \
        [("a@x.example", False), ("b@x.example", True)]
    assert ann["primary_email"] == "b@x.example"
    assert [phone["is_primary"] for phone in ann["phones"]] == [True]

    def lines(fmt: str) -> list[str]:
        return _exported_lines(database_url, fmt, ("EMAIL", "TEL", "IMPP", "X-FOO"))

    assert lines("vcard3") == ["EMAIL;TYPE=WORK:a@x.example", "EMAIL;TYPE=PREF:b@x.example", "TEL;TYPE=CELL:+15551234",
                               "IMPP;TYPE=PREF:xmpp:a@x.example", "X-FOO:bar", "IMPP;TYPE=pref,work:xmpp:b@x.example"]
    assert lines("vcard4") == ["EMAIL;TYPE=work;PREF=2:a@x.example", "EMAIL;PREF=1:b@x.example",
                               "TEL;VALUE=uri;TYPE=cell;PREF=3:tel:+15551234", "IMPP;PREF=1:xmpp:a@x.example",
                               "X-FOO;PREF=2:bar", "IMPP;TYPE=work;PREF=1:xmpp:b@x.example"]


def test_a_nextcloud_cards_three_anniversary_lines_are_one_in_4_0(app, database_url):
    """sabre/vobject writes 4.0's ANNIVERSARY in 3.0 as X-ANNIVERSARY and Apple's pair (ical.js's
    escape_semicolon.vcf, a Nextcloud card); one date is one ANNIVERSARY again in 4.0, whatever its parameters."""
    import os

    from .io_support import DATA

    run("import", os.path.join(DATA, "real", "icaljs-escape_semicolon.vcf"), "--database-url", database_url)
    exported = run("export", "--format", "vcard4", "--database-url", database_url).stdout.splitlines()
    assert [line for line in exported if re.search(r"ANNIVERSARY|X-ABDATE|X-ABLABEL", line, re.IGNORECASE)] == \
        ["ANNIVERSARY;VALUE=DATE-AND-OR-TIME:20190220T000035"]
    path = os.path.join(DATA, "real", "icaljs-escape_semicolon.vcf")
    with open(path, encoding="utf-8") as handle:  # in its own version every line comes back
        original = [line for line in handle.read().splitlines() if "ANNIVERSARY" in line or "ITEM1" in line]
    exported3 = run("export", "--format", "vcard3", "--database-url", database_url).stdout.splitlines()
    assert [line for line in exported3 if "ANNIVERSARY" in line or "ITEM1" in line] == original


def test_kept_logos_sounds_and_keys_are_binary_before_4_0_and_data_uris_in_4_0(app, database_url, tmp_path):
    """Before 4.0 a LOGO, SOUND or KEY is binary unless VALUE says otherwise (RFC 2426): a 4.0 data: URI
    becomes inline base64 with its TYPE and any other URI gets VALUE=uri, as sabre/vobject's
    VCardConverter writes them; back in 4.0 each is the data: URI it was."""
    _import_text(tmp_path, database_url,
                 "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:media-4\r\nFN:Ann Lee\r\nLOGO:data:image/png;base64,iVBORw0KGgo=\r\n"
                 "KEY:data:application/pgp-keys;base64,QUJD\r\nSOUND:data:audio/ogg;base64,T2dnUw==\r\n"
                 "LOGO:http://www.example.com/pub/logos/abccorp.jpg\r\nKEY;VALUE=text:ssh-rsa AAAA\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:media-3\r\nFN:Bob Ray\r\nKEY;ENCODING=b;TYPE=X509:QUJD\r\n"
                 "END:VCARD\r\n", 2)

    def media(fmt: str) -> list[str]:
        return _exported_lines(database_url, fmt, ("LOGO", "KEY", "SOUND"))

    assert media("vcard3") == ["LOGO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=", "KEY;ENCODING=b;TYPE=PGP:QUJD",
                               "SOUND;ENCODING=b;TYPE=OGG:T2dnUw==",
                               "LOGO;VALUE=uri:http://www.example.com/pub/logos/abccorp.jpg",
                               "KEY;VALUE=text:ssh-rsa AAAA", "KEY;ENCODING=b;TYPE=X509:QUJD"]
    assert media("vcard21") == ["LOGO;ENCODING=BASE64;TYPE=PNG:iVBORw0KGgo=", "KEY;ENCODING=BASE64;TYPE=PGP:QUJD",
                                "SOUND;ENCODING=BASE64;TYPE=OGG:T2dnUw==",
                                "LOGO;VALUE=URL:http://www.example.com/pub/logos/abccorp.jpg",
                                "KEY;VALUE=text:ssh-rsa AAAA", "KEY;ENCODING=BASE64;TYPE=X509:QUJD"]
    assert media("vcard4") == ["LOGO:data:image/png;base64,iVBORw0KGgo=", "KEY:data:application/pgp-keys;base64,QUJD",
                               "SOUND:data:audio/ogg;base64,T2dnUw==", "LOGO:http://www.example.com/pub/logos/abccorp.jpg",
                               "KEY;VALUE=text:ssh-rsa AAAA", "KEY:data:application/pkix-cert;base64,QUJD"]


def test_a_3_0_line_with_its_own_charset_is_one_quoted_printable_line_in_2_1(app, database_url, tmp_path):
    """DAVx5 writes CHARSET=UTF-8 on 3.0 lines (its allfields test card). In 2.1 the line says its
    charset once, and a long one is folded inside its value only: a soft break among the
    parameters would be read back as a line of its own."""
    import os

    from .io_support import DATA, fresh_database_url, use_database

    run("import", os.path.join(DATA, "real", "davx5-allfields-vcard3.vcf"), "--database-url", database_url)
    out = tmp_path / "out.vcf"
    assert run("export", "--format", "vcard21", "--output", str(out), "--database-url", database_url).exit_code == 0
    text = out.read_bytes().decode("utf-8")
    assert "X-PHONETIC-FIRST-NAME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:F=C3=B6rstne=\r\nhm\r\n" in text
    assert not any(line.upper().count("CHARSET=") > 1 for line in text.splitlines())
    other = fresh_database_url(tmp_path, "other")
    again = run("import", str(out), "--database-url", other)
    assert summary(again) == "imported 1, updated 0, skipped 0, failed 0, warnings 0", again.stderr
    use_database(other)
    [card] = all_cards()
    assert card["display_name"] == "Ämi Display"
