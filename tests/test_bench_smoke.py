"""The bench's pieces that live in the app and in bench/ (the load run itself is `python -m bench --smoke`)."""
from __future__ import annotations

import pytest

from app import create_app
from bench import report
from bench.load import Result
from bench.scenarios import Scenario
from config import Config


@pytest.fixture
def bench_app(database_url, monkeypatch):
    """The app as `python -m bench` serves it (baseline endpoint on)."""
    monkeypatch.setenv("CONTACTS_BENCH_BASELINE", "1")
    return create_app(Config(database_url=database_url, auth=True))


def test_baseline_answers_json_of_the_asked_size_without_a_token(bench_app):
    response = bench_app.test_client().get("/_bench/baseline?bytes=700")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert len(response.data) == 700
    assert response.json == {"padding": "x" * 686}


def test_baseline_route_is_absent_unless_enabled(app, monkeypatch):
    monkeypatch.delenv("CONTACTS_BENCH_BASELINE", raising=False)
    response = app.test_client().get("/_bench/baseline?bytes=700")
    assert response.status_code == 404


def test_request_file_has_one_tab_separated_request_per_line(tmp_path):
    scenario = Scenario("LOOKUP x", "read", [("LOOKUP", "/rest/v1/addressbook/contacts",
                                              "application/json; charset=utf-8", '"+1 555"'),
                                             ("GET", "/contacts/1", "", "")], 16)
    path = scenario.write(tmp_path)
    assert path.read_text().splitlines() == [
        'LOOKUP\t/rest/v1/addressbook/contacts\tapplication/json; charset=utf-8\t"+1 555"',
        "GET\t/contacts/1\t\t",
    ]


@pytest.mark.parametrize("result, targets, expected", [
    (Result("r", 16, rps=900, p99=12.0, ratio=0.7), {"ratio_min": 0.6, "p99_max": 20.0}, True),
    (Result("r", 16, rps=900, p99=25.0, ratio=0.7), {"ratio_min": 0.6, "p99_max": 20.0}, False),
    (Result("r", 16, rps=900, p99=12.0, ratio=0.5), {"ratio_min": 0.6, "p99_max": 20.0}, False),
    (Result("w", 8, rps=999), {"rps_min": 1000}, False),
    (Result("m", 8, e5xx=0, locked=1), {"e5xx_max": 0}, False),
    (Result("b", 16, rps=5000), {}, None),
])
def test_targets_verdict(result, targets, expected):
    assert report.verdict(result, targets)[1] is expected
