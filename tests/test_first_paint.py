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
# (the country trend and the compare lines are drawn with the layout too, and redrawn at load: measured faster)
FIRST = {"pages.map": ["map-graph.figure"],
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
        drawing = [d for d in deps if output in d["output"].split("...") or d["output"] == output]
        assert all(d.get("prevent_initial_call") for d in drawing), f"{output} is drawn again at load"
    assert page in sys.modules
