"""The sources and methodology page: its layout for good and bad URLs, its callback over HTTP, and its pure
functions."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import dash
import pandas as pd
import pytest
from dash_payloads import by_id, call, notices, texts
from dash_payloads import layout as page_layout

from etl import read

PAGE = "pages.sources"


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    """The page module as loaded by the app."""
    return sys.modules[PAGE]


def layout(**query: Any) -> Any:
    return page_layout(PAGE, **query)


def json_strings(value: Any) -> list[str]:
    """Every string inside a JSON-serialized component tree."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


# --- layout ----------------------------------------------------------------------------------------------

def test_layout_lists_every_source_indicator_and_run(page: ModuleType) -> None:
    tree = layout()
    words = texts(tree)
    sources = read.sources()
    for s in sources.to_dict("records"):
        assert s["title"] in words and s["license"] in words and s["publisher"] in words \
            and page.for_readers(s["origin"]) in words
        assert str(s["vintage"])[:10] in words
    catalog = read.indicators(catalog_only=True)
    for row in catalog.to_dict("records"):
        assert row["code"] in words and row["name_zh"] in words and row["source_org"] in words
    for run_id in read.runs()["run_id"]:
        assert run_id in words
    assert "two thirds" in words and "population-weighted" in words          # the README's wording
    assert "mobile-broadband subscriptions" in words and "5G" in words       # not covered
    wdi = read.indicators()
    assert str(int((wdi["dataset"] == "wdi").sum())) in words
    assert notices(tree) == []


def test_layout_in_chinese_with_a_pillar(page: ModuleType) -> None:
    tree = layout(lang="zh", pillar="innovation")
    words = texts(tree)
    assert "来源与方法" in words and "三分之二" in words and "越高越好" in words
    catalog = read.indicators(catalog_only=True)
    shown = texts(by_id(tree, page.ID.CATALOG))
    for row in catalog.to_dict("records"):
        assert (row["code"] in shown) == (row["pillar"] == "innovation")
    assert by_id(tree, page.ID.PILLAR).value == "innovation"


@pytest.mark.parametrize("query, bad", [({"pillar": "moon"}, "pillar=moon"), ({"lang": "<b>"}, "lang=<b>")])
def test_layout_bad_values(page: ModuleType, query: dict[str, str], bad: str) -> None:
    tree = layout(**query)
    found = notices(tree)
    assert len(found) == 1 and bad in found[0]
    assert by_id(tree, page.ID.PILLAR).value == ""
    assert all(code in texts(tree) for code in read.indicators(catalog_only=True)["code"])


def test_methodology_facts_come_from_the_warehouse(page: ModuleType) -> None:
    coverage = read.aggregate_coverage()
    words = texts(layout())
    assert f"{len(coverage):,} group-indicator-year values were computed; {int(coverage['published'].sum()):,}" \
        in words
    wb = sorted(set(coverage.loc[coverage["iso3"] == "WLD", "indicator"]))
    assert wb and all(f"({code})" in words for code in wb)


# --- callback over HTTP ----------------------------------------------------------------------------------

@pytest.mark.parametrize("pillar, expected", [("skills", "skills"), ("", ""), ("nope", ""), (["x"], "")])
def test_pillar_filter(app: dash.Dash, page: ModuleType, pillar: Any, expected: str) -> None:
    ID = page.ID
    status, body = call(app, ID.CATALOG, {f"{ID.PILLAR}.value": pillar, f"{ID.LANG}.data": "en"})
    assert status == 200
    out = body["response"]
    shown = " ".join(json_strings(out[ID.CATALOG]["children"]))
    catalog = read.indicators(catalog_only=True)
    for row in catalog.to_dict("records"):
        assert (f"{row['code']} " in shown) == (not expected or row["pillar"] == expected)
    assert out[ID.QUERY]["data"] == {"pillar": expected or None, "lang": "en"}


# --- pure functions --------------------------------------------------------------------------------------

def test_direction_and_group_method(page: ModuleType) -> None:
    assert page.direction(True, "en") == "higher is better"
    assert page.direction(False, "zh") == "越低越好"
    assert page.direction(None, "en") == "no normative direction"
    assert page.group_method("weighted_mean", "SP.POP.TOTL", "wb+wic", "en").startswith("mean weighted by population")
    assert "WIC only" in page.group_method("weighted_mean", "NY.GDP.MKTP.CD", "wic", "en")
    assert page.group_method("sum", None, "wic", "zh").startswith("报告国家数值加总")
    assert page.group_method("none", None, "", "en") == "not computed (survey score)"


def test_computed_groups_and_coverage_rows(page: ModuleType) -> None:
    groups = pd.DataFrame([{"code": "WLD", "kind": "world", "name_en": "World", "name_zh": "世界"},
                           {"code": "WIC", "kind": "wic", "name_en": "WIC members", "name_zh": None}])
    coverage = pd.DataFrame({"iso3": ["WLD", "WIC", "WIC", "WIC"], "indicator": ["A", "A", "B", "B"],
                             "year": [2000, 2000, 2000, 2001], "published": [True, False, True, True]})
    assert page.computed_groups(coverage, groups) == {"A": "wb+wic", "B": "wic"}
    rows = page.coverage_rows(coverage, groups, "zh")
    assert rows.to_dict("records") == [
        {"code": "WIC", "name": "WIC members", "indicators": 2, "computed": 3, "published": 2, "withheld": 1},
        {"code": "WLD", "name": "世界", "indicators": 1, "computed": 1, "published": 1, "withheld": 0}]


def test_run_rows_and_source_rows(page: ModuleType) -> None:
    runs = pd.DataFrame([{"run_id": "r1", "started_at": pd.Timestamp("2026-01-01 10:00:00"),
                          "finished_at": pd.Timestamp("2026-01-01 10:00:04.5"), "source": "mirror", "status": "ok",
                          "code_version": "abc", "steps": '{"wdi": "loaded", "members": "skipped"}',
                          "row_counts": '{"observations": 1234567}', "warnings": '["odd file"]'},
                         {"run_id": "r0", "started_at": None, "finished_at": None, "source": "mirror",
                          "status": "failed", "code_version": None, "steps": "not json", "row_counts": None,
                          "warnings": "[]"}])
    rows = page.run_rows(runs).to_dict("records")
    assert rows[0] == {"run_id": "r1", "started": "2026-01-01 10:00:00", "seconds": "4.5", "source": "mirror",
                       "status": "ok", "code_version": "abc", "steps": "wdi: loaded, members: skipped",
                       "observations": "1,234,567", "warnings": "odd file"}
    assert rows[1]["steps"] == "not json" and rows[1]["warnings"] == "—" and rows[1]["seconds"] == ""
    sources = pd.DataFrame([{"id": "wdi", "title": "WDI", "title_zh": "世界发展指标", "publisher": "WB",
                             "license": "CC-BY-4.0", "origin": "o", "url": "https://x", "vintage": "2026-07-01",
                             "description": "d"},
                            {"id": "members", "title": "Members", "title_zh": None, "publisher": "p", "license": "cite",
                             "origin": "o2", "url": None, "vintage": pd.Timestamp("2024-10-24"),
                             "description": "d2"}])
    indicators = pd.DataFrame({"dataset": ["wdi", "wdi"], "license": ["CC-BY-4.0", "CC-BY-4.0"],
                               "last_updated": [pd.Timestamp("2026-07-01"), pd.Timestamp("2018-08-01")]})
    out = page.source_rows(sources, indicators, "zh").to_dict("records")
    assert out[0]["title"] == "世界发展指标" and out[0]["source"].href == "https://x"
    assert out[0]["last_updated"] == "2018-08-01 – 2026-07-01" and out[0]["indicators"] == 2
    assert out[1]["source"] == "Members" and out[1]["last_updated"] == "2024-10-24" and out[1]["indicators"] == "—"


def test_not_covered_follows_the_warehouse(page: ModuleType) -> None:
    everything = page.not_covered(frozenset(), "en")
    assert any("FX.OWN.TOTL.ZS" in item for item in everything)
    fewer = page.not_covered(frozenset({"FX.OWN.TOTL.ZS"}), "en")
    assert len(fewer) == len(everything) - 1 and not any("FX.OWN.TOTL.ZS" in item for item in fewer)
    assert all(code not in read.indicator_codes() for item in page.NOT_COVERED for code in item[0])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_readers_see_no_file_paths_or_commands(page: ModuleType, lang: str) -> None:
    import re

    text = texts(layout(lang=lang)).replace("datapackage.json", "")   # a file of the download bundle: for readers
    raw = " ".join(f"{s.origin} {s.description}" for s in read.sources().itertuples())
    assert re.search(r"\.csv|\.ya?ml|`wic ", raw), "the stored origins have paths and commands to hide"
    assert not re.search(r"[\w/-]+\.(?:csv|ya?ml|py|json)\b|`|\bwic etl\b|data/members", text), \
        re.findall(r".{40}(?:\.csv|\.ya?ml|`).{20}", text)[:3]
    assert "commit c63631a" in text and "c63631abeb" not in text
    assert page.for_readers("Names from etl/meta/names_zh.yaml. Run `wic etl`.") == "Names."
