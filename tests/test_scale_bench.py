"""The scale benchmark's synthetic mirror: the real layout, loaded by the real ETL, labelled synthetic."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from etl import build, read
from etl.steps import Context

BENCH = Path(__file__).resolve().parent.parent / "bench" / "scale.py"


def _bench():   # noqa: ANN202 - a module loaded from its path
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tiny_synthetic_mirror_loads_through_the_real_etl(tmp_path: Path) -> None:
    scale = _bench()
    made = scale.generate(tmp_path / "mirror", 0.025)   # 38 indicators: the real ones needed and a few synthetic
    synthetic = made["indicators"] - made["real_indicators"]
    assert synthetic >= 1 and made["rows"] > 0
    target = tmp_path / "wh" / "warehouse.duckdb"
    report = build.run(Context.default(raw=tmp_path / "mirror" / "raw"), target=target)
    assert report.status == "ok" and report.steps["wdi"] == "loaded"
    db = read.Warehouse(target)
    codes = [r[0] for r in db.rows("SELECT code FROM indicators WHERE code LIKE 'SYN.B%' ORDER BY 1")]
    assert codes == [f"SYN.B{n:04d}.X" for n in range(1, synthetic + 1)]
    titles = {r[0] for r in db.rows("SELECT title FROM indicators WHERE code LIKE 'SYN.B%'")}
    assert all("Synthetic" in t and "not a statistic" in t for t in titles)
    assert db.rows("SELECT count(*) FROM observations WHERE source = 'wdi'") == [(made["rows"],)]
    years = db.rows("SELECT min(year), max(year), count(DISTINCT iso3) FROM observations WHERE indicator = ?",
                    ["SYN.B0001.X"])[0]
    assert years[0] >= scale.YEARS[0] and years[1] == scale.YEARS[1] and years[2] > 200
    db.close()


def _dashboard_bench():   # noqa: ANN202 - a module loaded from its path
    spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH.parent / "dashboard.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benches_post_every_page_callback_and_each_answers(client: Any, deps: list[dict[str, Any]]) -> None:
    import random

    bench = _dashboard_bench()
    bodies = bench.page_requests(deps, "IT.NET.BBND.P2", random.Random(1))
    assert set(bodies) == {*bench.BY_INDICATOR, *bench.BY_VINTAGE}
    posted = {b["output"] for b in bodies.values()}
    # every server callback that draws a page's data (not the downloads, URL syncs, play or click handlers)
    drawing = {d["output"] for d in deps if not d.get("clientside_function")
               and any(k in d["output"] for k in (".figure", ".rowData", "_pages_content", "sources-catalog",
                                                  "map-year.min"))}
    assert drawing <= posted, drawing - posted
    answers = {}
    for view, body in bodies.items():
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, (view, response.text[:300])
        answers[view] = response.get_json()["response"]
    assert len(answers["map"]["map-graph"]["figure"]["data"][1]["locations"]) > 100   # drawn, not a fallback
    assert answers["explorer"]["explorer-grid"]["rowData"]
    assert answers["bubbles"]["compare-bubbles"]["figure"]["frames"]


def test_every_page_callback_answers_the_json_dash_writes_in_one_orjson_pass(app: Any,
                                                                             deps: list[dict[str, Any]]) -> None:
    import random
    import sys

    import orjson
    from dash._utils import to_json

    bench = _dashboard_bench()
    served = 0
    for view, body in bench.page_requests(deps, "IT.NET.BBND.P2", random.Random(2)).items():
        func = app.callback_map[body["output"]]["callback"]
        chain = []
        while func is not None:
            chain.append(func)
            func = getattr(func, "__wrapped__", None)
        raw = next((f for f in chain if getattr(sys.modules.get(f.__module__), f.__name__, None) is f), None)
        if raw is None:   # Dash's own page-content callback (the overview and membership pages)
            continue
        wrapper = next(f for f in chain if getattr(f, "__wrapped__", None) is raw)
        args = [i["value"] for i in body["inputs"]] + [s["value"] for s in body["state"]]
        mine, theirs = wrapper(*args), raw(*args)
        # what the answer holds is what Dash's own walk of the components writes, and orjson writes it at once
        assert to_json(list(mine)) == to_json(list(theirs)), view
        orjson.dumps(list(mine), option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
        served += 1
    assert served >= 9


def test_rounding_numbers_for_the_bubbles_is_pythons_round() -> None:
    import numpy as np

    from dashboard import figures

    rng = np.random.default_rng(5)
    values = np.concatenate([rng.uniform(-1e5, 1e5, 4000), rng.uniform(0, 3, 4000).round(5),
                             np.array([2.63965, 0.00005, 1.00005, 62105.15425, 123456789.12345, 0.0, -2.5e-5])])
    assert figures.rounded(values, 4).tolist() == [round(v, 4) for v in values.tolist()]
