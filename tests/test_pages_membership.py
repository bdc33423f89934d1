"""The membership page: its layout for good and bad URLs, its callbacks over HTTP, and its pure functions."""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import Any

import dash
import pandas as pd
import pytest
from dash.development.base_component import Component
from dash_payloads import by_id, call, nodes, notices
from dash_payloads import layout as page_layout
from plotly.io.json import to_json_plotly

from dashboard import i18n
from etl import read

PAGE = "pages.membership"


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    """The page module as loaded by the app."""
    return sys.modules[PAGE]


def layout(**query: Any) -> Any:
    return page_layout(PAGE, **query)


def table_rows(table: Any) -> list[list[Any]]:
    """Cells of a rendered html.Table (as JSON from a callback response) below its header."""
    if "props" in table and table.get("type") == "Div":
        table = table["props"]["children"]
    body = table["props"]["children"][1]
    return [[cell["props"]["children"] for cell in tr["props"]["children"]] for tr in body["props"]["children"]]


def expected_note(lang: str) -> str:
    members, counts = read.members(), read.membership_counts()
    latest = counts.sort_values("as_of").iloc[-1]
    return i18n.t("members.note", lang, named=len(members), qualifier=i18n.qualifier(latest["members_qualifier"], lang),
                  total=int(latest["members"]), date=f"{latest['as_of']:%Y-%m-%d}")


# --- layout ----------------------------------------------------------------------------------------------

def test_layout_says_plainly_these_are_named_members_only(page: ModuleType) -> None:
    tree = layout()
    strong = [n for n in nodes(tree) if type(n).__name__ == "Strong"]
    assert strong and strong[0].children == expected_note("en")
    n = len(read.members())
    total = int(read.membership_counts().sort_values("as_of").iloc[-1]["members"])
    assert f"({n})" in strong[0].children and str(total) in strong[0].children
    assert by_id(tree, page.ID.CATEGORY).value == "" and by_id(tree, page.ID.COUNTRY).value == ""
    assert by_id(tree, page.ID.MAP) is not None
    assert any(getattr(x, "children", None) == expected_note("en") for x in notices(tree))   # shown prominently
    assert not [x for x in notices(tree) if isinstance(x, str) and "not understood" in x]


def test_layout_in_chinese_with_filters(page: ModuleType) -> None:
    tree = layout(lang="zh", category="enterprise", country="chn")
    strong = [n for n in nodes(tree) if type(n).__name__ == "Strong"]
    assert strong[0].children == expected_note("zh")
    assert by_id(tree, page.ID.CATEGORY).value == "enterprise"
    assert by_id(tree, page.ID.COUNTRY).value == "CHN"
    assert {o["label"] for o in by_id(tree, page.ID.CATEGORY).options} >= {"企业", "所有类别"}


@pytest.mark.parametrize("query, bad", [
    ({"category": "spaceship"}, "category=spaceship"),
    ({"country": "FRA"}, "country=FRA"),         # a real country, but no named member there
    ({"country": "ZZZ", "lang": "xx"}, "lang=xx"),
])
def test_layout_bad_values(page: ModuleType, query: dict[str, str], bad: str) -> None:
    tree = layout(**query)
    warn = [x for x in notices(tree) if isinstance(x, str)]
    assert len(warn) == 1 and bad in warn[0]
    assert by_id(tree, page.ID.CATEGORY).value == "" and by_id(tree, page.ID.COUNTRY).value == ""
    assert by_id(tree, page.ID.REGISTER) is not None


# --- callbacks over HTTP ---------------------------------------------------------------------------------

def test_member_views_match_the_register(app: dash.Dash, page: ModuleType) -> None:
    ID = page.ID
    status, body = call(app, ID.MAP, {f"{ID.CATEGORY}.value": "enterprise", f"{ID.COUNTRY}.value": "",
                                      f"{ID.LANG}.data": "en"})
    assert status == 200
    out = body["response"]
    members = read.members()
    chosen = members[members["category"] == "enterprise"]
    expected = chosen["country_iso3"].value_counts()
    coloured = out[ID.MAP]["figure"]["data"][1]
    assert dict(zip(coloured["locations"], [round(10 ** z) for z in coloured["z"]], strict=True)) == \
        {k: int(v) for k, v in expected.items()}
    assert f"{len(chosen)} publicly named members" in out[ID.MAP_SUMMARY]["children"]
    register = table_rows(out[ID.REGISTER]["children"])
    assert len(register) == len(chosen)
    assert {r[0] for r in register} == set(chosen["name"])
    assert {r[1] for r in register} == {"enterprise"}
    links = [r[5] for r in register if isinstance(r[5], dict)]
    assert links and all(a["type"] == "A" and a["props"]["href"].startswith("http") for a in links)
    assert len(links) == int(chosen["source_url"].notna().sum())
    cats = out[ID.CATS]["figure"]["data"][0]
    assert cats["x"] == [len(chosen)]
    assert out[ID.QUERY]["data"] == {"category": "enterprise", "country": None, "lang": "en"}
    assert out[ID.REGISTER_COUNT]["children"] == f"{len(chosen)} of {len(members)} publicly named members shown."


def test_member_views_by_country_in_chinese(app: dash.Dash, page: ModuleType) -> None:
    ID = page.ID
    status, body = call(app, ID.MAP, {f"{ID.CATEGORY}.value": "", f"{ID.COUNTRY}.value": "USA",
                                      f"{ID.LANG}.data": "zh"})
    assert status == 200
    out = body["response"]
    members = read.members()
    usa = members[members["country_iso3"] == "USA"]
    bars = out[ID.CATS]["figure"]["data"][0]
    assert sum(bars["x"]) == len(usa)
    assert set(bars["y"]) == {read.member_label("category", c, "zh") for c in usa["category"]}
    assert not any(y.isascii() for y in bars["y"])   # translated, from the members metadata
    assert {r[2] for r in table_rows(out[ID.REGISTER]["children"])} == {"美国"}


@pytest.mark.parametrize("category, country", [("'; DROP TABLE members", None), (5, ["x"]), (None, {"a": 1})])
def test_crafted_filters_show_everything(app: dash.Dash, page: ModuleType, category: Any, country: Any) -> None:
    ID = page.ID
    status, body = call(app, ID.MAP, {f"{ID.CATEGORY}.value": category, f"{ID.COUNTRY}.value": country,
                                      f"{ID.LANG}.data": "de"})
    assert status == 200
    out = body["response"]
    assert len(table_rows(out[ID.REGISTER]["children"])) == len(read.members())
    assert out[ID.QUERY]["data"] == {"category": None, "country": None, "lang": "en"}


def test_official_counts_chart_shows_qualifiers(app: dash.Dash, page: ModuleType) -> None:
    ID = page.ID
    counts = read.membership_counts().sort_values("as_of")
    assert not any(ID.COUNTS in k for k in app.callback_map)   # drawn with the page, never by a callback
    for lang in ("en", "zh"):
        drawn = {n.id: n for n in layout(lang=lang)._traverse() if isinstance(n, Component) and
                 getattr(n, "id", None) in (ID.COUNTS, ID.COUNTS_TABLE, ID.COUNTS_CAPTION, ID.COUNTS_SUMMARY)}
        out = {cid: json.loads(to_json_plotly(n.to_plotly_json()["props"])) for cid, n in drawn.items()}
        members, places = out[ID.COUNTS]["figure"]["data"]
        assert members["y"] == [int(n) for n in counts["members"]]
        assert places["y"] == [int(n) for n in counts["countries_and_regions"]]
        want = [f"{i18n.qualifier(q, lang)}{'' if lang == 'zh' else ' '}{n}".strip()
                for n, q in zip(counts["members"], counts["members_qualifier"], strict=True)]
        assert members["text"] == want
        assert "about 170" in members["text"] if lang == "en" else "约170" in members["text"]
        hover = members["customdata"][-1]
        assert f"{counts.iloc[-1]['as_of']:%Y-%m-%d}" in hover
        assert len(table_rows(out[ID.COUNTS_TABLE]["children"])) == len(counts)
        assert out[ID.COUNTS_CAPTION]["children"] and out[ID.COUNTS_SUMMARY]["children"]


# --- pure functions --------------------------------------------------------------------------------------

def _members() -> pd.DataFrame:
    return pd.DataFrame([
        {"member_id": 1, "name": "A Co", "category": "enterprise", "country_iso3": "AAA", "country_en": "Aland",
         "country_zh": "阿兰", "evidence": "named", "first_reported": pd.Timestamp("2023-01-02"),
         "source_url": "https://example.org/a", "source_title": "Report A", "confidence": "high"},
        {"member_id": 2, "name": "B Inst", "category": "institution", "country_iso3": "AAA", "country_en": "Aland",
         "country_zh": "阿兰", "evidence": "named", "first_reported": pd.Timestamp("2022-05-01"),
         "source_url": None, "source_title": "Paper B", "confidence": "medium"},
        {"member_id": 3, "name": "C Person", "category": "individual", "country_iso3": None, "country_en": None,
         "country_zh": None, "evidence": "seen", "first_reported": pd.Timestamp("2024-03-04"),
         "source_url": "javascript:alert(1)", "source_title": None, "confidence": "medium-high"},
        {"member_id": 4, "name": "D Co", "category": "enterprise", "country_iso3": "BBB", "country_en": "Bland",
         "country_zh": None, "evidence": "named", "first_reported": pd.Timestamp("2023-01-02"),
         "source_url": None, "source_title": None, "confidence": "high"},
    ])


def _counts() -> pd.DataFrame:
    return pd.DataFrame([
        {"as_of": pd.Timestamp("2022-07-12"), "members": 100, "members_qualifier": "about",
         "countries_and_regions": 20, "countries_qualifier": "nearly", "continents": 6, "occasion": "founding",
         "source_url": None, "source_title": "Reports", "confidence": "medium"},
        {"as_of": pd.Timestamp("2024-10-24"), "members": 170, "members_qualifier": "more than",
         "countries_and_regions": 30, "countries_qualifier": "exact", "continents": 6, "occasion": "summit",
         "source_url": "https://example.org/c", "source_title": "Xinhua", "confidence": "high"},
    ])


def test_qualified_counts(page: ModuleType) -> None:
    assert page.qualified(170, "about", "en") == "about 170"
    assert page.qualified(120, "more than", "zh") == "超过120"
    assert page.qualified(110, "exact", "en") == "110"
    assert page.qualified(110, None, "zh") == "110"


def test_counts_table_and_figure(page: ModuleType) -> None:
    table = page.counts_table(_counts(), "en")
    assert list(table["members"]) == ["about 100", "more than 170"]
    assert list(table["countries"]) == ["nearly 20", "30"]
    fig = page.counts_figure(table, title="T", note="N", lang="en")
    assert [t["y"] for t in fig["data"]] == [[100, 170], [20, 30]]
    assert fig["data"][0]["text"] == ["about 100", "more than 170"]
    assert "Xinhua" in fig["data"][0]["customdata"][1] and "30 countries and regions" in fig["data"][0]["customdata"][1]
    assert fig["layout"]["yaxis"]["range"][1] > 170
    assert page.counts_summary(table, "en").startswith("The official count rose from about 100 members on 2022-07-12")
    assert page.members_note(_members(), _counts(), "en") == \
        "This lists the publicly named members only (4) out of more than 170 reported on 2024-10-24. " \
        "It is not the full register."


def test_country_and_category_counts(page: ModuleType) -> None:
    by_country = page.country_counts(_members(), "zh")
    assert list(by_country["iso3"]) == ["AAA", "BBB"] and list(by_country["value"]) == [2, 1]
    assert list(by_country["name"]) == ["阿兰", "Bland"]
    assert "企业 1" in by_country["categories"][0] and "机构 1" in by_country["categories"][0]
    cats = page.category_counts(_members(), "en")
    assert list(cats["key"]) == ["enterprise", "institution", "individual"] and list(cats["value"]) == [2, 1, 1]
    assert page.filter_members(_members(), "enterprise", "BBB")["name"].tolist() == ["D Co"]


def test_register_rows_link_only_real_urls(page: ModuleType) -> None:
    rows = page.register_rows(_members(), "en")
    assert list(rows["name"]) == ["B Inst", "A Co", "D Co", "C Person"]          # by first reported
    a = rows.loc[rows["name"] == "A Co", "source"].iloc[0]
    assert type(a).__name__ == "A" and a.href == "https://example.org/a" and a.children == "Report A"
    assert rows.loc[rows["name"] == "B Inst", "source"].iloc[0] == "Paper B"
    assert rows.loc[rows["name"] == "C Person", "source"].iloc[0] == page.UNKNOWN    # no javascript: link
    assert rows.loc[rows["name"] == "C Person", "country"].iloc[0] == page.UNKNOWN
    assert page.register_rows(_members(), "zh")["confidence"].tolist() == ["中", "高", "高", "中高"]


def test_count_scale_starts_at_one_member(page: ModuleType) -> None:
    fig = {"data": [{"z": []}, {"z": [0.0, 1.447], "colorbar": {"title": "m"}}]}
    page.count_scale(fig, [1, 28])
    bar = fig["data"][1]
    assert bar["zmin"] == 0 and bar["zmax"] == pytest.approx(1.447158)
    assert bar["colorbar"]["ticktext"] == ["1", "2", "5", "10", "20"]


def test_counts_are_worded_in_the_singular_for_one(app: dash.Dash, page: ModuleType) -> None:
    """'1 publicly named member is', '1 category in all': computed from a country with exactly one member."""
    ID = page.ID
    members = read.members()
    per_country = members["country_iso3"].value_counts()
    single = str(per_country[per_country == 1].index[0])
    status, body = call(app, ID.MAP, {f"{ID.CATEGORY}.value": "", f"{ID.COUNTRY}.value": single,
                                      f"{ID.LANG}.data": "en"})
    assert status == 200
    out = body["response"]
    assert out[ID.MAP_SUMMARY]["children"].startswith("1 publicly named member is linked to 1 country ")
    assert "1 category in all." in out[ID.CATS_SUMMARY]["children"]
    from dashboard import i18n

    assert [i18n.fmt_delta(v, "en") for v in (-0.001, -0.35, 0.0, 12.345)] == ["0", "−0.35", "0", "+12.3"]
