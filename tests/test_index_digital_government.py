"""The index's fifth pillar, digital government: biennial editions carried within their cycle, coverage statement."""

from __future__ import annotations

import pytest

from etl import read
from etl.errors import InputError
from etl.index.config import INDEX_FILE, load_config, parse_config
from etl.inputs import load_yaml


def test_pillar_and_editions_in_the_configuration() -> None:
    cfg = load_config()
    gov = cfg.pillars[cfg.pillar_ids.index("digital_government")]
    assert [i.code for i in gov.indicators] == ["UNDESA.EGDI.OSI", "UNDESA.EPART", "WB.GTMI"]
    assert {i.edition_years for i in gov.indicators} == {2}
    assert {i.edition_years for p in cfg.pillars if p.id != "digital_government" for i in p.indicators} == {1}
    # a biennial edition fits the carry-forward window of every Monte Carlo draw
    assert min(cfg.monte_carlo.carry_forward_years) >= 2 and cfg.carry_forward_years >= 2
    data = load_yaml(INDEX_FILE)
    data["pillars"][-1]["indicators"][0]["edition_years"] = 0
    with pytest.raises(InputError, match="edition_years"):
        parse_config(data)


def test_off_year_editions_are_carried_but_not_counted_as_imputed(db: read.Warehouse) -> None:
    years = dict(db.rows("SELECT year, published FROM index_years"))
    assert years[2023] and db.rows("SELECT year FROM index_years WHERE latest") == [(2023,)]
    carried = db.rows("""SELECT source_year, imputed FROM index_indicator_scores
                         WHERE iso3 = 'DNK' AND indicator = 'UNDESA.EGDI.OSI' AND year = 2023""")
    assert carried == [(2022, True)]     # labelled as carried forward from the 2022 edition
    raw = db.rows("SELECT value FROM observations WHERE iso3 = 'DNK' AND indicator = 'UNDESA.EGDI.OSI' "
                  "AND year = 2022")[0][0]
    stored = db.rows("""SELECT value FROM index_indicator_scores WHERE iso3 = 'DNK'
                        AND indicator = 'UNDESA.EGDI.OSI' AND year = 2023""")[0][0]
    assert stored == raw
    # Hong Kong SAR is not a UN member state: no EGDI, only the GTMI, so 1 of 3 is below half and it is not ranked
    hkg = read.index_scores(db=db).query("iso3 == 'HKG' and year == 2023").iloc[0]
    assert not hkg["ranked"] and "digital_government: 1 of 3 indicators" in hkg["reason"]


def test_rank_intervals_cover_the_new_pillar(db: read.Warehouse) -> None:
    u = read.index_uncertainty(db=db)
    latest = u[u["year"] == 2023]
    assert len(latest) == int(read.index_scores(db=db).query("year == 2023")["ranked"].sum())
    assert (latest["p5_rank"] <= latest["rank"]).all() and (latest["rank"] <= latest["p95_rank"]).all()
    assert "digital_government" in set(latest["most_influential_pillar"])
