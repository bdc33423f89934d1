"""The change log: a rebuild from a mirror with a few values changed records exactly those changes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import replace_file

from etl import build, changes, read
from etl.steps import Context
from wic import cli

FILE = "datahub-wdi/AG.LND.AGRI.ZS.csv"   # outside the catalog: no group value, derived series or index uses it


def _edited(original: str) -> str:
    lines = original.splitlines()
    out = []
    for line in lines:
        if line == "Aruba,ABW,1961,11.1111111111111":
            line = "Aruba,ABW,1961,12.5"                      # revised
        elif line == "Aruba,ABW,1962,11.1111111111111":
            continue                                          # withdrawn
        out.append(line)
        if line == "Aruba,ABW,2023,11.1111111111111":
            out.append("Aruba,ABW,2024,11.25")                # newly available
    assert len(out) == len(lines)
    return "\n".join(out) + "\n"


def test_a_rebuild_logs_exactly_what_changed(own_warehouse: Path, mirror_copy: Path, client: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    before = read.data_vintage(db=read.open_warehouse(own_warehouse))["run_id"]
    replace_file(mirror_copy / FILE, _edited((mirror_copy / FILE).read_text(encoding="utf-8")).encode())
    report = build.run(Context.default(raw=mirror_copy), target=own_warehouse)
    assert report.steps["wdi"] == "loaded" and report.changes == {"added": 1, "removed": 1, "revised": 1}

    db = read.open_warehouse(own_warehouse)
    log = read.changes(since=before, db=db)
    rows = log.drop(columns=["run_id", "previous_run"]).astype(object).where(log.notna(), None)
    assert rows.to_dict("records") == [
        {"indicator": "AG.LND.AGRI.ZS", "source": "wdi", "iso3": "ABW", "year": 1961, "change": "revised",
         "old_value": 11.1111111111111, "new_value": 12.5},
        {"indicator": "AG.LND.AGRI.ZS", "source": "wdi", "iso3": "ABW", "year": 1962, "change": "removed",
         "old_value": 11.1111111111111, "new_value": None},
        {"indicator": "AG.LND.AGRI.ZS", "source": "wdi", "iso3": "ABW", "year": 2024, "change": "added",
         "old_value": None, "new_value": 11.25}]
    assert set(log["run_id"]) == {report.run_id} and set(log["previous_run"]) == {before}

    summary = json.loads((changes.log_dir(own_warehouse) / f"{report.run_id}.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"added": 1, "removed": 1, "revised": 1} and summary["previous_run"] == before
    assert summary["by_indicator"] == {"AG.LND.AGRI.ZS": {"wdi": {"added": 1, "removed": 1, "revised": 1}}}
    assert summary["largest_revisions"][0]["new_value"] == 12.5

    # a forced rebuild of the same inputs changes nothing, and keeps the earlier run's log
    again = build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True)
    assert again.changes == {"added": 0, "removed": 0, "revised": 0}
    db = read.open_warehouse(own_warehouse)
    assert read.changes(since=report.run_id, db=db).empty
    assert len(read.changes(since=before, db=db)) == 3
    quiet = json.loads((changes.log_dir(own_warehouse) / f"{again.run_id}.json").read_text(encoding="utf-8"))
    assert quiet["by_indicator"] == {} and quiet["largest_revisions"] == []

    result = CliRunner().invoke(cli.main, ["changes", "--since", before, "--indicator", "AG.LND.AGRI.ZS"])
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(io.StringIO(result.stdout))
    assert list(printed["change"]) == ["revised", "removed", "added"] and list(printed["year"]) == [1961, 1962, 2024]
    assert CliRunner().invoke(cli.main, ["changes", "--indicator", "IT.NET.USER.ZS"]).stdout.count("\n") == 1
    unknown = CliRunner().invoke(cli.main, ["changes", "--since", "no-such-run"])
    assert unknown.exit_code == 1 and "wic changes: error: unknown run 'no-such-run'" in unknown.stderr

    api = client.get(f"/api/v1/changes?since={before}&indicator=AG.LND.AGRI.ZS")
    assert api.status_code == 200, api.get_json()
    body = api.get_json()
    assert [(r["change"], r["year"], r["old_value"], r["new_value"]) for r in body["data"]] == [
        ("revised", 1961, 11.1111111111111, 12.5), ("removed", 1962, 11.1111111111111, None),
        ("added", 2024, None, 11.25)]
    assert body["meta"]["vintage"]["run_id"] == again.run_id
    missing = client.get("/api/v1/changes?since=no-such-run")
    assert missing.status_code == 404 and missing.get_json()["error"]["parameter"] == "since"
