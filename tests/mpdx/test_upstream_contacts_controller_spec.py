"""Cases ported from MPDX's `spec/controllers/api/v2/contacts_controller_spec.rb` (mpdx_api): reversing a
status filter, name order in C collation, and a date-like search that must not blow up.
"""
from __future__ import annotations

from tests.mpdx.test_mpdx_helpers import at, mpdx  # noqa: F401 - `mpdx` is a fixture


def test_reverse_status_drops_the_filtered_contact(mpdx):  # line 79 with filtering_examples.rb 2-11
    never = mpdx.card(display_name="Ned Never", created=at(1))["id"]
    others = [mpdx.card(display_name=f"Ask {n}", created=at(2 + n))["id"] for n in range(2)]
    mpdx.import_({"contacts": [{"id": never, "status": "Never Contacted"}] +
                             [{"id": other, "status": "Ask in Future"} for other in others]})
    everyone = mpdx.ids()
    reversed_ = mpdx.ids({"filter[status]": "Never Contacted", "filter[reverse_status]": "true"})
    assert len(reversed_) == len(everyone) - 1
    assert never not in reversed_


def test_name_order_is_c_collation(mpdx):  # lines 53-64
    for minute, (given, family) in enumerate((("Emily", "Chan"), ("Edward", "Chang"), ("Gene", "Chan"))):
        mpdx.card(given_name=given, family_name=family, created=at(minute))
    assert mpdx.names({"sort": "name"}) == ["Chan, Emily", "Chan, Gene", "Chang, Edward"]


def test_a_date_search_does_not_blow_up(mpdx):
    mpdx.card(display_name="Ann Lee")
    response = mpdx.get("", {"filter[wildcard_search]": "2011-11-01"})
    assert response.status_code == 200
    assert response.get_json()["data"] == []
