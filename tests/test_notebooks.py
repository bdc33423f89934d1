"""The researchers' notebooks: executed with nbclient against the test warehouse, and committed without outputs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from etl import read

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
OURS = ["01_getting_started.ipynb", "03_digital_divide.ipynb", "04_egdi.ipynb"]
KERNEL = "wic-observatory-test"
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def run_notebook(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Callable[[str], nbformat.NotebookNode]:
    """Execute a notebook (once per module) in a kernel of this very interpreter, reading the test warehouse."""
    kernels = tmp_path_factory.mktemp("kernels")
    (kernels / KERNEL).mkdir()
    (kernels / KERNEL / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "WIC observatory (test)", "language": "python"}))
    done: dict[str, nbformat.NotebookNode] = {}

    def run(name: str) -> nbformat.NotebookNode:
        if name not in done:
            nb = nbformat.read(NOTEBOOKS / name, as_version=4)
            km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
            NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
            done[name] = nb
        return done[name]

    return run


def _tagged(nb: nbformat.NotebookNode, tag: str) -> list[Any]:
    return [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]


def _summary(nb: nbformat.NotebookNode) -> dict[str, Any]:
    (cell,) = _tagged(nb, "summary")
    text = "".join(o["text"] for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return json.loads(text)


def _check_executed(nb: nbformat.NotebookNode, min_figures: int) -> None:
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [o["text"] for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not [t for t in stderr if "Traceback" in t], stderr
    figures = [c for c in _tagged(nb, "figure") if any(PLOTLY in o.get("data", {}) for o in c.outputs)]
    assert len(figures) == len(_tagged(nb, "figure")) >= min_figures, "every figure cell shows a Plotly figure"
    (vintage,) = _tagged(nb, "vintage")
    assert read.data_vintage()["run_id"] in "".join(o.get("text", "") for o in vintage.outputs)


def test_getting_started_runs_and_its_numbers_are_the_warehouse(run_notebook: Callable[[str], Any],
                                                                 db: read.Warehouse) -> None:
    nb = run_notebook("01_getting_started.ipynb")
    _check_executed(nb, min_figures=3)
    summary = _summary(nb)
    assert summary["run_id"] == read.data_vintage(db=db)["run_id"]
    assert summary["catalog_indicators"] == len(read.indicators(catalog_only=True, db=db))
    assert summary["wic_countries"] == read.group_members("WIC", db=db)
    chn = read.latest("IT.NET.USER.ZS", "CHN", db=db).iloc[0]
    assert summary["latest_internet_chn"] == {"year": int(chn["year"]), "value": float(chn["value"])}
    assert summary["http_equals_read"] is True


def _weighted(db: read.Warehouse, countries: list[str], indicator: str, year: int) -> float:
    """A population-weighted mean computed here from scratch, to check the notebook's."""
    rows = read.observations([indicator, "SP.POP.TOTL"], countries, year_from=year, year_to=year, db=db)
    wide = rows.pivot(index="iso3", columns="indicator", values="value").dropna()
    return float((wide[indicator] * wide["SP.POP.TOTL"]).sum() / wide["SP.POP.TOTL"].sum())


def test_digital_divide_runs_and_its_numbers_are_the_warehouse(run_notebook: Callable[[str], Any],
                                                                db: read.Warehouse) -> None:
    nb = run_notebook("03_digital_divide.ipynb")
    _check_executed(nb, min_figures=4)
    summary = _summary(nb)
    assert summary["run_id"] == read.data_vintage(db=db)["run_id"]
    assert summary["wic_check_max_abs_diff"] < 1e-9
    (findings,) = _tagged(nb, "findings")
    text = "".join(o.get("text", "") for o in findings.outputs)
    assert "Sigma:" in text and "Beta:" in text and "nan" not in text
    internet = summary["internet"]
    wic = read.group_members("WIC", db=db)
    others = sorted(set(read.group_members("WLD", db=db)) - set(wic))
    warehouse_wic = read.observations("IT.NET.USER.ZS", "WIC", year_from=2000, db=db)
    cov = read.aggregate_coverage("IT.NET.USER.ZS", db=db)
    uncarried = set(cov[(cov["iso3"] == "WIC") & (cov["n_carried"] == 0)]["year"])   # the notebook carries nothing
    compared = 0
    for year, value in zip(warehouse_wic["year"], warehouse_wic["value"], strict=True):
        if year in uncarried:
            assert internet["wic"][str(year)] == pytest.approx(value, rel=1e-12)
            compared += 1
    assert compared >= 20
    assert internet["non_members"]["2015"] == pytest.approx(_weighted(db, others, "IT.NET.USER.ZS", 2015), rel=1e-9)
    assert internet["high_income"]["2015"] > internet["low_income"]["2015"]
    for key in ("internet", "broadband"):
        assert summary[key]["beta"] < 0 and summary[key]["beta_countries"] > 100
        assert set(summary[key]["sigma_sd"]) == {str(y) for y in range(2005, 2023)}


def test_egdi_runs_and_its_numbers_are_the_warehouse(run_notebook: Callable[[str], Any],
                                                     db: read.Warehouse) -> None:
    nb = run_notebook("04_egdi.ipynb")
    _check_executed(nb, min_figures=3)
    summary = _summary(nb)
    assert summary["run_id"] == read.data_vintage(db=db)["run_id"]
    egdi = read.observations("UNDESA.EGDI", db=db)
    assert summary["editions"] == sorted(int(y) for y in egdi["year"].unique()) and summary["latest"] == 2024
    assert summary["zeros"] == int((egdi["value"] == 0).sum())   # published zeros with a rank; not-assessed ones gone
    # the latest edition's rank correlation with Internet use, recomputed here (same year or the year before)
    latest = egdi[egdi["year"] == 2024].set_index("iso3")["value"]
    internet = read.observations("IT.NET.USER.ZS", list(latest.index), year_from=2023, year_to=2024, db=db)
    wide = internet.pivot(index="iso3", columns="year", values="value")
    use = wide[2024].fillna(wide[2023]) if 2024 in wide else wide[2023]
    both = pd.concat([latest, use], axis=1, keys=["egdi", "use"]).dropna()
    # the fit's countries also need GDP per capita; the correlation is over EGDI and Internet use alone
    assert summary["latest_spearman_internet"] == pytest.approx(
        both["egdi"].rank().corr(both["use"].rank()), abs=1e-12)
    assert 0.5 < summary["latest_r2"] < 1 and summary["latest_countries"] > 150
    (findings,) = _tagged(nb, "findings")
    assert "Spearman" in "".join(o.get("text", "") for o in findings.outputs)
    caveats = nb.cells[0].source
    for part in ("Methodology changes", "Biennial editions", "Zero as missing", "not confirmed"):
        assert part in caveats


@pytest.mark.parametrize("name", OURS)
def test_notebooks_state_question_method_and_vintage(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    intro = nb.cells[0].source
    for part in ("**Question.**", "**Method.**", "**Data vintage.**"):
        assert part in intro, f"{name} lacks {part}"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "read.data_vintage()" in code and "read.sources()" in code and "plotly" in code


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"


def test_our_notebooks_exist() -> None:
    assert all((NOTEBOOKS / name).is_file() for name in OURS)
