"""Benchmark the full offline ETL against its floors: one bare DuckDB read_csv of the WDI files into a table
(the original floor; and the same with the ETL's reader options, the columns' types given: the typed floor),
and a bare DuckDB read of every input file the ETL reads (the WDI CSVs in one read_csv, every other CSV in its
own read_csv, the JSON metadata files through read_json_objects, the YAML through read_text), each into a table
of one database file.

Each measurement runs in a fresh process; wall time, CPU time (user + system of all its threads: on a machine
shared with other work it moves less than wall time) and that process's peak RSS (from wait4) are reported,
median of --repeat runs, with the median seconds of each phase of the ETL runs (from the run log). The measured
processes write and use Python's bytecode cache (PYTHONDONTWRITEBYTECODE is dropped), as an installed package
does. ``--base DIR`` measures another checkout's ETL too (e.g. main's, for a before/after in the same run),
alternating with this one's. Targets (issue #13): within 2x of the floor, peak RSS < 1 GB, no-op run < 0.3 s.
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
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?" + (sys.argv[3] if len(sys.argv) > 3 else "") + ")",
                [files])
    print(con.execute("SELECT count(*) FROM t").fetchone()[0])
    con.close()
""")
# The typed floor: the same read with the ETL's reader options (the four columns' types given, so no file is
# sniffed), as bench/scale.py measures it too. A stricter floor than the original one, reported beside it.
TYPED = (", header = true, auto_detect = false, columns = {'Country Name': 'VARCHAR', 'Country Code': 'VARCHAR', "
         "'Year': 'SMALLINT', 'Value': 'DOUBLE'}")

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


def measure(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS in MiB, stdout and CPU seconds (user + system, all threads) of one run of ``cmd``
    in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss / 1024, out.strip(), usage.ru_utime + usage.ru_stime


def _row(name: str, runs: list[tuple[float, float, str, float]]) -> str:
    times = ", ".join(f"{s:.2f}" for s, _, _, _ in runs)
    return (f"{name:48} {statistics.median(r[0] for r in runs):9.2f} {times:>22} "
            f"{statistics.median(r[3] for r in runs):7.2f} {max(r[1] for r in runs):9.0f}")


def _etl_runs(code: Path, home: Path, env: dict[str, str], noop: bool) -> list[tuple[float, float, str, float]]:
    """One forced ETL run (and, with ``noop``, one no-op run) of the checkout ``code`` into ``home`` (run from
    ``code``, which ``-m`` puts first on the path, with this checkout's mirror and members)."""
    env = {**env, "WIC_WAREHOUSE": str(home / "warehouse.duckdb"), "WIC_MIRROR": str(config.mirror_dir()),
           "WIC_MEMBERS_DIR": str(config.members_dir()),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    runs = [measure([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env, cwd=code)]
    if noop:
        runs.append(measure([sys.executable, "-m", "etl.cli", "etl", "--quiet"], env, cwd=code))
    return runs


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument("--base", type=Path, help="another checkout (e.g. main's) whose ETL is measured too, "
                                                  "alternating with this one's, into its own warehouse")
    args = parser.parse_args()
    wdi = config.raw_dir() / "datahub-wdi"
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for code in filter(None, [repo, args.base]):   # bytecode caches
            measure([sys.executable, "-c", "import duckdb, pandas, numpy, yaml, etl.build, wic.cli"],
                    {**env, "PYTHONPATH": str(code)}, cwd=code)
        inputs = Path(tmp) / "inputs.json"   # listed here, so that floor 2 only reads
        inputs.write_text(json.dumps(sorted({str(p) for s in discover() for p in s.inputs(Context.default())})))
        home, base_home = Path(tmp) / "etl", Path(tmp) / "base"
        home.mkdir()
        base_home.mkdir()
        floor, typed, every, etl, noop, base = [], [], [], [], [], []
        out = ""
        for i in range(args.repeat):
            target = Path(tmp) / f"floor{i}.duckdb"
            floor.append(measure([sys.executable, "-c", FLOOR, str(wdi), str(target)], env))
            target.unlink()
            typed.append(measure([sys.executable, "-c", FLOOR, str(wdi), str(target), TYPED], env))
            target.unlink()
            every.append(measure([sys.executable, "-c", ALL_INPUTS, str(wdi), str(target), str(inputs)], env))
            target.unlink()
            if args.base:
                base.extend(_etl_runs(args.base.resolve(), base_home, env, noop=False))
            forced, unchanged = _etl_runs(repo, home, env, noop=True)
            etl.append(forced)
            noop.append(unchanged)
            out = forced[2]
        log = [json.loads(line) for line in (home / "runs.jsonl").read_text().splitlines()]
    phases: dict[str, list[float]] = {}
    for entry in log:
        for name, seconds in (entry.get("phases") or {}).items():
            phases.setdefault(name, []).append(seconds)
    rows = int(floor[0][2])
    f_s, a_s, e_s, n_s = (statistics.median(r[0] for r in runs) for runs in (floor, every, etl, noop))
    f_c, a_c, e_c = (statistics.median(r[3] for r in runs) for runs in (floor, every, etl))
    e_m = max(m for _, m, _, _ in etl)
    print(f"machine: {os.cpu_count()} cores; data: {rows:,} WDI rows in {len(list(wdi.glob('*.csv')))} files")
    print(f"etl output: {out}")
    print(f"{'measurement':48} {'median s':>9} {'runs s':>22} {'CPU s':>7} {'peak MiB':>9}")
    print(_row("floor: bare DuckDB read_csv into a table", floor))
    print(_row("typed floor: the same with the ETL's types", typed))
    print(_row("floor 2: bare DuckDB read of every input", every))
    if base:
        print(_row(f"base ETL ({args.base}, --force)", base))
    print(_row("full ETL (wic etl --force)", etl))
    print(_row("no-op ETL (inputs unchanged)", noop))
    print(f"floor 2 read {every[0][2].split()[1]} files, {int(every[0][2].split()[0]):,} rows")
    print("ETL phases over 10 ms (median s of the runs):",
          ", ".join(f"{n} {statistics.median(v):.3f}" for n, v in phases.items() if statistics.median(v) >= 0.01))
    load = os.getloadavg()
    if base:
        b_s, b_c = statistics.median(r[0] for r in base), statistics.median(r[3] for r in base)
        print(f"ratio full ETL / base ETL: {e_s / b_s:.2f}x wall, {e_c / b_c:.2f}x CPU")
    t_s, t_c = statistics.median(r[0] for r in typed), statistics.median(r[3] for r in typed)
    print(f"ratio full ETL / typed floor: {e_s / t_s:.2f}x wall, {e_c / t_c:.2f}x CPU")
    print(f"ratio full ETL / floor 2 (every input): {e_s / a_s:.2f}x wall, {e_c / a_c:.2f}x CPU")
    print(f"ratio full ETL / floor: {e_s / f_s:.2f}x wall, {e_c / f_c:.2f}x CPU (target <= 2x); full ETL {e_s:.2f} s; "
          f"peak {e_m:.0f} MiB (target < 1024); no-op {n_s:.2f} s (target < 0.3 s); "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
