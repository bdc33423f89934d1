"""The explorer page: its layout for good and bad URLs, its callbacks over HTTP, and its pure functions."""

from __future__ import annotations

import base64
import io
import sys
from types import ModuleType
from typing import Any

import dash
import openpyxl
import pandas as pd
import pytest
from dash_payloads import by_id, call, notices, texts
from dash_payloads import layout as page_layout

from etl import read

PAGE = "pages.explorer"


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    """The page module as loaded by the app."""
    return sys.modules[PAGE]


def layout(**query: Any) -> Any:
    return page_layout(PAGE, **query)


def selection_values(page: ModuleType, indicators: Any, countries: Any, lo: Any, hi: Any,
                     lang: str = "en", **extra: Any) -> dict[str, Any]:
    ID = page.ID
    return {f"{ID.INDICATORS}.value": indicators, f"{ID.COUNTRIES}.value": countries, f"{ID.FROM}.value": lo,
            f"{ID.TO}.value": hi, f"{ID.LANG}.data": lang, **extra}


# --- layout ----------------------------------------------------------------------------------------------

def test_layout_defaults(page: ModuleType) -> None:
    tree = layout()
    assert by_id(tree, page.ID.INDICATORS).value == list(page.DEFAULT_INDICATORS)
    assert by_id(tree, page.ID.COUNTRIES).value == list(page.DEFAULT_COUNTRIES)
    assert by_id(tree, page.ID.FROM).value == page.DEFAULT_FROM
    assert by_id(tree, page.ID.TO).value == read.year_span()[1]
    assert by_id(tree, page.ID.GRID) is not None
    assert notices(tree) == []
    # catalog indicators come first in the options, and groups (WLD, WIC) before countries
    options = by_id(tree, page.ID.INDICATORS).options
    assert len(options) == len(read.indicator_codes())
    assert options[0]["value"] in set(read.indicators(catalog_only=True)["code"])
    countries = [o["value"] for o in by_id(tree, page.ID.COUNTRIES).options]
    assert countries[:2] == ["WLD", "WIC"] and set(countries) == set(read.country_codes())


def test_layout_from_url_and_in_chinese(page: ModuleType) -> None:
    tree = layout(indicators="it.net.user.zs,SP.POP.TOTL", countries="chn,USA,HIC", **{"from": "2024", "to": "2010"},
                  lang="zh")
    assert by_id(tree, page.ID.INDICATORS).value == ["IT.NET.USER.ZS", "SP.POP.TOTL"]
    assert by_id(tree, page.ID.COUNTRIES).value == ["CHN", "USA", "HIC"]
    assert (by_id(tree, page.ID.FROM).value, by_id(tree, page.ID.TO).value) == (2010, 2024)   # swapped
    assert notices(tree) == []
    assert "数据浏览" in texts(tree)
    assert by_id(tree, page.ID.GRID).dashGridOptions["localeText"]["noRowsToShow"] == "没有数据"


@pytest.mark.parametrize("query, bad", [
    ({"indicators": "IT.NET.USER.ZS,NOPE.CODE"}, "NOPE.CODE"),
    ({"countries": "CHN,XXX"}, "XXX"),
    ({"from": "abc"}, "from=abc"),
    ({"to": "1800"}, "to=1800"),
    ({"lang": "fr"}, "lang=fr"),
    ({"indicators": "<script>"}, "<script>"),
])
def test_layout_bad_values_get_a_notice_and_defaults(page: ModuleType, query: dict[str, str], bad: str) -> None:
    tree = layout(**query)
    found = notices(tree)
    assert len(found) == 1 and bad in found[0]
    assert by_id(tree, page.ID.GRID) is not None       # the page, not the error page
    indicators = by_id(tree, page.ID.INDICATORS).value
    assert "NOPE.CODE" not in indicators and indicators


def test_layout_survives_odd_types(page: ModuleType) -> None:
    tree = layout(indicators=["A", "B"], countries="", **{"from": ["1"]})
    assert by_id(tree, page.ID.INDICATORS).value == list(page.DEFAULT_INDICATORS)
    many = ",".join(sorted(read.indicator_codes())[:30])
    tree = layout(indicators=many)
    assert len(by_id(tree, page.ID.INDICATORS).value) == page.MAX_INDICATORS
    assert notices(tree)


# --- callbacks over HTTP ---------------------------------------------------------------------------------

def test_grid_rows_are_the_observations(app: dash.Dash, page: ModuleType) -> None:
    codes, places = ["IT.NET.USER.ZS", "SP.POP.TOTL"], ["CHN", "WLD", "WIC", "EAS"]
    status, body = call(app, page.ID.GRID, selection_values(page, codes, places, 2010, 2020))
    assert status == 200
    out = body["response"]
    rows = pd.DataFrame(out[page.ID.GRID]["rowData"])
    expected = read.observations(codes, places, year_from=2010, year_to=2020, with_flags=True)
    assert len(rows) == len(expected) > 0
    assert list(rows["iso3"]) == list(expected["iso3"])
    assert list(rows["indicator"]) == list(expected["indicator"])
    assert list(rows["year"]) == [int(y) for y in expected["year"]]
    assert list(rows["value"]) == pytest.approx(list(expected["value"]), rel=1e-12)
    assert list(rows["computed"]) == [bool(c) for c in expected["computed"]]
    assert rows.loc[rows["iso3"] == "WIC", "computed"].all()          # WIC values are computed here
    assert f"{len(expected):,} rows" in out[page.ID.COUNT]["children"]
    assert out[page.ID.GRID_QUERY]["data"] == {"indicators": codes, "countries": places, "from": 2010, "to": 2020,
                                           "lang": "en"}
    assert "SP.POP.TOTL" in str(out[page.ID.ABOUT]["children"])


def test_grid_is_capped_but_says_so(app: dash.Dash, page: ModuleType) -> None:
    places = sorted(c for c in read.country_codes() if len(c) == 3)[:60]
    codes = ["SP.POP.TOTL", "NY.GDP.MKTP.CD", "SP.URB.TOTL.IN.ZS"]
    total = len(read.observations(codes, places))
    assert total > page.GRID_MAX_ROWS
    status, body = call(app, page.ID.GRID, selection_values(page, codes, places, None, None, lang="zh"))
    assert status == 200
    out = body["response"]
    assert len(out[page.ID.GRID]["rowData"]) == page.GRID_MAX_ROWS
    assert f"{total:,}" in out[page.ID.COUNT]["children"] and "下载" in out[page.ID.COUNT]["children"]


@pytest.mark.parametrize("indicators, countries, lo, hi", [
    ("'; DROP TABLE observations; --", ["CHN"], 2000, 2020),
    (["IT.NET.USER.ZS"], {"a": 1}, "x", None),
    ([None, 5, "IT.NET.USER.ZS"], ["CHN", 7], 10**30, -5),
    (None, None, None, None),
])
def test_crafted_inputs_are_harmless(app: dash.Dash, page: ModuleType, indicators: Any, countries: Any, lo: Any,
                                     hi: Any) -> None:
    status, body = call(app, page.ID.GRID, selection_values(page, indicators, countries, lo, hi))
    assert status == 200
    out = body["response"]
    assert isinstance(out[page.ID.GRID]["rowData"], list)
    assert "No rows" in out[page.ID.COUNT]["children"] or "rows." in out[page.ID.COUNT]["children"]


def test_csv_download_has_the_rows_and_comment_lines(app: dash.Dash, page: ModuleType) -> None:
    codes, places = ["IT.NET.USER.ZS", "IT.NET.BBND.P2"], ["CHN", "USA", "WLD", "WIC"]
    values = selection_values(page, codes, places, 2005, 2022, **{f"{page.ID.CSV}.n_clicks": 1})
    status, body = call(app, page.ID.DOWNLOAD_CSV, values)
    assert status == 200
    data = body["response"][page.ID.DOWNLOAD_CSV]["data"]
    assert data["filename"].endswith(".csv") and data["base64"] is False
    lines = data["content"].split("\n")
    comments = [ln for ln in lines if ln.startswith("# ")]
    assert lines[:len(comments)] == comments                     # comments lead, nothing else starts with '# '
    citation = comments[0]
    built = read.data_vintage()["built_at"]
    assert "WIC Digital Economy Observatory" in citation and "CC-BY-4.0" in citation
    assert f"{built:%Y-%m-%d}" in citation
    assert "/explorer?indicators=IT.NET.USER.ZS,IT.NET.BBND.P2&countries=CHN,USA,WLD,WIC&from=2005&to=2022" \
        in citation
    assert any("IT.NET.BBND.P2" in c and "per 100 people" in c and "CC-BY-4.0" in c for c in comments)
    assert any("computed = true" in c for c in comments)
    frame = pd.read_csv(io.StringIO("\n".join(lines[len(comments):])), keep_default_na=False)
    assert list(frame.columns) == page.COLUMNS
    expected = read.observations(codes, places, year_from=2005, year_to=2022, with_flags=True)
    assert len(frame) == len(expected)
    assert list(frame["iso3"]) == list(expected["iso3"]) and list(frame["year"]) == list(expected["year"])
    assert list(frame["value"]) == pytest.approx(list(expected["value"]), rel=1e-12)
    assert [str(c) == "True" for c in frame["computed"]] == [bool(c) for c in expected["computed"]]
    assert set(frame.loc[frame["indicator"] == "IT.NET.USER.ZS", "unit"]) == {"% of population"}
    assert set(frame["license"]) == {"CC-BY-4.0"}
    assert frame.loc[frame["computed"].astype(str) == "True", "source"].str.startswith("computed here").all()


def test_excel_download_opens_with_both_sheets(app: dash.Dash, page: ModuleType) -> None:
    codes, places = ["IT.NET.USER.ZS"], ["CHN", "WIC"]
    values = selection_values(page, codes, places, 2010, 2023, lang="zh", **{f"{page.ID.XLSX}.n_clicks": 2})
    status, body = call(app, page.ID.DOWNLOAD_XLSX, values)
    assert status == 200
    data = body["response"][page.ID.DOWNLOAD_XLSX]["data"]
    assert data["filename"].endswith(".xlsx") and data["base64"] is True
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(data["content"])), read_only=True)
    assert book.sheetnames == ["data", "about"]
    rows = list(book["data"].iter_rows(values_only=True))
    expected = read.observations(codes, places, year_from=2010, year_to=2023, with_flags=True)
    assert list(rows[0]) == page.COLUMNS
    assert len(rows) - 1 == len(expected)
    assert [r[0] for r in rows[1:]] == list(expected["iso3"])
    assert [r[5] for r in rows[1:]] == pytest.approx(list(expected["value"]), rel=1e-12)
    assert rows[1][1] == "中国"                                   # names in the page's language
    about = [r for r in book["about"].iter_rows(values_only=True)]
    assert about[0][0] == "indicator" and about[1][0] == "IT.NET.USER.ZS"
    cells = " ".join(str(c) for r in about for c in r if c)
    assert "世界互联网大会数字经济观察" in cells and "/explorer?indicators=IT.NET.USER.ZS" in cells


def test_download_without_a_click_does_nothing(app: dash.Dash, page: ModuleType) -> None:
    values = selection_values(page, ["IT.NET.USER.ZS"], ["CHN"], 2010, 2020, **{f"{page.ID.CSV}.n_clicks": 0})
    status, body = call(app, page.ID.DOWNLOAD_CSV, values)
    assert status == 204 or page.ID.DOWNLOAD_CSV not in body.get("response", {})


# --- pure functions --------------------------------------------------------------------------------------

def _meta() -> pd.DataFrame:
    return pd.DataFrame([
        {"code": "A.B", "name_en": "Alpha", "name_zh": "甲", "unit": "%", "unit_zh": "百分比", "source_org": "Org A",
         "dataset": "wdi", "license": "CC-BY-4.0", "agg_method": "weighted_mean", "agg_weight": "SP.POP.TOTL",
         "last_updated": pd.Timestamp("2026-07-01"), "definition": "def", "note": None},
        {"code": "C.D", "name_en": "Gamma", "name_zh": None, "unit": "people", "unit_zh": None, "source_org": None,
         "dataset": "gapminder", "license": "CC-BY-4.0", "agg_method": "sum", "agg_weight": None,
         "last_updated": pd.NaT, "definition": None, "note": "n"},
    ]).set_index("code", drop=False)


def _countries() -> pd.DataFrame:
    return pd.DataFrame([{"iso3": "AAA", "name_en": "Aland", "name_zh": "阿兰"},
                         {"iso3": "GRP", "name_en": "Group", "name_zh": None}]).set_index("iso3", drop=False)


def test_tidy_rows_keeps_order_and_flags(page: ModuleType) -> None:
    obs = pd.DataFrame({"iso3": ["AAA", "GRP", "AAA"], "indicator": ["A.B", "A.B", "C.D"], "year": [2001, 2001, 1999],
                        "value": [1.5, 2.25, 3.0], "source": ["wdi", "computed", "gapminder"],
                        "computed": [False, True, False]})
    rows = page.tidy_rows(obs, _meta(), _countries(), "zh")
    assert list(rows.columns) == page.COLUMNS
    assert list(rows["country"]) == ["阿兰", "Group", "阿兰"]            # English when no Chinese name
    assert list(rows["indicator_name"]) == ["甲", "甲", "Gamma"]
    assert list(rows["unit"]) == ["百分比", "百分比", "people"]
    assert list(rows["computed"]) == [False, True, False]
    assert rows["source"][0] == "Org A, via World Bank WDI"
    assert rows["source"][1] == "computed here: mean weighted by SP.POP.TOTL of country values from World Bank WDI"
    assert rows["source"][2] == "World Bank WDI (Gapminder Systema Globalis copy)"
    assert page.tidy_rows(obs.iloc[:0], _meta(), _countries(), "en").empty


def test_csv_text_and_citation(page: ModuleType) -> None:
    about = page.about_table(_meta().to_dict("index"), ["A.B", "C.D"]).assign(dataset_id=["wdi", "gapminder"])
    assert list(about["last_updated"]) == ["2026-07-01", ""]
    assert list(about["group_values_computed_as"]) == ["mean weighted by SP.POP.TOTL", "sum"]
    sources = pd.DataFrame([{"id": "wdi", "title": "World Development Indicators", "publisher": "The World Bank (x)",
                             "license": "CC-BY-4.0", "vintage": "2026-07-01"}])
    cite = page.citation(about, sources, pd.Timestamp("2026-11-29 07:46"), "http://h/explorer?x=1", "en")
    assert cite.startswith("WIC Digital Economy Observatory, data from World Development Indicators (The World Bank;"
                           " CC-BY-4.0; vintage 2026-07-01); World Bank WDI (Gapminder Systema Globalis copy)")
    assert cite.endswith("retrieved 2026-11-29 (warehouse build date), http://h/explorer?x=1")
    rows = pd.DataFrame([{c: v for c, v in zip(page.COLUMNS, ["AAA", "A, land", "A.B", "Alpha", 2001, 0.1, "%", False,
                                                              False, "s", "l"], strict=True)}])
    text = page.csv_text(rows, [cite, "line\ntwo"])
    lines = text.splitlines()
    assert lines[0] == "# " + cite and lines[1] == "# line two" and lines[2] == ",".join(page.COLUMNS)
    assert lines[3] == 'AAA,"A, land",A.B,Alpha,2001,0.1,%,False,False,s,l' and len(lines) == 4
    assert any("two thirds" in ln for ln in page.license_lines(about, True))
    assert not any("two thirds" in ln for ln in page.license_lines(about, False))


def test_excel_bytes_round_trip(page: ModuleType) -> None:
    about = page.about_table(_meta().to_dict("index"), ["A.B"])
    rows = pd.DataFrame([dict(zip(page.COLUMNS, ["AAA", "Aland", "A.B", "Alpha", 2001, 0.1, "%", True, True, "s",
                                                  "l"], strict=True))])
    book = openpyxl.load_workbook(io.BytesIO(page.excel_bytes(rows, about, ["cite me"])))
    assert book.sheetnames == ["data", "about"]
    assert [c.value for c in book["data"][2]] == ["AAA", "Aland", "A.B", "Alpha", 2001, 0.1, "%", True, True, "s",
                                                  "l"]
    assert book["about"]["A2"].value == "A.B" and book["about"]["A3"].value is None
    assert book["about"]["A4"].value == "cite me"


def test_selection_and_count_text(page: ModuleType) -> None:
    assert page.selection(["IT.NET.USER.ZS", "X", "IT.NET.USER.ZS"], ["CHN", "chn"], "2020", 1990) == \
        (["IT.NET.USER.ZS"], ["CHN"], 1990, 2020)
    assert page.selection("IT.NET.USER.ZS", 5, None, "z") == (["IT.NET.USER.ZS"], [], None, None)
    assert page.count_text(0, 0, "en").startswith("No rows")
    assert page.count_text(12000, 5000, "en") == \
        "12,000 rows. The table shows the first 5,000; the downloads have all 12,000 rows."
    assert page.count_text(7, 7, "zh") == "共 7 行。"


def test_aggregation_label(page: ModuleType) -> None:
    assert page.aggregation_label("mean weighted by SP.POP.TOTL", "zh") == "按人口加权平均（SP.POP.TOTL）"
    assert page.aggregation_label("sum", "zh") == "加总"
    assert page.aggregation_label("sum", "en") == "sum"
