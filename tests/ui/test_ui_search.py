"""The UI's search: the same hits as MPDX's wildcard_search, keyset pages read from the index alone."""
from __future__ import annotations

import pytest

from models.connect import is_sqlite
from models.plans import plan_scans_table, query_plan
from services import search
from services.contacts import create_card
from services.errors import Invalid
from services.ui import search as ui_search

PEOPLE = [
    ("John Smith", "john.smith@example.com", "+1 555 0100"),
    ("Jane Smithers", "jane@smithers.example", "+1 555 0101"),
    ("Anna Smythe-Jones", "anna@jones.example", "+44 20 7946 0000"),
    ("José Álvarez", "jose@ejemplo.es", "+34 91 555 0102"),
    ("Mary-Ann O'Neil", "mao@example.org", "555-0103"),
]
QUERIES = ["smith", "smi", "jane smith", "smithers.example", "jones", "smythe jones", "alvarez", "jose",
           "+1 555", "555 0101", "o'neil", "mary ann", "example", "", "zzz", "555-0103", "44 20"]


@pytest.fixture
def people(app):
    with app.app_context():
        return [create_card({"display_name": name, "emails": [{"value": email}], "phones": [{"value": phone}]})
                for name, email, phone in PEOPLE]


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_cards_as_mpdx_wildcard_search(app, client, auth, people, query):
    # A phone number typed with spaces or dashes is searched by its digits (MPDX takes digits).
    searched = ui_search.as_searched(query)
    mpdx = client.get("/api/v2/organizations/contacts", headers={**auth, "Content-Type": "application/vnd.api+json"},
                      query_string={"filter[wildcard_search]": searched, "per_page": 100} if query else {"per_page": 100})
    assert mpdx.status_code == 200
    expected = sorted(item["id"] for item in mpdx.json["data"])
    with app.app_context():
        page = ui_search.search_cards(query, limit=100)
    assert sorted(card["id"] for card in page.cards) == expected, query
    assert page.count == len(expected) and not page.more_than


def test_pages_are_keyset_pages_newest_first(app, people):
    with app.app_context():
        seen, texts, cursor = [], [], None
        while True:
            page = ui_search.search_cards("example", cursor, limit=2)
            seen.append([card["autokey"] for card in page.cards])
            texts.append(page.count_text)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert ui_search.decode_cursor(ui_search.encode_cursor(123, 50)) == (123, 50)
        with pytest.raises(Invalid):
            ui_search.decode_cursor("bm90LW91cnM")  # base64 of "not-ours"
    keys = [key for page in seen for key in page]
    assert texts == ["4 cards", "cards 3 to 4"]
    assert keys == sorted(keys, reverse=True) and len(keys) == len(set(keys))
    assert [len(page) for page in seen] == [2, 2]  # the four cards with "example" in an email


def test_a_page_is_read_from_the_index_alone(app, people):
    with app.app_context():
        for query in ("smith", "jane smith", "555 0101"):
            source = search.substring_hits_source(query)
            for before in (None, people[-1]["autokey"]):
                plan = query_plan(ui_search.hits_page_statement(source, before, 1001 if before is None else 26))
                assert not plan_scans_table(plan, "contact"), plan
                assert not any("contact " in line and "SCAN" in line for line in plan), plan
                if is_sqlite():  # FTS5 walks its doclist by rowid: no sort, the bound is its own
                    assert not any("TEMP B-TREE" in line for line in plan), plan
                    assert all(line.startswith("SCAN contact_trigram VIRTUAL TABLE") for line in plan), plan
                    if before is not None:
                        assert plan[0].endswith("<"), plan  # rowid < ? given to the index


def test_counting_stops_after_the_limit(app, people, monkeypatch):
    monkeypatch.setattr(ui_search, "COUNT_LIMIT", 2)
    with app.app_context():
        page = ui_search.search_cards("example")
        assert (page.count, page.more_than, page.count_text) == (3, True, "more than 2 cards")
        everything = ui_search.search_cards("")
        assert (everything.count, everything.more_than) == (3, True)
        assert ui_search.search_cards("jose").count_text == "1 card"


def test_a_single_character_is_not_searched(app, people):
    with app.app_context():
        for query in ("j", " 5 ", "é", "+1"):
            page = ui_search.search_cards(query)
            assert page.too_short and page.cards == [], query
        assert not ui_search.search_cards("jo").too_short
        assert ui_search.search_cards("j s").cards  # two words: searched
