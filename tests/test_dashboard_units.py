"""Pure helpers of the dashboard, with hand-computed examples."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from dash._utils import to_json

from dashboard import figures, i18n, stats
from dashboard.components import data_request, table_rows
from dashboard.urls import href


@pytest.mark.parametrize(("value", "lang", "shown"), [
    (1234.5, "en", "1,234"), (12.345, "en", "12.3"), (0.01234, "en", "0.01"), (2.5e9, "en", "2.50 billion"),
    (1.41e9, "zh", "14.10亿"), (3.2e6, "zh", "320万"), (196616, "zh", "196,616"),
    (None, "en", "no data"), (float("nan"), "zh", "无数据"),
    (-12.5, "en", "-12.5"),
])
def test_number_formatting(value: float | None, lang: str, shown: str) -> None:
    assert i18n.fmt(value, lang) == shown


def test_names_units_and_qualifiers_fall_back_to_english() -> None:
    row = {"name_en": "Kosovo", "name_zh": None, "unit": "% of GDP", "unit_zh": ""}
    assert i18n.name(row, "zh") == "Kosovo" and i18n.unit(row, "zh") == "% of GDP"
    assert i18n.name({"name_en": "China", "name_zh": "中国"}, "zh") == "中国"
    assert i18n.qualifier("more than", "zh") == "超过" and i18n.qualifier("exact", "en") == ""
    assert i18n.lang_of("fr") == "en" and i18n.lang_of("zh") == "zh"


def test_rank_is_direction_aware_with_ties() -> None:
    values = pd.DataFrame({"iso3": ["A", "B", "C", "D"], "value": [10.0, 30.0, 30.0, 5.0]})
    assert stats.rank(values, "B", True) == (1, 4) and stats.rank(values, "C", True) == (1, 4)
    assert stats.rank(values, "A", True) == (3, 4)
    assert stats.rank(values, "D", False) == (1, 4)            # lower is better
    assert stats.rank(values, "A", True, among={"A", "D"}) == (1, 2)
    assert stats.rank(values, "Z", True) is None


def test_relative_change_from_a_base_year() -> None:
    assert stats.relative_to_base([50.0, 75.0, 100.0], [2010, 2015, 2020], 2010) == [0.0, 50.0, 100.0]
    assert stats.relative_to_base([50.0], [2010], 2015) is None
    assert stats.relative_to_base([0.0, 5.0], [2010, 2011], 2010) is None   # no change from zero


def test_links_keep_state_and_drop_empty_values() -> None:
    assert href("/map", {"indicator": "IT.NET.USER.ZS", "region": None}, lang="zh") == \
        "/map?indicator=IT.NET.USER.ZS&lang=zh"
    assert href("/compare", {"countries": ["CHN", "USA"]}) == "/compare?countries=CHN,USA"
    assert href("/", {}) == "/"


def test_markdown_tables_escape_pipes_and_cap_rows() -> None:
    table = table_rows([("a|b", 1.5), ("c", None)], ["Name", "Value"]).children
    lines = table.split("\n")
    assert lines[0] == "| Name | Value |" and lines[2] == "| a\\|b | 1.5 |" and lines[3] == "| c |  |"
    assert len(table_rows([(i,) for i in range(10)], ["n"], max_rows=3).children.split("\n")) == 5


def test_data_requests_name_the_same_selection_for_api_and_python() -> None:
    path, python = data_request(["IT.NET.USER.ZS"], group="EAS", year_from=2020, year_to=2020)
    assert path == "/api/v1/observations?indicator=IT.NET.USER.ZS&group=EAS&year_from=2020&year_to=2020"
    assert "read.observations('IT.NET.USER.ZS', read.group_members('EAS'), year_from=2020, year_to=2020)" in python
    path, python = data_request(["A.B", "C.D"], countries=["CHN", "WLD"])
    assert path.endswith("indicator=A.B,C.D&country=CHN,WLD") and "['A.B', 'C.D'], ['CHN', 'WLD']" in python


def test_line_series_group_rows_mark_computed_and_tabulate() -> None:
    rows = [("CHN", 2019, 1.0, False), ("CHN", 2020, 2.0, False), ("WIC", 2020, 3.0, True)]
    series = figures.line_series(rows, ["WIC", "CHN"], {"CHN": "China", "WIC": "Members"},
                                 lambda label, y, v: f"{label}:{y}:{v}")
    assert [s.label for s in series] == ["Members*", "China"] and series[1].years == [2019, 2020]
    headers, table = figures.wide_table(series)
    assert headers == ["year", "Members*", "China"] and table == [[2020, 3.0, 2.0], [2019, "", 1.0]]


def test_long_notes_wrap_and_maps_show_no_data_in_grey() -> None:
    assert figures.wrap("a" * 60 + " · " + "b" * 60, width=95).count("<br>") == 1
    mixed = "来源：世界银行国际比较项目（ICP）和国民账户数据（世界银行世界发展指标经 Gapminder），CC-BY-4.0"
    lines = figures.wrap(mixed).split("<br>")   # CJK runs beside a Latin word: no line wider than a phone's chart
    assert len(lines) > 1 and max(map(figures.text_width, lines)) <= 58 and "".join(lines).replace(" ", "") == \
        mixed.replace(" ", "")
    fig = figures.choropleth([("CHN", 90.0, "China")], [("CHN", "China"), ("USA", "United States")],
                             title="t", note="n", colorbar="%", log=False)
    assert fig["data"][0]["locations"] == ["USA"] and fig["data"][0]["colorscale"][0][1] == figures.NO_DATA
    assert fig["data"][1]["locations"] == ["CHN"] and fig["data"][1]["z"] == [90.0]
    logged = figures.choropleth([("CHN", 100.0, "c"), ("USA", 0.0, "u")], [("CHN", "c"), ("USA", "u")],
                                title="t", note="", colorbar="", log=True)
    assert logged["data"][1]["z"] == [2.0] and logged["data"][0]["locations"] == ["USA"]   # 0 can't be logged


def test_bubbles_draw_every_point_of_the_frame_once_per_year_in_its_colour() -> None:
    frame = pd.DataFrame({"year": [2020, 2020, 2020, 2021, 2021], "iso3": ["CHN", "USA", "KEN", "CHN", "KEN"],
                          "x": [1.234567, 2.0, 3.0, 4.0, 5.0], "y": [10.0, 20.0, 30.0, 40.0, 50.00004],
                          "size": [100.4, float("nan"), 7.6, 200.0, 8.0],
                          "name": ["China", "USA", "Kenya", "China", "Kenya"],
                          "colour": ["Asia", "America", "Africa", "Asia", "Africa"]})
    fig = json.loads(to_json(figures.bubbles(frame, title="t", note="n", x_title="x", y_title="y", log_x=False,
                                             log_y=False, colour_order=["Africa", "America", "Asia"],
                                             highlight={"CHN"}, start=2020)))
    # a frame's traces line up with the drawn ones and carry only what changes from year to year
    names = [t["name"] for t in fig["data"]]
    assert all(len(f["data"]) == len(names) for f in fig["frames"])
    assert {k for f in fig["frames"] for t in f["data"] for k in t} == {"ids", "x", "y", "text", "texttemplate",
                                                                       "textposition", "marker"}
    assert {k for f in fig["frames"] for t in f["data"] for k in t["marker"]} == {"size", "line", "opacity"}
    drawn = {(int(f["name"]), names[j], i, x, y, s) for f in fig["frames"] for j, t in enumerate(f["data"])
             for i, x, y, s in zip(t["ids"], t["x"], t["y"], t["marker"]["size"], strict=True)}
    assert drawn == {(2020, "Asia", "CHN", 1.2346, 10.0, 100), (2020, "America", "USA", 2.0, 20.0, 0),
                     (2020, "Africa", "KEN", 3.0, 30.0, 8), (2021, "Asia", "CHN", 4.0, 40.0, 200),
                     (2021, "Africa", "KEN", 5.0, 50.0, 8)}
    assert [t["name"] for t in fig["data"]] == ["Africa", "America", "Asia"]          # the chart opens on 2020
    asia, africa = fig["data"][2], fig["data"][0]
    assert asia["texttemplate"] == ["%{text}"] and asia["marker"]["line"] == {"color": ["#000000"], "width": [2.2]}
    assert africa["texttemplate"] == [""] and africa["marker"]["line"] == {"color": "white", "width": 0.6}
    assert africa["marker"]["opacity"] == 0.8 and asia["marker"]["opacity"] == [1.0]
    assert "customdata" not in asia   # sizes are shown from marker.size
    # China's label, at the x axis's left end, is written to the right of its bubble; a trace without a label: one value
    assert asia["textposition"] == ["top right"] and africa["textposition"] == "top center"
    assert [t["textposition"] for t in fig["frames"][1]["data"]] == ["top center", "top center", ["top center"]]
    # room above the highest point for the label on top of its bubble; 5 % on the other sides
    y_range, x_range = fig["layout"]["yaxis"]["range"], fig["layout"]["xaxis"]["range"]
    assert y_range == pytest.approx([10.0 - 0.05 * 40.00004, 50.00004 + 0.16 * 40.00004])
    assert x_range == pytest.approx([1.234567 - 0.05 * 3.765433, 5.0 + 0.05 * 3.765433])
    # the page passes numpy columns (no frame): the same chart
    columns = {k: np.asarray(v.tolist(), dtype=object if k in ("iso3", "name", "colour") else None)
               for k, v in frame.items()}
    same = json.loads(to_json(figures.bubbles(columns, title="t", note="n", x_title="x", y_title="y", log_x=False,
                                              log_y=False, colour_order=["Africa", "America", "Asia"],
                                              highlight={"CHN"}, start=2020)))
    assert same == fig


@pytest.mark.parametrize(("y_title", "lines", "left"), [
    ("Individuals using the Internet (% of population)", ["Individuals using the", "Internet (% of population)"], 70),
    ("互联网用户占比 (占人口百分比)", ["互联网用户占比 (占人口百分比)"], 70),   # an ASCII bracket starts no line
    ("GDP per capita, PPP (constant 2021 international $)",
     ["GDP per capita, PPP", "(constant 2021", "international $)"], 90),   # not "$)" alone on a line
    ("Public-private partnership investment in ICT (current US$)",
     ["Public-private", "partnership investment in", "ICT (current US$)"], 90)])
def test_the_bubbles_y_title_is_no_longer_than_a_phones_plot_is_high(y_title: str, lines: list[str],
                                                                       left: int) -> None:
    """Lines of at most Y_TITLE_WIDTH characters (36 reached into the subtitle on a phone), the last one not a
    fragment such as "$)" (the greedy lines left one, so they are narrowed); a third line gets room beside the
    tick labels."""
    frame = {"year": np.array([2020]), "iso3": np.array(["CHN"], dtype=object), "x": np.array([1.0]),
             "y": np.array([2.0]), "size": np.array([3.0]), "name": np.array(["China"], dtype=object),
             "colour": np.array(["Asia"], dtype=object)}
    fig = figures.bubbles(frame, title="t", note="n", x_title="x", y_title=y_title, log_x=False, log_y=False,
                          colour_order=["Asia"], highlight=set(), start=2020)
    assert fig["layout"]["yaxis"]["title"]["text"].split("<br>") == lines
    assert all(figures.text_width(line) <= figures.Y_TITLE_WIDTH + 1 for line in lines)
    assert fig["layout"]["margin"]["l"] == left

def test_bubble_labels_near_the_plots_sides_are_written_towards_the_middle() -> None:
    x = np.array([0.0, 15.0, 50.0, 85.0, 100.0, np.nan])
    assert figures.label_positions(x, [0.0, 100.0], log=False) == [
        "top right", "top right", "top center", "top left", "top left", "top center"]
    # a log axis's range is in log10, as Plotly's; a value of 0 or below is not drawn there
    assert figures.label_positions(np.array([10.0, 1000.0, 1e5, 0.0]), [1.0, 5.0], log=True) == [
        "top right", "top center", "top left", "top center"]
    assert figures.label_positions(np.array([1.0, 2.0]), None, log=False) == ["top center"] * 2



def test_text_width_counts_a_cjk_character_twice() -> None:
    assert figures.text_width("GDP per capita") == 14
    assert figures.text_width("人均GDP") == 7 and figures.text_width("Côte d’Ivoire") == 13


def test_first_rows_keeps_the_top_rows_of_every_trace_and_marks_the_part() -> None:
    rows = [f"{i}. C{i}" for i in range(1, 11)]
    lines_y = [v for r in rows for v in (r, r, None)]
    figure = {"data": [{"type": "bar", "y": rows, "x": list(range(10)), "text": [str(i) for i in range(10)],
                        "marker": {"color": ["a"] * 9 + ["b"]}, "hovertemplate": "%{y}"},
                       {"type": "scatter", "mode": "lines", "y": lines_y, "x": list(range(30))}],
              "layout": {"height": 1100, "margin": {"t": 80, "b": 20}, "title": {"text": "T"},
                         "yaxis": {"type": "category", "categoryarray": rows, "range": [9.5, -0.5]}}}
    part = figures.first_rows(figure, 3)
    bars, lines = part["data"]
    assert bars["y"] == rows[:3] and bars["x"] == [0, 1, 2] and bars["text"] == ["0", "1", "2"]
    assert bars["marker"]["color"] == ["a"] * 3 and bars["hovertemplate"] == "%{y}"
    assert lines["y"] == lines_y[:9] and lines["x"] == list(range(9))   # each kept segment with its end
    assert part["layout"]["yaxis"] == {"type": "category", "categoryarray": rows[:3], "range": [2.5, -0.5]}
    assert part["layout"]["height"] == 80 + 20 + 3 * 100 and part["layout"]["title"] == {"text": "T"}
    assert part["layout"]["meta"] == {"wic_part": figures.FIRST_ROWS}
    assert figure["data"][0]["y"] == rows and "meta" not in figure["layout"]   # the whole figure is not changed
    assert figures.first_rows(figure, 10) == figure   # nothing to cut
    credited = figures.credited(figure, "Sources and their licences: A (CC BY 4.0)")
    assert credited["layout"]["meta"] == {"credits": "Sources and their licences: A (CC BY 4.0)"}
    assert figures.first_rows(credited, 3)["layout"]["meta"] == {   # the part shown first downloads with them too
        "credits": "Sources and their licences: A (CC BY 4.0)", "wic_part": figures.FIRST_ROWS}


def test_the_bubbles_rank_correlation_is_spearmans_with_ties_sharing_their_mean_rank() -> None:
    from dashboard import stats

    rng = np.random.default_rng(1)
    for n in (3, 4, 50, 199):
        x = rng.integers(0, 10, size=n).astype(float)   # many ties
        y = rng.normal(size=n).round(1)
        assert stats._ranks(x).tolist() == pd.Series(x).rank().tolist()
        assert stats.spearman(x, y) == pytest.approx(pd.Series(x).rank().corr(pd.Series(y).rank()), abs=1e-12)
    assert stats.spearman(np.array([1.0, 2.0, 3.0]), np.array([30.0, 20.0, 10.0])) == pytest.approx(-1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(stats.spearman(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0])))
