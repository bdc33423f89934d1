"""One translation mechanism: the UI strings live in dashboard/locales/<lang>.yaml and every page uses t()."""

from __future__ import annotations

import json
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
        for key, text in texts.items():   # a language's rules (_locale.) may use fewer: '第{n}' for '{n}{suffix}'
            if not key.startswith("_locale."):
                assert fields(text) == fields(strings["en"][key]), f"{lang}.yaml {key}: placeholders differ from en"
            else:
                assert fields(text) <= fields(strings["en"][key]), f"{lang}.yaml {key}: placeholders not in en"


def test_no_pick_and_no_inline_string_table_left() -> None:
    offenders = [f"{p.relative_to(REPO)}:{n}" for p in sorted((REPO / "dashboard").rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\bpick\(|^STRINGS\b", line)]
    assert offenders == []


def test_no_language_branch_left() -> None:
    """Languages differ by their files (strings and _locale. rules), never by a comparison with a language code."""
    offenders = [f"{p.relative_to(REPO)}:{n}" for folder in ("dashboard", "etl")
                 for p in sorted((REPO / folder).rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"""[=!]= ?["'](?:zh|en)["']|["'](?:zh|en)["'] ?[=!]=""", line)]
    assert offenders == []


def test_language_rules_come_from_the_files() -> None:
    from etl import citation, facts, numbers

    assert i18n.html_lang("zh") == "zh-Hans" and i18n.html_lang("en") == "en"
    assert i18n.joined(["a", "b"], "zh") == "a、b" and i18n.joined(["a", "b"], "en") == "a, b"
    assert numbers.fmt(196_616, "zh") == "196,616" and numbers.fmt(2.5e6, "zh") == "250万"
    assert numbers.fmt(3.2e9, "zh") == "32.00亿" and numbers.fmt(3.2e9, "en") == "3.20 billion"
    assert numbers.fmt(None, "zh") == "无数据" and numbers.ordinal(22, "en") == "22nd"
    assert numbers.ordinal(3, "zh") == "第3"
    compact = citation.vintage_text({"run_id": "r1"}, "zh", advice=False, compact=True)
    assert compact == "数据版本：ETL 运行 r1，构建于 ? UTC。"
    assert i18n.localized({"title": "T", "title_zh": "标题"}, "title", "zh") == "标题"
    assert i18n.localized({"title": "T", "title_zh": None}, "title", "zh") == "T"
    assert facts.joined(["a", "b"], "en", "and") == "a and b"


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
    "US", "EN", "ETL", "Python", "Gapminder", "Monte", "Carlo", "Cronbach", "r", "α", "log", "z", "x", "max", "min",
    "DDF", "Frictionless", "GovTech",
    # proper names without a Chinese form: companies (the EC benchmark's researchers, Netcraft's survey), the
    # databases Comtrade and Scopus, Eurostat's EUplus aggregate
    "Capgemini", "Sogeti", "Netcraft", "Comtrade", "Scopus", "EUplus",
}
# Not prose: colours, Plotly's hover placeholders, bit-rate symbols (kept as symbols in ITU's Chinese texts too),
# SDG target numbers (9.c.1), run ids, file names, numbers in exponent notation, domain names, API versions,
# sub-indicator codes (1a-4d)
NOT_WORDS = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|%\{[^}]*\}|\b[kMG]bit/s(?![A-Za-z])|\b\d+\.[a-z]\.\d+\b"
                       r"|\b\d{8}T\d{6}Z-[0-9a-f]+|[\w/.-]+\.(?:json|csv|xlsx|zip|ya?ml|md)(?![A-Za-z0-9])|\d[eE][-+]?\d+"
                       r"|\b[\w-]+\.(?:io|org)\b|\bv\d+\b|\b\d[a-z]-\d[a-z]\b")
# Props and keys whose strings a reader sees (lists elsewhere hold data: locations, z, customdata, colours)
TEXT_KEYS = {"text", "label", "name", "headerName", "placeholder", "children", "ticktext", "hovertext", "title",
             "hovertemplate", "texttemplate"}


def visible(node: Any, out: list[str]) -> None:
    """The strings a reader sees in a Dash layout or a callback's JSON: text, option labels, placeholders, figure
    titles, axis titles, legends, hover texts, table cells. Code samples and quotations (``lang="en"``) are not
    prose."""
    from dash.development.base_component import Component

    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, (list, tuple)):
        for n in node:
            visible(n, out)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "type" in node and (   # a component in a callback's JSON
                node["type"] in ("Code", "Pre") or props.get("lang") == "en"):
            return
        for k, v in node.items():
            if k == "rowData" and isinstance(v, list):
                out.extend(str(c) for row in v if isinstance(row, dict) for c in row.values() if isinstance(c, str))
            elif k in TEXT_KEYS or isinstance(v, dict) or (isinstance(v, list) and v and
                                                         all(isinstance(x, dict) for x in v)):
                visible(v, out)
    elif isinstance(node, Component):
        if type(node).__name__ in ("Code", "Pre") or getattr(node, "lang", None) == "en":
            return
        for prop in ("children", "options", "placeholder", "figure", "columnDefs", "label", "marks", "title"):
            value = getattr(node, prop, None)
            if value is not None:
                visible(value, out)
        rows = getattr(node, "rowData", None)
        if isinstance(rows, list):
            visible({"rowData": rows}, out)


def data_words(db: Any) -> set[str]:
    """Strings that are data without a Chinese form: codes and step ids, names of indicators that have no Chinese
    name, licences (quotations, in the source's own words), member names and the titles of the articles cited."""
    from etl import read

    inds = read.indicators(db=db)
    keep = set(inds.loc[inds["name_zh"].isna(), "name_en"]) | set(inds.loc[inds["unit_zh"].isna(), "unit"].dropna())
    keep |= set(inds["code"]) | set(inds["license"].dropna())
    members = read.members(db=db)
    keep |= set(members["name"]) | set(members["source_title"].dropna())
    keep |= set(read.membership_counts(db=db)["source_title"].dropna())
    src = read.sources(db=db)
    keep |= set(src["id"]) | set(src["license"].dropna().astype(str))
    return {k for k in keep if isinstance(k, str) and k}


def english_left(texts: list[str], data: set[str]) -> set[str]:
    """English words left in ``texts`` once data, codes, addresses and markup are taken out."""
    words: set[str] = set()
    longest_first = sorted(data, key=len, reverse=True)
    for text in texts:
        if text in data or not re.search("[A-Za-z]", text) or text.startswith(("/api/", "from etl import")):
            continue
        text = re.sub(r"<br>", " ", text)
        for item in longest_first:
            if item in text:
                text = text.replace(item, " ")
        rest = re.sub(r"https?://\S+|/api/v1\S*|&\w+=\w+|\b[A-Z0-9]{2,}(?:[._][A-Z0-9]+)+\b", " ", text)
        rest = NOT_WORDS.sub(" ", re.sub(r"<[^>]+>", " ", rest))
        words |= {w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", rest) if w not in ALLOWED and not w.isupper()}
    return words


# Every registered page in zh with realistic queries, and the main callbacks' outputs fed the values the page drew.
ZH_PAGES: dict[str, dict[str, str]] = {
    "overview": {},
    "map": {"indicator": "IT.NET.BBND.P2", "year": "2020", "region": "EAS"},
    "map_sdg": {"indicator": "SE_ADT_ACTS.EMAIL", "year": "2017"},
    "map_egdi": {"indicator": "UNDESA.EGDI", "year": "2023"},
    "country": {"iso3": "CHN", "indicator": "IT.NET.USER.ZS"},
    "country_wdi": {"iso3": "BRA", "indicator": "NE.EXP.GNFS.ZS"},
    "compare": {"countries": "CHN,BRA,WIC,WLD", "indicator": "IT.CEL.SETS.P2", "mode": "relative", "base": "2015"},
    "compare_log": {"countries": "USA,IND,HIC", "indicator": "NY.GDP.PCAP.PP.KD", "scale": "log"},
    "index": {"country": "CHN", "norm": "zscore"},
    "explorer": {"indicators": "IT.NET.USER.ZS,SE_ADT_ACTS.EMAIL,NE.EXP.GNFS.ZS", "countries": "CHN,BRA,WIC",
                 "from": "2015", "to": "2022"},
    "membership": {"category": "", "country": ""},
    "briefing": {"country": "CHN"},
    "sources": {"pillar": ""},
    "not_found_404": {},
    "embed.map": {"indicator": "UNDESA.EGDI", "year": "2022"},
    "embed.country-index": {"iso3": "IND"},
}
MODULES = {"map_sdg": "map", "map_egdi": "map", "country_wdi": "country", "compare_log": "compare"}
CALLBACKS = {"map": ("map-graph.figure",), "country": ("country-trend.figure",),
             "compare": ("compare-lines.figure", "compare-bubbles.figure"),
             "index": ("index-rank.figure", "index-pillar.figure"), "explorer": ("explorer-grid.rowData",),
             "membership": ("membership-map.figure",), "sources": ("sources-catalog.",)}


def callback_texts(app: Any, tree: Any, output_part: str) -> list[str]:
    """The strings a reader sees in a callback's outputs, called with the values the page's layout holds."""
    from dash_payloads import call, nodes

    key = next(k for k in app.callback_map if output_part in k)
    spec = app.callback_map[key]
    held = {f"{n.id}.{p['property']}": getattr(n, p["property"], None) for n in nodes(tree)
            for p in (*spec["inputs"], *spec["state"]) if getattr(n, "id", None) == p["id"]}
    status, body = call(app, output_part, held)
    assert status == 200, (output_part, held)
    out: list[str] = []
    visible(body["response"], out)
    return out


def page_data(page: str, db: Any) -> set[str]:
    """Data a page shows on purpose in English: the Sources page's catalog has a column of the English names
    beside the Chinese ones, and its table of ETL runs quotes the run log (steps, statuses, warnings) as recorded."""
    from etl import read

    if page != "sources":
        return set()
    keep = set(read.indicators(catalog_only=True, db=db)["name_en"])
    for r in read.runs(db=db).to_dict("records"):
        keep |= {str(v) for v in r.values() if isinstance(v, str)}
        for field in ("steps", "warnings"):
            value = json.loads(r[field]) if isinstance(r.get(field), str) else r.get(field)
            keep |= set(map(str, value)) if isinstance(value, list) else \
                {f"{k}: {v}" for k, v in value.items()} if isinstance(value, dict) else set()
    return keep


@pytest.mark.parametrize("page", list(ZH_PAGES))
def test_zh_pages_have_no_english_words(page: str, app: Any, db: Any) -> None:
    import dash

    module = MODULES.get(page, page)
    entry = next(p for p in dash.page_registry.values() if p["module"] == f"pages.{module}")
    tree = entry["layout"](lang="zh", **ZH_PAGES[page])
    out: list[str] = []
    visible(tree, out)
    for output_part in CALLBACKS.get(module, ()):
        out += callback_texts(app, tree, output_part)
    assert english_left(out, data_words(db) | page_data(page, db)) == set()


def test_zh_briefs_have_no_english_words(db: Any) -> None:
    import html

    from dashboard.briefing import template
    from dashboard.briefing.build import build

    for code in ("CHN", "WIC"):
        page = template.render(build(code), "zh", standalone=False)
        body = page[page.index("<body"):page.index('<script type="application/json"')]
        texts = [html.unescape(x) for x in re.split(r"<[^>]+>", body) if x.strip()]
        assert len(texts) > 50 and english_left(texts, data_words(db)) == set(), code


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


def test_chinese_titles_and_notes_wrap_between_characters() -> None:
    from dashboard import figures

    title = "具备信息通信技术技能的青年和成人比例（发送带附件的电子邮件，女性）, 2017"
    lines = figures._split(title, 42)
    assert len(lines) == 2 and all(figures.text_width(line) <= 42 for line in lines)
    assert "".join(lines) == title     # broken between two characters, nothing lost
    note = figures.wrap("单位：% · 年份：2017 · 来源：联合国统计司（UNSD）可持续发展目标全球数据库；"
                        "托管机构为国际电信联盟（9.c.1）")
    assert all(figures.text_width(line) <= 58 for line in note.split("<br>"))
    assert not any(line.startswith(("，", "）", "。")) for line in figures._split("一二三四五六七八九十，" * 8, 20))
    assert figures._split("Fixed broadband subscriptions per 100 people", 30) == [
        "Fixed broadband subscriptions", "per 100 people"]
