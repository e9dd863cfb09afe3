"""The search interface answers the same on every engine: words, prefixes, phrases, columns."""
from __future__ import annotations

import pytest

from models.plans import plan_scans_table, query_plan
from services import search
from services.contacts import create_card, delete_card, update_card
from services.search import All, Any, Term


@pytest.fixture
def people(app):
    with app.app_context():
        cards = {
            "smith": create_card({"display_name": "John Smith", "emails": [{"value": "john.smith@example.com"}],
                                  "phones": [{"value": "+1 555 0100"}]}),
            "jose": create_card({"display_name": "José Álvarez", "emails": [{"value": "jose@ejemplo.es"}]}),
            "smythe": create_card({"display_name": "Anna Smythe-Jones"}),
        }
        yield {name: card["autokey"] for name, card in cards.items()}


def keys(expr):
    return search.match_autokeys(expr)


def test_words_prefixes_accents_and_columns(app, people):
    with app.app_context():
        assert keys(Term("smith")) == [people["smith"]]
        assert keys(Term("SMI", prefix=True)) == [people["smith"]]
        assert keys(Term("sm", prefix=True)) == [people["smith"], people["smythe"]]
        assert keys(Term("jose")) == [people["jose"]]  # the email, and the accent-free name
        assert keys(Term("alvarez", columns=("family_name",))) == [people["jose"]]
        assert keys(Term("john", columns=("family_name",))) == []
        assert keys(Term("john.smith@example.com", columns=("emails",))) == [people["smith"]]
        assert keys(Term("smith john", columns=("emails",))) == []  # a phrase keeps word order
        assert keys(Term("555 0100", columns=("phones",))) == [people["smith"]]
        assert keys(All((Term("anna"), Term("jones")))) == [people["smythe"]]
        assert keys(Any((Term("anna"), Term("john")))) == [people["smith"], people["smythe"]]
        assert keys(Term('" OR * NEAR(')) == []  # operators are words to the index, never syntax
        assert keys(Term("")) == []


def test_index_follows_writes(app, people):
    with app.app_context():
        from models import Contact

        card_id = Contact.get_by_id(people["smith"]).id
        update_card(card_id, {"display_name": "Johnny Walker"})
        assert keys(Term("smith", columns=search.NAME_COLUMNS)) == []
        assert keys(Term("smith", columns=("emails",))) == [people["smith"]]
        assert keys(Term("walker")) == [people["smith"]]
        delete_card(card_id)
        assert keys(Term("walker")) == []


def test_search_does_not_scan_contacts(app, people):
    from models import Contact

    with app.app_context():
        plan = query_plan(Contact.select().where(search.matches(Term("smi", prefix=True))))
    assert not plan_scans_table(plan, "contact"), plan
