"""What the first chart of a page waits for: only the bundles the page draws with, and no page callback before
its first chart or grid is drawn (the layout carries it). bench/first_paint.py measures the times."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from dash import dcc
from dash.development.base_component import Component
from dash_payloads import layout

from dashboard import static_cache

PLOTLY = re.compile(r'<script src="/static/plotly\.min\.js\?v=[0-9a-f]+"></script>')
GRID = re.compile(r'<script src="/_dash-component-suites/dash_ag_grid/[^"]+"></script>')

# page -> (first chart or grid drawn with the layout, as "id.property")
FIRST = {"pages.map": ["map-graph.figure"], "pages.country": ["country-trend.figure"],
         "pages.compare": ["compare-lines.figure"],
         "pages.index": ["index-rank.figure", "index-pillar.figure"],
         "pages.membership": ["membership-counts.figure"],
         "pages.explorer": ["explorer-grid.rowData"]}


def scripts(client: Any, path: str) -> tuple[bool, bool]:
    """(loads plotly.js, loads AG Grid) of the page at ``path``."""
    html = client.get(path).get_data(as_text=True)
    return bool(PLOTLY.search(html)), bool(GRID.search(html))


def test_each_page_loads_only_the_big_bundles_it_draws_with(client: Any) -> None:
    assert static_cache.bundle() is not None, "run `make assets`"
    for path in ("/", "/map", "/country?iso3=BRA", "/compare", "/index", "/membership", "/embed/map"):
        assert scripts(client, path) == (True, False), path
    assert scripts(client, "/explorer") == (False, True)
    for path in ("/sources", "/briefing", "/nosuchpage"):
        assert scripts(client, path) == (False, False), path
    html = client.get("/explorer").get_data(as_text=True)   # dcc.Graph fetches the small bundle if one appears
    assert re.search(r'<meta name="wic-plotly" content="/static/plotly\.min\.js\?v=[0-9a-f]+">', html)
    assert '<script src="/assets/plotly_url.js' in html


def test_page_scripts_keeps_every_other_tag() -> None:
    tags = ('<script src="/_dash-component-suites/dash/deps/react@18.v4m1.js"></script>\n'
            '<script src="/static/plotly.min.js?v=abc"></script>\n'
            '<script src="/_dash-component-suites/dash_ag_grid/dash_ag_grid.v35m1.min.js"></script>\n'
            '<script src="/assets/a11y.js?m=1"></script>')
    charts = frozenset({"/map"})
    assert static_cache.page_scripts(tags, "/map", charts).count("<script") == 3
    explorer = static_cache.page_scripts(tags, "/explorer", charts)
    assert "dash_ag_grid" in explorer and "plotly" not in explorer and "a11y.js" in explorer and "react@18" in explorer


def test_links_to_the_explorer_load_it_as_a_new_page(client: Any) -> None:
    tree = layout("pages.map")
    links = [n for n in tree._traverse() if isinstance(n, dcc.Link) and n.href.startswith("/explorer")]
    assert len(links) == 2   # the navigation and "View as: table"
    assert all(link.refresh is True for link in links)
    others = [n for n in tree._traverse() if isinstance(n, dcc.Link) and not n.href.startswith("/explorer")]
    assert others and not any(link.refresh for link in others)   # the rest stay in the page


@pytest.mark.parametrize("page", list(FIRST))
def test_the_first_charts_come_with_the_layout_and_no_callback_redraws_them(deps: list[dict[str, Any]], app: Any,
                                                                          page: str) -> None:
    tree = layout(page, **({"country": "CHN"} if page == "pages.index" else {}))   # with a country's breakdown
    found = {n.id: n for n in tree._traverse() if isinstance(n, Component) and isinstance(getattr(n, "id", None), str)}
    for output in FIRST[page]:
        cid, prop = output.rsplit(".", 1)
        value = getattr(found[cid], prop, None)
        assert value, f"{output} is not in the layout"
        if prop == "figure":
            assert value["data"], f"{output} has no trace"
        drawing = [d for d in deps if output in [o.split("@")[0] for o in d["output"].split("...")]]
        # at load only a chart drawn first in part gets its whole figure (assets/later.js), after it is painted
        again = [d for d in deps if d in drawing and not d.get("prevent_initial_call")]
        assert all(d.get("clientside_function", {}).get("function_name") == "whole" for d in again), \
            f"{output} is drawn again at load"
        assert bool(again) == (output == "index-rank.figure"), output
    assert page in sys.modules


def layout_of(client: Any, referer: str | None, **headers: str) -> Any:
    """The answer of /_dash-layout fetched by the page at ``referer``."""
    return client.get("/_dash-layout", headers={**({"Referer": referer} if referer else {}),
                                                "Accept-Encoding": "gzip", **headers})


def test_the_layout_holds_the_page_of_its_referer_and_a_location_that_matches_it(client: Any) -> None:
    import gzip
    import json

    from dashboard import page_layout

    href = "http://localhost/index?lang=zh&country=CHN"
    answer = layout_of(client, href)
    assert answer.status_code == 200 and "Referer" in answer.headers["Vary"]
    tree = json.loads(gzip.decompress(answer.data))["props"]["children"][0]["props"]["children"]
    location, content, store = (node["props"] for node in tree[:3])
    assert (location["id"], location["pathname"], location["search"], location["href"]) == (
        "_pages_location", "/index", "?lang=zh&country=CHN", href)   # nothing for the router to change as it mounts
    assert content["id"] == "_pages_content" and '"index-rank"' in json.dumps(content)
    assert store["data"]["title"].startswith("数字发展指数")   # the zh page's own title, not the English one
    again = layout_of(client, href, **{"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304   # the same page again: the same bytes
    other = layout_of(client, "http://localhost/map", **{"If-None-Match": answer.headers["ETag"]})
    assert other.status_code == 200 and b'"map-graph"' in gzip.decompress(other.data)
    plain = gzip.decompress(layout_of(client, None).data).decode()
    assert plain == gzip.decompress(layout_of(client, "http://elsewhere.example/index").data).decode()
    assert '"_pages_content"' in plain and '"index-rank"' not in plain   # no usable Referer: the router fills it
    assert page_layout.address("http://localhost/x?a=1#h", "localhost") == ("/x", "?a=1")
    assert page_layout.address("javascript:alert(1)", "localhost") is None
    missing = gzip.decompress(layout_of(client, "http://localhost/nosuchpage").data).decode()
    assert "Page not found" in missing   # Dash's own 404 page, as the router gives it


def test_the_page_preloads_its_layout_dependencies_and_lazy_chunks(client: Any) -> None:
    layout_of(client, "http://localhost/explorer")   # the worker learns which chunks the page loads
    html = client.get("/explorer").get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    for url in ("/_dash-layout", "/_dash-dependencies"):
        assert f'<link rel="preload" href="{url}" as="fetch" crossorigin="anonymous">' in head, url
    chunks = re.findall(r'<link rel="preload" href="/_dash-component-suites/([^"]+)" as="script">', head)
    assert chunks == ["dash_ag_grid/async-community.js"]   # the grid's chunk: the page has no chart
    for chunk in chunks:   # each names a file that is served
        assert client.get(f"/_dash-component-suites/{chunk}").status_code == 200, chunk
    layout_of(client, "http://localhost/index")   # sliders, dropdowns, markdown tables and charts
    head = client.get("/index").get_data(as_text=True).split("</head>", 1)[0]
    # only what draws the first chart: a preloaded dropdown or markdown chunk would render before it
    assert re.findall(r'<link rel="preload" href="/_dash-component-suites/([^"]+)" as="script">', head) == [
        "dash/dcc/async-graph.js"]


def test_the_ranking_margin_holds_its_labels_in_the_widest_system_font(app: Any) -> None:
    index = sys.modules["pages.index"]   # as the app loaded it
    # Chromium draws "83. Bosnia and Herzegovina" 154.56 px wide at 11 px in DejaVu Sans (measured): never less,
    # and little more (the margin is taken from the chart)
    assert 154.56 <= index.text_px("83. Bosnia and Herzegovina", 11) < 154.56 + 1
    assert index.text_px("Côte d’Ivoire", 11) >= index.text_px("Cote d", 11)
    assert index.text_px("特立尼达和多巴哥", 11) == 8 * 11
    assert index.label_margin(["1. China", "83. Bosnia and Herzegovina"], 11) >= 154.56 + 10
    figure = index.ranking_figure([("BIH", "83. Bosnia and Herzegovina", 50.0, 83, 0, "")], {}, n_ranked=1,
                                  title="t", note="n", score_title="s", rank_title="r")
    assert figure["layout"]["margin"]["l"] == index.label_margin(["83. Bosnia and Herzegovina"], 11)


def test_what_the_first_chart_does_not_need_waits_in_the_layout_until_it_is_painted(client: Any) -> None:
    import gzip
    import json

    def props(referer: str) -> tuple[dict[str, Any], dict[str, Any]]:
        tree = json.loads(gzip.decompress(layout_of(client, referer).data))["props"]["children"][0]["props"]
        parts = {n["props"]["id"]: n for n in tree["children"]}
        found: dict[str, Any] = {}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("props"), dict) and isinstance(node["props"].get("id"), str):
                    found[node["props"]["id"]] = node["props"]
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(parts["_pages_content"])
        return found, parts["wic-later"]["props"]["data"]

    found, later = props("http://localhost/country?iso3=BRA")
    assert later["wait"] is True
    assert found["country-trend"]["figure"]["data"]   # the first chart, drawn with the layout
    assert "figure" not in found["country-index"] and later["props"]["country-index"]["figure"]["data"]
    for dropdown in ("country-iso3", "country-indicator"):   # long dropdowns: the chosen option now, the rest later
        now, full = found[dropdown]["options"], later["props"][dropdown]["options"]
        assert [o["value"] for o in now] == [found[dropdown]["value"]] and len(full) > 100
    assert {o["value"] for o in full} == set(read_indicators())
    found, later = props("http://localhost/compare?countries=CHN,USA")
    assert [o["value"] for o in found["compare-countries"]["options"]] == ["CHN", "USA"]
    found, later = props("http://localhost/sources")
    assert later["wait"] is False   # nothing to wait for: whatever is deferred comes at once


def read_indicators() -> list[str]:
    from etl import read

    return read.indicator_table()["code"].tolist()


def test_the_chunks_learned_per_address_stay_bounded(client: Any) -> None:
    from dashboard import page_layout

    for n in range(page_layout.KEPT + 10):   # any address may ask for the layout: 404s too
        layout_of(client, f"http://localhost/nosuchpage{n}")
    assert len(page_layout._chunks) <= page_layout.KEPT
