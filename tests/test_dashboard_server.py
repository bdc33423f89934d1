"""The dashboard's server: every page for good, Chinese and bad URLs; headers; callbacks under fuzzing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from dash_payloads import payload, server_callbacks
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import read

PAGES = ["/", "/map", "/country", "/compare", "/index", "/explorer", "/membership", "/sources"]


def route(client: FlaskClient, deps: list[dict[str, Any]], path: str, search: str = "") -> str:
    """Render a page the way the browser does: through Dash pages' router callback."""
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    values = [path if i["property"] == "pathname" else search for i in router["inputs"]]
    response = client.post("/_dash-update-component", json=payload(router, values))
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_both_languages(client: FlaskClient, deps: list[dict[str, Any]], path: str) -> None:
    en = route(client, deps, path, "?lang=en")
    zh = route(client, deps, path, "?lang=zh")
    assert "WIC Digital Economy Observatory" in en and "世界互联网大会数字经济观察" in zh
    assert "Sorry, this view could not be drawn" not in en + zh
    assert client.get(path).status_code == 200


BAD_QUERIES = {
    "/map": "?indicator=NOT.REAL&year=abc&scale=cubic&region=XYZ&lang=fr",
    "/country": "?iso3=ATLANTIS&indicator=%27%3B%20DROP%20TABLE",
    "/compare": "?countries=CHN,NOPE,USA&mode=sideways&base=99999&x=BAD",
    "/explorer": "?indicators=NOPE&countries=ZZZ&from=abc&to=-5",
    "/membership": "?lang=xx",
    "/sources": "?lang=<script>",
}


@pytest.mark.parametrize(("path", "search"), BAD_QUERIES.items())
def test_bad_urls_give_a_friendly_page(client: FlaskClient, deps: list[dict[str, Any]], path: str,
                                       search: str) -> None:
    body = route(client, deps, path, search)
    assert "were not understood and were replaced" in body or "无法识别" in body
    assert "Traceback" not in body
    assert '"type": "Script"' not in body and "dangerously" not in body   # echoed values stay plain text
    assert client.get(path + search).status_code == 200


def test_unknown_path_is_a_friendly_404(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    assert "Page not found" in route(client, deps, "/no/such/page")


def test_deep_link_values_reach_the_controls(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    text = route(client, deps, "/map", "?indicator=IT.NET.BBND.P2&year=2015&scale=log&members=1")
    for needle in ('"value": "IT.NET.BBND.P2"', '"value": 2015', '"value": "log"', '"members"'):
        assert needle in text


def test_security_headers_health_and_local_topojson(client: FlaskClient) -> None:
    response = client.get("/map", headers={"Accept-Encoding": "gzip"})
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers.get("Content-Encoding") == "gzip"
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["run_id"] == read.data_vintage()["run_id"]
    topo = client.get("/topojson/world_110m.json")
    assert topo.status_code == 200 and b'"objects"' in topo.data[:2000]
    assert "cdn" not in client.get("/").get_data(as_text=True).lower()


def test_map_callback_values_match_the_warehouse(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    render = next(d for d in deps if "map-graph.figure" in d["output"])
    values = ["IT.NET.BBND.P2", 2020, "linear", "", ["outline"]]
    body = client.post("/_dash-update-component", json=payload(render, values, ["en"])).get_json()
    figure = body["response"]["map-graph"]["figure"]
    shown = dict(zip(figure["data"][1]["locations"], figure["data"][1]["z"], strict=True))
    expected = read.country_values("IT.NET.BBND.P2", 2020).set_index("iso3")["value"].to_dict()
    assert shown == expected
    nodata = set(figure["data"][0]["locations"])
    assert not nodata & set(shown) and len(nodata) + len(shown) >= 200      # no data is grey, not zero
    assert set(figure["data"][2]["locations"]) == set(read.group_members("WIC"))
    title = figure["layout"]["title"]
    assert "2020" in title["text"] and "per 100 people" in title["subtitle"]["text"]


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                       | st.text(max_size=30), lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def test_callbacks_survive_fuzzed_payloads(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    callbacks = [d for d in server_callbacks(deps) if "_pages_content" not in d["output"]]
    assert len(callbacks) >= 8

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        dep = data.draw(st.sampled_from(callbacks))
        values = [data.draw(JSONISH) for _ in dep["inputs"]]
        states = [data.draw(JSONISH) for _ in dep["state"]]
        response = client.post("/_dash-update-component", json=payload(dep, values, states))
        assert response.status_code in (200, 204), (dep["output"], values, response.data[:300])
        assert b"Traceback" not in response.data

    check()


def test_router_survives_fuzzed_urls(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(PAGES), search=st.text(max_size=60))
    def check(path: str, search: str) -> None:
        body = route(client, deps, path, "?" + search)
        assert "Traceback" not in body

    check()


def test_malformed_requests_are_refused_not_crashed(client: FlaskClient) -> None:
    bad = client.post("/_dash-update-component", data=b"{not json", content_type="application/json")
    assert bad.status_code in (400, 415) and b"Traceback" not in bad.data
    unknown = client.post("/_dash-update-component", json={"output": "nope.children", "outputs": {
        "id": "nope", "property": "children"}, "inputs": [], "changedPropIds": []})
    assert unknown.status_code == 400 and b"Traceback" not in unknown.data


def test_a_swapped_warehouse_is_served_without_restart(client: FlaskClient, own_warehouse: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from etl import build
    from etl.steps import Context

    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    before = client.get("/healthz").get_json()["run_id"]
    report = build.run(Context.default(), target=own_warehouse, force=True)
    after = client.get("/healthz").get_json()["run_id"]
    assert before != after == report.run_id


def test_get_this_data_returns_exactly_the_chart_data(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    """The map's 'get this data' URL and Python snippet give the same rows as the drawn map."""
    render = next(d for d in deps if "map-graph.figure" in d["output"])
    body = client.post("/_dash-update-component", json=payload(render, ["IT.NET.USER.ZS", 2021, "linear", "EAS",
                                                                         ["outline"]], ["en"])).get_json()
    shown = dict(zip(body["response"]["map-graph"]["figure"]["data"][1]["locations"],
                     body["response"]["map-graph"]["figure"]["data"][1]["z"], strict=True))
    blocks = json.dumps(body["response"]["map-graph-getdata"]["children"])
    url = re.search(r"(/api/v1/observations\?[^\"\\]+)", blocks).group(1)      # type: ignore[union-attr]
    api = client.get(url + "&limit=10000", headers={"Accept-Encoding": "identity"}).get_json()["data"]
    assert {r["iso3"]: r["value"] for r in api} == shown
    code = re.search(r"(from etl import read\\n[^\"]+)", blocks).group(1).replace("\\n", "\n")  # type: ignore[union-attr]
    scope: dict[str, Any] = {}
    exec(code, scope)  # noqa: S102 - the snippet shown to users must run as shown
    frame = scope["frame"]
    assert dict(zip(frame["iso3"], frame["value"], strict=True)) == shown
