"""Issue 20's import problems, one test each: encodings, line ends, bad properties, identity, CSV, CLI."""
from __future__ import annotations

import glob
import os
import re
import stat

import pytest

from .io_support import DATA, all_cards, card_named, run, summary, write_file

REAL = os.path.join(DATA, "real")


def _import(path, database_url, *extra):
    return run("import", str(path), "--database-url", database_url, *extra)


# Real cards with nothing to name them by (see test_a_real_card_with_nothing_to_name_it_is_refused_by_name).
NAMELESS = {"kcontacts-vcard7.vcf": "card 1 (line 1)", "sabre-issue64.vcf": "card 1 (line 1)",
            "icaljs-vcard_grouped.vcf": "card 1 (line 1)"}
# A CSV without a header row: read with --columns (test_io_thunderbird_reference).
HEADERLESS = {"thunderbird-csv_no_header.csv"}


@pytest.mark.parametrize("path", sorted(path for path in glob.glob(os.path.join(REAL, "*.vcf"))
                                        + glob.glob(os.path.join(REAL, "*.csv"))
                                        if os.path.basename(path) not in NAMELESS.keys() | HEADERLESS),
                         ids=os.path.basename)
def test_every_real_export_imports_every_card_without_replacement_characters(app, database_url, path):
    result = _import(path, database_url)
    assert result.exit_code == 0, result.stderr
    cards = all_cards()
    assert cards and ", failed 0," in summary(result)
    if path.endswith(".vcf"):
        from services.io.encodings import sniffed

        with open(path, "rb") as handle:
            text = sniffed(handle)[2]
        # An AGENT's card (2.1: nested; 3.0: `AGENT:BEGIN:VCARD\n...`, escaped in the value) is not one.
        top_level = len(re.findall(r"(?im)^BEGIN:VCARD", text)) - len(re.findall(r"(?i)AGENT:\r?\nBEGIN:VCARD", text))
        assert len(cards) == (top_level or 1)  # Evolution's vcard/7.vcf: one card with no BEGIN:VCARD
    assert not any("\ufffd" in repr(card) for card in cards)


@pytest.mark.parametrize("name", sorted(NAMELESS))
def test_a_real_card_with_nothing_to_name_it_is_refused_by_name(app, database_url, name):
    """KContacts' vcard7.vcf (an empty N, a LABEL), sabre/vobject's issue64.vcf (a PHOTO only) and
    ical.js's vcard_grouped.vcf (two ADRs only):
    no FN, N, ORG, NICKNAME, EMAIL or TEL. Refused by name, as sabre/dav's validator refuses them."""
    result = _import(os.path.join(REAL, name), database_url)
    assert result.exit_code == 1
    assert summary(result) == "imported 0, updated 0, skipped 0, failed 1, warnings 0"
    assert f"{os.path.join(REAL, name)}: {NAMELESS[name]}: card has no name: no FN, N, ORG, nickname, email or phone" \
        in result.stderr.splitlines()
    assert all_cards() == []


def test_a_card_without_begin_is_read_from_a_file(app, database_url, tmp_path):
    """Evolution reads properties an END:VCARD closes as a card (its tests/libebook/vcard/7.vcf);
    a file import does too, with a warning (a CardDAV PUT must be whole: test_carddav_protocol)."""
    path = os.path.join(REAL, "eds-vcard-7.vcf")
    result = _import(path, database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 1"
    assert f"{path}: card 1 (line 1): warning: line 1: the card has no BEGIN:VCARD: read from here to its " \
           "END:VCARD" in result.stderr.splitlines()
    card = card_named("Frank Dawson")
    assert [e["value"] for e in card["emails"]] == ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"]
    assert card["extra"]["vcard"]["org"] == "Lotus Development Corporation"
    # Stray lines between cards that no END closes stay ignored.
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:One\r\nEND:VCARD\r\nX-STRAY:1\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Two\r\nEND:VCARD\r\n"
    result = _import(write_file(tmp_path, "stray.vcf", data), database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 1"
    assert f"{tmp_path}/stray.vcf: line 5: warning: X-STRAY outside BEGIN:VCARD ... END:VCARD, ignored" in result.stderr.splitlines()


def test_charset_parameters_and_8bit_quoted_printable_without_charset(app, database_url, tmp_path):
    data = (b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=windows-1252:M\xfcller;J\xfcrgen\r\n"
            b"FN;CHARSET=ISO-8859-2;ENCODING=QUOTED-PRINTABLE:J=FCrgen M=FCller =A3\r\n"
            b"NOTE;ENCODING=QUOTED-PRINTABLE:Gr=FC=DFe aus K=F6ln\r\nEND:VCARD\r\n")
    result = _import(write_file(tmp_path, "latin.vcf", data), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    [card] = all_cards()
    assert (card["family_name"], card["given_name"]) == ("Müller", "Jürgen")
    assert card["display_name"] == "Jürgen Müller Ł"  # ISO-8859-2's A3 is Ł, not £
    assert card["notes"] == "Grüße aus Köln"  # no CHARSET: detected, never U+FFFD


def test_8bit_file_without_any_charset_is_detected(app, database_url, tmp_path):
    data = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Renée Française\r\nNOTE:Très élevé, déjà vu à Noël\r\nEND:VCARD\r\n"
    result = _import(write_file(tmp_path, "cp1252.vcf", data.encode("cp1252")), database_url)
    assert ", failed 0," in summary(result)
    assert card_named("Renée Française")["notes"] == "Très élevé, déjà vu à Noël"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_utf16_and_boms(app, database_url, tmp_path, encoding):
    data = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ångström\r\nEND:VCARD\r\n".encode(encoding)
    result = _import(write_file(tmp_path, "u.vcf", data), database_url)
    assert ", failed 0," in summary(result)
    assert [c["display_name"] for c in all_cards()] == ["Zoë Ångström"]


def test_cr_cr_lf_bare_cr_and_blank_lines(app, database_url, tmp_path):
    data = (b"\r\n\r\nBEGIN:VCARD\r\r\nVERSION:3.0\r\r\nFN:Line Ends\r\r\n\r\r\nNOTE:one\rtwo\r\r\n"
            b"X-ODD:keep\rme\r\nEND:VCARD\r\r\n\r\nBEGIN:VCARD\nVERSION:3.0\nFN:Second\nEND:VCARD\n")
    result = _import(write_file(tmp_path, "ends.vcf", data), database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Line Ends")
    assert card["notes"] == "one\ntwo"
    assert "X-ODD:keep\rme" in card["extra"]["vcard"]["props"]


def test_a_truncated_photo_is_kept_unread_and_the_card_stored(app, database_url, tmp_path):
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Photo\r\nTEL:+1 555 0100\r\n"
            b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAg\r\n"
            b"EMAIL:cut@example.org\r\nEND:VCARD\r\n")
    result = _import(write_file(tmp_path, "cut.vcf", data), database_url)
    assert result.exit_code == 0
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 1"
    assert "card 1 (line 1): warning: line 5: PHOTO: the base64 image data is cut off (62 characters); " \
           "kept as written, not read" in result.stderr
    card = card_named("Cut Photo")
    assert (card["photo"], card["primary_phone"], card["primary_email"]) == ("", "+1 555 0100", "cut@example.org")
    # Not the card's photo, but not lost: written back as the file had it.
    exported = run("export", "--format", "vcard", "--database-url", database_url).stdout
    assert "\nTEL:+1 555 0100\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQEC\n" \
           " AgICAgQDAgICAg\nEMAIL:cut@example.org\n" in exported


def test_a_csv_of_one_known_column_is_csv_and_each_row_is_named_by_its_email(app, database_url):
    """Roundcube's tests/src/Csv2vcard/email.csv (its email.vcf: FN is the address)."""
    result = _import(os.path.join(REAL, "roundcube-email.csv"), database_url)
    assert summary(result) == "imported 4, updated 0, skipped 0, failed 0, warnings 0"
    assert [(c["display_name"], c["primary_email"]) for c in all_cards()] == \
        [(f"test{n}@domain.tld", f"test{n}@domain.tld") for n in range(1, 5)]


def test_infclouds_data_uri_in_a_base64_photo_is_the_photo_and_written_back_as_base64(app, database_url, tmp_path):
    """Radicale's tests/static/contact_photo_with_data_uri.vcf: InfCloud's PHOTO, kept (Radicale
    strips the `data:...;base64,` prefix for it); a media type in the URI wins over TYPE."""
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAD0lEQVQIHQEEAPv/AP///wX+Av4DfRnGAAAAAElFTkSuQmCC"
    data = ("BEGIN:VCARD\nVERSION:3.0\nUID:contact\nN:Contact;;;;\nFN:Contact\nNICKNAME:test\n"
            f"PHOTO;ENCODING=b;TYPE=png:data:image/png;base64,{png}\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Gif Photo\n"
            f"PHOTO;ENCODING=b;TYPE=JPEG:DATA:image/gif;BASE64,{png}\nEND:VCARD\n").encode()
    result = _import(write_file(tmp_path, "infcloud.vcf", data), database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    assert card_named("Contact")["photo"] == f"data:image/png;base64,{png}"
    assert card_named("Gif Photo")["photo"] == f"data:image/gif;base64,{png}"
    exported = run("export", "--format", "vcard", "--database-url", database_url).stdout
    assert f"\nPHOTO;ENCODING=b;TYPE=png:{png[:49]}\n {png[49:]}\n" in exported  # the CLI runner reads text


def test_uids_are_kept_and_a_second_import_duplicates_nothing(app, database_url, tmp_path):
    data = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc-123@phone\r\nFN:Kept Uid\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\nEND:VCARD\r\n")
    path = write_file(tmp_path, "uids.vcf", data)
    assert summary(_import(path, database_url)) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    assert summary(_import(path, database_url)) == "imported 0, updated 0, skipped 2, failed 0, warnings 0"
    exported = run("export", "--format", "vcard", "--database-url", database_url).stdout_bytes
    assert b"\r\nUID:abc-123@phone\r\n" in exported
    changed = path.read_bytes().replace(b"FN:Kept Uid", b"FN:Kept Uid\r\nTITLE:Boss")
    path.write_bytes(changed)
    result = _import(path, database_url, "--on-duplicate", "update")
    assert summary(result) == "imported 0, updated 2, skipped 0, failed 0, warnings 0"  # both cards were stored
    assert card_named("Kept Uid")["job_title"] == "Boss"
    result = _import(path, database_url, "--on-duplicate", "new")
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    assert len(all_cards()) == 4


def test_outlook_full_header_and_dates(app, database_url, tmp_path):
    header = ("Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
              "Business City,Home Street,Home City,Other Street,Other City,Business Fax,Business Phone,Home Fax,"
              "Home Phone,Mobile Phone,Pager,Primary Phone,Anniversary,Birthday,Categories,Display Name,"
              "E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 3 Address,Spouse,"
              "Web Page,Personal Web Page,Notes\r\n")
    row = ("Dr.,Ada,,Lovelace,,Engines,Research,Analyst,1 Work St,London,2 Home St,Ockham,3 Other St,Surrey,"
           "+44 1,+44 2,+44 3,+44 4,+44 5,+44 6,+44 5,8/7/1835,20/01/1991,Friends,Ada L.,ada@work.example,SMTP,"
           "Ada (ada@work.example),ada@home.example,ada@other.example,William,https://work.example,"
           "https://home.example,Hi,\r\n")  # a trailing comma: one empty cell beyond the header
    result = _import(write_file(tmp_path, "outlook.csv", (header + row).encode("cp1252")), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Ada L.")
    assert [e["value"] for e in card["emails"]] == ["ada@work.example", "ada@home.example", "ada@other.example"]
    assert [u["value"] for u in card["urls"]] == ["https://work.example", "https://home.example"]
    assert [a["line1"] for a in card["addresses"]] == ["1 Work St", "2 Home St", "3 Other St"]
    assert [(p["type"], p["label"]) for p in card["phones"] if p["type"] == "fax"] == [("fax", ""), ("fax", "")]
    assert card["extra"]["vcard"]["bday"] == "1991-01-20"  # 20 cannot be a month
    assert card["extra"]["csv"] == {"Anniversary": "8/7/1835", "Spouse": "William", "Pager": "+44 6"} or \
        card["extra"]["csv"]["Spouse"] == "William"


def test_a_date_that_is_no_date_is_kept_as_text_not_as_bday(app, database_url, tmp_path):
    data = "First Name,Last Name,Birthday\r\nNo,Date,sometime in May\r\n"
    result = _import(write_file(tmp_path, "g.csv", data.encode()), database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 1"
    card = card_named("No Date")
    assert "bday" not in (card["extra"].get("vcard") or {})
    assert card["extra"]["csv"] == {"Birthday": "sometime in May"}


def test_shift_jis_and_utf16_csv_and_encoding_option(app, database_url, tmp_path):
    assert ", failed 0," in summary(_import(os.path.join(REAL, "thunderbird-shiftjis_addressbook.csv"), database_url))
    assert card_named("名無しの権兵衛")["given_name"] == "権兵衛"
    data = "First Name,Last Name,Primary Email\r\nŁukasz,Żółć,l@example.org\r\n".encode("cp1250")
    result = _import(write_file(tmp_path, "pl.csv", data), database_url, "--encoding", "cp1250")
    assert ", failed 0," in summary(result)
    assert card_named("Łukasz Żółć")["primary_email"] == "l@example.org"


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"Just some prose without separators.\n",
                                     b"", b"\x01\x02,\x03\x04,\x05\x06\x07\x08\n\x0e\x0f,\x10\x11\n"])
def test_a_file_that_is_no_contacts_file_is_an_error(app, database_url, tmp_path, content):
    result = _import(write_file(tmp_path, "thing.vcf", content), database_url)
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "imported" not in result.stdout


@pytest.mark.parametrize("name, content, said", [
    ("contacts.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",
     "a ZIP archive (an Excel .xlsx workbook is one): save the sheet as CSV and import that"),
    ("contacts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00\x00\x00\x00\x00",
     ("an OLE2 file (an Excel .xls workbook or an Outlook .msg): save the sheet as CSV, or export the contacts "
      "as vCard (.vcf)")),
])
def test_a_common_file_no_importer_reads_is_named_with_what_to_do(app, database_url, tmp_path, name, content, said):
    path = write_file(tmp_path, name, content)
    result = _import(path, database_url)
    assert result.exit_code == 1
    assert f"Error: {path} is {said}" in result.stderr.splitlines()
    assert all_cards() == []


def test_the_database_is_named_new_files_are_0600_and_version(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    result = run("token", "list", "--database-url", url)
    assert f"database: {tmp_path}/new.db" in result.stderr
    assert "did not exist: created a new, empty database" in result.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "new.db").st_mode) == 0o600
    again = run("token", "list", "--database-url", url)
    assert "created a new" not in again.stderr
    version = run("--version")
    assert version.exit_code == 0 and version.stdout.startswith("contacts, version ")


def test_unreachable_postgresql_and_unreadable_file_are_one_line(tmp_path):
    result = run("export", "--database-url", "postgresql://nobody:pw@127.0.0.1:1/none")
    assert result.exit_code == 1
    [line] = [l for l in result.stderr.splitlines() if l.startswith("Error:")]
    assert line.startswith("Error: cannot open the database postgresql://nobody:***@127.0.0.1:1/none: ")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 3
    locked = tmp_path / "locked.db"
    locked.write_bytes(b"")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: use a directory in the file's place
        locked.chmod(0o600)
        locked.unlink()
        locked.mkdir()
    result = run("export", "--database-url", f"sqlite:///{locked}")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error:")


def test_token_revoke_by_name_counts_asks_and_says_already_revoked(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    for _ in range(2):
        run("token", "create", "--scope", "contacts:read", "--name", "phone", "--database-url", url)
    listed = run("token", "list", "--database-url", url)
    assert listed.stdout.splitlines()[0] == "ID\tPREFIX\tSTATE\tSCOPES\tNAME"
    refused = run("token", "revoke", "phone", "--database-url", url, input="n\n")
    assert refused.exit_code == 1 and "2 active tokens match 'phone': revoke all 2?" in refused.stderr
    done = run("token", "revoke", "phone", "--database-url", url, input="y\n")
    assert done.exit_code == 0 and "revoked 2 token(s): 1, 2" in done.stdout
    again = run("token", "revoke", "phone", "--database-url", url)
    assert again.exit_code == 0 and "already revoked" in again.stdout


def test_backup_refuses_to_overwrite_and_to_create_directories(app, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("backup copies SQLite databases (PostgreSQL: pg_dump)")
    target = tmp_path / "b.db"
    assert run("backup", str(target), "--database-url", database_url).exit_code == 0
    second = run("backup", str(target), "--database-url", database_url)
    assert second.exit_code == 1 and "exists" in second.stderr and "--force" in second.stderr
    assert run("backup", str(target), "--force", "--database-url", database_url).exit_code == 0
    missing = run("backup", str(tmp_path / "no" / "dir" / "b.db"), "--database-url", database_url)
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "no").exists()


def test_csv_export_says_on_stderr_what_it_cannot_carry(app, database_url):
    _import(os.path.join(REAL, "ezvcard-John_Doe_IPHONE.vcf"), database_url)
    result = run("export", "--format", "csv-outlook", "--database-url", database_url)
    assert result.exit_code == 0
    [line] = [l for l in result.stderr.splitlines() if "cannot carry" in l]
    assert line.startswith("csv-outlook cannot carry (left out; JSON Lines keeps everything): ")
    assert "vCard X-ABLABEL x2" in line and "photo x1" in line
    google = run("export", "--format", "csv", "--database-url", database_url)
    assert "csv-google cannot carry" in google.stderr
    rows = google.stdout.splitlines()
    assert "Phone 7 - Value" in rows[0]  # every phone has a column (7 on this card)


def test_a_csv_with_a_control_character_in_a_cell_is_csv(app, database_url, tmp_path):
    """ez-vcard's Outlook 2003 card has an FBURL ending in a form feed; its Google CSV export holds
    it, and must import again (a binary file has NULs or many control characters, a CSV not)."""
    path = os.path.join(REAL, "ezvcard-outlook-2003.vcf")
    assert ", failed 0," in summary(_import(path, database_url))
    out = tmp_path / "google.csv"
    assert run("export", "--format", "csv-google", "--output", str(out), "--database-url", database_url).exit_code == 0
    assert b"\x0c" in out.read_bytes()
    from .io_support import fresh_database_url, use_database

    other = fresh_database_url(tmp_path, "other")
    assert summary(_import(out, other)) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    use_database(other)
    [card] = all_cards()
    # A cell is read stripped, as every CSV cell is: the form feed at its end goes.
    assert (card["display_name"], card["extra"]["csv"]["FBURL"]) == ("John Doe III", "?" * 16 + "s" + "?" * 12)


@pytest.mark.parametrize("name, lost", [("ezvcard-issue114.vcf", True), ("ezvcard-John_Doe_IPHONE.vcf", False)])
def test_an_outlook_csv_export_says_when_a_display_name_would_not_come_back(app, database_url, tmp_path, name, lost):
    """Outlook's CSV has no display-name column: "Dummy, Dummy" comes back as "Dummy Dummy", and the export
    says so; a display name its name parts give again is no loss."""
    _import(os.path.join(REAL, name), database_url)
    [before] = [card["display_name"] for card in all_cards()]
    out = tmp_path / "outlook.csv"
    result = run("export", "--format", "csv-outlook", "--output", str(out), "--database-url", database_url)
    said = [line for line in result.stderr.splitlines() if "cannot carry" in line]
    assert ("display name x1" in said[0]) is lost if said else not lost
    from .io_support import fresh_database_url, use_database

    other = fresh_database_url(tmp_path, "other")
    assert ", failed 0," in summary(_import(out, other))
    use_database(other)
    [after] = [card["display_name"] for card in all_cards()]
    assert (after != before) is lost
