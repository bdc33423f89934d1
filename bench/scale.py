"""Benchmark the ETL and the dashboard at ten times the data, on a synthetic mirror generated here.

The mirror is written to a temporary folder (never committed, never served): every real source folder as it is,
and a WDI folder in the real layout (``<CODE>.csv`` with ``Country Name,Country Code,Year,Value`` and
``<CODE>.datapackage.json``) holding the real files the catalog, derived indicators and index need plus
synthetic series ``SYN.B<n>.X``, titled "Synthetic benchmark series ... not a statistic", up to
1,500 x ``--scale`` indicators over the economies of the real WDI files and 1960-2024, with gaps: late starts,
economies without the series, missing years. The real ETL (``wic etl --force`` with ``WIC_MIRROR``) loads it.

Reported for today's mirror and the synthetic one, in the same run: the floor (a bare DuckDB read_csv of the WDI
files) and the typed floor (the same read with the columns' types given, so no file is sniffed), the full ETL and
its ratio to both floors, peak RSS, the warehouse's size, and on the result the p95 of
every page callback (as bench/dashboard.py posts them, in-process through the app's test client), cold (the
first request for an indicator; for the pages without one, the first after a new vintage), warm, first after a
new vintage and the same once the warm-up has run (as each worker's watcher does on a new vintage), with the
ratio of the two sizes, and of ``/api/v1/observations`` for a large group (``group=WLD``); cold and warm also in CPU
time of the process (``cpu``: all its threads, steadier than wall time on a loaded machine).
``--keep DIR`` keeps the mirror and both warehouses for repeated measurement.
Targets (issue #13): ETL <= 2.5x the floor at 10x, peak < 2 GiB, callback p95 < 20 ms at 25 million rows.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FULL_INDICATORS = 1500
YEARS = (1960, 2024)
SYNTHETIC_PREFIX = "SYN.B"
TITLE = "Synthetic benchmark series {n}, not a statistic (index)"

FLOOR = """
import sys, duckdb
from pathlib import Path
files = sorted(str(p) for p in Path(sys.argv[1]).glob("*.csv"))
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?" + (sys.argv[3] if len(sys.argv) > 3 else "") + ")", [files])
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""
# The typed floor reads the same files with the four columns' types given (as the ETL reads them), so DuckDB does
# not sniff each of the 1,500 files: the bare read_csv spends about half its time sniffing (bench/scale.py at
# --scale 0.05: 5.0 s auto-detected against 2.4 s typed for the same 0.87 million rows), work the ETL never does.
TYPED = (", header = true, auto_detect = false, columns = {'Country Name': 'VARCHAR', 'Country Code': 'VARCHAR', "
         "'Year': 'SMALLINT', 'Value': 'DOUBLE'}")


def needed_codes() -> set[str]:
    """The WDI codes the catalog, the derived indicators and the index read (kept as the real files)."""
    from etl import catalog, derived, index

    cat = catalog.load_catalog()
    codes = {i.code for i in cat.indicators} | {i.agg_weight for i in cat.indicators if i.agg_weight}
    codes |= {c for d in derived.load_derived() for c in (d.numerator, d.denominator)}
    return codes | set(index.load_config().codes)


def generate(out: Path, scale: float, seed: int = 13) -> dict[str, int]:
    """Write a synthetic mirror under ``out/raw``; the number of indicators and of WDI rows written."""
    import duckdb

    from etl import config

    real = config.raw_dir()
    raw = out / "raw"
    wdi = raw / "datahub-wdi"
    wdi.mkdir(parents=True)
    for folder in real.iterdir():
        if folder.is_dir() and folder.name != "datahub-wdi":
            (raw / folder.name).symlink_to(folder)
    (raw / "SOURCES.md").symlink_to(real / "SOURCES.md")
    keep = needed_codes()
    kept = 0
    for f in sorted((real / "datahub-wdi").iterdir()):
        if f.name.split(".csv")[0].split(".datapackage")[0] in keep:
            (wdi / f.name).symlink_to(f)
            kept += f.suffix == ".csv"
    total = max(round(FULL_INDICATORS * scale), kept + 1)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    files = sorted(str(p) for p in wdi.glob("*.csv"))   # the real files kept: their economies
    con.execute("""CREATE TABLE economies AS SELECT "Country Code" AS code, min("Country Name") AS name
                   FROM read_csv(?, all_varchar = true) GROUP BY 1""", [files])
    con.execute("CREATE TABLE grid AS SELECT name, code, y::SMALLINT AS year FROM economies, range(?, ?) t(y)",
                [YEARS[0], YEARS[1] + 1])
    rng = random.Random(seed)
    for n in range(1, total - kept + 1):
        code = f"{SYNTHETIC_PREFIX}{n:04d}.X"
        start = YEARS[0] if rng.random() < 0.7 else rng.randint(YEARS[0], 1990)
        level, slope = rng.uniform(5, 60), rng.uniform(-0.3, 0.6)
        # hash-based gaps: about 2% of economies lack the series, about 3% of the remaining years are missing
        con.execute(f"""COPY (
            SELECT name AS "Country Name", code AS "Country Code", year AS "Year",
                   round(greatest(0, least(100, ? + ? * (year - 1960) + (hash(code, ?) % 2000) / 100.0
                                              + (hash(code, year, ?) % 300) / 100.0)), 3) AS "Value"
            FROM grid
            WHERE year >= ? AND hash(code, ?, 'present') % 100 >= 2 AND hash(code, year, ?, 'gap') % 100 >= 3
            ORDER BY code, year) TO '{wdi / (code + ".csv")}' (HEADER, DELIMITER ',')""",
                    [level, slope, n, n, start, n, n])
        (wdi / f"{code}.datapackage.json").write_text(json.dumps({
            "title": TITLE.format(n=n), "name": code.lower(),
            "readme": "Generated by bench/scale.py to measure the ETL and dashboard at scale. Not a statistic.",
            "licenses": [{"name": "synthetic (bench/scale.py)"}], "keywords": ["Synthetic benchmark"],
            "worldbank": {"indicator": code.lower(), "sourceOrganization": "bench/scale.py (synthetic)"}}))
    rows = con.execute("SELECT count(*) FROM read_csv(?)", [sorted(str(p) for p in wdi.glob("*.csv"))]).fetchone()
    con.close()
    return {"indicators": total, "real_indicators": kept, "rows": int(rows[0]) if rows else 0}


def measure_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB (from wait4) and stdout of one run of ``cmd`` in a fresh process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read().strip()


def etl_figures(mirror: Path, work: Path) -> dict[str, Any]:
    """Floor, full ETL and warehouse size for one mirror; the warehouse is left in ``work``."""
    wdi = mirror / "raw" / "datahub-wdi"
    target = work / "warehouse.duckdb"
    env = {**os.environ, "WIC_MIRROR": str(mirror), "WIC_WAREHOUSE": str(target)}
    floor_file = work / "floor.duckdb"
    floor = measure_rss([sys.executable, "-c", FLOOR, str(wdi), str(floor_file)], env)
    floor_file.unlink()
    typed = measure_rss([sys.executable, "-c", FLOOR, str(wdi), str(floor_file), TYPED], env)
    floor_file.unlink()
    etl = measure_rss([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env)
    return {"rows": int(floor[2]), "floor_s": floor[0], "floor_mib": floor[1], "typed_s": typed[0],
            "etl_s": etl[0], "etl_mib": etl[1],
            "etl_out": etl[2].splitlines()[-1] if etl[2] else "", "warehouse_mib": target.stat().st_size / 2**20,
            "warehouse": target}


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def callback_figures(requests_per_view: int, naive: bool = True) -> dict[str, Any]:
    """In this process (``WIC_WAREHOUSE`` set by the caller): p50/p95 of every page callback, cold (the first request
    for an indicator, or after a new vintage for the pages without one; as bench/dashboard.py), warm, first after
    a new vintage and the same once the warm-up has run, and of the observations API for a large group; with
    ``naive``, the naive version of each (as bench/dashboard.py: the same rows selected from the whole observations
    table in pandas, plus the warm callback) and its ratio to cold (p50s, wall and CPU time)."""
    spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "bench" / "dashboard.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from dashboard.app import create_app

    app = create_app()
    os.environ["WIC_RESPONSE_CACHE"] = "0"
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    from etl import read

    # the naive version's table, as bench/dashboard.py loads it: the whole observations table in pandas
    full = read.open_warehouse().frame("SELECT iso3, indicator, year, value FROM observations") if naive else None
    figures = bench.page_figures(client, deps, n_cold=COLD, n_warm=requests_per_view, rng=random.Random(7),
                                 full=full)
    del full
    if bench.FAILURES:
        raise SystemExit("callbacks failed: " + "; ".join(bench.FAILURES[:3]))
    out: dict[str, Any] = {}
    for view, f in figures.items():
        out[view] = {"cold_p50": statistics.median(f["cold"]), "cold_p95": pct(f["cold"], 95),
                     "warm_p50": statistics.median(f["warm"]), "warm_p95": pct(f["warm"], 95),
                     "vintage_p95": pct(f["vintage"], 95), "warmed_p95": pct(f["warmed"], 95),
                     "cold_cpu_p95": pct(f["cold_cpu"], 95), "warm_cpu_p95": pct(f["warm_cpu"], 95),
                     "by_vintage": view in bench.BY_VINTAGE}
        if f["naive"]:
            out[view] |= {"naive_p50": statistics.median(f["naive"]),
                          "naive_over_cold": statistics.median(f["naive"]) / statistics.median(f["cold"]),
                          # naive_over_cold if a first request cost what a repeated one does
                          "naive_over_warm": statistics.median(f["naive"]) / statistics.median(f["warm"]),
                          "naive_over_cold_cpu": statistics.median(f["naive_cpu"])
                          / max(statistics.median(f["cold_cpu"]), 1e-9),
                          "reads_observations": view in bench.READS_OBSERVATIONS}
    api = []
    for n in range(requests_per_view):
        ind = ORIGINAL[n % len(ORIGINAL)]
        start = time.perf_counter()
        response = client.get(f"/api/v1/observations?indicator={ind}&group=WLD&limit=5000")
        api.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"API failed: {response.status_code} {response.text[:300]}")
    out["api_observations_WLD"] = {"warm_p50": statistics.median(api), "warm_p95": pct(api, 95)}
    return out


COLD = 20   # first requests for an indicator (or after a new vintage), per view
ORIGINAL = ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6", "GB.XPD.RSDV.GD.ZS"]


def _callbacks_in_child(warehouse: Path, requests_per_view: int, naive: bool) -> dict[str, Any]:
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse), "WIC_RESPONSE_CACHE": "0"}
    proc = subprocess.run([sys.executable, __file__, "--callbacks-only", str(requests_per_view)]
                          + ([] if naive else ["--no-naive"]), env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"callback measurement failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _readable(target: Path) -> bool:
    """A kept warehouse this code can read (not missing, not built with another schema)."""
    from etl import read

    wh = read.Warehouse(target)
    try:
        wh.rows("SELECT 1")
    except read.WarehouseMissing:   # WarehouseStale too: built by code with another schema, rebuilt
        return False
    wh.close()
    return True


def prepare(base: Path, scale: float, today: bool, kept: bool) -> dict[str, dict[str, Any]]:
    """Generate the synthetic mirror and load both mirrors under ``base``; with ``kept``, reuse what is there."""
    from etl import config

    mirror = base / "mirror"
    if not (kept and (mirror / "raw").exists()):
        start = time.perf_counter()
        made = generate(mirror, scale)
        print(f"synthetic mirror: {made['indicators']:,} WDI indicators ({made['real_indicators']} real, the rest "
              f"synthetic), {made['rows']:,} WDI rows, generated in {time.perf_counter() - start:.1f} s "
              f"(under {base})")
    runs: dict[str, dict[str, Any]] = {}
    for name, source, work in [("today", config.mirror_dir(), base / "today"), ("synthetic", mirror, base / "big")]:
        if name == "today" and not today:
            continue
        work.mkdir(parents=True, exist_ok=True)
        target = work / "warehouse.duckdb"
        if kept and _readable(target):
            print(f"{name}: reusing {target} (no ETL figures)")
            runs[name] = {"warehouse": target, "warehouse_mib": target.stat().st_size / 2**20}
        else:
            runs[name] = etl_figures(source, work)
    return runs


def print_figures(runs: dict[str, dict[str, Any]], callbacks: bool) -> None:
    """The ETL figures, every callback's p95 at both sizes and their ratio, and the targets."""
    names = list(runs)

    def cell(value: Any, fmt: str) -> str:
        return f"{fmt.format(value):>14}" if value is not None else f"{'-':>14}"

    print(f"{'':44} " + " ".join(f"{n:>14}" for n in names))
    for label, key, fmt in [("WDI rows", "rows", "{:,.0f}"), ("floor: bare read_csv, s", "floor_s", "{:.2f}"),
                            ("typed floor: read_csv with the types, s", "typed_s", "{:.2f}"),
                            ("full ETL (wic etl --force), s", "etl_s", "{:.2f}"),
                            ("peak RSS of the ETL, MiB", "etl_mib", "{:.0f}"),
                            ("warehouse file, MiB", "warehouse_mib", "{:.0f}")]:
        print(f"{label:44} " + " ".join(cell(runs[n].get(key), fmt) for n in names))
    if all("etl_s" in runs[n] for n in names):
        print(f"{'ratio ETL / floor':44} " + " ".join(f"{runs[n]['etl_s'] / runs[n]['floor_s']:>13.2f}x"
                                                    for n in names))
        print(f"{'ratio ETL / typed floor':44} " + " ".join(f"{runs[n]['etl_s'] / runs[n]['typed_s']:>13.2f}x"
                                                          for n in names))
    if not callbacks:
        return
    first, last = runs[names[0]]["callbacks"], runs[names[-1]]["callbacks"]
    print(f"{'callback p95, ms (cold: first for an indicator)':44} " + " ".join(f"{n:>14}" for n in names)
          + (f" {'ratio':>8}" if len(names) > 1 else ""))
    for view in first:
        for kind in ("cold_p95", "warm_p95", "vintage_p95", "warmed_p95", "cold_cpu_p95", "warm_cpu_p95",
                     "naive_p50", "naive_over_cold", "naive_over_warm", "naive_over_cold_cpu"):
            if kind in first[view]:
                ratio = f" {last[view][kind] / first[view][kind]:>7.2f}x" if len(names) > 1 else ""
                print(f"{view + ' ' + kind:44} "
                      + " ".join(f"{runs[n]['callbacks'][view][kind]:>14.1f}" for n in names) + ratio)
    big = runs[names[-1]]
    # What a server answers: the first request for an indicator (cold), any later one (warm), and the first after a
    # new vintage, which a server serves only once warmed (warmed_p95; read.Warehouse.switch_warm). For the pages
    # without an indicator cold_p95 is that first request with nothing warmed: a process without a watcher (a
    # notebook), shown apart.
    served = {view: ("warmed_p95", "warm_p95", *(() if v.get("by_vintage") else ("cold_p95",)))
              for view, v in last.items()}
    worst = max(((v[k], f"{view} {k}") for view, v in last.items() if not view.startswith("api_")
                 for k in served[view] if k in v), default=(0.0, ""))
    etl = (f"ETL <= 2.5x floor: {big['etl_s'] / big['floor_s']:.2f}x ({big['etl_s'] / big['typed_s']:.2f}x the typed "
           f"floor); peak < 2048 MiB: {big['etl_mib']:.0f}; "
           if "etl_s" in big else "")
    naive = min(((v["naive_over_cold"], view) for view, v in last.items() if v.get("reads_observations")), default=None)
    print(f"targets at this size: {etl}callback p95 < 20 ms as a server answers: {worst[0]:.1f} ms (worst: "
          f"{worst[1]}; the pages without an indicator after a new vintage once warmed, as a server serves it; "
          f"unwarmed, as in a notebook, shown apart)"
          + (f"; cold >= 5x the naive on every page that reads observations: worst {naive[0]:.1f}x ({naive[1]})"
             if naive else ""))


def main() -> None:
    """Generate the synthetic mirror, load both mirrors, measure, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="indicators as a share of 1,500 (1.0: about 25 million rows; 0.02 for a quick run)")
    parser.add_argument("--requests", type=int, default=40, help="warm callback requests per view (plus 20 cold ones)")
    parser.add_argument("--skip-today", action="store_true", help="measure only the synthetic mirror")
    parser.add_argument("--no-callbacks", action="store_true", help="measure only the ETL")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the naive version of each callback (it loads the whole observations table in "
                             "pandas: about 3 GB at 10x)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the mirrors and warehouses in DIR (not a temporary folder) and reuse them on the "
                             "next run: a warehouse already there is measured, not rebuilt (its ETL figures are "
                             "then not reported), unless this code cannot read it")
    parser.add_argument("--callbacks-only", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callbacks_only is not None:
        print(json.dumps(callback_figures(args.callbacks_only, not args.no_naive)))
        return
    with tempfile.TemporaryDirectory(prefix="wic-scale-") as tmp:
        base = args.keep or Path(tmp)
        runs = prepare(base, args.scale, not args.skip_today, kept=args.keep is not None)
        if not args.no_callbacks:
            for r in runs.values():
                r["callbacks"] = _callbacks_in_child(r["warehouse"], args.requests, not args.no_naive)
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print_figures(runs, not args.no_callbacks)


if __name__ == "__main__":
    main()
