"""Import by upload and export downloads in the web UI."""
from __future__ import annotations

import io
import re

import orjson
import pytest

from services.io.stream import export_stream

from ..io.io_support import run, sample
from .ui_support import make_card, post, shown, sign_in, text


@pytest.fixture
def ui(client, token):
    """The test client, signed in with a `*` token."""
    sign_in(client, token)
    return client


def _upload(client, content: bytes, filename: str, fmt: str = "auto", **headers):
    return post(client, "/ui/import", {"file": (io.BytesIO(content), filename), "format": fmt},
                content_type="multipart/form-data", headers=headers)


def _read(name: str) -> bytes:
    with open(sample(name), "rb") as handle:
        return handle.read()


def test_import_page_has_a_labelled_upload_form_and_export_buttons(ui):
    page = text(ui.get("/ui/transfer"))
    assert '<label for="file">File</label>' in page and 'id="file" name="file" type="file"' in page
    assert '<label for="format">Format</label>' in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    for fmt in ("jsonl", "vcard4", "vcard3", "csv-google", "csv-outlook", "ldif"):
        assert f'href="/ui/export/{fmt}" download' in page


def _names(client) -> list[str]:
    return sorted(re.findall(r'class="result-name" href="[^"]+">([^<]*)</a>', text(client.get("/ui/"))))


def test_upload_a_vcard_file_shows_the_summary_and_warnings(ui):
    r = _upload(ui, _read("sample.vcf"), "sample.vcf")
    assert r.status_code == 200
    page = text(r)
    # A bad property is dropped with a warning; its card is stored all the same.
    assert "Read as vcard: <strong>imported 7, updated 0, skipped 0, failed 0, warnings 2</strong>." in page
    assert "Warnings (2)" in page
    assert ('<span class="tag">card 5 (line 50)</span> warning: line 53: PHOTO: the image data is not valid '
            "base64; kept as written, not read") in page
    assert ('<span class="tag">card 7 (line 66)</span> '
            + shown("warning: line 69 is not a vCard property, dropped: 'this line has no colon'")) in page
    assert _names(ui) == ["Alan Mathison Turing", "Bletchley Park Trust", "Broken Line", "Broken Photo",
                          "Grace Hopper", "Hon. Ada Augusta Lovelace", "Margaret Hamilton"]
    again = text(_upload(ui, _read("sample.vcf"), "sample.vcf"))
    # Cards with a UID are matched by it, the others by their content: nothing is duplicated.
    assert "Read as vcard: <strong>imported 0, updated 0, skipped 7, failed 0, warnings 2</strong>." in again
    assert "Warnings (9)" in again
    assert ('<span class="tag">card 1 (line 1)</span> skipped: a contact with id '
            "7f3c2a9e-4b1d-4c8e-9a6f-2d5e8b1c0a11 already exists") in again
    assert len(_names(ui)) == 7


def test_upload_a_google_csv(ui):
    page = text(_upload(ui, _read("google.csv"), "contacts.csv"))
    assert "Read as csv: <strong>imported 4, updated 0, skipped 0, failed 1, warnings 0</strong>." in page
    assert "Warnings (1)" in page
    assert '<span class="tag">row 4 (line 6)</span> card has no name: no FN, N, ORG, nickname, email or phone' in page
    # A short row is read as spreadsheets read it (missing cells are empty), not refused.
    assert _names(ui) == ["Broken unterminated quote", "Dorothy Vaughan", "Jet Propulsion Laboratory",
                          "Katherine Johnson"]


def test_upload_thunderbirds_ldif_with_its_mailing_list(ui):
    """Thunderbird's LDIF export (its test data), picked as LDIF in the form, then worked out."""
    with open(sample("real/thunderbird-export.ldif"), "rb") as handle:
        content = handle.read()
    page = text(_upload(ui, content, "export.ldif", fmt="ldif"))
    assert "Read as ldif: <strong>imported 2, updated 0, skipped 0, failed 0, warnings 0, groups 1</strong>." in page
    assert _names(ui) == ["contact number one", "contact number two"]
    again = text(_upload(ui, content, "export.txt"))
    assert "Read as ldif: <strong>imported 0, updated 0, skipped 2, failed 0, warnings 0, groups 1</strong>." in again
    page = text(ui.get("/ui/transfer"))
    assert '<option value="ldif">LDIF (Thunderbird)</option>' in page and ".ldif,.ldi," in page


def test_upload_json_lines_with_a_bad_line(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace")
    exported = b"".join(ui.get("/ui/export/jsonl").response)
    ui.delete(f"/rest/v1/addressbook/contacts/{card['id']}", headers=auth)
    page = text(_upload(ui, exported + b"{not json\n", "backup.txt", fmt="jsonl"))
    assert "Read as jsonl: <strong>imported 1, updated 0, skipped 0, failed 1, warnings 0</strong>." in page
    bad_line = exported.count(b"\n") + 1
    assert f'<span class="tag">line {bad_line}</span> not valid JSON' in page
    assert ui.get(f"/contacts/{card['id']}", headers=auth).status_code == 200


def test_the_format_is_worked_out_from_the_content(ui):
    vcard = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mary Jackson\r\nEND:VCARD\r\n"
    assert "Read as vcard: <strong>imported 1, updated 0, skipped 0, failed 0, warnings 0</strong>" in text(_upload(ui, vcard, "upload"))


def test_the_script_asks_for_just_the_result(ui):
    vcard = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Mary Jackson\r\nEND:VCARD\r\n"
    r = _upload(ui, vcard, "mary.vcf", **{"X-Requested-With": "fetch"})
    assert r.status_code == 200
    assert text(r).lstrip().startswith('<section class="import-result"')
    assert "<html" not in text(r)


def test_no_file_chosen(ui):
    r = post(ui, "/ui/import", {"format": "auto"}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Choose a file to import." in text(r)
    assert 'aria-invalid="true" aria-describedby="file-error"' in text(r)


def test_a_file_that_is_not_utf8_is_read_in_the_encoding_detected(ui):
    r = _upload(ui, "BEGIN:VCARD\r\nFN:Jos\xe9\r\nEND:VCARD\r\n".encode("latin-1"), "old.vcf")
    assert r.status_code == 200
    page = text(r)
    assert "Read as vcard: <strong>imported 1, updated 0, skipped 0, failed 0, warnings 0</strong>." in page
    assert "Warnings (" not in page
    assert _names(ui) == ["Jos\xe9"]


def test_uploads_have_their_own_size_limit(app, ui):
    app.config["CONTACTS"].ui_max_upload_bytes = 2000
    r = _upload(ui, b"x" * 5000, "big.vcf")
    assert r.status_code == 413
    assert "The upload is larger than" in text(r) and "contacts import" in text(r)
    app.config["CONTACTS"].ui_max_upload_bytes = 10_000_000
    big = b"".join(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person %d\r\nEND:VCARD\r\n" % n for n in range(40_000))
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]  # more than any API body may be
    assert "imported 40000, updated 0, skipped 0, failed 0, warnings 0" in text(_upload(ui, big, "many.vcf"))


def test_import_needs_the_create_scope(client, make_token):
    sign_in(client, make_token("contacts:read"))
    page = text(client.get("/ui/transfer"))
    assert "cannot import" in page and 'id="file"' not in page
    r = _upload(client, b"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n", "x.vcf")
    assert r.status_code == 403 and "contacts:create" in text(r)


@pytest.mark.parametrize("fmt, content_type, extension", [
    ("jsonl", "application/x-ndjson", "jsonl"), ("vcard4", "text/vcard; charset=utf-8", "vcf"),
    ("vcard3", "text/vcard; charset=utf-8", "vcf"), ("csv-google", "text/csv; charset=utf-8", "csv"),
    ("csv-outlook", "text/csv; charset=utf-8", "csv")])
def test_exports_stream_what_the_cli_exports(app, ui, auth, database_url, fmt, content_type, extension):
    for n in range(3):
        make_card(ui, auth, displayname=f"Person {n}", number=f"10{n}", email=f"p{n}@example.org")
    r = ui.get(f"/ui/export/{fmt}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == content_type
    assert re.fullmatch(rf'attachment; filename="contacts-\d{{4}}-\d\d-\d\d(-v3)?\.{extension}"',
                        r.headers["Content-Disposition"])
    assert r.is_streamed
    body = r.get_data()
    cli = run("export", "--format", fmt, "--database-url", database_url)
    if fmt == "jsonl":  # the first line says when it was exported
        lines = [orjson.loads(line) for line in body.splitlines()]
        assert [line["type"] for line in lines] == ["meta", "contact", "contact", "contact"]
        assert body.split(b"\n", 1)[1] == cli.stdout_bytes.split(b"\n", 1)[1]
    else:
        assert body == cli.stdout_bytes
        assert b"p1@example.org" in body


def test_an_unknown_export_format(ui):
    r = ui.get("/ui/export/xml")
    assert r.status_code == 404 and "There is no export format" in text(r)


def test_an_abandoned_download_stops_its_writer(app, ui, auth):
    import threading

    for n in range(50):
        make_card(ui, auth, displayname=f"Person {n}", number=f"{100 + n}")
    from services.ui import transfer

    before = threading.active_count()
    chunks = transfer.export_chunks("vcard4")
    with app.app_context():
        first = next(chunks)
    assert first.startswith(b"BEGIN:VCARD")
    chunks.close()
    assert threading.active_count() == before
    out = io.BytesIO()
    with app.app_context():
        export_stream("vcard4", out)
    with app.app_context():
        assert b"".join(transfer.export_chunks("vcard4")) == out.getvalue()


def test_json_lines_needs_the_star_scope(client, make_token, auth):
    """JSON Lines can write what no door can (locks, MPDX data): only a `*` token may upload it."""
    make_card(client, auth, displayname="Ada Lovelace")
    from services.io.stream import export_stream

    out = io.BytesIO()
    with client.application.app_context():
        export_stream("jsonl", out)
    locked_card = {"type": "contact", "id": "5d1c9e4e-0f0b-4c53-9d4a-7a4f0a7f0001", "display_name": "Sneaky",
                   "locked": True}
    body = out.getvalue().split(b"\n", 1)[0] + b"\n" + orjson.dumps(locked_card) + b"\n"
    sign_in(client, make_token("contacts:read", "contacts:create", "contacts:update", "contacts:delete"))
    for fmt, name in (("auto", "backup.jsonl"), ("jsonl", "backup.txt"), ("auto", "backup")):
        r = _upload(client, body, name, fmt=fmt)
        assert r.status_code == 403, (fmt, name)
        assert "Importing JSON Lines needs a token with the * scope" in text(r)
    assert client.get(f"/contacts/{locked_card['id']}", headers=auth).status_code == 404
    sign_in(client, make_token("*"))
    assert "imported 1, updated 0, skipped 0, failed 0, warnings 0" in text(_upload(client, body, "backup.jsonl"))
    assert client.get(f"/contacts/{locked_card['id']}", headers=auth).status_code == 200


def test_a_csv_without_a_header_row_is_read_with_the_columns_field(ui):
    """Thunderbird's csv_no_header.csv: refused by name without columns (nothing stored), read with them."""
    data = _read("real/thunderbird-csv_no_header.csv")
    r = _upload(ui, data, "no_header.csv")
    assert r.status_code == 400
    assert "the CSV has no header row: its first row is data (&#39;john@doe.invalid&#39;)" in text(r)
    assert _names(ui) == []
    page = text(post(ui, "/ui/import", {"file": (io.BytesIO(data), "no_header.csv"), "format": "auto",
                                         "columns": "Display Name,First Name,Last Name,Primary Email"},
                     content_type="multipart/form-data"))
    assert "Read as csv: <strong>imported 2, updated 0, skipped 0, failed 0, warnings 0</strong>." in page
    assert _names(ui) == ["Jane Doe", "John Doe"]
    assert '<label for="columns">Columns of a CSV without a header row</label>' in text(ui.get("/ui/transfer"))
