"""Every download and brief cites the same run id and data vintage as the API, through one function."""

from __future__ import annotations

import base64
import io
import re
import sys
from typing import Any

import dash
import openpyxl
from dash import html
from dash_payloads import call

from dashboard import components
from dashboard.briefing import build, render
from etl import citation, export, read


def _props(tree: Any) -> list[dict[str, Any]]:
    if isinstance(tree, (list, tuple)):
        return [p for child in tree for p in _props(child)]
    if hasattr(tree, "to_plotly_json"):
        node = tree.to_plotly_json()
        return [node["props"], *_props(node["props"].get("children"))]
    return []


def test_the_citation_line_names_run_build_and_update() -> None:
    import datetime as dt

    vintage = {"run_id": "20261201T100347Z-23da45", "built_at": dt.datetime(2026, 12, 1, 18, 4, tzinfo=dt.UTC),
               "last_updated": dt.date(2026, 7, 1)}
    assert citation.vintage_text(vintage, "en") == (
        "Data vintage: ETL run 20261201T100347Z-23da45 (warehouse built 2026-12-01 18:04 UTC; newest source update "
        "2026-07-01). Quote the run id with any number you use.")
    assert "ETL 运行 20261201T100347Z-23da45" in citation.vintage_text(vintage, "zh")
    assert "?" in citation.vintage_text({"run_id": None, "built_at": None, "last_updated": None})


def test_every_surface_states_the_api_run_id(app: dash.Dash, client: Any) -> None:
    run = client.get("/api/v1").get_json()["vintage"]["run_id"]
    assert run == read.data_vintage()["run_id"]
    line = citation.current("en")
    assert run in line

    # the explorer's CSV and Excel downloads
    page = sys.modules["pages.explorer"]
    ID = page.ID
    values = {f"{ID.INDICATORS}.value": ["IT.NET.USER.ZS"], f"{ID.COUNTRIES}.value": ["CHN"], f"{ID.FROM}.value": 2020,
              f"{ID.TO}.value": 2022, f"{ID.LANG}.data": "en", f"{ID.CSV}.n_clicks": 1, f"{ID.XLSX}.n_clicks": 1}
    _, body = call(app, ID.DOWNLOAD_CSV, values)
    assert f"# {line}" in body["response"][ID.DOWNLOAD_CSV]["data"]["content"].split("\n")
    _, body = call(app, ID.DOWNLOAD_XLSX, values)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["response"][ID.DOWNLOAD_XLSX]["data"]["content"])))
    assert line in [c.value for row in book["about"].iter_rows() for c in row]

    # the API's CSV (and JSON) answers
    resp = client.get("/api/v1/observations?indicator=IT.NET.USER.ZS&country=CHN&format=csv")
    assert resp.headers["X-Data-Vintage"] == run and resp.headers["X-Citation"] == line

    # the chart CSVs of the share menu quote the page footer's citation (downloaded in a browser by
    # test_browser_screens.py::test_share_menu_downloads_the_chart_with_its_source_and_exactly_the_drawn_data)
    footer = [p for p in _props(components.page_frame("/", "zh", {}, html.Div())) if p.get("className") == "footer"]
    assert footer[0]["data-citation"] == citation.current("zh") and run in footer[0]["data-citation"]

    # the export bundle's datapackage.json
    package = export.describe(read.open_warehouse(), "csv", {}, {})
    assert package["vintage"]["run_id"] == run and line in package["citation"]

    # the brief's footer (HTML and, printed from it, the PDF)
    for lang in ("en", "zh"):
        page_html = render(build("CHN"), lang)
        cited = re.findall(r'<span class="vintage" data-run="([^"]*)">([^<]*)</span>', page_html)
        assert cited == [(run, citation.vintage_text(read.data_vintage(), lang, advice=False, compact=True))]
