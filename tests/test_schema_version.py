"""A warehouse built by code with another schema is refused with one clear line, everywhere it is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import build_warehouse

from etl import read, schema


def _age(path: Path, *, drop: bool) -> None:
    """Make ``path`` look built by older code: no schema version column at all, or another version."""
    con = duckdb.connect(str(path))
    try:
        if drop:
            con.execute("ALTER TABLE etl_runs DROP COLUMN schema_version")
        else:
            con.execute("UPDATE etl_runs SET schema_version = '0ld5chema000'")
    finally:
        con.close()


@pytest.mark.parametrize("drop", [True, False], ids=["no-version", "other-version"])
def test_reader_refuses_a_warehouse_of_another_schema(own_warehouse: Path, drop: bool) -> None:
    _age(own_warehouse, drop=drop)
    with pytest.raises(read.WarehouseStale) as err:
        read.Warehouse(own_warehouse).rows("SELECT 1")
    message = str(err.value)
    assert str(own_warehouse) in message and "`wic etl`" in message and schema.version() in message
    assert ("0ld5chema000" in message) != drop


def test_cli_and_api_say_so_in_one_line(own_warehouse: Path, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from wic import cli

    _age(own_warehouse, drop=False)
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    result = CliRunner().invoke(cli.main, ["info"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    stale = read.WarehouseStale(own_warehouse, "0ld5chema000")
    assert result.stderr.strip().splitlines() == [f"wic info: error: {stale}"]
    answer = client.get("/api/v1/indicators")
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "no_warehouse"
    assert "rebuild it with `wic etl`" in answer.get_json()["error"]["message"]


def test_a_rebuild_over_an_old_warehouse_keeps_its_run_log(own_warehouse: Path) -> None:
    before = {r[0] for r in duckdb.connect(str(own_warehouse), read_only=True)
              .execute("SELECT run_id FROM etl_runs").fetchall()}
    _age(own_warehouse, drop=True)
    report = build_warehouse(own_warehouse)
    assert set(report.steps.values()) == {"loaded"}          # nothing reused from a file of another schema
    runs = read.Warehouse(own_warehouse).rows("SELECT run_id, schema_version FROM etl_runs")
    assert before < {r for r, _ in runs}
    assert {v for r, v in runs if r not in before} == {schema.version()}
