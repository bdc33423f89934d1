"""The index page: layout for good, Chinese and bad URLs; its callbacks over HTTP against etl.index and the
stored tables; the methodology against the configuration file."""

from __future__ import annotations

import json
import re
import sys
from types import ModuleType
from typing import Any

import dash
import pytest
import yaml
from dash_payloads import by_id, notices, payload, server_callbacks, texts
from dash_payloads import layout as page_layout
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import read
from etl.index import precompute, rescore
from etl.index.config import INDEX_FILE

PAGE = "pages.index"


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    return sys.modules[PAGE]


@pytest.fixture(scope="module")
def yaml_config() -> dict[str, Any]:
    """The configuration file, parsed here independently of etl.index.config."""
    return yaml.safe_load(INDEX_FILE.read_text(encoding="utf-8"))


def layout(**query: Any) -> Any:
    return page_layout(PAGE, **query)


def dep_for(deps: list[dict[str, Any]], output_part: str) -> dict[str, Any]:
    return next(d for d in deps if output_part in d["output"])


def post(client: FlaskClient, dep: dict[str, Any], values: list[Any], states: list[Any]) -> Any:
    response = client.post("/_dash-update-component", json=payload(dep, values, states))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def ranking(client: FlaskClient, deps: list[dict[str, Any]], weights: list[float], norm: str = "minmax",
            agg: str = "arithmetic", group: str = "", country: str | None = None, lang: str = "en"
            ) -> dict[str, Any]:
    """The ranking callback's outputs for these settings, through the real HTTP endpoint."""
    return post(client, dep_for(deps, "index-rank.figure"), [*weights, norm, agg, group, country], [lang])


def direct(weights: list[float], norm: str, agg: str) -> Any:
    """The same ranking straight from etl.index, with its own precomputation."""
    return rescore(precompute(read.index_pillar_scores(), read.index_scores()), weights, normalization=norm,
                   aggregation=agg)


def route(client: FlaskClient, deps: list[dict[str, Any]], search: str) -> str:
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    values = ["/index" if i["property"] == "pathname" else search for i in router["inputs"]]
    response = client.post("/_dash-update-component", json=payload(router, values))
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


# --- layout ----------------------------------------------------------------------------------------------

def test_layout_defaults(page: ModuleType) -> None:
    tree = layout()
    pillars = [p.id for p in page.config().pillars]
    assert [by_id(tree, page.ID.weight(p)).value for p in pillars] == [20.0] * 5     # equal weights in the file
    assert by_id(tree, page.ID.NORM).value == "minmax" and by_id(tree, page.ID.AGG).value == "arithmetic"
    assert by_id(tree, page.ID.GROUP).value == "" and by_id(tree, page.ID.COUNTRY).value is None
    assert notices(tree) == []
    text = texts(tree)
    assert "not the WIC's own World Internet Development Index" in text and "World Bank WDI" in text
    assert f"Index year {read.index_latest_year()}" in text
    groups = {o["value"] for o in by_id(tree, page.ID.GROUP).options}
    assert {"", "WIC", "EAS", "SSF", "HIC", "LIC"} <= groups
    # every country with index data can be chosen, the unranked ones marked
    options = by_id(tree, page.ID.COUNTRY).options
    scores = read.index_scores()
    assert {o["value"] for o in options} == set(scores["iso3"])
    assert sum("not ranked" in o["label"] for o in options) == int((~scores["ranked"]).sum())


def test_layout_from_url_and_in_chinese(page: ModuleType) -> None:
    tree = layout(weights="40,20,30,5,5", norm="zscore", agg="geometric", group="wic", country="chn", lang="zh")
    pillars = [p.id for p in page.config().pillars]
    assert [by_id(tree, page.ID.weight(p)).value for p in pillars] == [40, 20, 30, 5, 5]
    assert (by_id(tree, page.ID.NORM).value, by_id(tree, page.ID.AGG).value) == ("zscore", "geometric")
    assert (by_id(tree, page.ID.GROUP).value, by_id(tree, page.ID.COUNTRY).value) == ("WIC", "CHN")
    assert notices(tree) == []
    text = texts(tree)
    assert "数字发展指数" in text and "并非世界互联网大会发布的世界互联网发展指数" in text and "方法说明" in text
    assert "Methodology" not in text


@pytest.mark.parametrize("query, bad", [
    ({"weights": "1,2"}, "weights=1,2"),
    ({"weights": "a,b,c,d,e"}, "weights=a,b,c,d,e"),
    ({"weights": "-5,10,10,10,10"}, "weights=-5,10,10,10,10"),
    ({"weights": "0,0,0,0,0"}, "weights=0,0,0,0,0"),
    ({"weights": "500,1,1,1,1"}, "weights=500,1,1,1,1"),
    ({"norm": "cubic"}, "norm=cubic"),
    ({"agg": "harmonic"}, "agg=harmonic"),
    ({"group": "NOPE"}, "group=NOPE"),
    ({"group": "INX"}, "group=INX"),          # "not classified": a group, but not offered as a filter
    ({"group": "IDX"}, "group=IDX"),          # a lending group, not offered
    ({"country": "ATLANTIS"}, "country=ATLANTIS"),
    ({"lang": "fr"}, "lang=fr"),
])
def test_bad_url_values_give_a_notice_and_the_defaults(page: ModuleType, query: dict[str, str], bad: str) -> None:
    tree = layout(**query)
    assert len(notices(tree)) == 1 and bad in notices(tree)[0]
    pillars = [p.id for p in page.config().pillars]
    assert [by_id(tree, page.ID.weight(p)).value for p in pillars] == [20.0] * 5
    assert by_id(tree, page.ID.NORM).value == "minmax" and by_id(tree, page.ID.AGG).value == "arithmetic"
    assert by_id(tree, page.ID.GROUP).value == "" and by_id(tree, page.ID.COUNTRY).value is None


def test_pages_render_over_http_for_good_and_bad_urls(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    good = route(client, deps, "?lang=zh&weights=10,20,30,40,50&country=USA")
    assert "数字发展指数" in good and "无法识别" not in good and "Sorry" not in good
    bad = route(client, deps, "?weights=%27%3B--&norm=%00&group=xyz&country=1&agg=" + "g" * 5000)
    assert "were not understood and were replaced" in bad and "Traceback" not in bad
    assert client.get("/index?weights=nonsense&lang=zh").status_code == 200
    assert '"/index?lang=en"' in route(client, deps, "")     # in the navigation


# --- the ranking -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("weights, norm, agg", [
    ([70, 5, 20, 5, 10], "zscore", "geometric"),
    ([0, 100, 0, 0, 0], "minmax", "arithmetic"),
    ([12.5, 40, 33, 80, 25], "minmax", "geometric"),
])
def test_rescore_callback_gives_the_etl_index_ranking(client: FlaskClient, deps: list[dict[str, Any]],
                                                      weights: list[float], norm: str, agg: str) -> None:
    out = ranking(client, deps, weights, norm, agg)
    bars = out["index-rank"]["figure"]["data"][0]
    expected = direct(weights, norm, agg)
    assert bars["customdata"] == expected["iso3"].tolist()
    assert bars["x"] == pytest.approx(expected["score"].tolist(), abs=1e-3)
    ranks = [int(label.split(".", 1)[0]) for label in bars["y"]]
    assert ranks == expected["rank"].astype(int).tolist()
    # the marker of "rank with these settings" in the interval panel says the same
    assert out["index-rank"]["figure"]["data"][3]["x"] == expected["rank"].tolist()
    moved = expected[expected["rank_change"] != 0]
    assert len(moved) > 0
    arrows = dict(zip(bars["customdata"], bars["text"], strict=True))
    for iso3, change in zip(moved["iso3"], moved["rank_change"], strict=True):
        assert arrows[iso3].endswith(("▲" if change > 0 else "▼") + f"{abs(change):.0f}")
    assert out["index-query"]["data"] == {"weights": [f"{w:g}" for w in weights], "norm": norm, "agg": agg,
                                          "group": None, "country": None, "lang": "en"}


def test_equal_weights_give_zero_rank_changes(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    for weights in ([20, 20, 20, 20, 20], [60, 60, 60, 60, 60]):
        out = ranking(client, deps, weights)
        bars = out["index-rank"]["figure"]["data"][0]
        assert not any("▲" in t or "▼" in t for t in bars["text"])
        published = read.index_scores()
        published = published[published["ranked"]]
        assert bars["customdata"] == published["iso3"].tolist()
        assert bars["x"] == pytest.approx(published["score"].tolist(), abs=1e-3)
        assert "no rank changes" in out["index-rank-summary"]["children"]
    unequal = ranking(client, deps, [20, 20, 20, 20, 21])["index-rank"]["figure"]["data"][0]
    assert any("▲" in t or "▼" in t for t in unequal["text"])


def test_filters_keep_only_the_group(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    ranked = direct([20, 20, 20, 20, 20], "minmax", "arithmetic")
    for group in ("WIC", "SSF", "HIC"):
        members = read.group_sets()[group]
        bars = ranking(client, deps, [20, 20, 20, 20, 20], group=group)["index-rank"]["figure"]["data"][0]
        assert bars["customdata"] == [c for c in ranked["iso3"] if c in members]
    out = ranking(client, deps, [20, 20, 20, 20, 20], group="WIC")
    unranked = out["index-unranked"]["children"]["props"]["children"]
    scores = read.index_scores(group="WIC")
    for iso3 in scores.loc[~scores["ranked"], "iso3"]:
        assert f"| {iso3} |" in unranked


def test_rank_intervals_come_from_the_uncertainty_table(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    out = ranking(client, deps, [20, 20, 20, 20, 20], country="CHN")
    figure = out["index-rank"]["figure"]
    segments, medians = figure["data"][1], figure["data"][2]
    unc = read.index_uncertainty().set_index("iso3")
    shown = dict(zip(medians["customdata"], medians["x"], strict=True))
    assert shown == unc["median_rank"].to_dict()
    first = medians["customdata"][0]
    assert segments["x"][:2] == [unc.loc[first, "p5_rank"], unc.loc[first, "p95_rank"]]
    assert "5th to 95th percentile" in out["index-rank-summary"]["children"]
    chn = figure["data"][0]["customdata"].index("CHN")       # the selected country is highlighted
    colours = figure["data"][0]["marker"]["color"]
    assert colours[chn] != colours[0] and colours.count(colours[chn]) == 1


def test_bad_callback_input_falls_back_to_defaults(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    out = ranking(client, deps, [None, "x", -3, 1e9, 2], norm="nope", agg=None, group="ZZZ", country="1")
    bars = out["index-rank"]["figure"]["data"][0]
    assert bars["customdata"] == direct([1, 1, 1, 1, 1], "minmax", "arithmetic")["iso3"].tolist()
    assert out["index-query"]["data"]["weights"] == ["20", "20", "20", "20", "20"]


def test_a_click_selects_the_country(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    dep = dep_for(deps, "index-country.value")
    assert post(client, dep, [{"points": [{"customdata": "KOR", "y": "1. Korea"}]}], [])["index-country"] == {
        "value": "KOR"}
    for junk in ({"points": [{"customdata": "NOPE"}]}, {"points": []}, "x", None):
        response = client.post("/_dash-update-component", json=payload(dep, [junk], []))
        assert response.status_code == 204


# --- the breakdown ---------------------------------------------------------------------------------------

def breakdown(client: FlaskClient, deps: list[dict[str, Any]], country: Any, norm: str = "minmax",
              lang: str = "en") -> dict[str, Any]:
    return post(client, dep_for(deps, "index-pillar.figure"), [country, norm], [lang])


@pytest.mark.parametrize("norm", ["minmax", "zscore"])
def test_breakdown_matches_the_stored_tables(client: FlaskClient, deps: list[dict[str, Any]], norm: str) -> None:
    out = breakdown(client, deps, "CHN", norm)
    bars = out["index-pillar"]["figure"]["data"][0]
    stored = read.index_pillar_scores(normalization=norm, countries="CHN")
    assert bars["x"] == pytest.approx(stored["score"].tolist(), abs=1e-3)
    pillars = read.index_pillars().set_index("id")["name_en"]
    assert bars["y"] == [pillars[p] for p in stored["pillar"]]
    sens = read.index_sensitivity("CHN").set_index("pillar")
    for text, pid in zip(bars["text"], stored["pillar"], strict=True):
        assert f"({sens.loc[pid, 'pillar_rank_p5']:.0f}–{sens.loc[pid, 'pillar_rank_p95']:.0f})" in text
    unc = read.index_uncertainty().set_index("iso3").loc["CHN"]
    status = out["index-status"]["children"]
    assert f"rank {unc['rank']:.0f} of " in status and f"{unc['p5_rank']:.0f}–{unc['p95_rank']:.0f}" in status
    table = out["index-indicators"]["children"]["props"]["children"]["props"]["children"]["props"]["children"]
    inds = read.index_indicator_scores("CHN")
    for code, score, year, imputed in zip(inds["indicator"], inds[norm], inds["source_year"], inds["imputed"],
                                          strict=True):
        row = next(line for line in table.splitlines() if f"| {code} |" in line)
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[3] == f"{score:.1f}" and cells[5] == str(year)
        assert cells[6] == (f"yes, from {year}" if imputed else "no")
    missing = set(read.index_indicators()["code"]) - set(inds["indicator"])
    for code in missing:
        assert re.search(rf"\| {re.escape(code)} \| — \| no value within", table)


def test_an_unranked_country_says_why(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    scores = read.index_scores()
    row = scores[~scores["ranked"] & scores["reason"].str.contains("digital_economy: ")].iloc[0]
    status = breakdown(client, deps, row["iso3"])["index-status"]["children"]
    named = re.search(r"digital_economy: (\d+ of \d+ indicators)", row["reason"]).group(1)  # type: ignore[union-attr]
    assert "not ranked" in status and "digital_economy" not in status and f"Digital economy and trade: {named}" \
        in status, status
    zh = breakdown(client, deps, row["iso3"], lang="zh")["index-status"]["children"]
    assert "未参与" in zh and "项指标中" in zh and "digital_economy" not in zh
    empty = breakdown(client, deps, None)
    assert "Choose a country" in empty["index-status"]["children"]
    assert empty["index-pillar"]["style"] == {"display": "none"}     # no empty chart under the prompt


# --- methodology and coherence ---------------------------------------------------------------------------

def test_methodology_lists_every_configured_indicator(page: ModuleType, yaml_config: dict[str, Any]) -> None:
    for lang in ("en", "zh"):
        text = texts(page.methodology(lang))
        codes = [i["code"] for p in yaml_config["pillars"] for i in p["indicators"]]
        assert len(codes) == 18
        for code in codes:
            assert f"| {code} |" in text, code
        for pillar in yaml_config["pillars"]:
            assert pillar["name_zh" if lang == "zh" else "name_en"] in text
        for gap in yaml_config["not_covered"]:
            assert gap["dimension_zh" if lang == "zh" else "dimension_en"] in text
        mc = yaml_config["monte_carlo"]
        assert f"{mc['draws']:,}" in text and str(mc["seed"]) in text
        assert f"{yaml_config['carry_forward_years']}" in text
    text = texts(page.methodology("en"))
    logged = [i["code"] for p in yaml_config["pillars"] for i in p["indicators"] if i.get("log")]
    for code in logged:
        row = next(line for line in text.splitlines() if f"| {code} |" in line)
        assert "log10(x + " in row
    assert "0–100 (natural bounds)" in next(line for line in text.splitlines() if "| IT.NET.USER.ZS |" in line)


def test_coherence_section_shows_the_stored_results(page: ModuleType) -> None:
    text = texts(page.coherence_section("en"))
    coh = read.index_coherence()
    for row in coh[coh["level"] == "pillar"].itertuples():
        assert f"{row.cronbach_alpha:.2f}" in text
    wrong = int(coh["wrong_direction"].sum())
    n = int((coh["level"] == "indicator").sum())
    assert f"{wrong} of {n} indicators point the wrong way" in text
    corr = read.index_correlations().set_index(["a", "b"])["r"]
    assert f"{corr[('connectivity', 'innovation')]:.2f}" in text


def test_reset_restores_the_configured_defaults(client: FlaskClient, deps: list[dict[str, Any]],
                                                page: ModuleType) -> None:
    out = post(client, dep_for(deps, "index-norm.value"), [1], [])
    assert [out[page.ID.weight(p.id)]["value"] for p in page.config().pillars] == [20.0] * 5
    assert out["index-norm"]["value"] == "minmax" and out["index-agg"]["value"] == "arithmetic"


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                       | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def test_the_page_callbacks_survive_fuzzed_payloads(client: FlaskClient, deps: list[dict[str, Any]]) -> None:
    mine = [d for d in server_callbacks(deps) if '"index-' in json.dumps(d["inputs"]) or "index-" in d["output"]]
    assert len(mine) == 4

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        dep = data.draw(st.sampled_from(mine))
        values = [data.draw(JSONISH) for _ in dep["inputs"]]
        states = [data.draw(JSONISH) for _ in dep["state"]]
        response = client.post("/_dash-update-component", json=payload(dep, values, states))
        assert response.status_code in (200, 204), (dep["output"], values, response.data[:300])
        assert b"Traceback" not in response.data and b"could not be drawn" not in response.data

    check()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_index_charts_credit_every_source_with_its_own_licence(client: FlaskClient, deps: list[dict[str, Any]],
                                                               lang: str) -> None:
    """The ranking and pillar charts' captions name every source the index reads, each with its licence as the
    sources table states it (EGDI's is no Creative Commons licence), and their subtitles name the sources too."""
    used = set(read.index_indicators()["dataset"].replace("derived", "wdi"))
    table = read.sources().set_index("id").loc[sorted(used)]
    titles = [str(r["title_zh"] or r["title"]) if lang == "zh" else str(r["title"]) for _, r in table.iterrows()]
    assert {"egdi", "gtmi", "wdi"} <= used and "Creative Commons" in str(table.loc["egdi", "license"])
    rank = ranking(client, deps, [20, 20, 20, 20, 20], lang=lang)
    pillar = breakdown(client, deps, "CHN", lang=lang)
    for out, graph, caption in ((rank, "index-rank", "index-rank-caption"),
                                (pillar, "index-pillar", "index-pillar-caption")):
        text = out[caption]["children"]
        for title, licence in zip(titles, table["license"], strict=True):
            assert title in text and str(licence) in text, (caption, title)
        subtitle = out[graph]["figure"]["layout"]["title"]["subtitle"]["text"].replace("<br>", "")
        assert all(title.replace(" ", "") in subtitle.replace(" ", "") for title in titles), subtitle
        assert "World Bank (computed here from WDI" not in text + subtitle


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pillar_chart_keeps_room_for_its_rows_whatever_its_caption_takes(client: FlaskClient,
                                                                            deps: list[dict[str, Any]],
                                                                            page: ModuleType, lang: str) -> None:
    """The chart's box is as tall as its figure, and the figure gives each pillar its row beside the caption's
    lines above (a longer source list once squeezed five pillars into the room of three)."""
    out = breakdown(client, deps, "CHN", lang=lang)
    layout = out["index-pillar"]["figure"]["layout"]
    rows = len(out["index-pillar"]["figure"]["data"][0]["y"])
    assert rows == 5 and layout["title"]["subtitle"]["text"].count("<br>") >= 3
    assert layout["height"] - layout["margin"]["t"] - layout["margin"]["b"] == page.PILLAR_ROW_PX * rows
    assert out["index-pillar"]["style"] == {"height": f"{layout['height']}px"}
