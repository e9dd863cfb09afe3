"""The web UI's pages through HTTP: search, a card and its doors, create, edit, delete."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest

from blueprints.ui import doors
from services import contacts

from .ui_support import INCOPLAX, make_card, post, shown, sign_in, text

NIAGARA = "/contacts"


@pytest.fixture
def ui(client, token):
    """The test client, signed in with a `*` token."""
    assert sign_in(client, token).status_code == 303
    return client


def _names(page: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'class="result-name" href="[^"]+">([^<]*)</a>', page)]


def _next(page: str) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    return unescape(found.group(1)) if found else None


# ---------------------------------------------------------------- search

def test_search_over_names_emails_and_phones(ui, auth):
    make_card(ui, auth, displayname="Ada Lovelace", number="+44 20 7946 0101", email="ada@analytical.example")
    make_card(ui, auth, displayname="Grace Hopper", number="+1 555 0199", email="grace@navy.example")
    make_card(ui, auth, displayname="Alan Turing", number="+44 161 555 0123", email="alan@bletchley.example")
    for query, expected in [("lovelace", ["Ada Lovelace"]), ("hop", ["Grace Hopper"]),
                            ("grace@navy", ["Grace Hopper"]), ("bletchley.example", ["Alan Turing"]),
                            ("555 0199", ["Grace Hopper"]), ("+44", ["Alan Turing", "Ada Lovelace"]),
                            ("alan turing", ["Alan Turing"]), ("zebra", []), ("", ["Alan Turing", "Grace Hopper",
                                                                                  "Ada Lovelace"])]:
        r = ui.get("/ui/", query_string={"q": query})
        assert r.status_code == 200
        assert _names(text(r)) == expected, query
    assert "1 card matches “lovelace”." in text(ui.get("/ui/?q=lovelace"))
    assert "No card matches." in text(ui.get("/ui/?q=zebra"))
    short = text(ui.get("/ui/?q=a"))
    assert "Type at least two letters or digits to search." in short and "No card matches" not in short


def test_search_pages_by_keyset_newest_first(ui, auth):
    for n in range(1, 31):
        make_card(ui, auth, displayname=f"Person {n:02d}", number=f"{1000 + n}")
    first = text(ui.get("/ui/"))
    assert _names(first) == [f"Person {n:02d}" for n in range(30, 5, -1)]
    assert "30 cards, newest first" in first
    later = _next(first)
    assert later is not None and "cursor=" in later and "offset" not in later
    make_card(ui, auth, displayname="Person 31", number="1031")  # a new card does not shift the next page
    second = text(ui.get(later))
    assert _names(second) == [f"Person {n:02d}" for n in range(5, 0, -1)]
    assert _next(second) is None
    assert "First page" in second and "Cards 26 to 30, newest first." in second
    searched = text(ui.get("/ui/", query_string={"q": "person"}))
    assert len(_names(searched)) == 25 and "31 cards match" in searched
    later = text(ui.get(_next(searched)))
    assert _names(later) == [f"Person {n:02d}" for n in range(6, 0, -1)]
    assert "Cards 26 to 31 of those matching “person”." in later


def test_a_broken_page_link_starts_the_search_again(ui):
    r = ui.get("/ui/?q=ada&cursor=not-ours")
    assert r.status_code == 303 and r.headers["Location"] == "/ui/?q=ada"
    assert "This page link is not valid any more" in text(ui.get(r.headers["Location"]))


def test_counts_stop_at_a_thousand(app, ui):
    from services.ui import search

    page = search.SearchPage([], None, search.COUNT_LIMIT + 1, True)
    assert page.count_text == "more than 1,000 cards"
    assert search.SearchPage([], None, 1, False).count_text == "1 card"


# ---------------------------------------------------------------- the card page

def _door_bodies(page: str) -> dict[str, dict]:
    """Door name -> {status, url, curl, http, body} as the card page shows them."""
    found = {}
    door_block = r'<details class="door".*?</details>\s*</div>\s*</details>|<details class="door".*?</div>\s*</details>'
    for block in re.findall(door_block, page, re.S):
        name = re.search(r'<span class="door-name">([^<]+)</span>', block).group(1)
        found[name] = {
            "status": unescape(re.search(r'class="door-status[^"]*">([^<]+)</span>', block).group(1)),
            "url": unescape(re.search(r'<code class="door-url">([^<]+)</code>', block).group(1)),
            "curl": unescape(re.search(r'<code id="curl-\d+">([^<]+)</code>', block).group(1)),
            "http": unescape(re.search(r'<pre class="http"><code>(.*?)</code></pre>', block, re.S).group(1)),
            "body": unescape((re.search(r'<details class="raw">.*?<pre><code>(.*?)</code></pre>', block, re.S)
                              or re.search(r'<pre class="json"><code>(.*?)</code></pre>', block, re.S)).group(1)),
        }
    return found


def test_the_card_page_shows_exactly_what_each_door_answers(ui, auth, token):
    card = make_card(ui, auth, displayname="Ada Lovelace", email="ada@analytical.example", jobtitle="Analyst")
    page = text(ui.get(f"/ui/cards/{card['id']}"))
    assert token not in page
    shown_doors = _door_bodies(page)
    assert list(shown_doors) == ["Niagara", "FOLIO", "Incoplax", "MPDX", "OSID", "CardDAV"]
    cid = card["id"]
    asks = {
        "Niagara": (f"/contacts/{cid}", {}),
        "FOLIO": (f"/organizations-storage/contacts/{cid}", {"X-Okapi-Tenant": "diku"}),
        "Incoplax": (f"{INCOPLAX}/{cid}", {}),
        "MPDX": (f"/api/v2/organizations/contacts/{cid}", {"Content-Type": "application/vnd.api+json"}),
        "OSID": (f"/contact/contacts?referenceId=id.Id%3A{cid}%40localhost", {}),
        "CardDAV": (f"/carddav/addressbooks/contacts/{cid}.vcf", {}),
    }
    for name, (path, headers) in asks.items():
        direct = ui.get(path, headers={**auth, **headers})
        door = shown_doors[name]
        assert door["status"] == direct.status, name
        assert door["url"] == "http://localhost" + path, name
        assert door["body"] == direct.get_data(as_text=True), name
        for header, value in direct.headers.items():
            if header != "X-Request-Id":
                assert f"{header}: {value}\n" in door["http"], (name, header)
        expected_curl = ["curl -g -i -H \"Authorization: Bearer $TOKEN\""]
        expected_curl += [f"-H '{k}: {v}'" for k, v in headers.items()]
        assert door["curl"].startswith(" ".join(expected_curl)), door["curl"]
        assert door["curl"].endswith("http://localhost" + path) or door["curl"].endswith(f"'http://localhost{path}'")
    assert shown_doors["Niagara"]["status"] == "200 OK"
    assert '"name": "Ada Lovelace"' in page.replace("&#34;", '"')  # the pretty-printed HAL body


def test_door_answers_follow_the_tokens_scopes(client, make_token, auth):
    card = make_card(client, auth)
    sign_in(client, make_token("contacts:read"))
    page = text(client.get(f"/ui/cards/{card['id']}"))
    assert {d["status"] for d in _door_bodies(page).values()} == {"200 OK"}
    assert "/edit" not in page and "/delete" not in page  # no Edit/Delete for a read-only token


def test_a_card_whose_id_is_no_uuid_is_seen_through_mpdx_as_a_token_sees_it(app, ui, auth):
    """MPDX answers a non-UUID id to an authenticated caller only (to others it is Rails' routing
    miss, before the token check): the UI's in-process request, authenticated by the session
    token's digest, is one."""
    with app.app_context():
        contacts.create_card({"id": "legacy-0001", "display_name": "Old Card"})
    path = "/api/v2/organizations/contacts/legacy-0001"
    jsonapi = {"Content-Type": "application/vnd.api+json"}
    direct = ui.get(path, headers={**auth, **jsonapi})
    assert direct.status_code == 200 and direct.json["data"]["id"] == "legacy-0001"
    assert ui.get(path, headers=jsonapi).status_code == 404  # no token: a routing miss
    door = _door_bodies(text(ui.get("/ui/cards/legacy-0001")))["MPDX"]
    assert (door["status"], door["body"]) == ("200 OK", direct.get_data(as_text=True))


def test_doors_are_data_and_a_door_without_a_route_is_skipped(ui, auth, monkeypatch):
    card = make_card(ui, auth)
    monkeypatch.setattr(doors, "DOORS", (doors.Door("Health", "/healthz"), doors.Door("Nowhere", "/nowhere/{id}"),
                                         doors.Door("Niagara", "/contacts/{id}")))
    page = text(ui.get(f"/ui/cards/{card['id']}"))
    assert list(_door_bodies(page)) == ["Health", "Niagara"]
    assert "/nowhere/" not in page


def test_the_card_page_shows_groups_relations_and_osid_links(ui, auth):
    ada = make_card(ui, auth, displayname="Ada Lovelace")
    alan = make_card(ui, auth, displayname="Alan Turing", number="102")
    r = ui.post(f"{INCOPLAX.rsplit('/', 1)[0]}/contactgroups", headers=auth,
                json={"name": "Engineers", "code": "eng", "opts": {"abonents": [ada["autokey"]]}})
    assert r.status_code == 200, r.data
    r = ui.post(f"{NIAGARA}/{ada['id']}/relations", headers=auth,
                json={"relation": "backup", "entity": {"entity_type": "CON", "entity_id": alan["id"]}})
    assert r.status_code == 201, r.data
    address = ui.post("/contact/addresses", headers=auth, json={"displayName": "Ada's office"}).json
    link = ui.post("/contact/contacts", headers=auth, json={"displayName": "Ada at the office"},
                   query_string={"addressId": address["id"], "referenceId": f"id.Id:{ada['id']}@localhost"})
    assert link.status_code == 201, link.data
    page = text(ui.get(f"/ui/cards/{ada['id']}"))
    assert "Engineers" in page and '<span class="tag">eng</span>' in page
    assert f'href="/ui/cards/{alan["id"]}">Alan Turing</a>' in page and "OUTWARD" in page
    assert "Ada at the office" in page and shown(link.json["id"]) in page
    other = text(ui.get(f"/ui/cards/{alan['id']}"))
    assert "INWARD" in other and "No OSID contact refers to this card" in other
    assert shown(f"id.Id:{alan['id']}@localhost") in other


def test_an_unknown_card_is_a_404_page(ui):
    r = ui.get("/ui/cards/no-such-card")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Contact no-such-card not found" in text(r)


# ---------------------------------------------------------------- create, edit, delete

def test_create_a_card(ui, auth):
    r = post(ui, "/ui/new", {"display_name": "Grace Brewster Hopper", "email": "grace@navy.example",
                             "email_type": "work", "phone": "+1 555 0199", "phone_type": "mobile",
                             "job_title": "Rear Admiral", "notes": "COBOL\nFLOW-MATIC"})
    assert r.status_code == 303
    cid = r.headers["Location"].rsplit("/", 1)[1]
    assert "Created Grace Brewster Hopper." in text(ui.get(r.headers["Location"]))
    niagara = ui.get(f"{NIAGARA}/{cid}", headers=auth).json
    assert (niagara["name"], niagara["email"], niagara["phone"]) == ("Grace Brewster Hopper", "grace@navy.example",
                                                                     "+1 555 0199")
    card = contacts.get_card(cid)
    assert (card["given_name"], card["middle_name"], card["family_name"]) == ("Grace", "Brewster", "Hopper")
    assert (card["emails"][0]["type"], card["phones"][0]["type"]) == ("work", "mobile")
    assert card["notes"] == "COBOL\nFLOW-MATIC" and card["job_title"] == "Rear Admiral"


def test_name_parts_alone_make_the_display_name(ui):
    r = post(ui, "/ui/new", {"given_name": "Katherine", "family_name": "Johnson"})
    assert contacts.get_card(r.headers["Location"].rsplit("/", 1)[1])["display_name"] == "Katherine Johnson"


def test_a_form_with_mistakes_is_shown_again_with_each_problem(ui, auth):
    before = ui.get(INCOPLAX, headers=auth).json
    r = post(ui, "/ui/new", {"display_name": " ", "email": ["fine@example.org", "not-an-email"],
                             "email_type": ["work", ""], "phone": "call me", "notes": "a\x00b"})
    assert r.status_code == 400
    page = text(r)
    assert 'role="alert"' in page and "Please correct these 4 and save again" in page
    assert '<a href="#f-display_name">Enter a name (or a given or family name)</a>' in page
    assert '<a href="#f-email-1">Enter an email address like name@example.org</a>' in page
    assert 'id="f-email-1" name="email" type="email" value="not-an-email"' in page
    assert 'aria-invalid="true" aria-describedby="e-email-1"' in page
    assert '<a href="#f-phone-0">' in page and '<a href="#f-notes">' in page
    assert ui.get(INCOPLAX, headers=auth).json == before  # nothing written


def test_edit_changes_only_what_the_form_changed(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace", number="101", mobile2="+44 7700 900123",
                     email="ada@analytical.example")
    form = text(ui.get(f"/ui/cards/{card['id']}/edit"))
    assert 'name="version" value="1"' in form
    r = post(ui, f"/ui/cards/{card['id']}/edit", {
        "version": "1", "display_name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
        "job_title": "Analyst", "email": "ada@analytical.example", "email_type": "",
        "phone": ["101", "+44 7700 900123"], "phone_type": ["office", "mobile"]})
    assert r.status_code == 303, text(r)
    after = ui.get(f"{INCOPLAX}/{card['id']}", headers=auth).json
    assert after["jobtitle"] == "Analyst"
    assert (after["number"], after["mobile2"], after["email"]) == ("101", "+44 7700 900123", "ada@analytical.example")
    assert contacts.get_card(card["id"])["version"] == 2
    unchanged = post(ui, f"/ui/cards/{card['id']}/edit", {
        "version": "2", "display_name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
        "job_title": "Analyst", "email": "ada@analytical.example",
        "phone": ["101", "+44 7700 900123"], "phone_type": ["office", "mobile"]})
    assert "Nothing changed: nothing was saved." in text(ui.get(unchanged.headers["Location"]))
    assert contacts.get_card(card["id"])["version"] == 2


def test_a_stale_edit_is_refused_and_shows_the_card_as_it_is(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace", jobtitle="Analyst")
    assert 'name="version" value="1"' in text(ui.get(f"/ui/cards/{card['id']}/edit"))
    r = ui.patch(f"{INCOPLAX}/{card['id']}", headers=auth, json={"jobtitle": "Countess"})
    assert r.status_code == 200
    r = post(ui, f"/ui/cards/{card['id']}/edit", {"version": "1", "display_name": "Ada Lovelace",
                                                    "job_title": "Programmer"})
    assert r.status_code == 409
    page = text(r)
    assert "This card was changed since you opened it (you had version 1, it is now at version 2)." in page
    assert "Nothing was saved." in page
    assert 'name="version" value="2"' in page and 'value="Countess"' in page
    assert "What you had entered (not saved)" in page and "Programmer" in page
    assert ui.get(f"{INCOPLAX}/{card['id']}", headers=auth).json["jobtitle"] == "Countess"


def test_locked_cards_show_as_locked_and_cannot_change(ui, auth, app):
    card = make_card(ui, auth, displayname="Ada Lovelace")
    with app.app_context():
        contacts.set_locked(card["id"], True)
    page = text(ui.get(f"/ui/cards/{card['id']}"))
    assert '<span class="badge badge-locked">Locked</span>' in page
    assert '<button type="button" disabled aria-describedby="locked-note">Edit</button>' in page
    assert f"/ui/cards/{card['id']}/edit" not in page
    assert "Locked" in text(ui.get("/ui/"))
    r = post(ui, f"/ui/cards/{card['id']}/edit", {"version": "2", "display_name": "Someone Else"})
    assert r.status_code == 423 and "is locked: it cannot be changed" in text(r)
    r = post(ui, f"/ui/cards/{card['id']}/delete", {"version": "2"})
    assert r.status_code == 423
    assert contacts.get_card(card["id"])["display_name"] == "Ada Lovelace"


def test_delete_asks_first_then_deletes_everywhere(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace")
    confirm = ui.get(f"/ui/cards/{card['id']}/delete")
    assert confirm.status_code == 200 and "Delete Ada Lovelace?" in text(confirm)
    assert 'name="version" value="1"' in text(confirm)
    assert ui.get(f"{NIAGARA}/{card['id']}", headers=auth).status_code == 200  # a GET deletes nothing
    r = post(ui, f"/ui/cards/{card['id']}/delete", {"version": "1"})
    assert r.status_code == 303 and r.headers["Location"] == "/ui/"
    assert "Deleted Ada Lovelace." in text(ui.get("/ui/"))
    for path in (f"{NIAGARA}/{card['id']}", f"{INCOPLAX}/{card['id']}", f"/api/v2/organizations/contacts/{card['id']}"):
        assert ui.get(path, headers={**auth, "Content-Type": "application/vnd.api+json"}).status_code == 404


def test_a_stale_delete_deletes_nothing(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace")
    ui.patch(f"{INCOPLAX}/{card['id']}", headers=auth, json={"jobtitle": "Countess"})
    r = post(ui, f"/ui/cards/{card['id']}/delete", {"version": "1"})
    assert r.status_code == 409 and "Nothing was deleted." in text(r)
    assert ui.get(f"{NIAGARA}/{card['id']}", headers=auth).status_code == 200


def test_head_of_a_form_page_is_its_get_and_writes_nothing_even_with_a_form(ui, auth):
    card = make_card(ui, auth, displayname="Ada Lovelace")
    pages = [(f"/ui/cards/{card['id']}/delete", {"version": "1"}),
             (f"/ui/cards/{card['id']}/edit", {"display_name": "Changed By Head", "version": "1"}),
             ("/ui/new", {"display_name": "Made By Head"}),
             ("/ui/sign-in", {"token": "whatever"})]
    for path, form in pages:
        got = ui.get(path)
        head = ui.open(path, method="HEAD", data=form)  # HEAD skips the CSRF check: it must never act
        assert (head.status_code, head.data) == (got.status_code, b""), path
        assert head.headers.get("Location") == got.headers.get("Location"), path
    stored = ui.get(f"{INCOPLAX}/{card['id']}", headers=auth)
    assert (stored.status_code, stored.json["displayname"]) == (200, "Ada Lovelace")
    assert ui.get(NIAGARA, headers=auth).json["total_count"] == 1


# ---------------------------------------------------------------- escaping

SCRIPT = "<script>alert(1)</script>"


def test_card_data_stays_text_on_every_page(app, ui, auth):
    """A card named <script> is shown as text everywhere; every GET page of the UI is visited."""
    card = make_card(ui, auth, displayname=SCRIPT, number="101", email="x@example.org", jobtitle=SCRIPT,
                     department='"><img src=x onerror=alert(1)>')
    ui.patch(f"{INCOPLAX}/{card['id']}", headers=auth, json={"opts": {"comment": SCRIPT}})
    cid = card["id"]
    # endpoint -> (path, whether the page shows the card's text)
    pages = {
        "ui.search": [(f"/ui/?q={SCRIPT}", True), ("/ui/", True), ("/ui/?q=alert", True)],
        "ui.card": [(f"/ui/cards/{cid}", True)],
        "ui.edit_card": [(f"/ui/cards/{cid}/edit", True)],
        "ui.delete_card": [(f"/ui/cards/{cid}/delete", True)],
        "ui.new_card": [("/ui/new", False)],
        "ui.transfer": [("/ui/transfer", False)],
        "ui.unknown": [(f"/ui/{SCRIPT}", False)],
        "ui.export": [],  # downloads, not pages
        "ui.sign_in": [],  # signed in: redirects
        "ui.static": [],
    }
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/ui") and "GET" in rule.methods}
    assert gets == set(pages), "a new UI page: add it here"
    for paths in pages.values():
        for path, shows_card in paths:
            page = text(ui.get(path))
            assert "<script>alert" not in page and "<img src=x" not in page, path
            assert (shown(SCRIPT) in page) is shows_card, path
    assert shown(SCRIPT) in text(ui.get("/ui/", query_string={"q": SCRIPT}))  # the query is echoed as text
    # Pages that echo what was posted.
    posted = text(post(ui, "/ui/new", {"display_name": SCRIPT, "email": SCRIPT}))
    assert "<script>alert" not in posted and shown(SCRIPT) in posted
    stale = text(post(ui, f"/ui/cards/{cid}/edit", {"version": "0", "display_name": SCRIPT + "!"}))
    assert "<script>alert" not in stale and shown(SCRIPT + "!") in stale
    vcard = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{SCRIPT}\r\nEND:VCARD\r\n"
             f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n{SCRIPT}\r\nEND:VCARD\r\n").encode()
    imported = text(post(ui, "/ui/import", {"file": (io.BytesIO(vcard), f"{SCRIPT}.vcf")},
                         content_type="multipart/form-data"))
    # The line that is no property is dropped with a warning; both cards are stored.
    assert "imported 2, updated 0, skipped 0, failed 0, warnings 1" in imported
    assert "<script>alert" not in imported and shown(f"{SCRIPT}.vcf") in imported
    # The warning quotes the bad line, as text.
    assert ('<span class="tag">card 2 (line 5)</span> '
            + shown(f"warning: line 8 is not a vCard property, dropped: {SCRIPT!r}")) in imported
    error = text(ui.get(f"/ui/cards/{SCRIPT}"))
    assert "<script>alert" not in error


def test_a_very_long_name_does_not_overflow_the_session_cookie(ui, auth):
    """Messages travel in the cookie (browsers drop cookies over 4 KB): names are shortened there."""
    import secrets

    # About 4,000 characters that do not compress, in short words (PostgreSQL's name index
    # refuses a single family name that long).
    long_name = "Ada " + " ".join(secrets.token_urlsafe(6) for _ in range(440)) + " Lovelace"
    card = make_card(ui, auth, displayname=long_name)
    r = post(ui, f"/ui/cards/{card['id']}/delete", {"version": "1"})
    assert r.status_code == 303
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("contacts_ui="))
    assert len(cookie) < 4000
    assert f"Deleted {long_name[:79]}…" in text(ui.get("/ui/"))
