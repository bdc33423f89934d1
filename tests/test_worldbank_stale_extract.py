"""`wic etl --source worldbank --indicators A` then `--indicators B`: the second warehouse holds B, not stale A."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fake_worldbank import FakeWorldBank

from etl import cli

A, B = "IT.NET.BBND.P2", "IE.PPN.ICTI.CD"


@pytest.fixture
def fake_api() -> Iterator[FakeWorldBank]:
    with FakeWorldBank() as server:
        yield server


def _codes(target: Path) -> set[str]:
    con = duckdb.connect(str(target), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT DISTINCT indicator FROM observations WHERE source = 'worldbank-api'")
                .fetchall()}
    finally:
        con.close()


def test_second_indicator_list_does_not_reload_the_first(fake_api: FakeWorldBank, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("WIC_WAREHOUSE", str(target))
    monkeypatch.setenv("WIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WIC_WORLDBANK_URL", fake_api.base_url)
    assert cli.main(["etl", "--source", "worldbank", "--indicators", A, "--quiet"]) == 0
    assert _codes(target) == {A}
    assert cli.main(["etl", "--source", "worldbank", "--indicators", B, "--quiet"]) == 0
    assert _codes(target) == {B}
    extract = tmp_path / "cache" / "worldbank" / "extract" / "datahub-wdi"
    assert sorted(p.name for p in extract.iterdir()) == [f"{B}.csv", f"{B}.datapackage.json"]
