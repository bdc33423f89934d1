"""Computed group values against an independent pandas computation; the World Bank's own are kept."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from etl import config, read
from etl.catalog import load_catalog

WDI = config.raw_dir() / "datahub-wdi"
GAP = config.raw_dir() / "gapminder-systema-globalis"


def _wdi(code: str) -> pd.DataFrame:
    with open(WDI / f"{code}.csv", encoding="utf-8", newline="") as fh:
        return pd.DataFrame(
            [(r["Country Code"], int(r["Year"]), float(r["Value"])) for r in csv.DictReader(fh)],
            columns=["iso3", "year", "value"],
        )


def _internet() -> pd.DataFrame:
    entities = pd.read_csv(GAP / "ddf--entities--geo--country.csv", dtype=str, keep_default_na=False)
    iso = dict(zip(entities["country"], entities["iso3166_1_alpha3"], strict=True)) | {"kos": "XKX"}
    raw = pd.read_csv(GAP / "ddf--datapoints--internet_users--by--geo--time.csv", keep_default_na=False)
    raw["iso3"] = raw["geo"].map(iso)
    return raw.rename(columns={"time": "year", "internet_users": "value"})[["iso3", "year", "value"]]


def _weighted(
    values: pd.DataFrame, weights: pd.DataFrame, members: list[str], year: int
) -> tuple[float, float]:
    """Weighted mean over reporting members and the weight share they cover, computed by hand."""
    w = weights[(weights["year"] == year) & weights["iso3"].isin(members)].set_index("iso3")["value"]
    v = values[(values["year"] == year) & values["iso3"].isin(members)].set_index("iso3")["value"]
    both = v.index.intersection(w.index)
    return float((v[both] * w[both]).sum() / w[both].sum()), float(w[both].sum() / w.sum())


@pytest.mark.parametrize(
    ("group", "year"),
    [("WLD", 2022), ("EAS", 2020), ("HIC", 2015), ("SSF", 2010), ("WIC", 2023), ("LMY", 2021)],
)
def test_population_weighted_internet_users(db: read.Warehouse, group: str, year: int) -> None:
    members = read.group_members(group, db=db)
    expected, share = _weighted(_internet(), _wdi("SP.POP.TOTL"), members, year)
    assert share >= 2 / 3
    got = read.observations("IT.NET.USER.ZS", group, year_from=year, year_to=year, with_flags=True, db=db)
    assert len(got) == 1 and got.iloc[0]["computed"] and got.iloc[0]["source"] == "computed"
    assert got.iloc[0]["value"] == pytest.approx(expected, rel=1e-12)
    cov = read.aggregate_coverage("IT.NET.USER.ZS", db=db)
    row = cov[(cov["iso3"] == group) & (cov["year"] == year)].iloc[0]
    assert row["coverage"] == pytest.approx(share) and row["published"]
    assert row["n_members"] == len(members)


def test_low_coverage_is_not_published(db: read.Warehouse) -> None:
    cov = read.aggregate_coverage("IT.NET.USER.ZS", db=db)
    low = cov[~cov["published"]]
    assert not low.empty and (low["coverage"] < 2 / 3).all()
    for row in low.head(5).itertuples():
        got = read.observations("IT.NET.USER.ZS", row.iso3, year_from=row.year, year_to=row.year, db=db)
        assert got.empty


def test_world_bank_aggregates_are_kept_not_recomputed(db: read.Warehouse) -> None:
    raw = _wdi("IT.NET.BBND.P2")
    got = read.observations("IT.NET.BBND.P2", ["WLD", "EAS", "HIC"], with_flags=True, db=db)
    assert not got["computed"].any()
    merged = got.merge(raw, on=["iso3", "year"], suffixes=("", "_raw"))
    assert len(merged) == len(got) and (merged["value"] == merged["value_raw"]).all()


def test_wic_group_for_every_aggregable_catalog_indicator(db: read.Warehouse) -> None:
    cat = load_catalog()
    aggregable = {i.code for i in cat.indicators if i.agg_method != "none"}
    assessed = {r[0] for r in db.rows("SELECT DISTINCT indicator FROM aggregate_coverage WHERE iso3 = 'WIC'")}
    assert assessed == aggregable
    published = {r[0] for r in db.rows("SELECT DISTINCT indicator FROM observations WHERE iso3 = 'WIC'")}
    never = {
        r[0]
        for r in db.rows("""SELECT indicator FROM aggregate_coverage WHERE iso3 = 'WIC'
                                      GROUP BY indicator HAVING NOT bool_or(published)""")
    }
    assert published == aggregable - never
    assert "IT.NET.USER.ZS" in published and len(never) <= 3
    flags = db.rows("SELECT DISTINCT computed, source FROM observations WHERE iso3 = 'WIC'")
    assert flags == [(True, "computed")]


def test_sum_aggregate(db: read.Warehouse) -> None:
    members = read.group_members("WIC", db=db)
    pop = _wdi("SP.POP.TOTL")
    year = 2023
    expected = pop[(pop["year"] == year) & pop["iso3"].isin(members)]["value"].sum()
    got = read.observations("SP.POP.TOTL", "WIC", year_from=year, year_to=year, db=db)
    assert got.iloc[0]["value"] == pytest.approx(expected, rel=1e-12)
