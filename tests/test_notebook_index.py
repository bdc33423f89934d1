"""notebooks/02_index_sensitivity.ipynb: executed with nbclient against the test warehouse; its numbers are the
warehouse's, checked here by an independent computation."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from etl import read
from etl.index import load_config

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_index_sensitivity.ipynb"
KERNEL = "wic-index-test"
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def executed(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The notebook run in a kernel of this interpreter; WIC_WAREHOUSE names the session's warehouse."""
    kernels = tmp_path_factory.mktemp("kernels")
    (kernels / KERNEL).mkdir()
    (kernels / KERNEL / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "WIC index notebook (test)", "language": "python"}))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def _tagged(nb: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]


def test_committed_without_outputs_and_states_question_method_vintage() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    intro = nb.cells[0].source
    for part in ("**Question.**", "**Method.**", "**Data vintage.**"):
        assert part in intro
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "read.data_vintage()" in code and "read.sources()" in code and "plotly" in code
    assert len(_tagged(nb, "figure")) >= 5 and len(_tagged(nb, "vintage")) == 1 == len(_tagged(nb, "summary"))


def test_notebook_runs_with_plotly_charts(executed: nbformat.NotebookNode, db: read.Warehouse) -> None:
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    for cell in _tagged(executed, "figure"):
        assert any(PLOTLY in o.get("data", {}) for o in cell.outputs), cell.source[:60]
    (vintage,) = _tagged(executed, "vintage")
    text = "".join(o.get("text", "") for o in vintage.outputs)
    assert read.data_vintage(db=db)["run_id"] in text and f"Index year {read.index_latest_year(db=db)}" in text


def test_notebook_numbers_are_the_warehouse(executed: nbformat.NotebookNode, db: read.Warehouse) -> None:
    (cell,) = _tagged(executed, "summary")
    summary = json.loads("".join(o["text"] for o in cell.outputs if o.output_type == "stream"))
    year = read.index_latest_year(db=db)
    unc = read.index_uncertainty(db=db)
    assert summary["run_id"] == read.data_vintage(db=db)["run_id"] and summary["year"] == year
    assert summary["ranked"] == len(unc)
    assert summary["median_interval_width"] == float((unc["p95_rank"] - unc["p5_rank"]).median())
    wic = unc[unc["iso3"].isin(read.group_members("WIC", db=db))]
    assert summary["wic_median_rank"] == dict(zip(wic["iso3"], wic["median_rank"].astype(float), strict=True))
    assert summary["most_influential"] == unc["most_influential_pillar"].value_counts().to_dict()
    # one switch at a time, recomputed independently with pandas from the stored pillar scores
    pillars = read.index_pillar_scores(db=db)
    ranked = read.index_scores(db=db).query("ranked").set_index("iso3")["rank"]
    ids = load_config().pillar_ids
    same = summary["variants"]["minmax + arithmetic"]   # the default against itself (float correlation)
    assert same["spearman"] == pytest.approx(1.0, abs=1e-12) and same["largest_shift"] == 0.0
    for norm in ("minmax", "zscore"):
        wide = pillars[pillars["normalization"] == norm].pivot(index="iso3", columns="pillar", values="score")
        wide = wide.loc[ranked.index, ids]
        variants = {f"{norm} + arithmetic": wide.mean(axis=1),
                    f"{norm} + geometric": np.exp(np.log(wide.clip(lower=1.0)).mean(axis=1))}
        if norm == "minmax":
            variants.update({f"without {p}": wide.drop(columns=p).mean(axis=1) for p in ids})
        for label, score in variants.items():
            rank = score.rank(method="min", ascending=False)
            shift = (ranked - rank).abs().max()
            spearman = np.corrcoef(rank, ranked)[0, 1]
            assert summary["variants"][label]["largest_shift"] == shift, label
            assert summary["variants"][label]["spearman"] == pytest.approx(spearman, abs=1e-12), label
    coh = read.index_coherence(db=db)
    alpha = coh[coh["level"] != "indicator"].set_index("id")["cronbach_alpha"]
    assert summary["cronbach_alpha"] == pytest.approx(alpha.to_dict())
    assert summary["not_ranked"] == int((~read.index_scores(db=db)["ranked"]).sum())
    assert isinstance(unc, pd.DataFrame)
