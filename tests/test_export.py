"""Data bundles: `wic export` and the Sources page's zip, validated as Frictionless data packages."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
import pytest
from click.testing import CliRunner

from etl import export, read
from wic import cli


def _licence_titles(resource: dict[str, Any]) -> set[str]:
    return {lic["title"] for lic in resource["licenses"]}


def test_the_sources_page_zip_is_a_valid_data_package_built_once_per_run(
        client: Any, db: read.Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_CACHE", str(tmp_path / "cache"))
    answer = client.get("/download/bundle.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    run_id = read.data_vintage(db=db)["run_id"]
    (built,) = export.bundle_dir().glob("*.zip")
    assert run_id in built.name
    stamp = built.stat().st_mtime_ns
    assert client.get("/download/bundle.zip").data == answer.data and built.stat().st_mtime_ns == stamp   # reused

    with zipfile.ZipFile(io.BytesIO(answer.data)) as zf:
        zf.extractall(tmp_path / "bundle")
    package = json.loads((tmp_path / "bundle" / "datapackage.json").read_text(encoding="utf-8"))
    # every resource's schema, header and first rows by frictionless (row by row in Python: 2 M rows take
    # 40 s); the row count and the flags of every observation by pandas below
    report = frictionless.validate(str(tmp_path / "bundle" / "datapackage.json"), limit_rows=20_000)
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "message"])[:10]

    assert package["vintage"]["run_id"] == run_id and run_id in package["citation"]
    resources = {r["name"]: r for r in package["resources"]}
    tables = set(read.table_columns(db=db))
    assert set(resources) == tables and {"observations", "indicators", "countries", "group_members", "members",
                                         "sources", "index_scores"} <= tables
    sources = read.sources(db=db).set_index("id")["license"].to_dict()
    assert _licence_titles(resources["members"]) == {sources["members"]}           # each licence in its own words
    assert _licence_titles(resources["countries"]) == {sources["classifications"]}
    assert {"CC-BY-4.0", "PDDL"} <= {lic["name"] for lic in resources["countries"]["licenses"]}
    assert sources["wdi"] in _licence_titles(resources["observations"])

    obs = pd.read_csv(tmp_path / "bundle" / "data" / "observations.csv", keep_default_na=False, na_values=[""])
    expected = db.rows("SELECT count(*), count(*) FILTER (computed) FROM observations")[0]
    assert (len(obs), int(obs["computed"].sum())) == expected
    covered = obs[obs["coverage"].notna()]   # computed group values (derived indicators are computed too)
    assert len(covered) > 1000 and covered["computed"].all() and (covered["coverage"] >= 2 / 3 - 1e-9).all()
    assert set(covered["source"]) == {"computed"} and obs.loc[~obs["computed"], "coverage"].isna().all()


def test_parquet_export_keeps_every_value(db: read.Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    result = CliRunner().invoke(cli.main, ["export", "--format", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: ")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert all((out / r["path"]).is_file() and r["format"] == "parquet" for r in package["resources"])
    obs = pd.read_parquet(out / "data" / "observations.parquet")
    mine = obs.loc[(obs["indicator"] == "IT.NET.USER.ZS") & obs["iso3"].isin(["CHN", "WIC"])]
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "WIC"], db=db)
    assert sorted(zip(mine["iso3"], mine["year"], mine["value"], strict=True)) == \
        sorted(zip(expected["iso3"], expected["year"], expected["value"], strict=True))   # bit for bit
    members = pd.read_parquet(out / "data" / "members.parquet")
    assert len(members) == len(read.members(db=db))
    assert not list(tmp_path.glob(".pq.tmp-*"))


def test_export_refuses_a_folder_with_files_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli.main, ["export", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"wic export: error: {out} exists and is not an empty folder: give a new one"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_csv_cells_are_neutralized_against_formula_injection(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-2", "@a", "\tb", "\rc", "plain", None],
                          "value": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, None]})
    export.write_csv(frame, [("name", "VARCHAR", True), ("value", "DOUBLE", True)], tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False, na_values=[""])
    assert list(back["name"].iloc[:7]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@a", "'\tb", "'\rc", "plain"]
    assert pd.isna(back["name"].iloc[7]) and pd.isna(back["value"].iloc[7])
    assert list(back["value"].iloc[:7]) == [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0]   # numbers stay numbers


def test_the_sources_page_links_the_bundle(app: Any, db: read.Warehouse) -> None:
    from dash_payloads import by_id, layout, texts

    tree = layout("pages.sources", lang="en")
    assert by_id(tree, "bundle-download").href == "/download/bundle.zip"
    assert f"run {read.data_vintage(db=db)['run_id']}" in texts(tree)
