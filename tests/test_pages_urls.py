"""URLs: a parameter no page uses gives a notice; each page's own parameters (as its URL state writes them) do
not."""

from __future__ import annotations

from typing import Any

import dash
import pytest
from dash_payloads import layout as page_layout
from dash_payloads import notices

from dashboard import embeds

OWN = {
    "pages.map": dict(indicator="IT.NET.USER.ZS", year="2020", scale="log", region="EAS", outline="1", members="0"),
    "pages.compare": dict(countries="CHN,USA", indicator="IT.NET.USER.ZS", scale="linear", mode="relative",
                          base="2010", x="NY.GDP.PCAP.PP.KD", y="IT.NET.USER.ZS", size="SP.POP.TOTL",
                          colour="region", byear="2010"),
    "pages.explorer": {"indicators": "IT.NET.USER.ZS", "countries": "CHN", "from": "2000", "to": "2010"},
    "pages.index": dict(weights="1,1,1,1", norm="minmax", agg="arithmetic", group="WIC", country="CHN"),
    "pages.country": dict(iso3="CHN", indicator="IT.NET.USER.ZS"),
    "pages.membership": dict(country="CHN"),
    "pages.briefing": dict(country="CHN"),
    "pages.overview": {}, "pages.sources": {},
}


@pytest.mark.parametrize("page", list(OWN))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unknown_parameter_gives_a_notice_and_known_ones_do_not(app: dash.Dash, page: str, lang: str) -> None:
    import sys

    if page == "pages.index":   # one weight per pillar of the index's configuration
        OWN[page]["weights"] = ",".join(["1"] * len(sys.modules[page].PILLARS))
    assert [n for n in notices(page_layout(page, **OWN[page], lang=lang)) if isinstance(n, str)
            and ("not use" in n or "不使用" in n or "replaced" in n or "替换" in n)] == []
    shown = [n for n in notices(page_layout(page, **OWN[page], foo="bar", lang=lang)) if isinstance(n, str)]
    unknown = [n for n in shown if "foo" in n]
    assert len(unknown) == 1
    assert ("does not use" in unknown[0]) if lang == "en" else ("不使用" in unknown[0])


def test_only_embed_pages_may_be_framed(client: Any) -> None:
    for name in embeds.EMBEDS:
        embed = client.get(f"/embed/{name}?lang=en")
        assert embed.status_code == 200, name
        assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" not in embed.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in embed.headers
    assert client.get("/embed/nosuchchart").status_code == 404
    for path in ("/map", "/", "/compare", "/api/v1/indicators", "/briefing"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("name", list(embeds.EMBEDS))
def test_each_embed_page_shows_its_one_chart_with_caption_and_the_page_hidden(app: dash.Dash, name: str) -> None:
    from dash_payloads import nodes

    page, graph = embeds.EMBEDS[name]
    query = {k: v for k, v in OWN[page].items() if k != "weights"}
    tree = page_layout(f"pages.embed.{name}", **query)
    assert tree.className == "embed" and getattr(tree, "data-chart") == name
    shown, rest = tree.children
    assert [n.id for n in nodes(shown) if type(n).__name__ == "Graph"] == [graph]
    assert any("caption" in str(getattr(n, "className", "")) for n in nodes(shown))
    assert [getattr(n, "data-embed", None) for n in nodes(shown) if getattr(n, "data-share", "") == "embed"] == [
        f"/embed/{name}"]   # the share menu's embed code points at this route
    assert rest.hidden is True and graph not in {getattr(n, "id", None) for n in nodes(rest)}
    full = page_layout(page, **query)   # the page's own chart offers the same route
    assert [getattr(n, "data-embed", None) for n in nodes(full)
            if getattr(n, "data-share", "") == "embed" and getattr(n, "data-name", "") == graph] == [f"/embed/{name}"]


def test_map_chart_and_table_of_a_selection_are_one_click_apart(app: dash.Dash) -> None:
    import json
    import re
    from urllib.parse import parse_qsl, urlsplit

    from dash_payloads import call

    status, body = call(app, "map-graph.figure", {
        "map-indicator.value": "IT.NET.BBND.P2", "map-year.value": 2020, "map-scale.value": "linear",
        "map-region.value": "", "map-flags.value": ["members"], "map-lang.data": "en"})
    assert status == 200
    links = re.findall(r'"href": "([^"]+)"', json.dumps(body["response"]["map-graph-getdata"]["children"]))
    targets = {urlsplit(h).path: dict(parse_qsl(urlsplit(h).query)) for h in links}
    assert targets["/compare"] == {"indicator": "IT.NET.BBND.P2", "countries": "WIC", "lang": "en"}
    assert targets["/explorer"] == {"indicators": "IT.NET.BBND.P2", "countries": "WIC", "from": "2020",
                                    "to": "2020", "lang": "en"}
    pages = {"/compare": "pages.compare", "/explorer": "pages.explorer"}
    for path, query in targets.items():
        assert path in pages and notices(page_layout(pages[path], **query)) == [], path


def test_the_country_trend_links_to_its_map_chart_and_table(app: dash.Dash) -> None:
    from urllib.parse import parse_qsl, urlsplit

    from dash_payloads import by_id, nodes

    tree = page_layout("pages.country", iso3="BRA", indicator="IT.NET.USER.ZS", lang="en")
    links = [n.href for n in nodes(by_id(tree, "country-trend-getdata")) if type(n).__name__ == "Link"]
    targets = {urlsplit(h).path: dict(parse_qsl(urlsplit(h).query)) for h in links}
    assert set(targets) == {"/map", "/compare", "/explorer"}
    assert targets["/compare"]["countries"].startswith("BRA,") and targets["/map"]["indicator"] == "IT.NET.USER.ZS"
    assert targets["/explorer"]["indicators"] == "IT.NET.USER.ZS"
    assert targets["/explorer"]["countries"] == targets["/compare"]["countries"]


@pytest.mark.parametrize(("page", "graph", "caption", "inputs"), [
    ("pages.map", "map-graph", "map-caption", {"map-indicator.value": "IT.NET.USER.ZS", "map-year.value": 2020,
                                "map-scale.value": "log", "map-region.value": "EAS",
                                "map-flags.value": ["outline"], "map-lang.data": "en"}),
    ("pages.country", "country-trend", "country-trend-caption",
     {"country-indicator.value": "IT.NET.USER.ZS", "country-iso3.value": "CHN", "country-lang.data": "en"}),
])
def test_the_first_chart_is_drawn_with_the_layout_as_its_callback_draws_it(app: dash.Dash, page: str, graph: str,
                                                                             caption: str,
                                                                             inputs: dict[str, Any]) -> None:
    import json

    from dash_payloads import by_id, call
    from plotly.utils import PlotlyJSONEncoder

    tree = page_layout(page, **OWN[page], lang="en")
    status, body = call(app, f"{graph}.figure", inputs)
    assert status == 200
    drawn = by_id(tree, graph).figure
    assert drawn is not None and json.loads(json.dumps(drawn, cls=PlotlyJSONEncoder)) == body["response"][graph][
        "figure"]
    assert by_id(tree, caption).children == body["response"][caption]["children"]


def test_the_profile_reopens_only_for_another_country(app: dash.Dash) -> None:
    """The country dropdown reports its value as it mounts: the country shown is not a choice (no second render)."""
    from dash._utils import split_callback_id

    key = next(k for k, spec in app.callback_map.items()
               if "_pages_location.search" in k and spec["inputs"][0]["id"] == "country-iso3")
    spec = app.callback_map[key]

    def choose(iso3: str) -> Any:
        values = {"country-iso3.value": iso3, "country-indicator.value": "IT.NET.USER.ZS", "country-lang.data": "en",
                  "country-query.data": {"iso3": "CHN", "indicator": "IT.NET.USER.ZS", "lang": "en"}}
        fill = [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in spec["state"]]
        body = {"output": key, "outputs": split_callback_id(key), "changedPropIds": ["country-iso3.value"],
                "inputs": [{"id": "country-iso3", "property": "value", "value": iso3}], "state": fill}
        return app.server.test_client().post("/_dash-update-component", json=body)

    same = choose("CHN")                                        # nothing to update: the page stays as drawn
    assert same.status_code == 204 or "_pages_location" not in (same.get_json() or {}).get("response", {})
    moved = choose("KEN")
    assert moved.status_code == 200
    assert moved.get_json()["response"]["_pages_location"]["search"] == "?iso3=KEN&indicator=IT.NET.USER.ZS&lang=en"
