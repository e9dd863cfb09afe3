"""`contacts import|export` with Google Contacts' and Outlook's CSV headers, both directions."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from services.io import csv_locales
from services.io.csv_formats import OUTLOOK_HEADER, THUNDERBIRD_HEADER

from .io_support import all_cards, card_named, comparable, fresh_database_url, run, sample, summary, use_database


def test_google_csv_import_with_multi_values_labels_and_bad_rows(app, database_url):
    result = run("import", sample("google.csv"), "--database-url", database_url)
    assert result.exit_code == 1
    assert summary(result) == "imported 4, updated 0, skipped 0, failed 1, warnings 0"
    problems = [line for line in result.stderr.splitlines() if ": row " in line]
    assert problems == [
        f"{sample('google.csv')}: row 4 (line 6): card has no name: no FN, N, ORG, nickname, email or phone",
    ]
    # A row of 3 cells is read as spreadsheets read it: the missing cells are empty (its open
    # quote runs to the end of the file, as in a spreadsheet).
    short = card_named("Broken unterminated quote")
    assert (short["given_name"], short["family_name"], short["emails"]) == ("Broken", "unterminated quote", [])
    kj = card_named("Katherine Johnson")
    assert (kj["given_name"], kj["family_name"], kj["job_title"], kj["department"]) == (
        "Katherine", "Johnson", "Research Mathematician", "Flight Research")
    assert kj["extra"] == {"vcard": {"org": "NASA Langley"}}
    assert kj["notes"] == "Trajectory analysis for\nFreedom 7."
    # " ::: " holds several values under one label; "* " marks the primary.
    assert [(e["type"], e["value"], e["is_primary"]) for e in kj["emails"]] == [
        ("work", "katherine@langley.example", True), ("home", "kj@home.example", False),
        ("home", "katherine.j@mail.example", False)]
    assert [(p["type"], p["value"], p["is_primary"]) for p in kj["phones"]] == [
        ("mobile", "+1 757 555 0101", False), ("office", "+1 757 555 0100", True)]
    assert kj["primary_phone"] == "+1 757 555 0100"
    [address] = kj["addresses"]
    assert (address["type"], address["line1"], address["city"], address["region"], address["postal_code"],
            address["country"]) == ("work", "1 NASA Drive", "Hampton", "VA", "23666", "United States")
    assert [(u["label"], u["value"]) for u in kj["urls"]] == [("Profile", "https://langley.example/kj")]
    assert [g["name"] for g in kj["groups"]] == ["Scientists", "Friends"]  # not the "* myContacts" system group
    jpl = card_named("Jet Propulsion Laboratory")  # no name columns: named from the organisation
    assert (jpl["given_name"], jpl["family_name"], jpl["phones"][0]["type"]) == ("", "", "office")
    dorothy = card_named("Dorothy Vaughan")
    assert (dorothy["photo"], dorothy["phones"][0]["type"]) == ("https://photos.example/dorothy.jpg", "fax")


def test_google_legacy_headers(app, database_url):
    result = run("import", sample("google_legacy.csv"), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    mary = card_named("Mary Jackson")
    assert [(e["value"], e["is_primary"]) for e in mary["emails"]] == [("mary@langley.example", True)]
    assert [(p["type"], p["value"]) for p in mary["phones"]] == [
        ("office", "+1 757 555 0123"), ("mobile", "+1 757 555 0124")]
    assert (mary["job_title"], mary["extra"]) == ("Aerospace Engineer", {"vcard": {"org": "NASA"}})
    assert [g["name"] for g in mary["groups"]] == ["Engineers"]


def test_outlook_csv_import(app, database_url):
    result = run("import", sample("outlook.csv"), "--database-url", database_url)
    assert summary(result) == "imported 2, updated 0, skipped 0, failed 1, warnings 0"
    assert f"{sample('outlook.csv')}: row 3 (line 4): card has no name: no FN, N, ORG, nickname, email or phone" \
        in result.stderr
    annie = card_named("Dr. Annie Easley")
    assert (annie["prefix"], annie["given_name"], annie["family_name"]) == ("Dr.", "Annie", "Easley")
    assert (annie["department"], annie["job_title"]) == ("Computing", "Rocket Scientist")
    assert annie["extra"] == {"vcard": {"org": "NASA Lewis", "bday": "1933-04-23"}}  # Outlook's US date
    # "Primary Phone" marks which of the numbers is the primary one.
    assert [(p["type"], p["value"], p["is_primary"]) for p in annie["phones"]] == [
        ("office", "+1 216 555 0100", False), ("mobile", "+1 216 555 0142", True),
        ("fax", "+1 216 555 0199", False)]
    assert annie["primary_phone"] == "+1 216 555 0142"
    assert [e["value"] for e in annie["emails"]] == ["annie@lewis.example"]
    [address] = annie["addresses"]
    assert (address["type"], address["line1"], address["city"], address["region"]) == (
        "work", "21000 Brookpark Rd", "Cleveland", "OH")
    assert [g["name"] for g in annie["groups"]] == ["Scientists", "Friends"]
    assert [u["value"] for u in annie["urls"]] == ["https://lewis.example/annie"]
    assert card_named("Glenn Research Center")["primary_phone"] == "+1 216 555 7000"


def _one_row_csv(tmp_path, name: str, header: list[str], row: list[str], encoding: str, delimiter: str = ",") -> str:
    """A CSV file of a header and one row, CRLF lines, in `encoding` (as exports write them)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(row)
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode(encoding))
    return str(path)


# A German Outlook export's header row, whole (92 columns; after Telex sorted in German).
OUTLOOK_DE_HEADER = (
    "Anrede,Vorname,Weitere Vornamen,Nachname,Suffix,Firma,Abteilung,Position,Straße geschäftlich,"
    "Straße geschäftlich 2,Straße geschäftlich 3,Ort geschäftlich,Region geschäftlich,Postleitzahl geschäftlich,"
    "Land/Region geschäftlich,Straße privat,Straße privat 2,Straße privat 3,Ort privat,Bundesland/Kanton privat,"
    "Postleitzahl privat,Land/Region privat,Weitere Straße,Weitere Straße 2,Weitere Straße 3,Weiterer Ort,"
    "Weiteres/r Bundesland/Kanton,Weitere Postleitzahl,Weiteres/e Land/Region,Telefon Assistent,Fax geschäftlich,"
    "Telefon geschäftlich,Telefon geschäftlich 2,Rückmeldung,Autotelefon,Telefon Firma,Fax privat,Telefon (privat),"
    "Telefon (privat 2),ISDN,Mobiltelefon,Weiteres Fax,Weiteres Telefon,Pager,Haupttelefon,Mobiltelefon 2,"
    "Telefon für Hörbehinderte,Telex,Abrechnungsinformation,Assistent(in),Benutzer 1,Benutzer 2,Benutzer 3,"
    "Benutzer 4,Beruf,Büro,E-Mail-Adresse,E-Mail-Typ,E-Mail: Angezeigter Name,E-Mail 2: Adresse,E-Mail 2: Typ,"
    "E-Mail 2: Angezeigter Name,E-Mail 3: Adresse,E-Mail 3: Typ,E-Mail 3: Angezeigter Name,Empfohlen von,"
    "Geburtstag,Geschlecht,Hobby,Initialen,Internet Frei/Gebucht,Jahrestag,Kategorien,Kinder,Konto,"
    "Name des/r Vorgesetzten,Notizen,Organisationsnr.,Ort,Partner,Postfach geschäftlich,Postfach privat,Priorität,"
    "Privat,Reisekilometer,Sozialversicherungsnr.,Sprache,Stichwörter,Vertraulichkeit,Verzeichnisserver,Webseite,"
    "Weiteres Postfach,Spalte1,Spalte2")


def test_a_german_outlook_export_is_read_by_its_translated_header(app, database_url, tmp_path):
    """Outlook writes the header in its interface's language (and Windows-1252 text)."""
    header = OUTLOOK_DE_HEADER.split(",")
    values = {"Anrede": "Frau", "Vorname": "Jürgen", "Nachname": "Groß", "Firma": "Bäckerei Groß",
              "Abteilung": "Vertrieb", "Position": "Leiterin", "Straße geschäftlich": "Hauptstraße 1",
              "Ort geschäftlich": "München", "Postleitzahl geschäftlich": "80331",
              "Land/Region geschäftlich": "Deutschland", "Telefon geschäftlich": "+49 89 123",
              "Mobiltelefon": "+49 170 555", "Haupttelefon": "+49 170 555", "E-Mail-Adresse": "j@baeckerei.example",
              "E-Mail-Typ": "SMTP", "E-Mail: Angezeigter Name": "Jürgen Groß (j@baeckerei.example)",
              "Geburtstag": "24.12.1970", "Jahrestag": "0.0.00", "Kategorien": "Kunden;Lieferanten",
              "Notizen": "Brötchen, jeden Morgen", "Priorität": "Normal", "Privat": "Aus", "Webseite": "www.example.de"}
    path = _one_row_csv(tmp_path, "outlook-de.csv", header, [values.get(name, "") for name in header], "cp1252",
                        delimiter=";")  # German Excel's separator
    result = run("import", path, "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Frau Jürgen Groß")
    assert (card["prefix"], card["given_name"], card["family_name"], card["department"], card["job_title"]) == \
        ("Frau", "Jürgen", "Groß", "Vertrieb", "Leiterin")
    assert card["extra"]["vcard"]["org"] == "Bäckerei Groß" and card["extra"]["vcard"]["bday"] == "1970-12-24"
    assert [(p["value"], p["type"], p["is_primary"]) for p in card["phones"]] == \
        [("+49 89 123", "office", False), ("+49 170 555", "mobile", True)]
    assert [e["value"] for e in card["emails"]] == ["j@baeckerei.example"]
    assert [(a["line1"], a["city"], a["postal_code"], a["country"], a["type"]) for a in card["addresses"]] == \
        [("Hauptstraße 1", "München", "80331", "Deutschland", "work")]
    assert [u["value"] for u in card["urls"]] == ["www.example.de"]
    assert card["notes"] == "Brötchen, jeden Morgen"
    assert [group["name"] for group in card["groups"]] == ["Kunden", "Lieferanten"]
    # Columns no field takes are kept as they are (an export writes them back), "no date" too.
    assert card["extra"]["csv"] == {"Anniversary": "0.0.00", "Priority": "Normal", "Private": "Aus"}


# The German header another Outlook version writes (Open-Xchange's CSV import test, bug 9367).
OUTLOOK_DE_2007_HEADER = OUTLOOK_DE_HEADER.replace("Telefon (privat),Telefon (privat 2)", "Telefon privat,Telefon privat 2") \
    .replace("Internet Frei/Gebucht", "Internet-Frei/Gebucht").replace("Assistent(in)", "Name Assistent") \
    .replace("Name des/r Vorgesetzten", "Name des/der Vorgesetzten").replace("Sozialversicherungsnr.", "Regierungsnr.")


def test_a_german_outlook_export_of_another_version_reads_its_home_phone_columns(app, database_url, tmp_path):
    header = OUTLOOK_DE_2007_HEADER.split(",")
    assert header != OUTLOOK_DE_HEADER.split(",") and "Telefon privat" in header
    values = {"Vorname": "Anna", "Nachname": "Weiß", "Telefon privat": "+49 30 111", "Telefon privat 2": "+49 30 222",
              "Name Assistent": "Bernd", "Regierungsnr.": "12/345", "Internet-Frei/Gebucht": "https://fb.example"}
    path = _one_row_csv(tmp_path, "outlook-de-2007.csv", header, [values.get(name, "") for name in header], "cp1252")
    result = run("import", path, "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Anna Weiß")
    assert [(p["value"], p["type"]) for p in card["phones"]] == [("+49 30 111", "home"), ("+49 30 222", "home")]
    # Read under Outlook's English names: an English Outlook export of the card writes them back.
    assert card["extra"]["csv"] == {"Assistant's Name": "Bernd", "Government ID Number": "12/345",
                                    "Internet Free Busy": "https://fb.example"}


def test_a_french_outlook_export_reads_its_two_titre_columns_as_title_then_job_title(app, database_url, tmp_path):
    header = ["Titre", "Prénom", "Deuxième prénom", "Nom", "Suffixe", "Société", "Service", "Titre",
              "Rue (bureau)", "Ville (bureau)", "Code postal (bureau)", "Pays/Région (bureau)", "Téléphone (bureau)",
              "Tél. mobile", "Adresse de messagerie", "Anniversaire", "Catégories", "Notes"]
    row = ["M.", "Éric", "", "Lefèvre", "", "Société Générale", "Crédit", "Directeur", "1 rue de la Paix", "Paris",
           "75002", "France", "+33 1 23 45 67 89", "+33 6 12 34 56 78", "eric@example.fr", "14/07/1980",
           "Clients", "Café à 8h"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, row])
    path = tmp_path / "outlook-fr.csv"
    path.write_bytes(out.getvalue().encode("cp1252"))
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("M. Éric Lefèvre")
    assert (card["prefix"], card["job_title"], card["department"], card["notes"]) == \
        ("M.", "Directeur", "Crédit", "Café à 8h")
    assert card["extra"]["vcard"]["org"] == "Société Générale" and card["extra"]["vcard"]["bday"] == "1980-07-14"
    assert [(p["value"], p["type"]) for p in card["phones"]] == [("+33 1 23 45 67 89", "office"),
                                                                   ("+33 6 12 34 56 78", "mobile")]
    assert [(a["city"], a["country"]) for a in card["addresses"]] == [("Paris", "France")]


# Thunderbird's CSV header in German and in French, as Thunderbird writes it (its translations
# of importMsgs.properties 2100-2136, in the order of AddrBookUtils' exportAttributes).
THUNDERBIRD_DE_HEADER = [
    "Vorname", "Nachname", "Anzeigename", "Spitzname", "Primäre E-Mail-Adresse", "Sekundäre E-Mail-Adresse",
    "Messenger-Name", "Tel. dienstlich", "Tel. privat", "Fax-Nummer", "Pager-Nummer", "Mobil-Tel.-Nr.",
    "Privat: Adresse", "Privat: Adresse 2", "Privat: Ort", "Privat: Bundesland", "Privat: PLZ", "Privat: Land",
    "Dienstlich: Adresse", "Dienstlich: Adresse 2", "Dienstlich: Ort", "Dienstlich: Bundesland", "Dienstlich: PLZ",
    "Dienstlich: Land", "Arbeitstitel", "Abteilung", "Organisation", "Webseite 1", "Webseite 2", "Geburtsjahr",
    "Geburtsmonat", "Geburtstag", "Benutzerdef. 1", "Benutzerdef. 2", "Benutzerdef. 3", "Benutzerdef. 4", "Notizen"]
THUNDERBIRD_FR_HEADER = [
    "Prénom", "Nom de famille", "Nom à afficher", "Surnom", "Adresse e-mail principale", "Adresse e-mail secondaire",
    "Nom de l’écran", "Tél. professionnel", "Tél. personnel", "Fax", "Pager", "Portable", "Adresse privée",
    "Adresse privée 2", "Ville", "Pays/État", "Code postal", "Pays/Région (domicile)", "Adresse professionnelle",
    "Adresse professionnelle 2", "Ville", "Pays/État", "Code postal", "Pays/Région (bureau)", "Profession", "Service",
    "Société", "Site web 1", "Site web 2", "Année de naissance", "Mois", "Jour", "Divers 1", "Divers 2", "Divers 3",
    "Divers 4", "Notes"]


def _thunderbird_file(tmp_path, name: str, header: list[str], values: dict[int, str], encoding: str,
                      delimiter: str = ",") -> str:
    """A one-card export as Thunderbird writes it: every column, its values by column index."""
    return _one_row_csv(tmp_path, name, header, [values.get(index, "") for index in range(len(header))],
                        encoding, delimiter)


def test_a_german_thunderbird_export_is_read_by_its_translated_header(app, database_url, tmp_path):
    """Thunderbird's German header shares Vorname and Nachname with Outlook's; its Geburtstag is a day of the month."""
    column = {name: index for index, name in enumerate(THUNDERBIRD_DE_HEADER)}
    values = {column["Vorname"]: "Jürgen", column["Nachname"]: "Groß", column["Anzeigename"]: "Jürgen Groß",
              column["Spitzname"]: "Jü", column["Primäre E-Mail-Adresse"]: "j@baeckerei.example",
              column["Sekundäre E-Mail-Adresse"]: "juergen@home.example", column["Tel. dienstlich"]: "+49 89 123",
              column["Tel. privat"]: "+49 89 456", column["Mobil-Tel.-Nr."]: "+49 170 555",
              column["Privat: Adresse"]: "Gartenweg 2", column["Privat: Ort"]: "Freising",
              column["Privat: PLZ"]: "85354", column["Privat: Land"]: "Deutschland",
              column["Dienstlich: Adresse"]: "Hauptstraße 1", column["Dienstlich: Ort"]: "München",
              column["Dienstlich: PLZ"]: "80331", column["Arbeitstitel"]: "Leiter", column["Abteilung"]: "Vertrieb",
              column["Organisation"]: "Bäckerei Groß", column["Webseite 1"]: "https://baeckerei.example",
              column["Geburtsjahr"]: "1970", column["Geburtsmonat"]: "12", column["Geburtstag"]: "24",
              column["Benutzerdef. 1"]: "Stammkunde", column["Notizen"]: "Brötchen, jeden Morgen"}
    path = _thunderbird_file(tmp_path, "thunderbird-de.csv", THUNDERBIRD_DE_HEADER, values, "cp1252")
    result = run("import", path, "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Jürgen Groß")
    assert (card["given_name"], card["family_name"], card["job_title"], card["department"], card["notes"]) == \
        ("Jürgen", "Groß", "Leiter", "Vertrieb", "Brötchen, jeden Morgen")
    assert card["extra"]["vcard"] == {"org": "Bäckerei Groß", "nickname": "Jü", "bday": "1970-12-24"}
    assert [e["value"] for e in card["emails"]] == ["j@baeckerei.example", "juergen@home.example"]
    assert [(p["value"], p["type"]) for p in card["phones"]] == \
        [("+49 89 123", "office"), ("+49 89 456", "home"), ("+49 170 555", "mobile")]
    assert [(a["type"], a["line1"], a["city"], a["postal_code"], a["country"]) for a in card["addresses"]] == \
        [("home", "Gartenweg 2", "Freising", "85354", "Deutschland"), ("work", "Hauptstraße 1", "München", "80331", "")]
    assert [u["value"] for u in card["urls"]] == ["https://baeckerei.example"]
    assert card["extra"]["csv"] == {"Custom 1": "Stammkunde"}


def test_a_french_thunderbird_export_reads_its_two_ville_columns_as_home_then_work(app, database_url, tmp_path):
    """French Thunderbird names the home and the work city alike (and the postcode, and the state)."""
    values = {0: "Éric", 1: "Lefèvre", 2: "Éric Lefèvre", 4: "eric@example.fr", 11: "+33 6 12 34 56 78",
              12: "3 rue des Lilas", 14: "Lyon", 16: "69001", 18: "1 rue de la Paix", 20: "Paris", 22: "75002",
              23: "France", 24: "Directeur", 26: "Société Générale", 29: "1980", 30: "7", 31: "14"}
    path = _thunderbird_file(tmp_path, "thunderbird-fr.csv", THUNDERBIRD_FR_HEADER, values, "utf-8")
    result = run("import", path, "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Éric Lefèvre")
    assert [(a["type"], a["line1"], a["city"], a["postal_code"], a["country"]) for a in card["addresses"]] == \
        [("home", "3 rue des Lilas", "Lyon", "69001", ""), ("work", "1 rue de la Paix", "Paris", "75002", "France")]
    assert (card["job_title"], card["primary_email"], card["extra"]["vcard"]["org"]) == \
        ("Directeur", "eric@example.fr", "Société Générale")
    assert card["extra"]["vcard"]["bday"] == "1980-07-14"
    assert [(p["value"], p["type"]) for p in card["phones"]] == [("+33 6 12 34 56 78", "mobile")]


def test_a_japanese_thunderbird_tab_export_is_read(app, database_url, tmp_path):
    header = ["名", "姓", "表示名", "ニックネーム", "メールアドレス", "別のメールアドレス", "スクリーンネーム",
              "勤務先の電話番号", "自宅の電話番号", "FAX 番号", "ポケットベル番号", "携帯電話番号"]
    values = {0: "太郎", 1: "山田", 2: "山田 太郎", 4: "taro@example.jp", 11: "090-1234-5678"}
    path = _thunderbird_file(tmp_path, "thunderbird-ja.csv", header, values, "utf-8", delimiter="\t")
    result = run("import", path, "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("山田 太郎")
    assert (card["given_name"], card["family_name"], card["primary_email"], card["primary_phone"]) == \
        ("太郎", "山田", "taro@example.jp", "090-1234-5678")


def test_a_one_column_file_of_thunderbirds_translated_primary_email_is_csv(app, database_url, tmp_path):
    path = tmp_path / "emails.csv"
    path.write_text("Primäre E-Mail-Adresse\nanna@example.de\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    assert [card["primary_email"] for card in all_cards()] == ["anna@example.de"]


def test_thunderbirds_header_in_another_letter_case_is_read_as_thunderbird_reads_it(app, database_url, tmp_path):
    path = tmp_path / "lower.csv"
    path.write_text("first name,last name,primary email,mobile number\nAda,Lovelace,ada@example.org,+44 20 1\n",
                    encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Ada Lovelace")
    assert (card["primary_email"], card["primary_phone"]) == ("ada@example.org", "+44 20 1")


def test_a_british_thunderbird_export_reads_its_county_post_code_and_organisation(app, database_url, tmp_path):
    """en-GB Thunderbird writes Home County, Home Post Code, Organisation (its own English)."""
    header = ["First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
              "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
              "Home Address", "Home Address 2", "Home City", "Home County", "Home Post Code", "Home Country",
              "Work Address", "Work Address 2", "Work City", "Work County", "Work Post Code", "Work Country",
              "Job Title", "Department", "Organisation"]
    values = {"First Name": "Ada", "Last Name": "Lovelace", "Display Name": "Ada Lovelace",
              "Home Address": "12 St James's Square", "Home City": "London", "Home County": "Greater London",
              "Home Post Code": "SW1Y 4JH", "Home Country": "United Kingdom", "Organisation": "Analytical Engines"}
    path = tmp_path / "thunderbird-en-gb.csv"
    path.write_text(",".join(header) + "\n" + ",".join(values.get(name, "") for name in header) + "\n",
                    encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert summary(result) == "imported 1, updated 0, skipped 0, failed 0, warnings 0"
    card = card_named("Ada Lovelace")
    assert [(a["city"], a["region"], a["postal_code"], a["country"]) for a in card["addresses"]] == \
        [("London", "Greater London", "SW1Y 4JH", "United Kingdom")]
    assert card["extra"]["vcard"]["org"] == "Analytical Engines" and "csv" not in card["extra"]


def test_thunderbird_header_tables_hold_every_column_in_export_order():
    data = json.loads((Path(csv_locales.__file__).with_name("data") / "thunderbird_csv_headers.json").read_text("utf-8"))
    assert data["english"] == THUNDERBIRD_HEADER
    assert len(data["locales"]) >= 60 and all(len(names) == 37 for names in data["locales"].values())
    assert data["locales"]["de"] == THUNDERBIRD_DE_HEADER and data["locales"]["fr"] == THUNDERBIRD_FR_HEADER


def test_unknown_csv_header_is_reported(app, database_url, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Nom,Courriel\nDupont,d@example.org\n", encoding="utf-8")
    result = run("import", str(path), "--database-url", database_url)
    assert result.exit_code == 1
    assert ("Error: CSV header is not Google Contacts', Outlook's or Thunderbird's (expected e.g. "
            "'First Name', 'E-mail 1 - Value', 'E-mail Address' or 'Primary Email')") in result.stderr


def test_google_round_trip(app, database_url, tmp_path):
    run("import", sample("sample.vcf"), "--database-url", database_url)
    run("import", sample("google.csv"), "--database-url", database_url)
    # Google's columns have no place for the vCard ROLE (title) or the language.
    before = {c["display_name"]: _csv_view({**comparable(c, keep_ids=False), "title": "", "language": ""})
              for c in all_cards()}
    path = tmp_path / "google-out.csv"
    result = run("export", "--format", "csv-google", "--output", str(path), "--database-url", database_url)
    assert result.exit_code == 0
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    # As many column groups as the card with the most rows needs (Ada: 4 phones, 2 addresses).
    assert "Phone 4 - Value" in header and "Phone 5 - Value" not in header
    assert "Address 2 - Street" in header and "E-mail 3 - Value" in header
    other = fresh_database_url(tmp_path, "other")
    assert summary(run("import", str(path), "--database-url", other)) == "imported 11, updated 0, skipped 0, failed 0, warnings 0"
    use_database(other)
    after = {c["display_name"]: _csv_view(comparable(c, keep_ids=False)) for c in all_cards()}
    assert after == before


def _csv_view(card: dict) -> dict:
    """A card as a CSV can hold it: of a vCard's extra data, the organisation, nickname and birthday."""
    vcard = (card.get("extra") or {}).get("vcard") or {}
    kept = {k: vcard[k] for k in ("org", "nickname", "bday") if k in vcard}
    return {**card, "extra": {"vcard": kept} if kept else None}


def test_outlook_export_columns(app, database_url):
    run("import", sample("outlook.csv"), "--database-url", database_url)
    result = run("export", "--format", "csv-outlook", "--database-url", database_url)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == OUTLOOK_HEADER
    annie = rows[0]
    assert {k: annie[k] for k in ("Title", "First Name", "Last Name", "Company", "Business Phone", "Mobile Phone",
                                  "Business Fax", "Primary Phone", "E-mail Address", "Categories",
                                  "Business City", "Web Page")} == {
        "Title": "Dr.", "First Name": "Annie", "Last Name": "Easley", "Company": "NASA Lewis",
        "Business Phone": "+1 216 555 0100", "Mobile Phone": "+1 216 555 0142",
        "Business Fax": "+1 216 555 0199", "Primary Phone": "+1 216 555 0142",
        "E-mail Address": "annie@lewis.example", "Categories": "Scientists;Friends",
        "Business City": "Cleveland", "Web Page": "https://lewis.example/annie"}


def test_outlook_round_trip(app, database_url, tmp_path):
    run("import", sample("outlook.csv"), "--database-url", database_url)
    before = {c["display_name"]: comparable(c, keep_ids=False) for c in all_cards()}
    path = tmp_path / "outlook-out.csv"
    run("export", "--format", "csv-outlook", "--output", str(path), "--database-url", database_url)
    other = fresh_database_url(tmp_path, "other")
    assert summary(run("import", str(path), "--database-url", other)) == "imported 2, updated 0, skipped 0, failed 0, warnings 0"
    use_database(other)
    after = {c["display_name"]: comparable(c, keep_ids=False) for c in all_cards()}
    assert after == before


def test_the_primary_email_is_outlooks_email_address_wherever_it_is(app, database_url, tmp_path):
    """Outlook's `E-mail Address` is the primary e-mail: a card whose primary is its second row keeps it."""
    path = tmp_path / "pref.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEMAIL:a@example.org\r\n"
                     b"EMAIL;TYPE=INTERNET,PREF:b@example.org\r\nEND:VCARD\r\n")
    run("import", str(path), "--database-url", database_url)
    out = tmp_path / "outlook.csv"
    assert run("export", "--format", "csv-outlook", "--output", str(out), "--database-url", database_url).exit_code == 0
    other = fresh_database_url(tmp_path, "other")
    assert ", failed 0," in summary(run("import", str(out), "--database-url", other))
    use_database(other)
    [card] = all_cards()
    assert card["primary_email"] == "b@example.org"
    assert sorted(email["value"] for email in card["emails"]) == ["a@example.org", "b@example.org"]
