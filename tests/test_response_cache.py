"""The response cache replays answers byte for byte, only successful ones, never across a warehouse swap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dash
import pytest
from conftest import swap_in_edited, warming
from dash_payloads import payload
from werkzeug.test import Client

from dashboard.response_cache import ResponseCache

API = "/api/v1/observations?indicator=IT.NET.USER.ZS&country=CHN,USA&year_from=2015"


def _map_body(deps: list[dict[str, Any]], year: int) -> dict[str, Any]:
    render = next(d for d in deps if "map-graph.figure" in d["output"])
    return payload(render, ["IT.NET.USER.ZS", year, "linear", "", ["outline"]], ["en"])


def _swap_in_without_usa(live: Path, tmp: Path) -> None:
    """Swap in, as the ETL does, a copy of ``live`` without the USA's Internet use."""
    swap_in_edited(live, tmp, "DELETE FROM observations WHERE indicator = 'IT.NET.USER.ZS' AND iso3 = 'USA'")


@pytest.fixture
def cached(app: dash.Dash) -> tuple[ResponseCache, Client, Client]:
    cache = ResponseCache(app.server.wsgi_app)
    return cache, Client(cache), Client(app.server.wsgi_app)


def test_a_repeated_request_is_replayed_exactly(cached: tuple[ResponseCache, Client, Client],
                                                deps: list[dict[str, Any]]) -> None:
    cache, client, plain = cached
    for method, kwargs in (("GET", {"path": API}), ("POST", {"path": "/_dash-update-component",
                                                               "json": _map_body(deps, 2019)})):
        first = client.open(method=method, **kwargs)
        second = client.open(method=method, **kwargs)
        fresh = plain.open(method=method, **kwargs)
        assert first.status_code == second.status_code == 200
        assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
        assert second.data == first.data == fresh.data
        assert second.headers["Content-Security-Policy"] == fresh.headers["Content-Security-Policy"]
    other = client.post("/_dash-update-component", json=_map_body(deps, 2018))
    assert other.headers["X-Cache"] == "miss"
    gzip = client.get(API, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["X-Cache"] == "miss" and gzip.headers.get("Content-Encoding") == "gzip"
    csv = client.get(API, headers={"Accept": "text/csv"})
    assert csv.headers["X-Cache"] == "miss" and csv.mimetype == "text/csv"
    assert cache.size > 0


def test_errors_and_other_paths_are_never_kept(cached: tuple[ResponseCache, Client, Client]) -> None:
    _, client, _ = cached
    for _ in range(2):
        bad = client.get("/api/v1/observations?indicator=IT.NET.USER.ZS&year_from=abc")
        assert bad.status_code == 400 and bad.headers["X-Cache"] == "miss"
        assert "X-Cache" not in client.get("/healthz").headers
        assert "X-Cache" not in client.get("/map").headers


def test_nothing_is_replayed_after_a_swap(app: dash.Dash, own_warehouse: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    client = Client(ResponseCache(app.server.wsgi_app))
    before = client.get(API)
    assert client.get(API).headers["X-Cache"] == "hit"
    _swap_in_without_usa(own_warehouse, tmp_path)
    after = client.get(API)
    assert after.headers["X-Cache"] == "miss"
    assert {r["iso3"] for r in json.loads(after.data)["data"]} == {"CHN"}
    assert {r["iso3"] for r in json.loads(before.data)["data"]} == {"CHN", "USA"}


def test_the_cache_is_bounded(app: dash.Dash, deps: list[dict[str, Any]]) -> None:
    cache = ResponseCache(app.server.wsgi_app, max_bytes=150_000)
    client = Client(cache)
    for year in range(2005, 2020):
        client.post("/_dash-update-component", json=_map_body(deps, year))
        assert cache.size <= 150_000
    assert cache.size > 0


def test_an_answer_read_while_a_new_file_warms_is_not_replayed_once_it_is_served(
        app: dash.Dash, own_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import read

    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    client = Client(ResponseCache(app.server.wsgi_app))
    wh = read.open_warehouse()
    assert {r["iso3"] for r in json.loads(client.get(API).data)["data"]} == {"CHN", "USA"}
    _swap_in_without_usa(own_warehouse, tmp_path)
    later = API.replace("year_from=2015", "year_from=2016")   # a request not asked before
    with warming(wh):   # a server's watcher warming the new file
        during = client.get(later)   # answered by the previous generation, and kept as its answer
        assert during.headers["X-Cache"] == "miss"
        assert {r["iso3"] for r in json.loads(during.data)["data"]} == {"CHN", "USA"}
    after = client.get(later)
    assert after.headers["X-Cache"] == "miss" and {r["iso3"] for r in json.loads(after.data)["data"]} == {"CHN"}
