"""Benchmark the full offline ETL against its floors: one bare DuckDB read_csv of the WDI files into a table
(the original floor), and a bare DuckDB read of every input file the ETL reads (the WDI CSVs in one read_csv,
every other CSV in its own read_csv, the JSON metadata files through read_json_objects, the YAML through
read_text), each into a table of one database file.

Each measurement runs in a fresh process; wall time and that process's peak RSS (from wait4) are reported,
median of --repeat runs, with the median seconds of each phase of the ETL runs (from the run log). The measured
processes write and use Python's bytecode cache (PYTHONDONTWRITEBYTECODE is dropped), as an installed package
does. Targets (issue #13): within 2x of the floor, peak RSS < 1 GB, no-op run < 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from etl import config  # noqa: E402
from etl.steps import Context, discover  # noqa: E402

FLOOR = textwrap.dedent("""
    import sys, duckdb
    from pathlib import Path
    files = sorted(str(p) for p in Path(sys.argv[1]).glob("*.csv"))
    con = duckdb.connect(sys.argv[2])
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [files])
    print(con.execute("SELECT count(*) FROM t").fetchone()[0])
    con.close()
""")

ALL_INPUTS = textwrap.dedent("""
    import json, sys, duckdb
    from pathlib import Path
    paths = [Path(p) for p in json.loads(Path(sys.argv[3]).read_text())]
    wdi = Path(sys.argv[1])
    con = duckdb.connect(sys.argv[2])
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE wdi AS SELECT * FROM read_csv(?)", [sorted(str(p) for p in wdi.glob("*.csv"))])
    rows = con.execute("SELECT count(*) FROM wdi").fetchone()[0]
    others = [p for p in paths if p.suffix == ".csv" and p.parent != wdi]
    for n, p in enumerate(others):
        con.execute(f"CREATE TABLE t{n} AS SELECT * FROM read_csv(?)", [str(p)])
        rows += con.execute(f"SELECT count(*) FROM t{n}").fetchone()[0]
    con.execute("CREATE TABLE j AS SELECT * FROM read_json_objects(?)",
                [[str(p) for p in paths if p.suffix == ".json"]])
    con.execute("CREATE TABLE y AS SELECT * FROM read_text(?)", [[str(p) for p in paths if p.suffix == ".yaml"]])
    print(rows, len(paths))
    con.close()
""")


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and stdout of one run of ``cmd`` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss / 1024, out.strip()


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median reported)")
    args = parser.parse_args()
    wdi = config.raw_dir() / "datahub-wdi"
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WIC_WAREHOUSE": str(Path(tmp) / "warehouse.duckdb"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        measure([sys.executable, "-c", "import duckdb, pandas, numpy, yaml, etl.build"], env)   # bytecode cache
        inputs = Path(tmp) / "inputs.json"   # listed here, so that floor 2 only reads
        inputs.write_text(json.dumps(sorted({str(p) for s in discover() for p in s.inputs(Context.default())})))
        floor, every, etl, noop = [], [], [], []
        out = ""
        for i in range(args.repeat):
            target = Path(tmp) / f"floor{i}.duckdb"
            floor.append(measure([sys.executable, "-c", FLOOR, str(wdi), str(target)], env))
            target.unlink()
            every.append(measure([sys.executable, "-c", ALL_INPUTS, str(wdi), str(target), str(inputs)], env))
            target.unlink()
            etl.append(measure([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env))
            out = etl[-1][2]
            noop.append(measure([sys.executable, "-m", "etl.cli", "etl", "--quiet"], env))
        log = [json.loads(line) for line in (Path(tmp) / "runs.jsonl").read_text().splitlines()]
    phases: dict[str, list[float]] = {}
    for entry in log:
        for name, seconds in (entry.get("phases") or {}).items():
            phases.setdefault(name, []).append(seconds)
    rows = int(floor[0][2])
    f_s = statistics.median(s for s, _, _ in floor)
    e_s = statistics.median(s for s, _, _ in etl)
    n_s = statistics.median(s for s, _, _ in noop)
    a_s = statistics.median(s for s, _, _ in every)
    f_m = max(m for _, m, _ in floor)
    e_m = max(m for _, m, _ in etl)
    print(f"machine: {os.cpu_count()} cores; data: {rows:,} WDI rows in {len(list(wdi.glob('*.csv')))} files")
    print(f"etl output: {out}")
    print(f"{'measurement':48} {'median s':>9} {'runs s':>22} {'peak MiB':>9}")
    for name, runs, mem in [("floor: bare DuckDB read_csv into a table", floor, f_m),
                            ("floor 2: bare DuckDB read of every input", every, max(m for _, m, _ in every)),
                            ("full ETL (wic etl --force)", etl, e_m),
                            ("no-op ETL (inputs unchanged)", noop, max(m for _, m, _ in noop))]:
        times = ", ".join(f"{s:.2f}" for s, _, _ in runs)
        print(f"{name:48} {statistics.median(s for s, _, _ in runs):9.2f} {times:>22} {mem:9.0f}")
    print(f"floor 2 read {every[0][2].split()[1]} files, {int(every[0][2].split()[0]):,} rows")
    print("ETL phases over 10 ms (median s of the runs):",
          ", ".join(f"{n} {statistics.median(v):.3f}" for n, v in phases.items() if statistics.median(v) >= 0.01))
    load = os.getloadavg()
    print(f"ratio full ETL / floor 2 (every input): {e_s / a_s:.2f}x")
    print(f"ratio full ETL / floor: {e_s / f_s:.2f}x (target <= 2x); full ETL {e_s:.2f} s; "
          f"peak {e_m:.0f} MiB (target < 1024); no-op {n_s:.2f} s (target < 0.3 s); "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
