"""Thunderbird's own import tests, ported: its CSV and vCard test files hold the cards Thunderbird makes of them.

The files are in tests/data/io/real (origins in its README); what each card must hold is
comm-central's mailnews/import/test/unit/resources/addressbook.json, read by
test_AddrBookFileImporter.js (its LDIF cases are in test_io_ldif). Thunderbird reads
csv_no_header.csv with a column map its import dialog asks for; `--columns` is ours.
"""
from __future__ import annotations

import os

import pytest

from .io_support import DATA, all_cards, run, summary

REAL = os.path.join(DATA, "real")

# addressbook.json's "csv_import", "vcard_import", "dos_vcard_import", "utf16_csv" and "shiftjis_csv":
# (DisplayName, FirstName, LastName, PrimaryEmail) of each card, in the file's order.
CSV_IMPORT = [("John Doe", "John", "Doe", "john@doe.invalid"), ("Jane Doe", "Jane", "Doe", "jane@doe.invalid")]
VCARD_IMPORT = [("John Doe", "John", "Doe", "john.doe@genericemail.invalid"),
                ("Jane Doe", "Jane", "Doe", "jane.doe@genericemail.invalid")]
CASES = [
    ("thunderbird-basic_csv_addressbook.csv", (), CSV_IMPORT),
    ("thunderbird-csv_semicolon.csv", (), CSV_IMPORT),
    # test_AddrBookFileImporter.js maps the columns to DisplayName, FirstName, LastName, PrimaryEmail.
    ("thunderbird-csv_no_header.csv", ("--columns", "Display Name,First Name,Last Name,Primary Email"), CSV_IMPORT),
    ("thunderbird-utf16_addressbook.csv", (), [("John Doe", "John", "Doe", "johndoe@host.invalid")]),
    # "shiftjis_csv" lists no first and last name; the file's are 権兵衛 and 名無し.
    ("thunderbird-shiftjis_addressbook.csv", (),
     [("名無しの権兵衛", "権兵衛", "名無し", "名無しの権兵衛@host.invalid")]),
    ("thunderbird-basic_vcard_addressbook.vcf", (), VCARD_IMPORT),
    ("thunderbird-emptylines_vcard_addressbook.vcf", (), VCARD_IMPORT),
    ("thunderbird-dos_vcard_addressbook.vcf", (), [("Name Surname", "Name", "Surname", "example@gmail.com")]),
]


@pytest.mark.parametrize("name, options, expected", CASES, ids=[case[0] for case in CASES])
def test_thunderbirds_test_files_import_as_thunderbird_imports_them(app, database_url, name, options, expected):
    result = run("import", os.path.join(REAL, name), "--database-url", database_url, *options)
    assert summary(result) == f"imported {len(expected)}, updated 0, skipped 0, failed 0, warnings 0", result.stderr
    assert [(card["display_name"], card["given_name"], card["family_name"], card["emails"][0]["value"])
            for card in all_cards()] == expected


def test_thunderbirds_quote_csv_is_one_organisation_with_a_work_phone(app, database_url):
    """addressbook.json's "quote_csv": FN and ORG Acer America, TEL;TYPE=work (800) 000-0000, nothing else."""
    result = run("import", os.path.join(REAL, "thunderbird-quote.csv"), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    [card] = all_cards()
    assert (card["display_name"], card["given_name"], card["family_name"]) == ("Acer America", "", "")
    assert card["extra"] == {"vcard": {"org": "Acer America"}}
    assert [(phone["value"], phone["type"]) for phone in card["phones"]] == [("(800) 000-0000", "office")]
    assert card["emails"] == card["addresses"] == card["urls"] == []
    assert card["notes"] == card["job_title"] == card["department"] == ""


def test_a_csv_without_a_header_row_is_refused_by_name_unless_its_columns_are_given(app, database_url, tmp_path):
    path = os.path.join(REAL, "thunderbird-csv_no_header.csv")
    result = run("import", path, "--database-url", database_url)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the CSV has no header row: its first row is data ('john@doe.invalid'); add a header row naming "
        "the columns, or name them with `contacts import --columns` or the web UI's Columns field "
        "(e.g. 'Display Name,First Name,Last Name,Primary Email')")
    assert all_cards() == []
    # A column left out (nothing between two commas) is not read; names in Thunderbird's German are read.
    result = run("import", path, "--database-url", database_url,
                 "--columns", "Anzeigename,,Nachname,Primäre E-Mail-Adresse")
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    assert [(card["display_name"], card["given_name"], card["family_name"], card["emails"][0]["value"])
            for card in all_cards()] == \
        [("John Doe", "", "Doe", "john@doe.invalid"), ("Jane Doe", "", "Doe", "jane@doe.invalid")]


@pytest.mark.parametrize("file, columns, error", [
    ("thunderbird-csv_no_header.csv", "Display Name,Frist Name,Last Name,Primary Email",
     ("Error: --columns: 'Frist Name' is not a column of Thunderbird's CSV (its columns are e.g. 'First Name', "
      "'Last Name', 'Display Name', 'Nickname', 'Primary Email', ...)")),
    ("thunderbird-csv_no_header.csv", "Name,Given Name,Family Name,E-mail 1 - Valeu",
     ("Error: --columns: 'E-mail 1 - Valeu' is not a column of Google Contacts' CSV (its columns are e.g. "
      "'First Name', 'Middle Name', 'Last Name', 'Phonetic First Name', 'Phonetic Middle Name', ...)")),
    ("thunderbird-csv_no_header.csv", "Display Name,Full Name",
     ("Error: --columns 'Display Name,Full Name': these are not the columns of a Google Contacts, Outlook or "
      "Thunderbird CSV (expected e.g. 'First Name', 'E-mail 1 - Value', 'E-mail Address' or 'Primary Email')")),
    ("thunderbird-csv_no_header.csv", " , ", "Error: --columns names no column"),
    ("thunderbird-csv_semicolon.csv", "Display Name,First Name,Last Name,Primary Email",
     ("Error: --columns is for a CSV without a header row, and this file's first row is a header "
      "('Display Name', 'First Name', 'Last Name', 'Primary Email'): leave out --columns")),
    ("thunderbird-basic_vcard_addressbook.vcf", "Primary Email",
     ("Error: --columns is for a CSV without a header row; "
      f"{os.path.join(REAL, 'thunderbird-basic_vcard_addressbook.vcf')} is vcard")),
], ids=["misspelt", "misspelt-numbered", "no-export", "empty", "file-has-header", "not-csv"])
def test_columns_that_cannot_be_read_are_refused_before_anything_is_written(app, database_url, file, columns, error):
    result = run("import", os.path.join(REAL, file), "--database-url", database_url, "--columns", columns)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == error
    assert all_cards() == []
