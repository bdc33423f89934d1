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


def _carried(values: pd.DataFrame, members: list[str], year: int) -> pd.DataFrame:
    """Each member's value for ``year`` or, failing that, its latest of the 3 years before: iso3, value, from."""
    v = values[values["iso3"].isin(members) & values["year"].between(year - 3, year)]
    latest = v.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    return latest.rename(columns={"year": "from"})[["value", "from"]]


def _weighted(values: pd.DataFrame, weights: pd.DataFrame, members: list[str], year: int
              ) -> tuple[float, float, int, int, float]:
    """The carry rule, computed by hand: weighted mean, covered weight share, members reporting, members carried,
    and the share of the covered weight that is carried."""
    w = weights[(weights["year"] == year) & weights["iso3"].isin(members)].set_index("iso3")["value"]
    got = _carried(values, list(w.index), year)
    both = got.index.intersection(w.index)
    carried = got.loc[both, "from"] < year
    mean = float((got.loc[both, "value"] * w[both]).sum() / w[both].sum())
    return (mean, float(w[both].sum() / w.sum()), int((~carried).sum()), int(carried.sum()),
            float(w[both][carried].sum() / w[both].sum()))


@pytest.mark.parametrize(
    ("group", "year"),
    [("WLD", 2022), ("EAS", 2020), ("HIC", 2015), ("SSF", 2010), ("WIC", 2023), ("LMY", 2021), ("WLD", 2023),
     ("WIC", 2024), ("EAS", 2024), ("WLD", 2020), ("WLD", 2021)],
)
def test_population_weighted_internet_users(db: read.Warehouse, group: str, year: int) -> None:
    members = read.group_members(group, db=db)
    expected, share, reporting, carried, carried_share = _weighted(_internet(), _wdi("SP.POP.TOTL"), members, year)
    assert share >= 2 / 3
    got = read.observations("IT.NET.USER.ZS", group, year_from=year, year_to=year, with_flags=True, db=db)
    assert len(got) == 1 and got.iloc[0]["computed"] and got.iloc[0]["source"] == "computed"
    assert got.iloc[0]["value"] == pytest.approx(expected, rel=1e-12)
    assert bool(got.iloc[0]["carried"]) == (carried > 0)
    cov = read.aggregate_coverage("IT.NET.USER.ZS", db=db)
    row = cov[(cov["iso3"] == group) & (cov["year"] == year)].iloc[0]
    assert row["coverage"] == pytest.approx(share) and row["published"]
    assert row["n_members"] == len(members)
    assert (row["n_reporting"], row["n_carried"]) == (reporting, carried)
    assert row["carried_share"] == pytest.approx(carried_share, abs=1e-12)


def test_world_internet_2023_carries_india(db: read.Warehouse) -> None:
    """India has no 2023 Internet value: the world value carries its latest (and says so), not drops it."""
    india = _internet()
    india = india[india["iso3"] == "IND"]
    assert 2023 not in set(india["year"]) and {2020, 2021, 2022} & set(india["year"])
    cov = read.aggregate_coverage("IT.NET.USER.ZS", db=db)
    row = cov[(cov["iso3"] == "WLD") & (cov["year"] == 2023)].iloc[0]
    assert row["n_carried"] >= 1 and row["carried_share"] > 0.17   # India alone is about 18 % of the world


def test_a_one_country_group_is_not_a_group(db: read.Warehouse) -> None:
    """The World Bank's 'Not classified' income group (INX) holds Venezuela alone: no computed value for it."""
    assert read.group_members("INX", db=db) == ["VEN"]
    assert db.rows("SELECT count(*) FROM observations WHERE iso3 = 'INX' AND computed") == [(0,)]
    assert db.rows("SELECT count(*) FROM aggregate_coverage WHERE iso3 = 'INX'") == [(0,)]


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
