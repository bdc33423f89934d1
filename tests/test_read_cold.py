"""The read API's hot path (small queries on one indicator's rows, kept per generation of the file) answers what the
naive version answers: the whole observations table in pandas, filtered; and a new vintage replaces what it kept."""

from __future__ import annotations

import gc
import os
import shutil
import threading
import weakref
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from conftest import swap_in_edited, wait_until, warming

from etl import facts, read

# a yearly WDI series, a source published in editions, a derived indicator, a series with group values computed here
CODES = ["IT.NET.BBND.P2", "UNDESA.EGDI", "DRV.IP.PAT.RESD.P6", "IT.NET.USER.ZS"]
PLACES = ["CHN", "USA", "KEN", "WIC", "WLD", "HIC"]


@pytest.fixture(scope="module")
def full(db: read.Warehouse) -> pd.DataFrame:
    """The naive version's table: every observation, in pandas."""
    return db.frame("SELECT iso3, indicator, year, value, computed FROM observations")


def _naive_counts(full: pd.DataFrame, db: read.Warehouse, code: str) -> list[tuple[int, int]]:
    aggregates = read.aggregate_codes(db=db)
    part = full[(full["indicator"] == code) & ~full["iso3"].isin(aggregates)]
    return [(int(y), int(n)) for y, n in part.groupby("year").size().items()]


@pytest.mark.parametrize("code", CODES)
def test_the_hot_path_answers_what_the_whole_table_answers(db: read.Warehouse, full: pd.DataFrame,
                                                          code: str) -> None:
    mine = full[full["indicator"] == code].sort_values(["iso3", "year"])
    assert not mine.empty
    for places in (PLACES, PLACES[:1], PLACES[::-1] + PLACES, ["TUV", "PRK", "CHN"], sorted(set(mine["iso3"])), []):
        some = mine[mine["iso3"].isin(places)]
        rows = read.series_rows(code, places, db=db)   # any set of places, from the indicator's rows kept once
        assert rows == [(r.iso3, int(r.year), float(r.value), bool(r.computed)) for r in some.itertuples()]
        assert all(type(y) is int and type(v) is float and type(k) is bool for _, y, v, k in rows)
    for year in sorted(set(mine["year"]))[-3:] + [1800]:
        that = mine[mine["year"] == year]
        assert read.year_values(code, year, db=db) == list(zip(that["iso3"], that["value"], strict=True))
    newest = mine.groupby("iso3").tail(1)
    assert read.latest_by_country(code, db=db) == {
        r.iso3: (int(r.year), float(r.value), bool(r.computed)) for r in newest.itertuples()}
    counts = _naive_counts(full, db, code)
    assert read.indicator_years(code, db=db) == counts
    assert list(read.country_years(code, db=db)["year"]) == [y for y, _ in counts]
    best = max(n for _, n in counts)
    assert read.default_year(code, db=db) == max(y for y, n in counts if n >= best / 2)


def test_explorer_rows_are_the_observations_in_their_order(db: read.Warehouse) -> None:
    codes = ["IT.NET.USER.ZS", "IT.NET.BBND.P2"]
    rows = read.observation_rows(codes, PLACES, year_from=2005, year_to=2015, db=db)
    frame = read.observations(codes, PLACES, year_from=2005, year_to=2015, with_flags=True, db=db)
    assert rows and rows == [(r.iso3, r.indicator, int(r.year), float(r.value), bool(r.computed))
                             for r in frame.itertuples()]


def test_scatter_values_are_the_pandas_pivot_of_the_observations(db: read.Warehouse) -> None:
    x, y, size = "NY.GDP.PCAP.PP.KD", "IT.NET.USER.ZS", "SP.POP.TOTL"
    data = read.observations([x, y, size], year_from=2000, db=db)
    data = data[data["iso3"].isin(read.group_sets(db=db)["WLD"])]
    wide = data.pivot_table(index=["iso3", "year"], columns="indicator", values="value").reset_index()
    naive = pd.DataFrame({"iso3": wide["iso3"], "year": wide["year"].astype(int), "x": wide[x], "y": wide[y],
                          "size": wide[size]}).dropna(subset=["x", "y"]).reset_index(drop=True)
    got = pd.DataFrame(read.scatter_values(x, y, size, group="WLD", year_from=2000, db=db))
    got["year"] = got["year"].astype(int)
    assert len(got) > 1000
    pd.testing.assert_frame_equal(got, naive, check_dtype=False)
    one = pd.DataFrame(read.scatter_values(y, y, size, group="WIC", year_from=2010, db=db))   # the same on both axes
    assert not one.empty and (one["x"] == one["y"]).all() and set(one["iso3"]) <= read.group_sets(db=db)["WIC"]
    with pytest.raises(read.UnknownCode):
        read.scatter_values("NO.SUCH.CODE", y, size, group="WLD", year_from=2000, db=db)


def test_a_new_vintage_replaces_everything_kept(own_warehouse: Path, tmp_path: Path) -> None:
    code = "IT.NET.BBND.P2"
    wh = read.Warehouse(own_warehouse)
    year, value, _ = read.latest_by_country(code, db=wh)["CHN"]
    years = read.indicator_years(code, db=wh)
    assert read.series_rows(code, ["CHN"], db=wh)[-1] == ("CHN", year, value, False)
    assert read.year_values(code, year, db=wh)
    fact = facts.fact("CHN", code, db=wh)
    assert fact.value == value and fact.rank is not None

    new = tmp_path / "next.duckdb"
    shutil.copyfile(own_warehouse, new)
    con = duckdb.connect(str(new))
    con.execute("UPDATE observations SET value = value + 1000 WHERE indicator = ? AND iso3 = 'CHN' AND year = ?",
                [code, year])
    con.execute("DELETE FROM observations WHERE indicator = ? AND year = ?", [code, years[0][0]])
    con.close()
    os.replace(new, own_warehouse)   # as the ETL swaps a new vintage in

    assert read.latest_by_country(code, db=wh)["CHN"] == (year, value + 1000, False)
    assert read.series_rows(code, ["CHN"], db=wh)[-1] == ("CHN", year, value + 1000, False)
    assert dict(read.year_values(code, year, db=wh))["CHN"] == value + 1000
    assert read.indicator_years(code, db=wh) == years[1:]
    assert not read.year_values(code, years[0][0], db=wh)
    after = facts.fact("CHN", code, db=wh)
    assert after.value == value + 1000 and after.rank is not None and after.rank.rank == 1
    wh.close()


WARMED = [("overview", "headline", "en"), ("overview", "laggards", "zh"), ("index-page", "pre"),
          ("index-page", ("filters", "zh")), "indicator_dicts",
          ("country_counts", "NY.GDP.PCAP.PP.KD"), ("country_counts", "UNDESA.EGDI")]   # the years of any indicator


def _next_vintage(live: Path, tmp: Path, code: str, year: int, delta: float) -> None:
    """Swap in a copy of ``live`` whose CHN value of ``code`` in ``year`` is ``delta`` higher, as the ETL swaps."""
    swap_in_edited(live, tmp, "UPDATE observations SET value = value + ? WHERE indicator = ? AND iso3 = 'CHN' "
                              "AND year = ?", [delta, code, year])


def test_a_new_generation_is_served_only_once_warmed(own_warehouse: Path, tmp_path: Path) -> None:
    code = "IT.NET.USER.ZS"
    wh = read.Warehouse(own_warehouse)
    year, value, _ = read.latest_by_country(code, db=wh)["CHN"]
    old_key = wh.generation_key()
    assert not wh.switch_warm(lambda: None)   # the file served is the file on disk: nothing to do
    _next_vintage(own_warehouse, tmp_path, code, year, 1000)

    seen: list[float] = []

    def work() -> None:
        seen.append(read.latest_by_country(code, db=wh)["CHN"][1])   # the warm-up reads the new file
        wh.memo("warmed", lambda: True)

    with warming(wh, work):
        # meanwhile every other thread reads the previous generation, all of it
        assert read.latest_by_country(code, db=wh)["CHN"][1] == value and wh.generation_key() == old_key
        assert not wh.has("warmed")
    assert seen == [value + 1000]
    assert wh.generation_key() != old_key and wh.has("warmed")   # served now, with what the warm-up built
    assert read.latest_by_country(code, db=wh)["CHN"][1] == value + 1000
    wh.close()


def test_with_swaps_deferred_a_new_file_waits_for_its_warm_up_unless_it_cannot_be_opened(own_warehouse: Path,
                                                                                        tmp_path: Path) -> None:
    code = "IT.NET.USER.ZS"
    wh = read.Warehouse(own_warehouse)
    wh.defer_swaps()   # as a server's watcher does
    year, value, _ = read.latest_by_country(code, db=wh)["CHN"]
    _next_vintage(own_warehouse, tmp_path, code, year, 1000)
    assert read.latest_by_country(code, db=wh)["CHN"][1] == value   # not opened by a read: not warmed yet
    assert wh.switch_warm(lambda: None)
    assert read.latest_by_country(code, db=wh)["CHN"][1] == value + 1000

    # a file of another schema: the warm-up cannot open it, a read reports it
    swap_in_edited(own_warehouse, tmp_path, "UPDATE etl_runs SET schema_version = 'other'")
    with pytest.raises(read.WarehouseStale):
        wh.switch_warm(lambda: None)
    with pytest.raises(read.WarehouseStale):
        read.latest_by_country(code, db=wh)
    wh.close()


def test_a_failed_warm_up_still_switches(own_warehouse: Path, tmp_path: Path) -> None:
    code = "IT.NET.USER.ZS"
    wh = read.Warehouse(own_warehouse)
    year, value, _ = read.latest_by_country(code, db=wh)["CHN"]
    _next_vintage(own_warehouse, tmp_path, code, year, 1000)

    def fail() -> None:
        raise RuntimeError("warm-up broke")

    with pytest.raises(RuntimeError, match="warm-up broke"):
        wh.switch_warm(fail)
    assert read.latest_by_country(code, db=wh)["CHN"][1] == value + 1000
    wh.close()


def test_warm_up_builds_what_the_cold_pages_read_and_again_for_each_new_vintage(
        app: Any, own_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import app as shell

    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    wh = read.open_warehouse()
    assert wh.path == own_warehouse and not any(wh.has(k) for k in WARMED)
    stop = shell.warm_up(watch=0.05)
    assert stop is not None
    entered, release = threading.Event(), threading.Event()
    build = shell._build

    def held() -> None:   # the watcher's warm-up of the new file, held open until the checks below are done
        entered.set()
        release.wait(60)
        build()

    monkeypatch.setattr(shell, "_build", held)
    try:
        assert all(wh.has(k) for k in WARMED)
        old_key = wh.generation_key()
        new = tmp_path / "next.duckdb"
        shutil.copyfile(own_warehouse, new)
        os.replace(new, own_warehouse)   # a new vintage
        assert wh.generation_key() == old_key   # not served before it is warmed, even before the watcher notices
        wait_until(entered.is_set, "the watcher to notice the new file")
        assert wh.generation_key() == old_key and all(wh.has(k) for k in WARMED)   # the old one serves meanwhile
        release.set()
        wait_until(lambda: wh.generation_key() != old_key, "the watcher to serve the new generation")
        assert all(wh.has(k) for k in WARMED)   # built before it was served
        assert read.series_rows("IT.NET.USER.ZS", ["WLD"])
    finally:
        release.set()
        stop.set()
        wait_until(lambda: not any(t.name == "wic-warm-up" for t in threading.enumerate()), "the watcher to stop")


class _Cyclic:
    """A value that only the cyclic garbage collector frees."""

    def __init__(self) -> None:
        self.me = self


def test_a_warm_up_freezes_what_is_alive_and_frees_what_the_previous_generation_left(
        app: Any, own_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Frozen, the warmed lookups are out of the collector's full passes; the next vintage's warm-up unfreezes
    first, so a cycle the previous generation kept is collected, not frozen for good."""
    from dashboard import app as shell

    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    wh = read.open_warehouse()
    kept = weakref.ref(wh.memo("test-cycle", _Cyclic))
    gc.unfreeze()
    stop = shell.warm_up(watch=0.05)
    assert stop is not None
    try:
        assert gc.get_freeze_count() > 0 and kept() is not None
        assert not any(o is kept() for o in gc.get_objects())   # frozen: not in any generation the collector walks
        old_key = wh.generation_key()
        new = tmp_path / "next.duckdb"
        shutil.copyfile(own_warehouse, new)
        os.replace(new, own_warehouse)   # a new vintage: the watcher warms it, serves it and settles
        wait_until(lambda: wh.generation_key() != old_key, "the watcher to serve the new generation")
        # the watcher unfreezes, collects, then freezes again: the cycle is gone once that is done
        wait_until(lambda: kept() is None and gc.get_freeze_count() > 0,
                   "the previous generation's cycle to be collected and what is alive frozen again")
    finally:
        stop.set()
        wait_until(lambda: not any(t.name == "wic-warm-up" for t in threading.enumerate()), "the watcher to stop")
        gc.unfreeze()


def test_priming_series_group_coverages_and_country_counts_keeps_what_each_query_answers(warehouse_path: Path) -> None:
    primed, plain = read.Warehouse(warehouse_path), read.Warehouse(warehouse_path)
    groups = ["WIC", "WLD", "HIC", "LIC", "CHN"]
    read.prime_series(CODES, groups, db=primed)
    assert all(primed.has(("indicator_rows", code)) for code in CODES)
    pairs = [(code, y) for code in CODES for _, y, _, _ in read.series_rows(code, ["WIC"], db=plain)][-12:]
    read.prime_group_coverage(pairs, groups, db=primed)
    covered = 0
    for code in CODES:
        for g in groups:
            assert read.series_rows(code, [g], db=primed) == read.series_rows(code, [g], db=plain)
    for code, year in pairs:
        for g in groups:
            mine = read.group_value_coverage(g, code, year, db=primed)
            assert mine == read.group_value_coverage(g, code, year, db=plain)
            covered += mine is not None
    assert covered > 0   # computed group values among them
    read.prime_country_counts(CODES, db=primed)
    assert all(primed.has(("country_counts", code)) for code in CODES)
    for code in CODES:
        assert read.indicator_years(code, db=primed) == read.indicator_years(code, db=plain)
    primed.close()
    plain.close()
