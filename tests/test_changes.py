"""The change log: a rebuild from a mirror with a few values changed records exactly those changes."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import replace_file
from dash_payloads import layout as page_layout
from dash_payloads import texts

from etl import build, changes, read, vintages
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
    report = build.run(Context.default(raw=mirror_copy), target=own_warehouse, keep=2)
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

    _read_as_of_each_run(own_warehouse, client, before, report.run_id)

    # a forced rebuild of the same inputs changes nothing, and keeps the earlier run's log
    again = build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True, keep=2)
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

    _pruned(own_warehouse, client, before, report.run_id, again.run_id)


def _value(db: read.Warehouse | None) -> float:
    frame = read.observations("AG.LND.AGRI.ZS", "ABW", year_from=1961, year_to=1961, db=db)
    return float(frame["value"].iloc[0])


URL = "/api/v1/observations?indicator=AG.LND.AGRI.ZS&country=ABW&year_from=1961&year_to=1961"


def _read_as_of_each_run(own_warehouse: Path, client: Any, before: str, run: str) -> None:
    """Both warehouses are kept: read as of each, the old and the new value (read API, HTTP API, CLI, page)."""
    url = URL
    assert vintages.kept(own_warehouse) == sorted([before, run])

    old, new = read.open_warehouse(vintage=before), read.open_warehouse(vintage=run)
    assert (_value(old), _value(new)) == (11.1111111111111, 12.5)
    assert _value(read.open_warehouse()) == 12.5
    with read.using(old):                       # calls without db read the vintage inside the block
        assert _value(None) == 11.1111111111111
        assert read.data_vintage()["run_id"] == before
    assert read.data_vintage()["run_id"] == run
    with pytest.raises(read.UnknownVintage) as missing:
        read.open_warehouse(vintage="20200101T000000Z-000000")
    assert "20200101T000000Z-000000" in str(missing.value) and before in str(missing.value)
    listed = read.vintages()
    assert list(listed["run_id"]) == [run, before] and list(listed["live"]) == [True, False]

    for asked, value in ((before, 11.1111111111111), (run, 12.5), (None, 12.5)):
        body = client.get(url + (f"&vintage={asked}" if asked else "")).get_json()
        assert [r["value"] for r in body["data"]] == [value]
        assert body["meta"]["vintage"]["run_id"] == (asked or run)
    facts = client.get(f"/api/v1/facts?country=ABW&indicator=AG.LND.AGRI.ZS&vintage={before}").get_json()
    assert facts["meta"]["vintage"]["run_id"] == before
    bad = client.get(url + "&vintage=20200101T000000Z-000000")   # a run id that is not kept: 404, as a code
    assert bad.status_code == 404
    error = bad.get_json()["error"]
    assert error["parameter"] == "vintage" and before in error["message"] and run in error["suggestions"]
    malformed = client.get(url + "&vintage=../warehouse")
    assert malformed.status_code == 400 and malformed.get_json()["error"]["parameter"] == "vintage"
    kept = client.get("/api/v1/vintages").get_json()
    assert [(r["run_id"], r["live"]) for r in kept["data"]] == [(run, True), (before, False)]

    out = CliRunner().invoke(cli.main, ["query", "--indicator", "AG.LND.AGRI.ZS", "--country", "ABW", "--from",
                                        "1961", "--to", "1961", "--vintage", before])
    assert out.exit_code == 0, out.output
    assert pd.read_csv(io.StringIO(out.stdout))["value"].tolist() == [11.1111111111111]
    listed_cli = CliRunner().invoke(cli.main, ["vintages"])
    assert pd.read_csv(io.StringIO(listed_cli.stdout))["run_id"].tolist() == [run, before]
    info = CliRunner().invoke(cli.main, ["info", "--vintage", before])
    assert info.exit_code == 0 and f"last run:  {before}" in info.stdout and ".vintages" in info.stdout
    unknown = CliRunner().invoke(cli.main, ["facts", "ABW", "--vintage", "20200101T000000Z-000000"])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("wic facts: error: no kept warehouse of run")
    _brief_as_of(before, own_warehouse.parent / "aruba-then.pdf")

    # the Sources page's "What's new": the revision with both values in the unit, the new year, the withdrawn value
    new = texts(page_layout("pages.sources", lang="en"))
    assert f"What the last run ({run}) changed against the warehouse it replaced ({before})" in new
    assert "Aruba 1961: 11.1 % of land area → 12.5 % of land area" in new
    assert "(AG.LND.AGRI.ZS): 2024: 1 new" in new
    assert "(AG.LND.AGRI.ZS): 1 withdrawn (1962–1962)" in new
    assert "最近一次运行" in texts(page_layout("pages.sources", lang="zh"))


def _brief_as_of(run: str, out: Path) -> None:
    """`wic brief --vintage` prints the brief of the kept run: its footer cites that run, not the live one."""
    printed = CliRunner().invoke(cli.main, ["brief", "ABW", "--vintage", run, "--out", str(out)])
    assert printed.exit_code == 0, printed.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert run in " ".join(text.split()) and read.data_vintage()["run_id"] not in text


def _pruned(own_warehouse: Path, client: Any, before: str, run: str, again: str) -> None:
    """A third run with keep=2 keeps itself and the one before; the oldest is gone; nothing changed, and says so."""
    url = URL
    assert vintages.kept(own_warehouse) == sorted([run, again])
    assert os.path.samefile(vintages.path_for(own_warehouse, again), own_warehouse)
    assert client.get(url + f"&vintage={before}").status_code == 404
    quiet = texts(page_layout("pages.sources", lang="en"))
    assert f"There were no changes in the last run ({again})" in quiet and "Largest revisions" not in quiet
