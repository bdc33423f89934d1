"""Past vintages: the last N warehouses are kept and answer, read-only, as of their run."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import replace_file
from dash_payloads import layout as page_layout
from dash_payloads import texts
from test_changes import FILE, _edited

from etl import build, config, read, vintages
from etl.steps import Context
from wic import cli

RUNS = ["20261201T100000Z-aaaaaa", "20261201T110000Z-bbbbbb", "20261201T120000Z-cccccc"]


def test_keep_links_the_file_and_prune_keeps_the_newest(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    for run in RUNS:
        (tmp_path / "new").write_bytes(run.encode())
        os.replace(tmp_path / "new", target)        # a new file each run, as the ETL's swap
        vintages.keep(target, target, run)
        vintages.keep(target, target, run)   # kept already: nothing happens
    assert vintages.kept(target) == RUNS
    kept = vintages.path_for(target, RUNS[-1])
    assert kept.read_bytes() == RUNS[-1].encode() and kept.stat().st_ino == target.stat().st_ino
    (vintages.folder(target) / ".left-by-a-killed-run.duckdb.part").write_bytes(b"")
    assert vintages.prune(target, 2, RUNS[-1]) == RUNS[:1]
    assert vintages.kept(target) == RUNS[1:] and not list(vintages.folder(target).glob(".*"))
    assert vintages.path_for(target, RUNS[1]).read_bytes() == RUNS[1].encode()   # its own content, not the live one
    assert vintages.prune(target, 0, RUNS[-1]) == RUNS[1:] and vintages.kept(target) == []


@pytest.mark.parametrize("bad", ["../warehouse", "20261201T100000Z-aaaaaa/../x", "", "latest"])
def test_only_run_ids_name_a_vintage(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="is not a run id"):
        vintages.path_for(tmp_path / "warehouse.duckdb", bad)
    with pytest.raises(read.UnknownVintage, match="kept runs: none"):
        read.open_warehouse(tmp_path / "warehouse.duckdb", vintage=bad)


def test_keep_vintages_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIC_KEEP_VINTAGES", raising=False)
    assert config.keep_vintages() == 5
    monkeypatch.setenv("WIC_KEEP_VINTAGES", "2")
    assert config.keep_vintages() == 2
    monkeypatch.setenv("WIC_KEEP_VINTAGES", "-1")
    with pytest.raises(ValueError, match="WIC_KEEP_VINTAGES: expected a whole number"):
        config.keep_vintages()
    result = CliRunner().invoke(cli.main, ["etl", "--check"])
    assert result.exit_code == 2 and "WIC_KEEP_VINTAGES" in result.stderr and "Traceback" not in result.output


def _value(db: read.Warehouse) -> float:
    frame = read.observations("AG.LND.AGRI.ZS", "ABW", year_from=1961, year_to=1961, db=db)
    return float(frame["value"].iloc[0])


def test_a_past_vintage_answers_as_of_its_run(own_warehouse: Path, mirror_copy: Path, client: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    before = read.data_vintage(db=read.open_warehouse(own_warehouse))["run_id"]
    replace_file(mirror_copy / FILE, _edited((mirror_copy / FILE).read_text(encoding="utf-8")).encode())
    report = build.run(Context.default(raw=mirror_copy), target=own_warehouse, keep=2)
    assert vintages.kept(own_warehouse) == sorted([before, report.run_id])

    old, new = read.open_warehouse(vintage=before), read.open_warehouse(vintage=report.run_id)
    assert (_value(old), _value(new)) == (11.1111111111111, 12.5)
    assert _value(read.open_warehouse()) == 12.5
    with read.using(old):                       # calls without db read the vintage inside the block
        assert _value(None) == 11.1111111111111  # type: ignore[arg-type]
        assert read.data_vintage()["run_id"] == before
    assert read.data_vintage()["run_id"] == report.run_id
    with pytest.raises(read.UnknownVintage) as missing:
        read.open_warehouse(vintage="20200101T000000Z-000000")
    assert "20200101T000000Z-000000" in str(missing.value) and before in str(missing.value)
    listed = read.vintages()
    assert list(listed["run_id"]) == [report.run_id, before] and list(listed["live"]) == [True, False]

    url = "/api/v1/observations?indicator=AG.LND.AGRI.ZS&country=ABW&year_from=1961&year_to=1961"
    for run, value in ((before, 11.1111111111111), (report.run_id, 12.5), (None, 12.5)):
        body = client.get(url + (f"&vintage={run}" if run else "")).get_json()
        assert [r["value"] for r in body["data"]] == [value]
        assert body["meta"]["vintage"]["run_id"] == (run or report.run_id)
    facts = client.get(f"/api/v1/facts?country=ABW&indicator=AG.LND.AGRI.ZS&vintage={before}").get_json()
    assert facts["meta"]["vintage"]["run_id"] == before
    bad = client.get(url + "&vintage=20200101T000000Z-000000")   # a run id that is not kept: 404, as a code
    assert bad.status_code == 404
    error = bad.get_json()["error"]
    assert error["parameter"] == "vintage" and before in error["message"] and report.run_id in error["suggestions"]
    malformed = client.get(url + "&vintage=../warehouse")
    assert malformed.status_code == 400 and malformed.get_json()["error"]["parameter"] == "vintage"
    kept = client.get("/api/v1/vintages").get_json()
    assert [(r["run_id"], r["live"]) for r in kept["data"]] == [(report.run_id, True), (before, False)]

    out = CliRunner().invoke(cli.main, ["query", "--indicator", "AG.LND.AGRI.ZS", "--country", "ABW", "--from",
                                        "1961", "--to", "1961", "--vintage", before])
    assert out.exit_code == 0, out.output
    assert pd.read_csv(io.StringIO(out.stdout))["value"].tolist() == [11.1111111111111]
    listed_cli = CliRunner().invoke(cli.main, ["vintages"])
    assert pd.read_csv(io.StringIO(listed_cli.stdout))["run_id"].tolist() == [report.run_id, before]
    unknown = CliRunner().invoke(cli.main, ["facts", "ABW", "--vintage", "20200101T000000Z-000000"])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("wic facts: error: no kept warehouse of run")

    # the Sources page's "What's new": the revision with both values in the unit, the new year, the withdrawn value
    new = texts(page_layout("pages.sources", lang="en"))
    assert f"What the last run ({report.run_id}) changed against the warehouse it replaced ({before})" in new
    assert "Aruba 1961: 11.1 % of land area → 12.5 % of land area" in new
    assert "(AG.LND.AGRI.ZS): 2024: 1 new" in new
    assert "(AG.LND.AGRI.ZS): 1 withdrawn (1962–1962)" in new
    assert "最近一次运行" in texts(page_layout("pages.sources", lang="zh"))

    # a third run with --keep 2 keeps itself and the one before; the oldest is pruned, the served file intact
    again = build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True, keep=2)
    assert vintages.kept(own_warehouse) == sorted([report.run_id, again.run_id])
    assert os.path.samefile(vintages.path_for(own_warehouse, again.run_id), own_warehouse)
    assert client.get(url + f"&vintage={before}").status_code == 404
    quiet = texts(page_layout("pages.sources", lang="en"))
    assert f"There were no changes in the last run ({again.run_id})" in quiet and "Largest revisions" not in quiet
