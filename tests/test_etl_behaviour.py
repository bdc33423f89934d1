"""Atomic, idempotent, resumable: the ETL's guarantees to readers and to whoever runs it twice."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl import build, read
from etl.steps import Context

TABLES = ["countries", "group_members", "pillars", "indicators", "observations", "aggregate_coverage",
          "members", "membership_counts", "sources"]


def _differences(a: Path, b: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for t in TABLES:
        n = con.execute(f"""SELECT (SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t}))
                                 + (SELECT count(*) FROM (SELECT * FROM b.{t} EXCEPT ALL SELECT * FROM a.{t}))""")
        out[t] = n.fetchone()[0]  # type: ignore[index]
    con.close()
    return out


def _run_id(path: Path) -> str:
    return read.runs(db=read.Warehouse(path)).iloc[0]["run_id"]


@pytest.mark.slow
def test_same_inputs_same_content(warehouse_path: Path, own_warehouse: Path) -> None:
    before = _run_id(own_warehouse)
    report = build.run(Context.default(), target=own_warehouse, force=True)
    assert report.status == "ok" and set(report.steps.values()) == {"loaded"}
    assert _differences(warehouse_path, own_warehouse) == dict.fromkeys(TABLES, 0)
    runs = read.runs(db=read.Warehouse(own_warehouse))
    assert list(runs["run_id"])[:2] == [report.run_id, before]   # the run log is carried forward
    assert build.backup_path(own_warehouse).exists()
    assert _run_id(build.backup_path(own_warehouse)) == before


def test_unchanged_inputs_are_skipped(own_warehouse: Path) -> None:
    stat = own_warehouse.stat()
    report = build.run(Context.default(), target=own_warehouse)
    assert report.status == "up-to-date"
    assert own_warehouse.stat().st_ino == stat.st_ino and own_warehouse.stat().st_mtime_ns == stat.st_mtime_ns


@pytest.mark.slow
def test_only_changed_steps_are_reloaded(own_warehouse: Path, members_copy: Path) -> None:
    register = members_copy / "members.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = [ln for ln in lines if ln.startswith("Nokia,")]
    register.write_text("".join(ln for ln in lines if not ln.startswith("Nokia,")), encoding="utf-8")
    assert gone
    ctx = Context.default(members_file=register, counts_file=members_copy / "membership_counts.csv")
    report = build.run(ctx, target=own_warehouse)
    assert report.steps == {"classifications": "reused", "wdi": "reused", "gapminder": "reused",
                            "members": "loaded"}
    db = read.Warehouse(own_warehouse)
    assert len(read.members(db=db)) == 50
    assert "FIN" not in read.group_members("WIC", db=db)         # the WIC group follows the register
    assert db.rows("SELECT count(*) FROM observations WHERE source = 'wdi'") == [(2_115_952,)]


@pytest.mark.slow
def test_reader_never_sees_a_half_built_warehouse(own_warehouse: Path) -> None:
    db = read.Warehouse(own_warehouse)
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "WLD"], db=db)
    first = _run_id(own_warehouse)
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                got = read.observations("IT.NET.USER.ZS", ["CHN", "WLD"], db=db)
                assert got.equals(expected)
                seen.add(read.runs(db=db).iloc[0]["run_id"])
            except BaseException as exc:  # noqa: BLE001 - every failure counts
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        report = build.run(Context.default(), target=own_warehouse, force=True)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert seen == {first, report.run_id}   # old file until the swap, then the new one, without a restart


@pytest.mark.slow
def test_killed_etl_leaves_the_served_warehouse_intact(own_warehouse: Path) -> None:
    before = _run_id(own_warehouse)
    count = read.Warehouse(own_warehouse).rows("SELECT count(*) FROM observations")
    env = {**os.environ, "WIC_WAREHOUSE": str(own_warehouse)}
    mid_write = 0
    for delay in (0.4, 1.2, 2.0, 2.8, 3.4):
        proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        mid_write += bool(list(own_warehouse.parent.glob(f".{own_warehouse.name}.*.tmp")))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        db = read.Warehouse(own_warehouse)
        assert _run_id(own_warehouse) == before
        assert db.rows("SELECT count(*) FROM observations") == count
    assert mid_write >= 2, "the kills should land while the new file is being written"
    report = build.run(Context.default(), target=own_warehouse, force=True)   # and the next run cleans up
    assert report.status == "ok"
    assert list(own_warehouse.parent.glob(f".{own_warehouse.name}.*.tmp*")) == []


def test_check_writes_nothing(own_warehouse: Path) -> None:
    stat = own_warehouse.stat()
    report = build.run(Context.default(), target=own_warehouse, check=True, force=True)
    assert report.status == "checked" and report.row_counts["observations"] > 2_000_000
    assert own_warehouse.stat().st_ino == stat.st_ino and own_warehouse.stat().st_mtime_ns == stat.st_mtime_ns
    assert list(own_warehouse.parent.glob("*.tmp*")) == []


def test_a_second_writer_is_refused(own_warehouse: Path) -> None:
    with open(own_warehouse.with_name(own_warehouse.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="another ETL run"):
            build.run(Context.default(), target=own_warehouse, force=True)


def test_first_build_into_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "warehouse.duckdb"
    report = build.run(Context.default(), target=target)
    assert report.status == "ok" and target.exists() and not build.backup_path(target).exists()
    log = [json.loads(x) for x in build.runs_log_path(target).read_text().splitlines()]
    assert log[-1]["status"] == "ok" and log[-1]["run_id"] == report.run_id
