"""Cases ported from MPDX's `app/controllers/concerns/pagination.rb` with Kaminari 0.16.3's
`lib/kaminari/models/page_scope_methods.rb` (mpdx_api's Gemfile.lock): `page` and `per_page` are read
with Ruby's `to_i`, never refused; `per_page` of 0 or less keeps 25 rows; both are echoed as sent.
"""
from __future__ import annotations

import pytest

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture


@pytest.fixture
def cards(mpdx):
    return [mpdx.card(display_name=f"Card {n:02d}", created=at(n))["id"] for n in range(30)]


@pytest.mark.parametrize("query, rows, pagination", [
    ("", (0, 25), {"page": 1, "per_page": 25, "total_count": 30, "total_pages": 2}),  # P1
    ("per_page=1&page=2", (1, 2), {"page": "2", "per_page": "1", "total_count": 30, "total_pages": 30}),  # P2
    ("per_page=0", (0, 25), {"page": 1, "per_page": "0", "total_count": 30, "total_pages": 2}),  # P3
    ("per_page=0&page=2", (25, 30), {"page": "2", "per_page": "0", "total_count": 30, "total_pages": 2}),  # P4
    ("per_page=-5", (0, 25), {"page": 1, "per_page": "-5", "total_count": 30, "total_pages": 2}),  # P5
    ("per_page=abc", (0, 25), {"page": 1, "per_page": "abc", "total_count": 30, "total_pages": 2}),
    ("per_page=", (0, 25), {"page": 1, "per_page": "", "total_count": 30, "total_pages": 2}),
    ("page=0", (0, 25), {"page": "0", "per_page": 25, "total_count": 30, "total_pages": 2}),  # P6
    ("page=-1", (0, 25), {"page": "-1", "per_page": 25, "total_count": 30, "total_pages": 2}),
    ("page=abc", (0, 25), {"page": "abc", "per_page": 25, "total_count": 30, "total_pages": 2}),
    ("page=2abc&per_page=10", (10, 20), {"page": "2abc", "per_page": "10", "total_count": 30, "total_pages": 3}),  # P7
    ("per_page=1_0", (0, 10), {"page": 1, "per_page": "1_0", "total_count": 30, "total_pages": 3}),  # P8
    ("per_page=1__0", (0, 1), {"page": 1, "per_page": "1__0", "total_count": 30, "total_pages": 30}),
    ("per_page=%2B3&page=%202", (3, 6), {"page": " 2", "per_page": "+3", "total_count": 30, "total_pages": 10}),
    ("per_page=2.9&page=1e3", (0, 2), {"page": "1e3", "per_page": "2.9", "total_count": 30, "total_pages": 15}),
    ("page=9&per_page=10", (30, 30), {"page": "9", "per_page": "10", "total_count": 30, "total_pages": 3}),  # P9
    ("per_page=25000", (0, 30), {"page": 1, "per_page": "25000", "total_count": 30, "total_pages": 1}),  # P10
    ("page[number]=2", (0, 25), {"page": 1, "per_page": 25, "total_count": 30, "total_pages": 2}),  # P11
    ("page=99999999999999999999", (30, 30), {"page": "99999999999999999999", "per_page": 25, "total_count": 30,
                                            "total_pages": 2}),
    ("per_page=%EF%BC%92", (0, 25), {"page": 1, "per_page": "\uff12", "total_count": 30, "total_pages": 2}),
])
def test_paging(mpdx, cards, query, rows, pagination):
    response = mpdx.query(query)
    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["data"]] == cards[rows[0]:rows[1]]
    assert body["meta"]["pagination"] == pagination
