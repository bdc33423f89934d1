"""Benchmark the full offline ETL against its floor: one bare DuckDB read_csv of the same files into a table.

Each measurement runs in a fresh process; wall time and that process's peak RSS (from wait4) are reported,
median of --repeat runs. Targets (issue #13): within 2x of the floor, peak RSS < 1 GB, no-op run < 0.3 s.
"""

from __future__ import annotations

import argparse
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
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WIC_WAREHOUSE": str(Path(tmp) / "warehouse.duckdb")}
        floor, etl, noop = [], [], []
        out = ""
        for i in range(args.repeat):
            target = Path(tmp) / f"floor{i}.duckdb"
            floor.append(measure([sys.executable, "-c", FLOOR, str(wdi), str(target)], env))
            target.unlink()
            etl.append(measure([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env))
            out = etl[-1][2]
            noop.append(measure([sys.executable, "-m", "etl.cli", "etl", "--quiet"], env))
    rows = int(floor[0][2])
    f_s = statistics.median(s for s, _, _ in floor)
    e_s = statistics.median(s for s, _, _ in etl)
    n_s = statistics.median(s for s, _, _ in noop)
    f_m = max(m for _, m, _ in floor)
    e_m = max(m for _, m, _ in etl)
    print(f"machine: {os.cpu_count()} cores; data: {rows:,} WDI rows in {len(list(wdi.glob('*.csv')))} files")
    print(f"etl output: {out}")
    print(f"{'measurement':48} {'median s':>9} {'runs s':>22} {'peak MiB':>9}")
    for name, runs, mem in [("floor: bare DuckDB read_csv into a table", floor, f_m),
                            ("full ETL (wic etl --force)", etl, e_m),
                            ("no-op ETL (inputs unchanged)", noop, max(m for _, m, _ in noop))]:
        times = ", ".join(f"{s:.2f}" for s, _, _ in runs)
        print(f"{name:48} {statistics.median(s for s, _, _ in runs):9.2f} {times:>22} {mem:9.0f}")
    load = os.getloadavg()
    print(f"ratio full ETL / floor: {e_s / f_s:.2f}x (target <= 2x); full ETL {e_s:.2f} s; "
          f"peak {e_m:.0f} MiB (target < 1024); no-op {n_s:.2f} s (target < 0.3 s); "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
