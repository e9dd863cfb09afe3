"""Substring search (services.search.search_cards, the trigram index): semantics, index upkeep and plans."""
from __future__ import annotations

import pytest

from models.connect import database, is_sqlite
from models.plans import plan_scans_table
from services import search, substring
from services.contacts import create_card, delete_card, update_card

CARDS = {
    "jones": dict(given_name="Freddie", family_name="Jones"),
    "doe": dict(display_name="Dolly Doe"),
    "zhong": dict(given_name="Jill", family_name="Zhong", emails=[{"value": "Email@Gmail.com"}],
                  phones=[{"value": "514 122-4362"}]),
    "park": dict(given_name="Min-jun", family_name="Park"),
    "jose": dict(given_name="Ana", family_name="José"),
    "cher": dict(given_name="Cher", display_name="Cher Sarkisian"),
    "plus": dict(given_name="Bo", family_name="Ek", phones=[{"value": "+1 (202) 555-0199"}, {"value": "ext. 77"}],
                 emails=[{"value": "bo@ek.se"}, {"value": "b.ek@work.example"}]),
    "under": dict(given_name="Al", family_name="Under_Score", emails=[{"value": "100%@pct.example"}]),
}


@pytest.fixture
def cards(app):
    with app.app_context():
        yield {key: create_card(dict(data))["autokey"] for key, data in CARDS.items()}


@pytest.mark.parametrize("term, expected", [
    ("Freddie", ["jones"]),
    ("eddie", ["jones"]),  # the middle of a word
    ("freddie JONES,", ["jones"]),
    ("jones, freddie", ["jones"]),
    ("ones fred", ["jones"]),  # any order, substrings
    ("122", ["zhong"]),
    ("4362", ["zhong"]),
    ("5141224362", ["zhong"]),  # phones are searched as digits
    ("22-43", []),  # ... so a formatted fragment does not match (upstream stores E.164)
    ("+1202", ["plus"]),
    ("2025550", ["plus"]),
    ("77", ["plus"]),
    ("email", ["zhong"]),
    ("l@g", ["zhong"]),
    ("GMAIL.COM", ["zhong"]),
    ("bo@ek.se b.ek", []),  # the whole term is one email's substring, never two emails'
    ("min jun park", ["park"]),
    ("park min-jun", ["park"]),
    ("jose", []),  # accents are kept
    ("JOSÉ", ["jose"]),  # case is not
    ("fr_ddie", ["jones"]),  # `_` is any one character
    ("fr%ie", ["jones"]),  # `%` any run
    ("under\\_score", ["under"]),  # an escaped wildcard is literal
    ("100\\%", ["under"]),
    ("nder_s", ["under"]),
    ("-", []),  # no name token; no email or phone holds a hyphen (phones are digits)
    ("a\\", []),  # a trailing backslash is literal
    ("jo", ["jones", "jose"]),  # 2 characters: the index's trigrams that begin with them
    ("j", ["jones", "zhong", "park", "jose"]),  # 1 character: the bounded scan
    ("e", ["jones", "doe", "zhong", "cher", "plus", "under"]),
    ("é", ["jose"]),
    ("ek", ["plus"]),
    ("k.e", ["plus"]),
    ("er sa", ["cher"]),  # given "Cher" alone: the name is the display name
    ("sarkisian cher", ["cher"]),
    ("cher, sar", ["cher"]),
    ("2011-11-01", []),  # a date is text like any other
    ("   ", None),  # blank: no filter
])
def test_terms(app, cards, term, expected):
    with app.app_context():
        total, keys = search.search_cards(term, limit=100)
    if expected is None:
        assert (total, keys) == (0, [])
        assert search.substring_hits_source(term) is None
        return
    assert keys == sorted(cards[name] for name in expected)
    assert total == len(expected)


def test_tokens_need_not_share_a_name_part(app, cards):
    """Upstream tests tokens one by one: "es" and "fr" are both in "Jones, Freddie" (as substrings of its name)."""
    with app.app_context():
        assert search.search_cards("es fr")[1] == [cards["jones"]]
        assert search.search_cards("es, fr")[1] == [cards["jones"]]


def test_index_follows_writes(app, cards):
    with app.app_context():
        from models import Contact

        card_id = Contact.get_by_id(cards["jones"]).id
        update_card(card_id, {"given_name": "Walter", "emails": [{"value": "wj@example.org"}]})
        assert search.search_cards("eddie") == (0, [])
        assert search.search_cards("alte") == (1, [cards["jones"]])
        assert search.search_cards("j@exa") == (1, [cards["jones"]])
        delete_card(card_id)
        assert search.search_cards("alte") == (0, [])
        assert search.count_substring_matches("e") == 5


def test_paging(app, cards):
    with app.app_context():
        total, first = search.search_cards("e", limit=2)
        _, rest = search.search_cards("e", limit=10, offset=2)
    assert total == 6
    assert first + rest == sorted(cards[k] for k in ("jones", "doe", "zhong", "cher", "plus", "under"))


@pytest.mark.parametrize("term, plan", [
    ("smith", "match"), ("mith", "match"), ("55501", "match"), ("l@gm", "match"), ("jones freddie", "match"),
    ("jo", "match"), ("jo smith", "match"), ("fr_ddie", "recheck"), ("j smith", "recheck"), ("j", "scan"), ("j_n", "scan"),
])
def test_plans(app, cards, term, plan):
    """Terms of 3+ characters use the trigram index alone (no recheck, no contact row); 2 characters expand to
    the index's trigrams; wildcards and short tokens are rechecked; 1-character terms scan the index table."""
    with app.app_context():
        sql, params = search.substring_hits_source(term)
        if not is_sqlite():
            assert "contact_trigram" in sql
            return
        rows = database.execute_sql(f"EXPLAIN QUERY PLAN SELECT count(*) FROM {sql}", params).fetchall()
    lines = [str(row[-1]) for row in rows]
    assert not plan_scans_table(lines, "contact"), lines
    assert "contact " not in sql and "contact_email" not in sql
    if plan == "match":
        assert sql == search.SUBSTRING_MATCH_SQL
    elif plan == "recheck":
        assert "MATCH ? AND" in sql
    else:
        assert "MATCH" not in sql


def test_a_term_that_can_match_nothing(app, cards):
    with app.app_context():
        sql, params = search.substring_hits_source("qx")  # no indexed trigram starts with "qx"
        assert params == [] or not is_sqlite()
        assert search.search_cards("qx") == (0, [])


@pytest.mark.parametrize("text, like, literal, runs", [
    ("abc", "abc", "abc", ("abc",)),
    ("a_c", "a_c", None, ("a", "c")),
    ("a\\_c", "a\\_c", "a_c", ("a_c",)),
    ("%ab", "%ab", None, ("ab",)),
    ("ab\\", "ab\\\\", "ab\\", ("ab\\",)),
    ("a\\\\b", "a\\\\b", "a\\b", ("a\\b",)),
])
def test_patterns(text, like, literal, runs):
    assert substring.pattern(text) == substring.Pattern(like, literal, runs)


@pytest.mark.parametrize("text, like, expected", [
    ("jones, freddie\n\n", "fr_ddie", 1),
    ("bo@ek.se\nb.ek@work.example\n\n", "se_b", 0),  # never across two values
    ("bo@ek.se\nb.ek@work.example\n\n", "se%work", 0),
    ("bo@ek.se\nb.ek@work.example\n\n", "b.ek@%", 1),
    ("x\n\n", "x_", 0),  # nor into the text's ending
    ("\n\n", "%", 1),  # an empty name is a value
    ("", "%", 0),  # no emails: no value
])
def test_substring_like(text, like, expected):
    assert substring.substring_like(text, like) == expected


def test_texts():
    card = {"given_name": "Ann", "family_name": "", "display_name": "Dr. Ann X",
            "emails": [{"value": "A@B.c"}], "phones": [{"value": "+44 (20) 7946-0958"}, {"value": "n/a"}]}
    assert substring.texts(card) == ("dr. ann x\n\n", "ann\n\n\n", "a@b.c\n\n", "+442079460958\n\n")
    assert substring.texts({"given_name": "A", "family_name": "B"}) == ("b, a\n\n", "", "", "")


def test_migration_indexes_existing_cards(app, cards):
    """A store made before the substring index gets every card indexed when it migrates."""
    from playhouse.migrations import Runner

    from models.schema import MIGRATIONS_DIR

    with app.app_context():
        if is_sqlite():
            database.execute_sql("DROP TABLE contact_trigram_vocab")
        database.execute_sql("DROP TABLE contact_trigram")
        database.execute_sql("DELETE FROM schema_migration WHERE substr(name, 1, 4) = '0730'")
        Runner(database.obj, MIGRATIONS_DIR).up()
        assert search.search_cards("eddie") == (1, [cards["jones"]])
        assert search.search_cards("4362")[1] == [cards["zhong"]]
        assert search.count_substring_matches("e") == 6


def test_tokens_split_at_ascii_whitespace_commas_and_hyphens_only():
    """Ruby's split(' '): a no-break space is part of a token."""
    term = substring.parse_term(" Ann\u00a0Lee,Smith-Jones\tX ")
    assert [token.literal for token in term.tokens] == ["ann\u00a0lee", "smith", "jones", "x"]
    assert term.whole.literal == "ann\u00a0lee,smith-jones\tx"
