"""`wic etl --source worldbank` end to end: live client -> mirror-shaped files -> the same loader -> warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_until
from fake_worldbank import DEFAULT_LASTUPDATED, FakeWorldBank

from etl import cli, read
from etl.snapshot.worldbank.mirror import DOWNLOADS


@pytest.fixture
def fake_api() -> Iterator[FakeWorldBank]:
    with FakeWorldBank() as server:
        yield server


@pytest.mark.slow
def test_catalog_load_from_the_api(fake_api: FakeWorldBank, tmp_path: Path, db: read.Warehouse,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WIC_WAREHOUSE", str(target))
    monkeypatch.setenv("WIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WIC_WORLDBANK_URL", fake_api.base_url)
    assert cli.main(["etl", "--source", "worldbank", "--indicators", "catalog", "--quiet"]) == 0
    assert "built" in capsys.readouterr().out
    api = read.Warehouse(target)
    run = read.runs(db=api).iloc[0]
    assert run["source"] == "worldbank"
    meta = read.indicator("IT.NET.BBND.P2", db=api)
    assert meta["dataset"] == "worldbank-api" and str(meta["last_updated"])[:10] == DEFAULT_LASTUPDATED
    assert meta["in_catalog"] and meta["name_zh"]
    for code in ("IT.NET.BBND.P2", "IT.NET.USER.ZS", "SP.POP.TOTL"):
        mirror = read.observations(code, ["CHN", "USA", "XKX", "WLD"], db=db).reset_index(drop=True)
        live = read.observations(code, ["CHN", "USA", "XKX", "WLD"], db=api).reset_index(drop=True)
        assert live.equals(mirror), code    # same numbers whichever way they travelled
    derived = db.rows("SELECT count(*) FROM indicators WHERE dataset = 'derived'")[0][0]
    own = db.rows("SELECT count(*) FROM indicators WHERE dataset IN ('egdi', 'gtmi', 'oecd_dgi', 'eu_egov', 'sdg_ict')")
    in_catalog = db.rows("SELECT count(*) FROM indicators WHERE in_catalog AND dataset IN ('egdi', 'gtmi')")
    assert len(read.indicators(db=api)) == (len(read.indicators(catalog_only=True, db=db)) + derived
                                            + own[0][0] - in_catalog[0][0])   # the mirror-only steps run too
    assert {"classifications", "wdi", "members"} <= set(read.sources(db=api)["id"])

    requests_before = len(fake_api.requests)
    assert cli.main(["etl", "--source", "worldbank", "--indicators", "catalog", "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert all(r.path.startswith("/v2/") for r in fake_api.requests)
    assert len(fake_api.requests) == requests_before   # every page came from the on-disk cache


def test_api_error_fails_cleanly(fake_api: FakeWorldBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("WIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WIC_WORLDBANK_URL", fake_api.base_url)
    assert cli.main(["etl", "--source", "worldbank", "--indicators", "NOT.A.CODE", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "NOT.A.CODE" in err and "Invalid value" in err
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_a_stop_is_not_held_up_by_the_downloads_in_flight(fake_api: FakeWorldBank, tmp_path: Path) -> None:
    """Ctrl-C while four indicators' requests hang on the server: the run stops at once, as it was, with the
    downloads in flight abandoned (they would hold the server's answers for 120 s)."""
    gate = fake_api.add_fault("gather", "/indicator/", count=10**6, delay=120, times=None)   # never let through
    env = {**os.environ, "WIC_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "WIC_CACHE": str(tmp_path / "cache"),
           "WIC_WORLDBANK_URL": fake_api.base_url}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "etl", "--source", "worldbank", "--quiet"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: gate.held >= DOWNLOADS or proc.poll() is not None, "four downloads to hang")
        assert gate.held == DOWNLOADS, gate.held   # four at a time, no more
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)   # well before any held answer
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGINT, err
    assert err.strip() == "wic etl: stopped by SIGINT; the warehouse is as it was"
    assert not (tmp_path / "warehouse.duckdb").exists()
