"""The map draws edition sources (EGDI, GTMI, OECD, EU) in off years with the nearest earlier edition, labelled."""

from __future__ import annotations

import sys
from types import ModuleType

import dash
import pytest
from test_pages_map import render

from etl import read


@pytest.fixture(scope="module")
def page(app: dash.Dash) -> ModuleType:
    return sys.modules["pages.map"]


def test_map_rows_label_a_carried_edition(page: ModuleType) -> None:
    rows = page.map_rows([("KEN", 0.5), ("FRA", 0.9)], {"KEN": "Kenya", "FRA": "France"}, "index", 2023, "en",
                         editions={"KEN": 2022})
    assert [r[0] for r in rows] == ["FRA", "KEN"]
    assert "2022 edition, carried" in rows[1][2] and rows[1][5] == "0.50 (2022 edition, carried)"
    assert "edition" not in rows[0][2]


def test_an_off_year_of_the_egdi_is_drawn_from_the_2022_edition(app: dash.Dash, page: ModuleType,
                                                                db: read.Warehouse) -> None:
    out = render(app, page, "UNDESA.EGDI", 2023)
    figure = out[page.ID.GRAPH]["figure"]
    shapes, markers = figure["data"][1], figure["data"][-1]
    own_2022 = dict(read.year_values("UNDESA.EGDI", 2022, db=db))
    drawn = set(shapes["locations"]) | set(markers["ids"])
    assert len(drawn) >= 180 and drawn <= set(own_2022)   # not "no data": every country with a 2022 value
    values = dict(zip(shapes["locations"], shapes["customdata"], strict=True))
    assert all(values[c] == own_2022[c] for c in values)
    assert all("2022 edition, carried" in text for text in shapes["text"])
    caption = out[page.ID.CAPTION]["children"]
    assert "drawn from an earlier edition (2022; within 2 years)" in caption   # also the chart CSV's header line
    assert "drawn from an earlier edition" in out[page.ID.SUMMARY]["children"]
    zh = render(app, page, "UNDESA.EGDI", 2023, lang="zh")
    assert "沿用2022年版" in " ".join(zh[page.ID.GRAPH]["figure"]["data"][1]["text"])
    own = render(app, page, "UNDESA.EGDI", 2022)   # an edition year: nothing carried, nothing said
    assert "edition" not in own[page.ID.CAPTION]["children"]
    assert not any("edition" in t for t in own[page.ID.GRAPH]["figure"]["data"][1]["text"])


def test_a_link_to_an_off_year_keeps_it(app: dash.Dash, page: ModuleType, db: read.Warehouse) -> None:
    from dash_payloads import by_id, layout, texts

    from etl import facts

    years = [int(y) for y in read.country_years("UNDESA.EGDI", db=db)["year"]]
    assert 2023 not in years and 2023 in facts.drawable_years("UNDESA.EGDI", years, db=db)
    assert 2007 in facts.drawable_years("UNDESA.EGDI", years, db=db)   # from 2005, within two years
    assert facts.drawable_years("IT.NET.USER.ZS", [2000, 2002], db=db) == [2000, 2002]   # yearly: no window
    tree = layout("pages.map", indicator="UNDESA.EGDI", year="2023", lang="en")
    assert by_id(tree, page.ID.YEAR).value == 2023
    assert "not understood" not in texts(tree)   # no notice: 2023 is drawn from the 2022 edition
