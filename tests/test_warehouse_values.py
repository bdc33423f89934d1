"""The warehouse holds exactly what the raw files say, with classifications, names and the catalog."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from etl import config, read
from etl.catalog import load_catalog

WDI = config.raw_dir() / "datahub-wdi"
GAPMINDER = config.raw_dir() / "gapminder-systema-globalis"


def raw_wdi(code: str) -> pd.DataFrame:
    """Parse a raw WDI CSV with the csv module, independently of the loader."""
    with open(WDI / f"{code}.csv", encoding="utf-8", newline="") as fh:
        rows = [(r["Country Code"], code, int(r["Year"]), float(r["Value"])) for r in csv.DictReader(fh)]
    return pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])


def test_every_wdi_file_is_loaded_with_all_its_rows(db: read.Warehouse) -> None:
    files = sorted(WDI.glob("*.csv"))
    assert len(files) == 325
    counts = dict(db.rows("SELECT indicator, count(*) FROM observations WHERE source = 'wdi' GROUP BY 1"))
    for path in files:
        with open(path, encoding="utf-8") as fh:
            expected = sum(1 for _ in fh) - 1
        assert counts[path.name[:-4]] == expected, path.name
    assert sum(counts.values()) == 2_115_952  # as SOURCES.md states


@pytest.mark.parametrize(
    "code",
    [
        "IT.NET.BBND.P2",
        "IT.CEL.SETS.P2",
        "GB.XPD.RSDV.GD.ZS",
        "SP.POP.TOTL",
        "TX.VAL.TECH.MF.ZS",
        "NY.GDP.PCAP.CD",
    ],
)
def test_wdi_values_equal_the_raw_csv(db: read.Warehouse, code: str) -> None:
    expected = raw_wdi(code).sort_values(["iso3", "year"], ignore_index=True)
    got = read.observations(code, with_flags=True, db=db)
    assert set(got.loc[got["computed"], "iso3"]) <= {"WIC"}
    got = got[~got["computed"]].sort_values(["iso3", "year"], ignore_index=True)
    assert got[["iso3", "year"]].astype({"year": int}).equals(expected[["iso3", "year"]])
    assert (got["value"] == expected["value"]).all()


def test_random_rows_of_random_files_match(db: read.Warehouse) -> None:
    rng = random.Random(20261129)
    for path in rng.sample(sorted(WDI.glob("*.csv")), 25):
        frame = raw_wdi(path.name[:-4])
        for row in frame.sample(5, random_state=rng.randrange(1 << 30)).itertuples():
            got = db.rows(
                "SELECT value FROM observations WHERE iso3 = ? AND indicator = ? AND year = ?",
                [row.iso3, row.indicator, row.year],
            )
            assert got == [(row.value,)], (path.name, row)


def test_internet_users_come_from_gapminder_mapped_to_iso3(db: read.Warehouse) -> None:
    with open(GAPMINDER / "ddf--datapoints--internet_users--by--geo--time.csv", encoding="utf-8") as fh:
        raw = {(r["geo"], int(r["time"])): float(r["internet_users"]) for r in csv.DictReader(fh)}
    got = read.observations("IT.NET.USER.ZS", ["CHN", "USA", "XKX", "TWN"], with_flags=True, db=db)
    assert set(got["source"]) == {"gapminder"}
    for row in got.itertuples():
        geo = {"XKX": "kos"}.get(row.iso3, row.iso3.lower())
        assert raw[(geo, row.year)] == row.value
    assert {"CHN", "USA", "XKX"} <= set(got["iso3"])  # Kosovo kept through its Gapminder id 'kos'
    countries_only = db.rows("""SELECT count(*) FROM observations o JOIN countries c USING (iso3)
                                WHERE indicator = 'IT.NET.USER.ZS' AND c.is_aggregate AND NOT o.computed""")
    assert countries_only == [(0,)]


def test_classifications(db: read.Warehouse) -> None:
    c = read.countries(include_aggregates=True, db=db).set_index("iso3")
    assert c.loc["XKX", "name_en"] == "Kosovo" and c.loc["XKX", "wb_region_id"] == "ECS"
    assert c.loc["CHI", "income_id"] == "HIC" and not c.loc["CHI", "is_aggregate"]
    assert c.loc["CHN", "name_zh"] == "中国" and c.loc["USA", "name_zh"] == "美国"
    assert c.loc["CHN", "un_region"] == "Asia" and c.loc["CHN", "un_subregion"] == "Eastern Asia"
    assert c.loc["CHN", "iso2"] == "CN" and c.loc["CHN", "iso_numeric"] == "156"
    assert c.loc["AFG", "ldc"] and c.loc["AFG", "lldc"] and c.loc["FJI", "sids"] and not c.loc["CHN", "ldc"]
    assert c.loc["ABW", "longitude"] == pytest.approx(-70.0167)  # coordinates are numbers, not strings
    assert c.loc["WLD", "is_aggregate"] and c.loc["WLD", "name_zh"] == "世界"
    assert c.loc["WIC", "is_computed"] and c.loc["WIC", "is_aggregate"]
    assert not c.loc["TWN", "in_wb_list"]
    wb = pd.read_csv(
        config.raw_dir() / "wb-country-metadata" / "wb_api_country_list_2024-06.csv", keep_default_na=False
    )
    assert set(wb["iso3"]) <= set(c.index)
    economies = wb[wb["is_aggregate"] == False]  # noqa: E712
    assert (c.loc[economies["iso3"], "income_id"].values == economies["income_level_id"].values).all()
    assert c.loc[wb["iso3"], "name_zh"].notna().all(), "every World Bank code has a Chinese name"


def test_group_members(db: read.Warehouse) -> None:
    assert len(read.group_members("WLD", db=db)) == 217
    assert "CHN" in read.group_members("EAS", db=db) and "CHN" in read.group_members("UMC", db=db)
    members = pd.read_csv(Path(config.REPO_ROOT, "data", "members", "members.csv"))
    assert set(read.group_members("WIC", db=db)) == set(members["country_iso3"].dropna())
    with pytest.raises(read.UnknownCode):
        read.group_members("NOPE", db=db)


def test_catalog_indicators_all_exist_with_metadata(db: read.Warehouse) -> None:
    cat = load_catalog()
    assert len(cat.indicators) >= 25
    assert {p["id"] for p in cat.pillars} == {
        "connectivity",
        "innovation",
        "digital_economy",
        "skills",
        "digital_government",
        "context",
    }
    frame = read.indicators(catalog_only=True, db=db)
    assert list(frame["code"]) == [
        i.code for i in sorted(cat.indicators, key=lambda i: [p["id"] for p in cat.pillars].index(i.pillar))
    ]
    assert frame["name_zh"].notna().all() and frame["unit"].notna().all() and frame["pillar"].notna().all()
    assert frame["definition"].notna().all() and frame["license"].notna().all()
    assert frame["last_updated"].notna().all()
    context = frame[frame["pillar"] == "context"]
    assert context["higher_is_better"].isna().all()
    derived = db.rows("SELECT count(*) FROM indicators WHERE dataset = 'derived'")[0][0]
    assert derived >= 3
    steps = db.rows("SELECT count(*) FROM indicators WHERE dataset IN "
                    "('egdi', 'gtmi', 'oecd_dgi', 'eu_egov', 'sdg_ict')")[0][0]
    assert steps == 6 + 6 + 21 + 5 + 40
    assert len(read.indicators(db=db)) == 327 + steps + derived  # every source indicator stays queryable


def test_indicator_metadata_from_datapackage(db: read.Warehouse) -> None:
    meta = read.indicator("IT.NET.BBND.P2", db=db)
    pkg = json.loads((WDI / "IT.NET.BBND.P2.datapackage.json").read_text())
    assert meta["title"] == pkg["title"] and meta["definition"] == pkg["readme"].strip()
    assert meta["unit"] == "per 100 people" and meta["topic"] == "Infrastructure"
    assert meta["license"] == "CC-BY-4.0" and meta["in_catalog"]


def test_members_and_counts(db: read.Warehouse) -> None:
    m = read.members(db=db)
    assert len(m) == 51 and m["first_reported"].notna().all()
    assert m.loc[m["name"] == "Huawei", "country_zh"].item() == "中国"
    counts = read.membership_counts(db=db)
    assert list(counts["members"]) == [100, 110, 120, 140, 170]
    assert counts.iloc[-1]["members_qualifier"] == "about"
    top = read.member_countries(db=db).iloc[0]
    assert top["iso3"] == "CHN" and top["n_members"] == (m["country_iso3"] == "CHN").sum()


def test_latest_and_coverage_views(db: read.Warehouse) -> None:
    raw = raw_wdi("IT.NET.BBND.P2")
    expected = raw.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    got = read.latest("IT.NET.BBND.P2", db=db).set_index("iso3")
    assert len(got) == raw["iso3"].nunique() + 1  # every code in the file, plus the computed WIC group
    assert got.loc["USA", "year"] == expected.loc["USA", "year"]
    assert got.loc["USA", "value"] == expected.loc["USA", "value"]
    before = read.latest("IT.NET.BBND.P2", ["USA"], max_year=2015, db=db)
    assert before.iloc[0]["year"] == 2015
    cov = read.coverage("IT.NET.BBND.P2", db=db).set_index("year")
    countries = set(read.countries(db=db)["iso3"])
    in_2020 = raw[(raw["year"] == 2020) & raw["iso3"].isin(countries)]
    assert cov.loc[2020, "n_countries"] == len(in_2020)


def test_sources_and_run_log(db: read.Warehouse) -> None:
    src = read.sources(db=db).set_index("id")
    assert set(src.index) == {"classifications", "wdi", "gapminder", "members", "egdi", "gtmi", "oecd_dgi",
                              "eu_egov", "sdg_ict"}
    assert src.loc["wdi", "license"] == "CC-BY-4.0" and src.loc["wdi", "vintage"] == "2026-07-01"
    run = read.runs(db=db).iloc[0]
    assert run["status"] == "ok" and run["source"] == "mirror"
    counts = json.loads(run["row_counts"])
    assert counts["observations"] == db.rows("SELECT count(*) FROM observations")[0][0]
    sums = json.loads(run["checksums"])
    assert len(sums["wdi"]) == 650 and all(len(v) == 64 for v in sums["wdi"].values())
    assert read.data_vintage(db=db)["run_id"] == run["run_id"]


def test_one_row_per_key(db: read.Warehouse) -> None:
    dup = db.rows("SELECT iso3, indicator, year FROM observations GROUP BY ALL HAVING count(*) > 1 LIMIT 1")
    assert dup == []
