"""The map page: every economy with a value is drawn (small ones as markers), its scale and its year control."""

from __future__ import annotations

import json
import math
import sys
from types import ModuleType
from typing import Any

import dash
import pytest
from dash_payloads import by_id, call
from dash_payloads import layout as page_layout

from dashboard import figures
from dashboard.app import TOPOJSON_DIR
from etl import read

PAGE = "pages.map"


@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    return sys.modules[PAGE]


def render(app: dash.Dash, page: ModuleType, indicator: str, year: int, scale: str = "linear",
           region: str = "", flags: list[str] | None = None, lang: str = "en") -> dict[str, Any]:
    ID = page.ID
    status, body = call(app, f"{ID.GRAPH}.figure", {
        f"{ID.INDICATOR}.value": indicator, f"{ID.YEAR}.value": year, f"{ID.SCALE}.value": scale,
        f"{ID.REGION}.value": region, f"{ID.FLAGS}.value": flags if flags is not None else ["outline"],
        f"{ID.LANG}.data": lang})
    assert status == 200
    return body["response"]


def test_every_economy_with_a_value_is_drawn_as_a_shape_or_a_marker(app: dash.Dash, page: ModuleType,
                                                                     db: read.Warehouse) -> None:
    topo = json.loads((TOPOJSON_DIR / "world_110m.json").read_text(encoding="utf-8"))
    shaped = {g["id"] for g in topo["objects"]["countries"]["geometries"] if g.get("id")}
    table = read.country_table(db=db)
    economies = set(table[~table["is_aggregate"] & table["in_wb_list"]]["iso3"])
    for indicator, year in (("IT.NET.USER.ZS", 2022), ("NY.GDP.PCAP.PP.KD", 2021)):
        values = read.country_values(indicator, year, db=db)
        expected = set(values["iso3"]) & economies
        figure = render(app, page, indicator, year)[page.ID.GRAPH]["figure"]
        shapes, markers = figure["data"][1], figure["data"][-1]
        assert markers["type"] == "scattergeo"
        drawn = (set(shapes["locations"]) & shaped) | set(markers["ids"])
        assert drawn == expected, (indicator, year, sorted(expected ^ drawn)[:10])
        assert set(markers["ids"]) == expected - shaped
        assert {"SGP", "HKG", "MLT", "BHR", "MUS", "MDV"} & expected <= set(markers["ids"])
        # markers sit on the same colour scale as the shapes
        assert markers["marker"]["cmin"] == shapes["zmin"] and markers["marker"]["cmax"] == shapes["zmax"]
        z = dict(zip(shapes["locations"], shapes["z"], strict=True))
        assert all(z[c] == v for c, v in zip(markers["ids"], markers["marker"]["color"], strict=True))
        hover = " ".join(markers["text"])
        assert "Singapore" in hover and len(markers["lon"]) == len(markers["lat"]) == len(markers["ids"])
    kosovo = read.country_values("SP.POP.TOTL", 2020, db=db)
    assert "XKX" in set(kosovo["iso3"])
    figure = render(app, page, "SP.POP.TOTL", 2020)[page.ID.GRAPH]["figure"]
    assert "XKX" in figure["data"][-1]["ids"]


def test_no_data_has_a_legend_and_the_log_bar_readable_ticks(app: dash.Dash, page: ModuleType) -> None:
    figure = render(app, page, "NY.GDP.PCAP.PP.KD", 2021, scale="log")[page.ID.GRAPH]["figure"]
    legend = " ".join(a["text"] for a in figure["layout"]["annotations"])
    assert figures.NO_DATA in legend and "no data" in legend
    bar = figure["data"][1]["colorbar"]
    assert len(bar["ticktext"]) >= 4, bar["ticktext"]
    lo, hi = min(figure["data"][1]["z"]), max(figure["data"][1]["z"])
    assert all(lo <= v <= hi for v in bar["tickvals"])
    assert bar["ticktext"][0] != bar["ticktext"][1]
    assert figures.log_ticks(11, 100) == [20, 50, 100]
    assert figures.log_ticks(700, 130_000) == [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]
    assert figures.log_ticks(0.01, 2e6) == [0.01, 0.1, 1, 10, 100, 1000, 10_000, 100_000, 1_000_000]
    assert figures.log_ticks(12, 18) == [12, 18]   # no round tick inside: the ends
    assert figures.tick_label(2_000_000) == "2M" and figures.tick_label(0.05) == "0.05"
    assert math.isclose(bar["tickvals"][0], math.log10(float(bar["ticktext"][0].replace(",", ""))))


def test_year_control_is_visible_and_slider_labels_keep_apart(app: dash.Dash, page: ModuleType) -> None:
    tree = page_layout(PAGE, indicator="IT.NET.USER.ZS", year="2020")
    assert by_id(tree, page.ID.YEAR_LABEL).children == "2020"
    marks = [int(y) for y in page.year_marks(list(range(1990, 2025)))]
    assert marks == [1990, 2000, 2010, 2020] and all(b - a >= 5 for a, b in zip(marks, marks[1:], strict=False))
    assert [int(y) for y in page.year_marks(list(range(1996, 2018)))] == [2000, 2010, 2017]
    out = render(app, page, "IT.NET.USER.ZS", 2019)
    assert out[page.ID.YEAR_LABEL]["children"] == "2019"
