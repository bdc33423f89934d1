"""Incremental runs: an unchanged run is decided by file stats, a changed source rebuilds only what depends on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import replace_file

from etl import build, fingerprints, steps_reuse
from etl.steps import Context, discover

GAPMINDER = "gapminder-systema-globalis/ddf--datapoints--internet_users--by--geo--time.csv"
SDG = "un-sdg-ict-2020/ddf--datapoints--it_mob_own--by--geo_area--nature--sex--units--year.csv"
INDEX_TABLES = [t for t, _ in steps_reuse.OWNS["index"]]
TABLES = ["countries", "group_members", "indicators", "observations", "aggregate_coverage", "members",
          "membership_counts", "sources", *INDEX_TABLES]


def _log(target: Path) -> list[dict]:
    return [json.loads(x) for x in build.runs_log_path(target).read_text().splitlines()]


def _diff(con: duckdb.DuckDBPyConnection, a: str, b: str, table: str, where: str = "true") -> int:
    sql = f"""SELECT (SELECT count(*) FROM (SELECT * FROM {a}.{table} WHERE {where}
                                            EXCEPT ALL SELECT * FROM {b}.{table} WHERE {where}))
                   + (SELECT count(*) FROM (SELECT * FROM {b}.{table} WHERE {where}
                                            EXCEPT ALL SELECT * FROM {a}.{table} WHERE {where}))"""
    return int(con.execute(sql).fetchone()[0])  # type: ignore[index]


def test_an_unchanged_run_is_decided_by_file_stats(own_warehouse: Path) -> None:
    stat = own_warehouse.stat()
    first = build.run(Context.default(), target=own_warehouse)   # a copied file: no record yet, so by checksums
    second = build.run(Context.default(), target=own_warehouse)
    assert first.status == second.status == "up-to-date"
    assert [e.get("decided_by") for e in _log(own_warehouse)[-2:]] == ["checksums", "file stats"]
    assert own_warehouse.stat().st_ino == stat.st_ino and own_warehouse.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_record_of_another_file_is_not_trusted(own_warehouse: Path, tmp_path: Path) -> None:
    build.run(Context.default(), target=own_warehouse)
    record = fingerprints.load(own_warehouse)
    key = record["key"]
    assert fingerprints.unchanged(own_warehouse, key, [Context.default().raw])
    other = tmp_path / "other.duckdb"
    shutil.copyfile(own_warehouse, other)
    other.replace(own_warehouse)   # same content, another file: the record no longer describes it
    assert not fingerprints.unchanged(own_warehouse, key, [Context.default().raw])


def test_a_new_file_in_an_input_folder_is_noticed(own_warehouse: Path, mirror_copy: Path) -> None:
    ctx = Context.default(raw=mirror_copy)
    build.run(ctx, target=own_warehouse)
    key = fingerprints.load(own_warehouse)["key"]
    assert fingerprints.unchanged(own_warehouse, key, [ctx.raw, ctx.members_file.parent])
    (mirror_copy / "un-egdi" / "extra.csv").write_text("x\n")
    assert not fingerprints.unchanged(own_warehouse, key, [ctx.raw, ctx.members_file.parent])


def test_a_step_after_a_rebuilt_dependency_is_rebuilt() -> None:
    steps = discover()
    prev = {"code_version": "v", "source": "mirror", "checksums": {s.NAME: "same" for s in steps}}
    sums = {s.NAME: "same" for s in steps} | {"classifications": "changed"}
    assert build._reusable(steps, prev, "v", "mirror", sums) == set()   # every step depends on classifications
    sums = {s.NAME: "same" for s in steps} | {"gapminder": "changed"}
    assert build._reusable(steps, prev, "v", "mirror", sums) == {s.NAME for s in steps} - {"gapminder"}
    assert build._reusable(steps, prev, "other code", "mirror", sums) == set()


@pytest.mark.slow   # two builds (one incremental, one full) are what is compared
def test_one_changed_source_rebuilds_it_and_equals_a_full_rebuild(own_warehouse: Path, mirror_copy: Path,
                                                                   tmp_path: Path) -> None:
    path = mirror_copy / GAPMINDER
    text = path.read_text(encoding="utf-8")
    assert "\nchn,2010,34.3\n" in text
    replace_file(path, text.replace("\nchn,2010,34.3\n", "\nchn,2010,35.1\n").encode())
    full = tmp_path / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copyfile(own_warehouse, full)
    ctx = Context.default(raw=mirror_copy)
    report = build.run(ctx, target=own_warehouse)
    assert report.steps["gapminder"] == "loaded"
    assert {k for k, v in report.steps.items() if v == "reused"} == {s.NAME for s in discover()} - {"gapminder"}
    # Internet users are a catalog and index indicator with group values; no derived indicator reads them
    assert report.computed == {"aggregates": "computed", "derived": "reused", "index": "computed"}
    assert _log(own_warehouse)[-1]["computed"] == report.computed
    assert build.run(Context.default(raw=mirror_copy), target=full, force=True).status == "ok"
    con = duckdb.connect()
    for name, file in (("inc", own_warehouse), ("rebuilt", full), ("before", build.backup_path(own_warehouse))):
        con.execute(f"ATTACH '{file}' AS {name} (READ_ONLY)")
    wdi = "source = 'wdi'"
    assert _diff(con, "inc", "before", "observations", wdi) == 0   # the WDI rows are the previous ones
    assert con.execute(f"SELECT count(*) FROM inc.observations WHERE {wdi}").fetchone() == (2_115_952,)
    assert {t: _diff(con, "inc", "rebuilt", t) for t in TABLES} == dict.fromkeys(TABLES, 0)
    # the change log of the incremental run is the one a full rebuild writes against the same warehouse
    cols = "indicator, source, iso3, year, change, old_value, new_value"
    last = con.execute("SELECT run_id FROM rebuilt.etl_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    assert last
    query = f"SELECT {cols} FROM {{}}.changes WHERE run_id = ? ORDER BY ALL"
    inc = con.execute(query.format("inc"), [report.run_id]).fetchall()
    whole = con.execute(query.format("rebuilt"), [last[0]]).fetchall()
    assert inc == whole
    assert ("IT.NET.USER.ZS", "gapminder", "CHN", 2010, "revised", 34.3, 35.1) in inc


def test_computed_phases_follow_the_steps_they_read() -> None:
    needs = {"aggregates": {"classifications", "members", "wdi"}, "derived": {"classifications", "wdi"},
             "index": {"classifications", "wdi", "derived"}}
    everything = {"classifications", "members", "wdi", "sdg_ict"}
    assert steps_reuse.reusable(needs, everything - {"sdg_ict"}) == set(steps_reuse.PHASES)
    assert steps_reuse.reusable(needs, everything - {"members"}) == {"derived", "index"}
    assert steps_reuse.reusable(needs, everything - {"wdi"}) == set()
    assert steps_reuse.reusable(needs | {"derived": {"classifications", "?"}}, everything) == {"aggregates"}


def test_computed_phases_read_the_configurations_the_run_parsed(warehouse_path: Path) -> None:
    """``steps_reuse.inputs`` reads the derived and index configurations the run parsed once, not the files again."""
    from etl.catalog import load_catalog
    from etl.derived import load_derived
    from etl.index import load_config

    con = duckdb.connect(str(warehouse_path), read_only=True)
    steps, cat, definitions, config = discover(), load_catalog(), load_derived(), load_config()
    needs = steps_reuse.inputs(con, steps, cat, definitions, config)
    assert {"wdi", "egdi", "gtmi"} <= needs["index"] and "derived" in needs["index"] and "wdi" in needs["derived"]
    assert needs["aggregates"] >= {"classifications", "members", "wdi", "gapminder"}
    none = steps_reuse.inputs(con, steps, cat, [], config)   # no derived indicator: they read only the countries
    assert none["derived"] == {"classifications"} and "derived" not in none["index"]
    con.close()


def test_a_source_no_computed_table_reads_leaves_them_as_they_were(own_warehouse: Path, mirror_copy: Path) -> None:
    """The SDG series are in neither the catalog nor the index: group values, derived rows and the index tables are
    copied row for row, in their order, and the change is still logged."""
    path = mirror_copy / SDG
    text = path.read_text(encoding="utf-8")
    assert "\n12,notspec,bothsex,percent,2018,87.87972\n" in text
    replace_file(path, text.replace("\n12,notspec,bothsex,percent,2018,87.87972\n",
                                    "\n12,notspec,bothsex,percent,2018,88.5\n").encode())
    report = build.run(Context.default(raw=mirror_copy), target=own_warehouse)
    assert report.steps["sdg_ict"] == "loaded" and report.steps["wdi"] == "reused"
    assert report.computed == dict.fromkeys(steps_reuse.PHASES, "reused")
    assert _log(own_warehouse)[-1]["computed"] == report.computed
    con = duckdb.connect()
    con.execute(f"ATTACH '{own_warehouse}' AS inc (READ_ONLY)")
    con.execute(f"ATTACH '{build.backup_path(own_warehouse)}' AS before (READ_ONLY)")
    for table, where in [*steps_reuse.OWNS["aggregates"], *steps_reuse.OWNS["derived"], *steps_reuse.OWNS["index"]]:
        query = f"SELECT * FROM {{}}.{table}" + (f" WHERE {where}" if where else "")
        rows = con.execute(query.format("inc")).fetchall()
        assert rows == con.execute(query.format("before")).fetchall(), table
        assert rows or table in ("index_coherence", "index_correlations"), table
    changed = con.execute("SELECT indicator, iso3, year, change, old_value, new_value FROM inc.changes "
                          "WHERE run_id = ?", [report.run_id]).fetchall()
    assert changed == [("IT_MOB_OWN", "DZA", 2018, "revised", 87.87972, 88.5)]
