"""Past vintages: keeping and pruning the last N warehouses (the rebuild read at both vintages is in test_changes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl import config, read, vintages
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
