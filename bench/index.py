"""Benchmark the index page's live re-ranking against recomputing the index from the observations.

The page re-ranks every country for new pillar weights and methods from matrices precomputed once per
warehouse (`etl.index.precompute` + `rescore`), through the real `/_dash-update-component` callback. The
baseline, in the same run, is the naive way: recompute the index from the observations for each request
(`etl.index.compute` on data already in memory). Target (issue #4): p95 < 150 ms for all countries on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dash_payloads import payload  # noqa: E402

from etl import config, read  # noqa: E402


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, default=200, help="random weight sets")
    parser.add_argument("--naive", type=int, default=5, help="naive recomputations")
    args = parser.parse_args()
    import duckdb

    from dashboard.app import create_app
    from etl.index import compute, load_config
    from etl.index.tables import load_observations

    app = create_app()
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if "index-rank.figure" in d["output"])
    n_weights = len(dep["inputs"]) - 4
    rng = random.Random(11)

    def request() -> dict:
        weights = [rng.randint(0, 100) for _ in range(n_weights)]
        if not any(weights):
            weights[0] = 1
        values = [*weights, rng.choice(["minmax", "zscore"]), rng.choice(["arithmetic", "geometric"]), "", None]
        return payload(dep, values, ["en"])

    for _ in range(5):
        client.post("/_dash-update-component", json=request())
    times = []
    for _ in range(args.sets):
        body = request()
        start = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.data[:200]
    ranked = int(read.index_scores()["ranked"].sum())

    cfg = load_config()
    con = duckdb.connect(str(config.warehouse_path()), read_only=True)
    obs, iso3 = load_observations(con, cfg)
    con.close()
    naive = []
    for _ in range(args.naive):
        start = time.perf_counter()
        compute(obs, iso3, cfg)
        naive.append((time.perf_counter() - start) * 1000)
    live = statistics.median(times)
    print(f"machine: {os.cpu_count()} cores; {ranked} countries ranked in {read.index_latest_year()}")
    print(f"live re-ranking callback (HTTP, Flask test client), {args.sets} random weight sets and methods: "
          f"p50 {live:.1f} ms, p95 {pct(times, 95):.1f} ms, max {max(times):.1f} ms (target p95 < 150 ms)")
    print(f"naive: recompute the index from {len(obs['value']):,} observations in memory, {args.naive} runs: "
          f"median {statistics.median(naive):.0f} ms; live is {statistics.median(naive) / live:.0f}x faster")


if __name__ == "__main__":
    main()
