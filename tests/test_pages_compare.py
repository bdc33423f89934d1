"""The compare page: palette, limits, relative mode, missing series, base year, bubble labels and year."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import dash
import pytest
from dash_payloads import by_id, call, notices
from dash_payloads import layout as page_layout

from dashboard import figures
from etl import read

PAGE = "pages.compare"


@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    return sys.modules[PAGE]


def contrast(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def lines(app: dash.Dash, page: ModuleType, places: list[str], mode: str = "absolute", base: Any = 2015,
          scale: str = "linear", indicator: str = "IT.NET.USER.ZS", lang: str = "en") -> dict[str, Any]:
    ID = page.ID
    status, body = call(app, f"{ID.LINES}.figure", {
        f"{ID.COUNTRIES}.value": places, f"{ID.INDICATOR}.value": indicator, f"{ID.SCALE}.value": scale,
        f"{ID.MODE}.value": mode, f"{ID.BASE}.value": base, f"{ID.X}.value": "NY.GDP.PCAP.PP.KD",
        f"{ID.Y}.value": "IT.NET.USER.ZS", f"{ID.SIZE}.value": "SP.POP.TOTL", f"{ID.COLOUR}.value": "region",
        f"{ID.LANG}.data": lang})
    assert status == 200
    return body["response"]


def test_palette_has_twelve_distinct_colours_readable_on_white() -> None:
    assert len(set(figures.PALETTE)) >= 12 and "#F0E442" not in figures.PALETTE
    assert all(contrast(c) >= 3.0 for c in figures.PALETTE), [(c, round(contrast(c), 2)) for c in figures.PALETTE]


def test_every_series_gets_its_own_colour_and_extra_countries_are_named(app: dash.Dash, page: ModuleType) -> None:
    places = ["CHN", "USA", "IND", "BRA", "JPN", "DEU", "FRA", "GBR", "KOR", "RUS", "ZAF", "MEX", "ITA", "ESP"]
    out = lines(app, page, places)
    colours = [t["line"]["color"] for t in out[page.ID.LINES]["figure"]["data"]]
    assert len(colours) == 12 == len(set(colours))
    summary = out[page.ID.LINES_SUMMARY]["children"]
    assert "Italy" in summary and "Spain" in summary and "12" in summary
    tree = page_layout(PAGE, countries=",".join(places))
    assert by_id(tree, page.ID.COUNTRIES).value == places[:12]
    assert any("ITA" in n for n in notices(tree))


def test_relative_mode_has_its_own_unit_and_no_log(app: dash.Dash, page: ModuleType) -> None:
    out = lines(app, page, ["CHN", "HIC", "TUV"], mode="relative", base=2010, scale="log")
    figure = out[page.ID.LINES]["figure"]
    caption = out[page.ID.LINES_CAPTION]["children"]
    assert "% change since 2010" in caption and "% of population" not in caption
    assert figure["layout"]["yaxis"]["type"] == "linear"
    assert out[page.ID.LINES_QUERY]["data"]["scale"] == "linear"
    options = out[page.ID.SCALE]["options"]
    assert next(o for o in options if o["value"] == "log")["disabled"] is True
    summary = out[page.ID.LINES_SUMMARY]["children"]
    assert "HIC" not in summary and "High income" in summary
    assert "+" in summary and "%" in summary
    tree = page_layout(PAGE, mode="relative", scale="log")
    assert by_id(tree, page.ID.SCALE).value == "linear"


def test_missing_series_are_named_with_their_cause(app: dash.Dash, page: ModuleType) -> None:
    code = "IT.NET.BBND.P2"
    first = int(read.observations(code, ["HIC"])["year"].min())
    out = lines(app, page, ["CHN", "HIC"], mode="relative", base=first - 1, indicator=code)
    summary = out[page.ID.LINES_SUMMARY]["children"]
    assert f"No value in {first - 1} for High income" in summary, summary
    code = "GB.XPD.RSDV.GD.ZS"
    table = read.country_table()
    having = set(read.observations(code)["iso3"])
    lacking = next(c for c in table[~table["is_aggregate"]]["iso3"] if c not in having)
    name = table.loc[table["iso3"] == lacking, "name_en"].iloc[0]
    summary = lines(app, page, ["CHN", lacking], indicator=code)[page.ID.LINES_SUMMARY]["children"]
    assert f"No data for {name}" in summary and lacking not in summary


def test_a_base_year_out_of_range_gives_a_notice(app: dash.Dash, page: ModuleType) -> None:
    out = lines(app, page, ["CHN", "USA"], mode="relative", base=1800)
    assert "Base year 1800 is outside 1960–2030: 2015 is used." in out[page.ID.LINES_SUMMARY]["children"]
    assert "since 2015" in out[page.ID.LINES_CAPTION]["children"]
    assert any("base=1800" in n for n in notices(page_layout(PAGE, base="1800")))


def test_bubbles_label_the_selected_countries_and_keep_the_year(app: dash.Dash, page: ModuleType) -> None:
    ID = page.ID
    values = {f"{ID.X}.value": "NY.GDP.PCAP.PP.KD", f"{ID.Y}.value": "IT.NET.USER.ZS",
              f"{ID.SIZE}.value": "SP.POP.TOTL", f"{ID.COLOUR}.value": "region",
              f"{ID.COUNTRIES}.value": ["CHN", "SGP", "WIC"], f"{ID.LANG}.data": "en",
              f"{ID.BUBBLE_YEAR}.data": 2010}
    status, body = call(app, f"{ID.BUBBLES}.figure", values)
    assert status == 200
    figure = body["response"][ID.BUBBLES]["figure"]
    assert figure["layout"]["sliders"][0]["steps"][figure["layout"]["sliders"][0]["active"]]["label"] == "2010"
    labelled = {i for t in figure["data"] for i, label in zip(t["ids"], t["texttemplate"], strict=True) if label}
    assert labelled == {"CHN", "SGP"}
    x_title = figure["layout"]["xaxis"]["title"]["text"].replace("<br>", " ")
    assert x_title.count("constant 2021 international $") == 1
    assert page.axis_title("GDP per capita (US$)", "US$") == "GDP per capita (US$)"
    assert page.axis_title("Population", "people") == "Population (people)"
    tree = page_layout(PAGE, byear="2012")
    assert by_id(tree, ID.BUBBLE_YEAR).data == 2012


@pytest.mark.parametrize("colour", ["region", "income", "wic"])
def test_a_bubble_group_has_the_same_colour_in_both_languages(app: dash.Dash, page: ModuleType, colour: str) -> None:
    """The legend follows the groups' codes (incomes from high to low), not the order of their names in a language,
    and the population in the hover is written out in full."""
    ID = page.ID
    column = {"region": "wb_region_id", "income": "income_id"}.get(colour)
    table = read.country_table()
    members = read.group_sets()["WIC"]
    drawn = {}
    for lang in ("en", "zh"):
        values = {f"{ID.X}.value": "NY.GDP.PCAP.PP.KD", f"{ID.Y}.value": "IT.NET.USER.ZS",
                  f"{ID.SIZE}.value": "SP.POP.TOTL", f"{ID.COLOUR}.value": colour, f"{ID.COUNTRIES}.value": ["CHN"],
                  f"{ID.LANG}.data": lang, f"{ID.BUBBLE_YEAR}.data": 2015}
        status, body = call(app, f"{ID.BUBBLES}.figure", values)
        assert status == 200
        traces = body["response"][ID.BUBBLES]["figure"]["data"]
        # each trace's group, as a code: the one its economies share
        codes = [{table.loc[c, column] if column else c in members for c in t["ids"]} for t in traces]
        assert all(len(c) == 1 for c in codes)
        drawn[lang] = [(next(iter(c)), t["marker"]["color"]) for c, t in zip(codes, traces, strict=True)]
        assert all("%{marker.size:,.0f}" in t["hovertemplate"] for t in traces)
        if colour == "income" and lang == "en":
            assert [t["name"] for t in traces][:4] == ["High income", "Upper middle income", "Lower middle income",
                                                       "Low income"]
    assert drawn["en"] == drawn["zh"]
