"""Reader connections reach nothing but the warehouse: no files, no other databases, no extensions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import read


def attempts(tmp: Path) -> dict[str, str]:
    """SQL that a read-only connection could still run without the hardening, by what it tries."""
    secret = tmp / "secret.txt"
    secret.write_text("name,value\nkey,hunter2\n")
    return {
        "copy to a file": f"COPY (SELECT 1 AS x) TO '{tmp / 'out.csv'}'",
        "export the database": f"EXPORT DATABASE '{tmp / 'export'}'",
        "attach another file": f"ATTACH '{tmp / 'other.duckdb'}' AS other",
        "read_text of a local file": f"SELECT * FROM read_text('{secret}')",
        "read_csv of a local file": f"SELECT * FROM read_csv('{secret}')",
        "glob the file system": f"SELECT * FROM glob('{tmp}/*')",
        "install an extension": "INSTALL httpfs",
        "load an extension": "LOAD httpfs",
        "turn external access back on": "SET enable_external_access = true",
        "unlock the configuration": "SET lock_configuration = false",
    }


def refuses_all(wh: read.Warehouse, tmp: Path) -> None:
    for what, sql in attempts(tmp).items():
        with pytest.raises(duckdb.Error):
            wh.rows(sql)
            pytest.fail(f"a reader connection could {what}: {sql}")
    assert sorted(p.name for p in tmp.iterdir()) == ["secret.txt"], "something was written"


def test_a_reader_cannot_reach_files_databases_or_extensions(own_warehouse: Path, tmp_path: Path) -> None:
    wh = read.open_warehouse(own_warehouse)
    assert wh.rows("SELECT count(*) FROM countries")[0][0] > 200   # still reads its own file
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    refuses_all(wh, scratch)
    wh.close()


def test_the_hardening_survives_a_swap(own_warehouse: Path, tmp_path: Path) -> None:
    wh = read.open_warehouse(own_warehouse)
    before = wh.rows("SELECT count(*) FROM observations")[0][0]
    con = duckdb.connect(str(tmp_path / "next.duckdb"))
    con.execute(f"ATTACH '{own_warehouse}' AS src (READ_ONLY)")
    con.execute("COPY FROM DATABASE src TO next")
    con.execute("DELETE FROM observations WHERE indicator = 'IT.NET.USER.ZS'")
    con.close()
    os.replace(tmp_path / "next.duckdb", own_warehouse)
    after = wh.rows("SELECT count(*) FROM observations")[0][0]
    assert after < before, "the reader did not follow the swap"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    refuses_all(wh, scratch)
    wh.close()


def test_the_served_default_warehouse_is_hardened(warehouse_path: Path, tmp_path: Path) -> None:
    wh = read.open_warehouse()
    assert wh.path == warehouse_path
    shutil.rmtree(tmp_path, ignore_errors=True)
    tmp_path.mkdir()
    refuses_all(wh, tmp_path)
