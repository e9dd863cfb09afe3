"""Cases ported from Rack 1.6.10's `lib/rack/methodoverride.rb` (MPDX's config/application.rb puts it first):
a POST with `X-HTTP-Method-Override` becomes that method (upper-cased, one of Rack's list); only a POST.
mpdx_web sends long list queries as POST + override GET with the parameters in a JSON body, which
Rails merges under the query string (the query string wins).
"""
from __future__ import annotations

import json

import pytest

from tests.mpdx.test_mpdx_helpers import JSONAPI, URL, at, mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.fixture
def cards(mpdx):
    found = []
    for n in range(12):
        card = mpdx.card(display_name=f"Card {n:02d}", created=at(n))
        if n % 3 == 0:
            mpdx.import_({"contacts": [{"id": card["id"], "status": "Never Ask"}]})
        found.append(card["id"])
    return found


def _post(mpdx, override, body=None, path=URL, headers=None):
    return mpdx.raw("POST", path, headers={"Content-Type": JSONAPI, "X-HTTP-Method-Override": override,
                                           **(headers or {})}, data=json.dumps(body) if body is not None else None)


def test_get_with_a_json_body(mpdx, cards):  # M1
    response = _post(mpdx, "GET", {"filter": {"status": "hidden"}, "page": 1, "per_page": 2, "sort": "-created_at",
                                   "fields": {"contacts": "name"}})
    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == [cards[9], cards[6]]
    assert body["data"][0]["attributes"] == {"name": "09, Card"}  # the name parser splits "Card 09"
    assert body["meta"]["pagination"] == {"page": 1, "per_page": 2, "total_count": 4, "total_pages": 2}
    assert body["meta"]["filter"] == {"status": "hidden"} and body["meta"]["sort"] == "-created_at"


def test_lower_case_is_upper_cased(mpdx, cards):  # M2
    assert _post(mpdx, "get").status_code == 200


def test_delete(mpdx, cards):  # M3
    assert _post(mpdx, "DELETE", path=f"{URL}/{cards[0]}").status_code == 204
    assert cards[0] not in mpdx.ids()


def test_only_a_post_is_overridden(mpdx, cards):  # M4, M8
    response = mpdx.raw("GET", headers={"Content-Type": JSONAPI, "X-HTTP-Method-Override": "DELETE"})
    assert response.status_code == 200
    response = mpdx.raw("DELETE", f"{URL}/{cards[1]}", headers={"Content-Type": JSONAPI,
                                                                 "X-HTTP-Method-Override": "GET"})
    assert response.status_code == 204


def test_an_unknown_method_stays_a_post(mpdx, cards):  # M5
    response = _post(mpdx, "FOO")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["detail"] == "Route not found"


def test_the_query_string_wins(mpdx, cards):  # M6
    response = mpdx.raw("POST", f"{URL}?per_page=5", headers={"Content-Type": JSONAPI, "X-HTTP-Method-Override": "GET"},
                        data=json.dumps({"per_page": 10, "page": 2}))
    pagination = response.get_json()["meta"]["pagination"]
    assert (pagination["per_page"], pagination["page"]) == ("5", 2)
    assert len(response.get_json()["data"]) == 5


def test_still_negotiated(mpdx, cards):  # M7
    response = mpdx.raw("POST", URL, headers={"X-HTTP-Method-Override": "GET"}, data=b"")
    assert response.status_code == 415


def test_put_override_is_a_routing_miss(mpdx, cards):
    response = _post(mpdx, "PUT", {"data": {}}, path=f"{URL}/{cards[0]}", headers={"Accept": JSONAPI})
    assert response.status_code == 404
    assert response.get_json() == {"errors": [{"status": "404", "title": "Not Found"}]}
