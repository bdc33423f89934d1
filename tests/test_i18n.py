"""One translation mechanism: the UI strings live in dashboard/locales/<lang>.yaml and every page uses t()."""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path
from typing import Any

import pytest

from dashboard import i18n

REPO = Path(__file__).resolve().parent.parent


def fields(text: str) -> set[str]:
    """The placeholder names of a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_in_every_language_with_the_same_placeholders() -> None:
    strings = i18n.catalog()
    assert set(strings) == set(i18n.LANGS) and len(strings["en"]) > 400
    for lang, texts in strings.items():
        assert set(texts) == set(strings["en"]), f"{lang}: keys differ from en"
        for key, text in texts.items():
            assert fields(text) == fields(strings["en"][key]), f"{lang}.yaml {key}: placeholders differ from en"


def test_no_pick_and_no_inline_string_table_left() -> None:
    offenders = [f"{p.relative_to(REPO)}:{n}" for p in sorted((REPO / "dashboard").rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\bpick\(|^STRINGS\b", line)]
    assert offenders == []


def test_a_language_is_a_file(tmp_path: Path) -> None:
    for lang in ("en", "zh"):
        (tmp_path / f"{lang}.yaml").write_bytes((i18n.LOCALES / f"{lang}.yaml").read_bytes())
    (tmp_path / "fr.yaml").write_text("nav.map: Carte\n", encoding="utf-8")
    found = i18n.read_catalog(tmp_path)
    assert i18n.langs_of(found) == ("en", "fr", "zh")
    assert found["fr"]["nav.map"] == "Carte"
    assert i18n.langs_of(i18n.catalog()) == i18n.LANGS == ("en", "zh")


def test_bad_catalog_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"en\.yaml: expected a mapping"):
        i18n.read_catalog(tmp_path)


def test_lookup_formats_falls_back_to_english_and_plurals() -> None:
    assert i18n.t("chart.year", "zh", year=2022) == "年份：2022"
    assert i18n.t("chart.year", "xx", year=2022) == "Year: 2022"
    assert i18n.plural("membership.n_countries", 1, "en") == "1 country"
    assert i18n.plural("membership.n_countries", 12, "en") == "12 countries"
    assert i18n.qualified(170, "about", "zh") == "约170" and i18n.qualified(170, "about", "en") == "about 170"
    assert i18n.qualified(51, "exact", "en") == "51"


def test_dates_and_units_follow_the_language() -> None:
    import datetime as dt

    assert i18n.month(dt.date(2022, 7, 12), "zh") == "2022年7月"
    assert i18n.month(dt.date(2022, 7, 12), "en") == "July 2022"
    assert i18n.with_unit("81.7", "占人口百分比", "zh") == "81.7（占人口百分比）"
    assert i18n.with_unit("81.7", "%", "zh") == "81.7%"


# --- zh pages show no English beyond codes, acronyms and data without a Chinese form ---------------------------

ALLOWED = {
    # codes, units, formats and acronyms of sources and methods
    "PNG", "SVG", "CSV", "Excel", "API", "HTTP", "JSON", "UTC", "ISO", "GDP", "PPP", "ICT", "WDI", "ITU", "WIC",
    "OECD", "UN", "UNESCO", "UIS", "WIPO", "ILO", "UNIDO", "EGDI", "GTMI", "DGI", "OURdata", "EU", "CC", "BY",
    "US", "EN", "ETL", "Python", "Gapminder", "Monte", "Carlo", "Cronbach", "r", "α", "log", "z", "max", "min",
}


def visible(node: Any, out: list[str]) -> None:
    """The strings a reader sees in a Dash layout: text, option labels, placeholders, figure titles and names."""
    from dash.development.base_component import Component

    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, (list, tuple)):
        for n in node:
            visible(n, out)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k in ("text", "label", "name", "headerName", "placeholder", "children") or isinstance(v, (dict, list)):
                visible(v, out)
    elif isinstance(node, Component):
        if type(node).__name__ in ("Code", "Pre"):   # code samples (API calls, Python) are not prose
            return
        for prop in ("children", "options", "placeholder", "figure", "columnDefs", "label", "marks"):
            value = getattr(node, prop, None)
            if value is not None:
                visible(value, out)


def data_words(db: Any) -> set[str]:
    """Strings that are data without a Chinese form: indicator names and units with no name_zh, source texts."""
    from etl import read

    inds = read.indicators(db=db)
    keep = set(inds.loc[inds["name_zh"].isna(), "name_en"]) | set(inds.loc[inds["unit_zh"].isna(), "unit"].dropna())
    keep |= set(inds["code"])
    keep |= set(read.members(db=db)["name"]) | set(read.members(db=db)["source_title"].dropna())
    src = read.sources(db=db)
    for col in ("license", "publisher", "origin", "title"):
        if col in src:
            keep |= set(src[col].dropna().astype(str))
    return {k for k in keep if isinstance(k, str) and k}


def english_left(texts: list[str], data: set[str]) -> set[str]:
    words: set[str] = set()
    longest_first = sorted(data, key=len, reverse=True)
    for text in texts:
        if text in data or not re.search("[A-Za-z]", text) or text.startswith(("/api/", "from etl import")):
            continue
        for item in longest_first:
            if item in text:
                text = text.replace(item, " ")
        rest = re.sub(r"https?://\S+|/api/v1\S*|&\w+=\w+|\b[A-Z0-9]{2,}(?:\.[A-Z0-9]+)+\b", " ", text)
        rest = re.sub(r"<[^>]+>", " ", rest)
        words |= {w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", rest) if w not in ALLOWED and not w.isupper()}
    return words


@pytest.mark.parametrize("page", ["overview", "membership", "briefing", "not_found_404"])
def test_zh_pages_have_no_english_words(page: str, app: Any, db: Any) -> None:
    import dash

    module = next(p for p in dash.page_registry.values() if p["module"] == f"pages.{page}")
    out: list[str] = []
    visible(module["layout"](lang="zh"), out)
    assert english_left(out, data_words(db)) == set()


@pytest.mark.parametrize("module", ["explorer", "map"])
def test_indicator_search_finds_chinese_names(module: str, app: Any) -> None:
    page = sys.modules[f"pages.{module}"]   # the module Dash registered (importing it again registers it twice)
    found = [o["value"] for o in page.indicator_options("zh") if "预期寿命" in f"{o['label']} {o.get('search', '')}"]
    assert "SP.DYN.LE00.IN" in found     # a WDI name from etl/meta/names_zh.yaml, loaded into name_zh


def test_chinese_names_for_at_least_100_more_indicators(db: Any) -> None:
    from etl import read

    inds = read.indicators(db=db)
    assert inds["name_zh"].notna().sum() >= 250
    assert inds.loc[inds["code"] == "SP.DYN.LE00.IN", "name_zh"].item() == "出生时的预期寿命，总体（岁）"


def test_zh_csv_has_a_bom_and_chinese_comments(app: Any, db: Any) -> None:
    import sys

    import pandas as pd

    explorer = sys.modules["pages.explorer"]
    rows = pd.DataFrame(columns=explorer.COLUMNS)
    about = pd.DataFrame([{"indicator": "SP.DYN.LE00.IN", "name_en": "Life expectancy at birth, total (years)",
                           "name_zh": "出生时的预期寿命，总体（岁）", "unit": "years", "dataset": "wdi",
                           "source_organization": "International Telecommunication Union (ITU)",
                           "license": "CC BY 4.0"}])
    zh = explorer.csv_text(rows, explorer.license_lines(about, True, "zh"), "zh")
    en = explorer.csv_text(rows, explorer.license_lines(about, True, "en"), "en")
    assert zh.startswith("\ufeff# SP.DYN.LE00.IN（出生时的预期寿命，总体（岁））：单位") and "国际电信联盟" in zh
    assert "计算" in zh and not en.startswith("\ufeff") and en.startswith("# SP.DYN.LE00.IN (Life expectancy")


def test_charts_get_plotly_texts_and_dropdowns_their_labels_in_zh() -> None:
    from dash import dcc, html

    from dashboard import components

    tree = html.Div([dcc.Graph(id="g", config={"displaylogo": False}), html.Div(dcc.Dropdown(id="d", options=[]))])
    components.label_dropdowns(tree, "zh")
    graph, dropdown = tree.children[0], tree.children[1].children
    assert graph.config["locale"] == "zh" and graph.config["displaylogo"] is False
    assert graph.config["locales"]["zh"]["dictionary"]["Zoom in"] == "放大"
    assert dropdown.labels["no_options_found"] == "无匹配项" and dropdown.labels["search"] == "搜索"
    assert components.plotly_locale("en") == {}
