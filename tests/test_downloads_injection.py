"""No download runs a formula: hostile register and metadata text through the real loader into API CSVs and the
explorer's CSV and Excel files, read back."""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import openpyxl
import pytest
from conftest import REPO, build_warehouse
from dash_payloads import call
from flask.testing import FlaskClient

from dashboard import downloads
from etl import config, read

STARTS = ("=", "+", "-", "@", "\t", "\r")
# Register fields are stripped by the loader, so tab and CR reach the files through indicator units (below).
MEMBERS = {"=HYPERLINK(\"http://127.0.0.1/x\",\"click\")": "=1+2", "+SUM(1,1) Institute": "+cmd|' /C calc'!A0",
           "-2+3 Foundation": "-1+1", "@SUM(1) Alliance": "@evidence"}
# code -> (title, whose unit is the parenthesized tail; source organization; license)
METADATA = {"AG.LND.AGRI.ZS": ("=1+2 agricultural land (\tper tab)", "+Org A", "@SUM(1,1)"),
            "AG.LND.ARBL.ZS": ("-2+3 arable land (\rcarriage)", "-Org B", "=1+1")}


def _mirror(root: Path) -> Path:
    """A writable mirror of symlinks (like conftest's mirror_copy) with hostile WDI metadata."""
    raw, real = root / "raw", config.raw_dir()
    for f in sorted(real.rglob("*")):
        if f.is_file() and f.parent != real:
            (raw / f.relative_to(real)).parent.mkdir(parents=True, exist_ok=True)
            (raw / f.relative_to(real)).symlink_to(f)
    for code, (title, org, license_) in METADATA.items():
        path = raw / "datahub-wdi" / f"{code}.datapackage.json"
        pkg = json.loads(path.read_text(encoding="utf-8"))
        pkg["title"], pkg["licenses"] = title, [{"name": license_}]
        pkg.setdefault("worldbank", {})["sourceOrganization"] = org
        path.unlink()
        path.write_text(json.dumps(pkg), encoding="utf-8")
    return raw


def _register(folder: Path) -> Path:
    """A copy of the register with one hostile member per formula character."""
    folder.mkdir()
    register = folder / "members.csv"
    with open(REPO / "data" / "members" / "members.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    template = rows[0]
    rows += [{**template, "name": name, "evidence": evidence} for name, evidence in MEMBERS.items()]
    with open(register, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(template))
        writer.writeheader()
        writer.writerows(rows)
    return register


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[Path]:
    """A warehouse built by the real loader from hostile inputs, served as the configured one."""
    root = tmp_path_factory.mktemp("hostile")
    target = root / "wh" / "warehouse.duckdb"
    target.parent.mkdir()
    build_warehouse(target, raw=_mirror(root), members_file=_register(root / "members"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WIC_WAREHOUSE", str(target))
        yield target


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unsafe(cells: list[Any]) -> list[str]:
    """Text cells a spreadsheet would run (a CSV's numbers, negative ones included, are numbers)."""
    return [c for c in cells if isinstance(c, str) and c.startswith(STARTS) and not _number(c)]


def test_the_hostile_text_is_in_the_warehouse(hostile: Path) -> None:
    names = set(read.members()["name"])
    assert set(MEMBERS) <= names
    units = set(read.indicator_table().loc[list(METADATA), "unit"])
    assert units == {"\tper tab", "\rcarriage"}


@pytest.mark.parametrize("path", ["/api/v1/members?format=csv&limit=1000",
                                  "/api/v1/indicators?format=csv&limit=1000",
                                  "/api/v1/indicators/AG.LND.AGRI.ZS?format=csv",
                                  "/api/v1/sources?format=csv"])
def test_api_csv_cells_never_start_a_formula(hostile: Path, client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, response.data[:300]
    cells = _cells(response.get_data(as_text=True))
    assert not _unsafe(cells)
    if "members" in path:
        assert {"'" + name for name in MEMBERS} | {"'" + e for e in MEMBERS.values()} <= set(cells)
    if "indicators" in path:
        assert {"'\tper tab", "'=1+2 agricultural land (\tper tab)", "'+Org A", "'@SUM(1,1)"} <= set(cells)


def test_api_csv_keeps_negative_numbers_as_numbers(hostile: Path, client: FlaskClient) -> None:
    path = "/api/v1/observations?indicator=NY.GDP.MKTP.KD.ZG&country=GRC,ITA,ESP&format=csv&limit=1000"
    rows = list(csv.DictReader(io.StringIO(client.get(path).get_data(as_text=True))))
    negative = [r["value"] for r in rows if r["value"].startswith("-")]
    assert negative, "no negative growth rate to check"
    assert all(float(v) < 0 for v in negative)   # not "'-3.1"


@pytest.fixture(scope="module")
def explorer(app: dash.Dash) -> Any:
    return sys.modules["pages.explorer"]


def _values(page: Any, button: str) -> dict[str, Any]:
    ID = page.ID
    return {f"{ID.INDICATORS}.value": [*METADATA, "NY.GDP.MKTP.KD.ZG"], f"{ID.COUNTRIES}.value": ["GRC", "WLD"],
            f"{ID.FROM}.value": 2005, f"{ID.TO}.value": 2015, f"{ID.LANG}.data": "en", f"{button}.n_clicks": 1}


def test_explorer_csv_cells_never_start_a_formula(hostile: Path, app: dash.Dash, explorer: Any) -> None:
    status, body = call(app, explorer.ID.DOWNLOAD_CSV, _values(explorer, explorer.ID.CSV))
    assert status == 200
    text = body["response"][explorer.ID.DOWNLOAD_CSV]["data"]["content"]
    table = "\n".join(line for line in text.split("\n") if not line.startswith("# "))
    cells = _cells(table)
    assert not _unsafe(cells)
    assert {"'=1+2 agricultural land (\tper tab)", "'\tper tab", "'\rcarriage", "'@SUM(1,1)", "'=1+1"} <= set(cells)
    assert any(c.startswith("'+Org A") for c in cells) and any(c.startswith("'-Org B") for c in cells)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert any(float(r["value"]) < 0 for r in rows if r["indicator"] == "NY.GDP.MKTP.KD.ZG")
    assert all(not r["value"].startswith("'") for r in rows)


def test_explorer_excel_has_text_never_formulas(hostile: Path, app: dash.Dash, explorer: Any) -> None:
    status, body = call(app, explorer.ID.DOWNLOAD_XLSX, _values(explorer, explorer.ID.XLSX))
    assert status == 200
    content = base64.b64decode(body["response"][explorer.ID.DOWNLOAD_XLSX]["data"]["content"])
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert {"=1+2 agricultural land (\tper tab)", "\tper tab", "@SUM(1,1)", "=1+1"} <= texts   # text, as it is
    assert all(c.quotePrefix for c in cells if downloads.risky(c.value))
    data = book["data"]
    header = [c.value for c in data[1]]
    values = [row[header.index("value")] for row in data.iter_rows(min_row=2)]
    assert all(v.data_type == "n" for v in values) and any(v.value < 0 for v in values)


def test_neutral_touches_text_only() -> None:
    assert [downloads.neutral(v) for v in ["=x", "+x", "-x", "@x", "\tx", "\rx", "x", "", -1.5, -2, None, True]] == \
        ["'=x", "'+x", "'-x", "'@x", "'\tx", "'\rx", "x", "", -1.5, -2, None, True]
