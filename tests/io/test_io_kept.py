"""What a card keeps beyond the columns is written back by every format that can carry it.

- vCard: CSV columns no field took (extra.csv) as `X-CSV;X-COLUMN=<header>:<value>`.
- Google CSV: IM, Event, Relation and Custom Field columns (vCard IMPP/X-JABBER, ANNIVERSARY,
  RELATED/X-ABRELATEDNAMES, other text properties, and kept CSV columns).
- Outlook CSV: its own further columns (Anniversary, Spouse, Gender, User 1, ...).
- What a format cannot carry is said on stderr.
Also: vCard group cards become groups; a label changed elsewhere rewrites Apple's X-ABLabel.
"""
from __future__ import annotations

import csv
import io

from services import contacts
from services.io.vcard import card_from_vcard, card_to_vcard

from .io_support import INCOPLAX, fresh_database_url, run, summary
from .test_vcard_roundtrip import ADA, _logical

OUTLOOK_ROW = (
    "First Name,Last Name,Anniversary,Spouse,Gender,User 1,E-mail Address,E-mail Type,Hobby,Birthday\r\n"
    "Ada,Lovelace,8/7/1835,William,Female,blue;green,ada@x.example,EX,maths: Bernoulli,sometime in May\r\n"
)
KEPT_COLUMNS = {"Anniversary": "8/7/1835", "Spouse": "William", "Gender": "Female", "User 1": "blue;green",
                "E-mail Type": "EX", "Hobby": "maths: Bernoulli", "Birthday": "sometime in May"}


def _rows(text: str) -> list[dict]:
    """CSV rows without their empty cells."""
    return [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(text))]


def _cannot_carry(result) -> str:
    lines = [line for line in result.stderr.splitlines() if "cannot carry" in line]
    return lines[0] if lines else ""


def _import_text(tmp_path, name: str, text: str, database_url: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return run("import", str(path), "--database-url", database_url)


# ---------------------------------------------------------------- CSV columns in vCards

def test_csv_columns_are_written_as_x_csv_lines_and_come_back_as_columns(app, database_url, tmp_path):
    result = _import_text(tmp_path, "outlook.csv", OUTLOOK_ROW, database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 1"  # the Birthday text
    vcard = run("export", "--format", "vcard", "--database-url", database_url)
    assert _cannot_carry(vcard) == ""
    lines = _logical(vcard.stdout)
    # In the order the store keeps extra.csv (by column name); `;` and `,` escaped as in any text value.
    assert [line for line in lines if line.startswith("X-CSV")] == [
        "X-CSV;X-COLUMN=Anniversary:8/7/1835", "X-CSV;X-COLUMN=Birthday:sometime in May",
        "X-CSV;X-COLUMN=E-mail Type:EX", "X-CSV;X-COLUMN=Gender:Female", "X-CSV;X-COLUMN=Hobby:maths: Bernoulli",
        "X-CSV;X-COLUMN=Spouse:William", "X-CSV;X-COLUMN=User 1:blue\\;green"]
    # vCard -> another store -> Outlook CSV: the columns are Outlook's again, with their values.
    other = fresh_database_url(tmp_path, "other")
    assert summary(_import_text(tmp_path, "out.vcf", vcard.stdout, other)) == \
        "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    outlook = run("export", "--format", "csv-outlook", "--database-url", other)
    [row] = _rows(outlook.stdout)
    assert {k: row.get(k) for k in KEPT_COLUMNS} == KEPT_COLUMNS
    assert _cannot_carry(outlook) == ""
    # ... and written as vCard again, each X-CSV line once (kept verbatim, not added anew).
    again = _logical(run("export", "--format", "vcard", "--database-url", other).stdout)
    assert [line for line in again if line.startswith("X-CSV")] == \
        [line for line in lines if line.startswith("X-CSV")]


def test_x_csv_lines_in_vcard_2_1_and_4_0(app, database_url, tmp_path):
    _import_text(tmp_path, "g.csv", "First Name,Last Name,Spouse,Notes 2\r\nZoë,Ñandú,Jürgen,\"a, b\"\r\n",
                 database_url)
    v21 = _logical(run("export", "--format", "vcard21", "--database-url", database_url).stdout)
    assert "X-CSV;X-COLUMN=Spouse;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen" in v21
    v4 = _logical(run("export", "--format", "vcard4", "--database-url", database_url).stdout)
    assert [line for line in v4 if line.startswith("X-CSV")] == [
        "X-CSV;X-COLUMN=Notes 2:a\\, b", "X-CSV;X-COLUMN=Spouse:Jürgen"]
    card, warnings = card_from_vcard("BEGIN:VCARD\r\nVERSION:4.0\r\n" + "\r\n".join(v4) + "\r\nEND:VCARD\r\n")
    assert warnings == [] and "X-CSV;X-COLUMN=Notes 2:a\\, b" in card["extra"]["vcard"]["props"]


def test_a_column_kept_both_ways_is_written_once(app):
    with app.app_context():
        stored = contacts.create_card({"display_name": "Both", "extra": {
            "csv": {"Spouse": "W", "Hobby": "chess"},
            "vcard": {"version": "3.0", "props": ["X-CSV;X-COLUMN=Spouse:W"]}}})
    lines = _logical(card_to_vcard(stored, "3.0"))
    assert [line for line in lines if line.startswith("X-CSV")] == [
        "X-CSV;X-COLUMN=Spouse:W", "X-CSV;X-COLUMN=Hobby:chess"]


# ---------------------------------------------------------------- Google CSV

ADA_GOOGLE_KEPT = {
    "IM 1 - Label": "Home", "IM 1 - Service": "Jabber", "IM 1 - Value": "ada@engines.example",
    "Event 1 - Label": "Anniversary", "Event 1 - Value": "1835-07-08",
    "Relation 1 - Label": "Spouse", "Relation 1 - Value": "urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af",
    "Relation 2 - Label": "Other", "Relation 2 - Value": "William King",
    "Custom Field 1 - Label": "GENDER", "Custom Field 1 - Value": "F",
    "Custom Field 2 - Label": "GEO", "Custom Field 2 - Value": "geo:51.5,-0.12",
    "Custom Field 3 - Label": "TZ", "Custom Field 3 - Value": "Europe/London",
    "Custom Field 4 - Label": "ORG", "Custom Field 4 - Value": "Royal Society",
    "Custom Field 5 - Label": "TITLE", "Custom Field 5 - Value": "Countess",
    "Custom Field 6 - Label": "X-UNKNOWN", "Custom Field 6 - Value": "keep me, exactly",
}


def test_google_csv_writes_ims_events_relations_and_custom_fields(app, database_url, tmp_path):
    _import_text(tmp_path, "ada.vcf", ADA, database_url)
    result = run("export", "--format", "csv-google", "--database-url", database_url)
    [row] = _rows(result.stdout)
    # Apple writes the Jabber account twice (IMPP and X-JABBER): one IM row.
    assert {k: v for k, v in row.items() if k.startswith(("IM ", "Event ", "Relation ", "Custom Field "))} == \
        ADA_GOOGLE_KEPT
    assert row["Phone 1 - Label"] == "* Engine room"  # Apple's X-ABLabel is the row's label
    assert _cannot_carry(result) == "csv-google cannot carry (left out; JSON Lines keeps everything): vCard PRODID x1"
    # Google CSV -> another store -> Google CSV: the same columns.
    path = tmp_path / "google.csv"
    path.write_text(result.stdout, encoding="utf-8", newline="")
    other = fresh_database_url(tmp_path, "other")
    assert summary(run("import", str(path), "--database-url", other)) == \
        "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    again = run("export", "--format", "csv-google", "--database-url", other)
    [row2] = _rows(again.stdout)
    assert {k: v for k, v in row2.items() if k.startswith(("IM ", "Event ", "Relation "))} == \
        {k: v for k, v in ADA_GOOGLE_KEPT.items() if not k.startswith("Custom Field ")}
    # Custom Fields come back as the store keeps kept columns: by label.
    assert _custom_fields(row2) == sorted(_custom_fields(ADA_GOOGLE_KEPT))
    assert _cannot_carry(again) == ""


def _custom_fields(row: dict) -> list[tuple[str, str]]:
    numbers = sorted({int(k.split()[2]) for k in row if k.startswith("Custom Field ")})
    return [(row[f"Custom Field {n} - Label"], row[f"Custom Field {n} - Value"]) for n in numbers]


def test_google_csv_puts_kept_columns_in_custom_fields_or_in_their_own_empty_column(app, database_url, tmp_path):
    _import_text(tmp_path, "outlook.csv", OUTLOOK_ROW, database_url)
    result = run("export", "--format", "csv-google", "--database-url", database_url)
    [row] = _rows(result.stdout)
    assert row["Birthday"] == "sometime in May"  # Google has a Birthday column, empty for this card
    assert (row["Event 1 - Label"], row["Event 1 - Value"]) == ("Anniversary", "8/7/1835")
    assert (row["Relation 1 - Label"], row["Relation 1 - Value"]) == ("Spouse", "William")
    custom = {row[f"Custom Field {n} - Label"]: row[f"Custom Field {n} - Value"] for n in range(1, 5)}
    assert custom == {"Gender": "Female", "User 1": "blue;green", "E-mail Type": "EX", "Hobby": "maths: Bernoulli"}
    assert _cannot_carry(result) == ""


# ---------------------------------------------------------------- Outlook CSV

def test_outlook_csv_writes_anniversary_and_spouse_and_says_what_it_cannot(app, database_url, tmp_path):
    _import_text(tmp_path, "ada.vcf", ADA, database_url)
    result = run("export", "--format", "csv-outlook", "--database-url", database_url)
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert header[-2:] == ["Anniversary", "Spouse"]  # Outlook's columns beyond the usual ones, in its order
    [row] = _rows(result.stdout)
    assert (row["Anniversary"], row["Spouse"]) == ("1835-07-08", "urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af")
    assert _cannot_carry(result) == (
        "csv-outlook cannot carry (left out; JSON Lines keeps everything): instant messaging x1, "
        "relation 'Other' x1, vCard GENDER x1, vCard GEO x1, vCard ORG x1, vCard PRODID x1, vCard TITLE x1, "
        "vCard TZ x1, vCard X-ABLABEL x1, vCard X-UNKNOWN x1")


def test_outlook_round_trip_keeps_its_further_columns(app, database_url, tmp_path):
    _import_text(tmp_path, "outlook.csv", OUTLOOK_ROW, database_url)
    first = run("export", "--format", "csv-outlook", "--database-url", database_url)
    other = fresh_database_url(tmp_path, "other")
    _import_text(tmp_path, "again.csv", first.stdout, other)
    second = run("export", "--format", "csv-outlook", "--database-url", other)
    assert second.stdout == first.stdout
    [row] = _rows(first.stdout)
    assert {k: row[k] for k in KEPT_COLUMNS} == KEPT_COLUMNS


# ---------------------------------------------------------------- group cards

GROUP_FILE = """BEGIN:VCARD\r
VERSION:4.0\r
KIND:group\r
FN:Engineers\r
UID:urn:uuid:9b4f0e37-1c51-4b9c-a1a4-6c3a2d0f7e10\r
MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\r
MEMBER:urn:uuid:1f4b3a52-5d2c-4b83-9a57-3b1c1a9e0c11\r
MEMBER:urn:uuid:7c1a7a3e-0000-4000-8000-000000000099\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:4.0\r
UID:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\r
FN:Ada Lovelace\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
UID:1f4b3a52-5d2c-4b83-9a57-3b1c1a9e0c11\r
FN:Charles Babbage\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
N:Friends\r
FN:Friends\r
X-ADDRESSBOOKSERVER-KIND:group\r
X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1f4b3a52-5d2c-4b83-9a57-3b1c1a9e0c11\r
UID:friends-group\r
END:VCARD\r
"""


def test_group_cards_become_groups_with_their_members(app, client, auth, database_url, tmp_path):
    result = _import_text(tmp_path, "groups.vcf", GROUP_FILE, database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 0, warnings 1, groups 2"
    assert ("card 1 (line 1): warning: group 'Engineers': 1 member(s) not in the file or the store, left out: "
            "urn:uuid:7c1a7a3e-0000-4000-8000-000000000099") in result.stderr
    groups = {g["name"]: g for g in client.get("/rest/v1/addressbook/contactgroups", headers=auth).json}
    assert set(groups) == {"Engineers", "Friends"}
    assert groups["Engineers"]["id"] == "9b4f0e37-1c51-4b9c-a1a4-6c3a2d0f7e10"  # the group card's UID
    ada = client.get(f"{INCOPLAX}/03a0e51f-d1aa-4385-8a53-e29025acd8af", headers=auth).json
    babbage = client.get(f"{INCOPLAX}/1f4b3a52-5d2c-4b83-9a57-3b1c1a9e0c11", headers=auth).json
    assert ada["opts"]["groups"] == ["Engineers"]
    assert sorted(babbage["opts"]["groups"]) == ["Engineers", "Friends"]
    # Importing the file again changes nothing (the cards are skipped, the groups found again).
    again = _import_text(tmp_path, "groups.vcf", GROUP_FILE, database_url)
    assert summary(again) == "imported 0, updated 0, skipped 2, failed 0, warnings 1, groups 2"
    assert len(client.get("/rest/v1/addressbook/contactgroups", headers=auth).json) == 2
    # Exported, membership is each card's CATEGORIES.
    exported = _logical(run("export", "--format", "vcard", "--database-url", database_url).stdout)
    assert "CATEGORIES:Engineers,Friends" in exported or "CATEGORIES:Friends,Engineers" in exported


def test_a_group_card_member_whose_uid_is_no_uuid_is_found(app, client, auth, database_url, tmp_path):
    """InfCloud and DAVx5 write `urn:uuid:<UID>` for any UID (InfCloud's are not UUIDs)."""
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:27nvr9vw-1ehq-w4qx-2kyv-9vdna5y7ajhp\r\nFN:Ida Reed\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Family\r\nFN:Family\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
            "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:27nvr9vw-1ehq-w4qx-2kyv-9vdna5y7ajhp\r\nUID:family\r\nEND:VCARD\r\n")
    result = _import_text(tmp_path, "family.vcf", text, database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0, groups 1"
    ida = next(c for c in client.get(INCOPLAX, headers=auth).json if c["displayname"] == "Ida Reed")
    assert ida["opts"]["groups"] == ["Family"]


# ---------------------------------------------------------------- Apple labels changed elsewhere

def test_a_label_changed_elsewhere_rewrites_its_x_ablabel_line(app):
    card, _ = card_from_vcard(ADA)
    card.pop("group_names", None)
    with app.app_context():
        stored = contacts.create_card(card)
        phones = [{**stored["phones"][0], "label": "Lab bench"}]
        out = _logical(card_to_vcard(contacts.update_card(stored["id"], {"phones": phones}), "3.0"))
        assert "item1.X-ABLabel:Lab bench" in out and "item1.X-ABLabel:Engine room" not in out
        at = out.index("item1.X-ABLabel:Lab bench")
        assert out[at - 1] == "item1.TEL;TYPE=CELL,VOICE,PREF:+44 7700 900123"
        # The label taken away: no label line is left for item1.
        unlabelled = [{**phones[0], "label": ""}]
        out = _logical(card_to_vcard(contacts.update_card(stored["id"], {"phones": unlabelled}), "3.0"))
        assert not [line for line in out if "X-ABLabel" in line]
        assert "item1.TEL;TYPE=CELL,VOICE,PREF:+44 7700 900123" in out
        # A label given to a row without a group (the email): Apple's itemN pair, N not taken.
        emails = [{**stored["emails"][0], "label": "Royal Society"}]
        out = _logical(card_to_vcard(contacts.update_card(stored["id"], {"emails": emails}), "3.0"))
        at = out.index("item2.X-ABLabel:Royal Society")
        assert out[at - 1] == "item2.EMAIL;TYPE=INTERNET,WORK,PREF:ada@engines.example"


def test_a_removed_row_leaves_no_label_line(app):
    card, _ = card_from_vcard(ADA)
    card.pop("group_names", None)
    with app.app_context():
        stored = contacts.create_card(card)
        out = _logical(card_to_vcard(contacts.update_card(stored["id"], {"phones": []}), "3.0"))
    assert not [line for line in out if line.startswith("item1.")]
    assert out == [line for line in _logical(ADA) if not line.startswith("item1.")]


def test_a_label_left_as_it_was_keeps_apples_own_form(app):
    text = ADA.replace("item1.X-ABLabel:Engine room", "item1.X-ABLabel:_$!<Mobile>!$_")
    card, _ = card_from_vcard(text)
    card.pop("group_names", None)
    with app.app_context():
        stored = contacts.create_card(card)
        phones = [{**stored["phones"][0], "value": "+44 7700 900999"}]
        out = _logical(card_to_vcard(contacts.update_card(stored["id"], {"phones": phones}), "3.0"))
    at = out.index("item1.X-ABLabel:_$!<Mobile>!$_")
    assert out[at - 1] == "item1.TEL;TYPE=CELL,VOICE,PREF:+44 7700 900999"
