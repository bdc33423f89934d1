"""The HTTP data API under /api/v1: the same numbers as etl.read, paging, CSV, caching, errors, and docs."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pandas as pd
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dashboard import api
from dashboard.api.endpoints import ENDPOINTS
from etl import read

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
NO_COMPRESSION = {"Accept-Encoding": "identity"}
IU, BB = "IT.NET.USER.ZS", "IT.NET.BBND.P2"


@pytest.fixture(scope="module")
def server(dash_app: Any) -> Iterator[flask.Flask]:
    """The dashboard's Flask server (the session's app, with the API wired in by create_app)."""
    yield dash_app.server


@pytest.fixture
def client(server: flask.Flask) -> FlaskClient:
    return server.test_client()


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**NO_COMPRESSION, **headers})


def all_rows(client: FlaskClient, url: str) -> tuple[list[dict[str, Any]], int]:
    """Follow links.next from url; every row and the number of pages."""
    rows: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        resp = get(client, next_url)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        rows += body["data"]
        pages += 1
        link = resp.headers.get("Link")
        next_url = body["links"]["next"]
        assert link == (f'<{next_url}>; rel="next"' if next_url else None)
        assert int(resp.headers["X-Total-Count"]) == body["meta"]["total"]
    return rows, pages


# --- the document and the routes -----------------------------------------------------------------------

def test_served_document_is_generated_from_the_declarations(client: FlaskClient) -> None:
    doc = get(client, "/api/v1/openapi.json").get_json()
    assert doc == api.document()
    assert doc["openapi"].startswith("3.")
    assert list(doc["paths"]) == [ep.path for ep in ENDPOINTS]


def test_every_route_is_documented_and_every_documented_path_is_routed(server: flask.Flask) -> None:
    routed = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in server.url_map.iter_rules()
              if rule.endpoint.startswith("api_v1.") and rule.endpoint not in ("api_v1.index_slash",
                                                                                "api_v1.no_such_endpoint")}
    assert routed == set(api.document()["paths"])


def test_parameters_in_the_document_are_the_ones_accepted(client: FlaskClient) -> None:
    for path, item in api.document()["paths"].items():
        names = [p["name"] for p in item["get"]["parameters"] if p["in"] == "query"]
        if "{" in path or not names:
            continue
        resp = get(client, f"{path}?bogus=1")
        assert resp.status_code == 400
        error = resp.get_json()["error"]
        assert error["parameter"] == "bogus" and all(n in error["message"] for n in names)


RESEARCHERS = README.split("## For researchers", 1)[1].split("\n## ", 1)[0]


def test_readme_documents_every_endpoint_and_its_parameters() -> None:
    rows = {m[0]: m[1] for m in re.findall(r"^\| `(/api/v1[^`]*)` \|(.*)$", RESEARCHERS, flags=re.M)}
    for path, item in api.document()["paths"].items():
        assert path in RESEARCHERS, f"README's 'For researchers' lacks {path}"
        for p in item["get"]["parameters"]:
            if p["in"] == "query" and p["name"] not in ("limit", "offset", "format"):
                assert f"`{p['name']}" in rows[path], f"README's row for {path} lacks {p['name']}"
    for name in ("limit", "offset", "format"):
        assert f"`{name}" in RESEARCHERS


def test_readme_python_examples_run(warehouse_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", RESEARCHERS, flags=re.S)
    assert blocks
    scope: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)
    assert len(scope["catalog"]) == len(read.indicators(catalog_only=True))
    assert set(scope["obs"]["iso3"]) == {"CHN", "USA", "WIC"} and scope["wic"] == read.group_members("WIC")


def test_readme_http_examples_answer(client: FlaskClient) -> None:
    urls = re.findall(r"http://127\.0\.0\.1:8050(/api/v1[^'\")\s]*)", RESEARCHERS)
    assert len(urls) >= 6
    for url in urls:
        resp = get(client, url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True))
        assert resp.get_data(as_text=True).strip()


def test_dashboard_pages_still_served(client: FlaskClient) -> None:
    resp = get(client, "/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"


# --- same numbers as etl.read --------------------------------------------------------------------------

def test_observations_equal_the_read_api(client: FlaskClient, db: read.Warehouse) -> None:
    body = get(client, f"/api/v1/observations?indicator={IU},{BB}&country=CHN,USA,WIC&year_from=2010"
                       "&year_to=2020").get_json()
    expected = read.observations([IU, BB], ["CHN", "USA", "WIC"], year_from=2010, year_to=2020, db=db,
                                 with_flags=True)
    got = pd.DataFrame(body["data"])
    assert list(got.columns) == [*read.OBS_COLUMNS, "source", "computed", "carried"]
    assert len(got) == len(expected) == body["meta"]["total"] > 40
    assert got.astype(object).values.tolist() == expected.astype(object).values.tolist()   # exact floats


def test_flags_add_source_and_computed(client: FlaskClient, db: read.Warehouse) -> None:
    body = get(client, f"/api/v1/observations?indicator={IU}&country=WIC,CHN&year_from=2020&flags=true").get_json()
    expected = read.observations(IU, ["WIC", "CHN"], year_from=2020, with_flags=True, db=db)
    assert pd.DataFrame(body["data"]).astype(object).values.tolist() == expected.astype(object).values.tolist()
    assert {r["computed"] for r in body["data"] if r["iso3"] == "WIC"} == {True}


def test_group_expands_to_member_countries(client: FlaskClient, db: read.Warehouse) -> None:
    members = read.group_members("WIC", db=db)
    rows, _ = all_rows(client, f"/api/v1/observations?indicator={IU}&group=WIC&year_from=2015&year_to=2015")
    expected = read.observations(IU, members, year_from=2015, year_to=2015, db=db)
    assert [r["iso3"] for r in rows] == expected["iso3"].tolist() and "WIC" not in {r["iso3"] for r in rows}
    both, _ = all_rows(client, f"/api/v1/observations?indicator={IU}&group=WIC&country=WIC,USA&year_from=2015"
                               "&year_to=2015")
    assert {r["iso3"] for r in both} == {r["iso3"] for r in rows} | {"WIC", "USA"}


def test_latest_equals_the_read_api(client: FlaskClient, db: read.Warehouse) -> None:
    rows, _ = all_rows(client, f"/api/v1/latest?indicator={BB},{IU}&group=HIC&country=WLD&max_year=2022")
    places = sorted({*read.group_members("HIC", db=db), "WLD"})
    expected = read.latest([BB, IU], places, max_year=2022, db=db)
    got = pd.DataFrame(rows)
    assert got.astype(object).values.tolist() == expected.astype(object).values.tolist()
    assert got["year"].max() <= 2022


def test_catalog_lists_equal_the_read_api(client: FlaskClient, db: read.Warehouse) -> None:
    body = get(client, "/api/v1/indicators?catalog=true").get_json()
    assert [r["code"] for r in body["data"]] == read.indicators(catalog_only=True, db=db)["code"].tolist()
    assert body["data"][0]["name_zh"] == read.indicator(IU, db=db)["name_zh"]
    assert body["data"][0]["last_updated"] == read.indicator(IU, db=db)["last_updated"].date().isoformat()
    search = get(client, "/api/v1/indicators?search=broadband").get_json()["data"]
    assert [r["code"] for r in search] == read.indicators(search="broadband", db=db)["code"].tolist()
    one = get(client, f"/api/v1/indicators/{IU}").get_json()["data"]
    assert one == body["data"][0]


def test_countries_groups_and_membership(client: FlaskClient, db: read.Warehouse) -> None:
    wic = read.group_members("WIC", db=db)
    rows, _ = all_rows(client, "/api/v1/countries?group=WIC")
    assert [r["iso3"] for r in rows] == wic and all(r["wic_member"] for r in rows)
    everyone, _ = all_rows(client, "/api/v1/countries")
    assert len(everyone) == len(read.countries(db=db)) and {r["iso3"] for r in everyone if r["wic_member"]} == set(wic)
    china = get(client, "/api/v1/countries/CHN").get_json()["data"]
    assert china["income_id"] == "UMC" and china["name_zh"] == "中国" and china["wic_member"] is True
    assert get(client, "/api/v1/countries/WIC").get_json()["data"]["is_computed"] is True
    groups = get(client, "/api/v1/groups").get_json()["data"]
    assert {g["code"]: g["n_countries"] for g in groups}["WIC"] == len(wic)


def test_members_counts_and_sources(client: FlaskClient, db: read.Warehouse) -> None:
    members = get(client, "/api/v1/members").get_json()["data"]
    assert [m["member_id"] for m in members] == read.members(db=db)["member_id"].tolist()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", members[0]["first_reported"])
    counts = get(client, "/api/v1/membership-counts").get_json()["data"]
    assert [c["members"] for c in counts] == read.membership_counts(db=db)["members"].tolist()
    sources = get(client, "/api/v1/sources").get_json()
    assert [s["id"] for s in sources["data"]] == read.sources(db=db)["id"].tolist()
    assert "loaded_from" not in sources["data"][0]            # no server paths
    assert sources["meta"]["vintage"]["run_id"] == read.data_vintage(db=db)["run_id"]


# --- paging and formats --------------------------------------------------------------------------------

def test_pagination_covers_all_rows_exactly_once(client: FlaskClient, db: read.Warehouse) -> None:
    expected = read.observations(IU, read.group_members("WIC", db=db), db=db)
    rows, pages = all_rows(client, f"/api/v1/observations?indicator={IU}&group=WIC&limit=97")
    assert pages == -(-len(expected) // 97) > 3
    keys = [(r["indicator"], r["iso3"], r["year"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(expected)
    assert keys == list(zip(expected["indicator"], expected["iso3"], expected["year"], strict=True))
    countries, pages = all_rows(client, "/api/v1/countries?aggregates=true&limit=40")
    assert [c["iso3"] for c in countries] == read.countries(include_aggregates=True, db=db)["iso3"].tolist()
    assert pages == -(-len(countries) // 40)


def test_offset_past_the_end_is_an_empty_last_page(client: FlaskClient) -> None:
    body = get(client, f"/api/v1/observations?indicator={IU}&country=CHN&offset=100000").get_json()
    assert body["data"] == [] and body["links"]["next"] is None and body["meta"]["total"] > 0


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _cell(value: Any) -> str:
    return "" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("url", [f"/api/v1/observations?indicator={IU},{BB}&group=WIC&flags=true&limit=5000",
                                 "/api/v1/countries?aggregates=true", "/api/v1/members", "/api/v1/indicators",
                                 "/api/v1/membership-counts", f"/api/v1/indicators/{BB}"])
def test_csv_equals_json(client: FlaskClient, url: str) -> None:
    body = get(client, url).get_json()
    rows = body["data"] if isinstance(body["data"], list) else [body["data"]]
    sep = "&" if "?" in url else "?"
    by_format = get(client, f"{url}{sep}format=csv")
    by_accept = get(client, url, Accept="text/csv")
    assert by_format.mimetype == "text/csv" and by_format.data == by_accept.data
    table = _csv(by_format.get_data(as_text=True))
    assert list(table[0]) == list(rows[0])
    assert table == [{k: _cell(v) for k, v in row.items()} for row in rows]
    if "observations" in url:   # numbers survive the round trip exactly
        frame = pd.read_csv(io.StringIO(by_format.get_data(as_text=True)), keep_default_na=False)
        assert frame["value"].tolist() == [r["value"] for r in rows]


# --- caching -------------------------------------------------------------------------------------------

def test_etag_and_conditional_requests(client: FlaskClient, db: read.Warehouse) -> None:
    url = f"/api/v1/observations?indicator={IU}&country=CHN"
    first = get(client, url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"].startswith("public") and "Accept" in first.headers["Vary"]
    built = read.data_vintage(db=db)["built_at"]
    assert first.last_modified is not None and abs((first.last_modified - built).total_seconds()) < 1
    again = get(client, url, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert get(client, url, **{"If-None-Match": f"W/{etag}, \"other\""}).status_code == 304
    assert get(client, url, **{"If-None-Match": "*"}).status_code == 304
    assert get(client, url, **{"If-Modified-Since": modified}).status_code == 304
    assert get(client, url, **{"If-None-Match": '"stale"'}).status_code == 200
    # validators never hide a bad query
    assert get(client, "/api/v1/observations?indicator=NOPE", **{"If-None-Match": "*"}).status_code == 404
    assert get(client, "/api/v1/latest?indicator=NOPE", **{"If-Modified-Since": modified}).status_code == 404
    # the same query spelled differently has the same tag; another query or format has another
    assert get(client, f"/api/v1/observations?country=CHN&indicator={IU}&limit=1000").headers["ETag"] == etag
    assert get(client, f"{url}&format=csv").headers["ETag"] != etag
    assert get(client, f"{url}&year_from=2000").headers["ETag"] != etag


def test_etag_follows_the_etl_run(client: FlaskClient, own_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import build
    from etl.steps import Context

    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    url = f"/api/v1/latest?indicator={IU}&country=CHN"
    etag = get(client, url).headers["ETag"]
    assert get(client, url, **{"If-None-Match": etag}).status_code == 304
    report = build.run(Context.default(), target=own_warehouse, force=True)   # a newer run, swapped in
    fresh = get(client, url, **{"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert fresh.get_json()["meta"]["vintage"]["run_id"] == report.run_id


def test_compressed_responses_revalidate(client: FlaskClient) -> None:
    url = "/api/v1/countries"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers.get("Content-Encoding") == "gzip"
    assert client.get(url, headers={"Accept-Encoding": "gzip",
                                    "If-None-Match": first.headers["ETag"]}).status_code == 304


# --- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "parameter", "suggestion"), [
    ("/api/v1/observations?indicator=IT.NET.USR.ZS", "indicator", IU),
    (f"/api/v1/observations?indicator={IU}&country=CHN,usa", "country", "USA"),
    (f"/api/v1/latest?indicator={IU}&group=HIX", "group", "HIC"),
    ("/api/v1/countries?group=WIX", "group", "WIC"),
    ("/api/v1/indicators/IT.NET.USR.ZS", "code", IU),
    ("/api/v1/countries/chn", "iso3", "CHN"),
])
def test_unknown_codes_are_404_with_suggestions(client: FlaskClient, url: str, parameter: str,
                                                suggestion: str) -> None:
    resp = get(client, url)
    assert resp.status_code == 404 and resp.mimetype == "application/json"
    error = resp.get_json()["error"]
    assert error["code"] == "unknown_code" and error["parameter"] == parameter
    assert suggestion in error["suggestions"] and suggestion in error["message"]
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("query", "parameter"), [
    ("year_from=abc", "year_from"), ("year_from=1800", "year_from"), ("year_to=2e3", "year_to"),
    ("year_from=2020&year_to=2010", "year_from"), ("limit=0", "limit"), ("limit=10001", "limit"),
    ("offset=-1", "offset"), ("offset=99999999999999999999999", "offset"), ("format=xml", "format"),
    ("flags=yes", "flags"), ("countries=CHN", "countries"), ("limit=1&limit=2", "limit"), ("country=", "country"),
    ("country=CHN,,USA", "country"),
])
def test_bad_parameters_are_400_naming_the_parameter(client: FlaskClient, query: str, parameter: str) -> None:
    resp = get(client, f"/api/v1/observations?indicator={IU}&{query}")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["parameter"] == parameter


def test_missing_required_parameter_and_suggested_names(client: FlaskClient) -> None:
    error = get(client, "/api/v1/latest").get_json()["error"]
    assert error["parameter"] == "indicator" and "required" in error["message"]
    error = get(client, f"/api/v1/observations?indicator={IU}&countries=CHN").get_json()["error"]
    assert error["suggestions"] == ["country"]


def test_unknown_paths_and_methods_answer_json(client: FlaskClient) -> None:
    resp = get(client, "/api/v1/observation")
    assert resp.status_code == 404 and "/api/v1/observations" in resp.get_json()["error"]["suggestions"]
    resp = client.post("/api/v1/observations", headers=NO_COMPRESSION)
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]
    assert get(client, "/api/v1/").get_json()["openapi"] == "/api/v1/openapi.json"
    unroutable = get(client, "/api/v1/countries/a%0Ab")      # no URL rule matches a newline (found by fuzzing)
    assert unroutable.status_code == 404 and unroutable.get_json()["error"]["code"] == "not_found"
    assert get(client, "/elsewhere/a%0Ab").mimetype != "application/json"   # the rest of the app is left alone


def test_missing_warehouse_is_503_not_500(client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(tmp_path / "none.duckdb"))
    resp = get(client, f"/api/v1/observations?indicator={IU}")
    assert resp.status_code == 503 and "wic etl" in resp.get_json()["error"]["message"]
    assert get(client, "/api/v1/openapi.json").status_code == 200


def test_index_scores_equal_the_read_api(client: FlaskClient) -> None:
    body = get(client, "/api/v1/index-scores?group=WIC").get_json()
    expected = read.index_scores(group="WIC")
    assert [r["iso3"] for r in body["data"]] == list(expected["iso3"])
    ranked = [r for r in body["data"] if r["ranked"]]
    assert ranked and all(r["p5_rank"] <= r["rank"] <= r["p95_rank"] for r in ranked)
    unranked = [r for r in body["data"] if not r["ranked"]]
    assert all(r["reason"] and r["rank"] is None for r in unranked)
    latest = read.index_latest_year()
    assert {r["year"] for r in body["data"]} == {latest}
    older = get(client, f"/api/v1/index-scores?year={latest - 5}&country=CHN").get_json()["data"]
    assert older[0]["year"] == latest - 5 and older[0]["p5_rank"] is None
    missing = get(client, "/api/v1/index-scores?year=1990")
    assert missing.status_code == 404 and missing.get_json()["error"]["parameter"] == "year"
