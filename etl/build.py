"""One ETL run: build a new warehouse file beside the live one, check it, and swap it in atomically."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import collector, config, fingerprints, schema, vintages
from etl.errors import InputError, Stopped, stop_requested
from etl.phases import reached
from etl.steps import Context, Step, check_codes, copy_owned, discover, step_meta
from etl.worker import Worker

if TYPE_CHECKING:
    import duckdb

PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = PACKAGE_DIR / "sql"

@dataclass
class RunReport:
    """What a run did."""

    run_id: str
    status: str                                        # ok | up-to-date | checked
    target: Path
    steps: dict[str, str] = field(default_factory=dict)      # step -> loaded | reused
    row_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    changes: dict[str, int] = field(default_factory=dict)     # added | removed | revised -> observations
    computed: dict[str, str] = field(default_factory=dict)    # aggregates | derived | index -> computed | reused


# code that does not shape the warehouse's content
READERS = {"read.py", "cli.py", "phases.py", "export.py", "citation.py", "vintages.py"}

# The phases a run passes through in order (see etl.phases); each step adds ``step:<name>:start`` and ``:done``.
PHASES_BEFORE_STEPS = ["locked", "checksums", "tmp-created", "schema"]
PHASES_AFTER_STEPS = ["catalog", "derived", "index", "aggregates", "sources", "integrity", "views",
                      "changes", "runs-carried", "run-recorded", "checkpointed", "closed", "swap:synced",
                      "swap:backup-linked", "swap:replaced", "swap:dir-synced", "vintages", "logged"]


def phases(source: str = "mirror") -> list[str]:
    """Every phase a full run from ``source`` reaches, in order."""
    ends = {"run": ("start", "done"), "start": ("start",), "join": ("done",)}
    steps = [f"step:{s.NAME}:{end}" for kind, s in plan(_steps_for(source)) for end in ends[kind]]
    return PHASES_BEFORE_STEPS + steps + PHASES_AFTER_STEPS


def background(step: Step) -> bool:
    """Whether ``step`` declares ``BACKGROUND = True``: its work is DuckDB's (which releases the GIL), so it runs on
    its own connection while the other steps run."""
    return bool(getattr(step, "BACKGROUND", False))


def plan(steps: list[Step]) -> list[tuple[str, Step]]:
    """The order of work: ``run`` a step, ``start`` a background step (as soon as its dependencies are done) and
    ``join`` it (before the first step that depends on it, else after the last step)."""
    order = [s for s in steps if not background(s)]
    for step in (s for s in steps if background(s)):
        after = [n for n, s in enumerate(order) if s.NAME in step.DEPENDS]
        order.insert(max(after) + 1 if after else 0, step)
    events: list[tuple[str, Step]] = []
    running: list[Step] = []
    for step in order:
        for b in [b for b in running if b.NAME in step.DEPENDS]:
            events.append(("join", b))
            running.remove(b)
        if background(step):
            events.append(("start", step))
            running.append(step)
        else:
            events.append(("run", step))
    return events + [("join", b) for b in running]


class Lane:
    """Work on its own cursor of the run's connection, beside the main thread's (DuckDB releases the GIL); its few
    statements commit one by one (a step that catches a failed statement goes on: no transaction is aborted)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str,
                 work: Callable[[duckdb.DuckDBPyConnection], Any]) -> None:
        self.cursor = con.cursor()
        self.worker = Worker(f"etl-{name}", functools.partial(work, self.cursor))

    def finish(self) -> Any:
        """Wait for the work (a signal still interrupts the wait); raise what it raised, else return its result."""
        self.worker.join()
        self.cursor.close()
        return self.worker.result()

    def stop(self) -> None:
        """Interrupt the step's query, if any, and wait for it to end (the run is failing)."""
        self.worker.interrupt(self.cursor)
        self.cursor.close()


def code_version() -> str:
    """A digest of the ETL's code, SQL and metadata: a change forces a full rebuild."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".sql", ".yaml") and "__pycache__" not in path.parts \
                and path.name not in READERS:
            h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


class PhaseClock:
    """Marks each phase reached (see :func:`etl.phases.reached`) and keeps the seconds spent since the last one."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Record the time since the previous phase under ``name``."""
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self.last, 4)
        self.last = now

    def __call__(self, name: str) -> None:
        self.lap(name)
        reached(name)


def backup_path(target: Path) -> Path:
    """Where the previous warehouse is kept after a swap."""
    return target.with_name(target.name + ".bak")


def runs_log_path(target: Path) -> Path:
    """The JSON-lines log of every run, failed ones included."""
    return target.with_name("runs.jsonl")


@contextmanager
def _lock(target: Path) -> Iterator[None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another ETL run is writing {target}; try again when it has finished") from exc
        yield


def previous_run(target: Path) -> dict | None:
    """The last successful run recorded in the live warehouse, or None."""
    import duckdb

    if not target.exists():
        return None
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("""SELECT run_id, source, code_version, checksums, schema_version, warnings FROM etl_runs
                             ORDER BY started_at DESC LIMIT 1""").fetchone()
    except duckdb.Error:   # no run log, or one written before schema versions were recorded: reuse nothing
        return None
    finally:
        con.close()
    if not row or row[4] != schema.version():
        return None
    return {"run_id": row[0], "source": row[1], "code_version": row[2], "checksums": json.loads(row[3]),
            "warnings": json.loads(row[5] or "[]")}


def _relative(sums: dict[str, str], root: Path) -> dict[str, str]:
    out = {}
    for name, digest in sums.items():
        path = Path(name)
        out[path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name] = digest
    return out


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "schema.sql").read_text())


def _commit(con: duckdb.DuckDBPyConnection) -> None:
    """Commit the main thread's transaction and begin the next one: what it wrote becomes visible to a lane
    about to start, and what a lane just committed to it.

    The writes of a run are batched in few transactions because every commit of a persistent DuckDB database
    syncs its write-ahead log to disk (several milliseconds each); the new file is synced once, before the swap.
    """
    con.commit()
    con.begin()


def _wic_group(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO group_members SELECT DISTINCT 'WIC', 'wic', country_iso3 FROM members
                   WHERE country_iso3 IS NOT NULL ORDER BY 3""")


def _sources(con: duckdb.DuckDBPyConnection, names: list[str], ctx: Context) -> None:
    for name in names:
        meta = step_meta(name)
        con.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [meta["id"], meta["title"], meta.get("title_zh"), meta.get("publisher"), meta.get("license"),
                     meta.get("origin"), meta.get("url"), str(meta.get("vintage", "")),
                     meta.get("description"), ctx.loaded_from])


def _integrity(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "observation for an unknown country": """SELECT o.iso3 || ' in ' || o.indicator FROM observations o
            WHERE NOT EXISTS (SELECT 1 FROM countries c WHERE c.iso3 = o.iso3) LIMIT 1""",
        "observation of an unknown indicator": """SELECT o.indicator FROM observations o
            WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.code = o.indicator) LIMIT 1""",
        # Each step checks its own keys; across steps, one indicator must come from one source only.
        "an indicator loaded from two sources": """SELECT indicator FROM observations WHERE NOT computed
            GROUP BY indicator HAVING count(DISTINCT source) > 1 LIMIT 1""",
        "member in an unknown country": """SELECT name FROM members m WHERE country_iso3 IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM countries c WHERE c.iso3 = m.country_iso3) LIMIT 1""",
    }
    for problem, sql in checks.items():
        row = con.execute(sql).fetchone()
        if row:
            raise InputError("warehouse", f"integrity check failed: {problem}", value=str(row[0]))


def _beside_index(con: duckdb.DuckDBPyConnection, *, target: Path, run_id: str, copied: tuple[str, ...],
                  min_coverage: float | None) -> dict[str, Any]:
    """Group values (unless carried over: ``min_coverage`` None), the integrity checks and the change log against
    the served warehouse (``copied``: the observations copied from it); the change summary."""
    from etl import aggregates, changes

    if min_coverage is not None:
        aggregates.compute(con, min_coverage=min_coverage)
    _integrity(con)
    if not target.exists():
        return changes.record(con, run_id, old=False)
    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
    try:
        return changes.record(con, run_id, old=True, copied=copied)
    finally:
        con.execute("DETACH old")


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema = 'main' AND table_catalog = current_database() ORDER BY 1").fetchall()]
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def _swap(tmp: Path, target: Path, mark: PhaseClock) -> None:
    """Put the new file in place; the old one stays as ``.bak``. Readers see either file, never a mix."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    mark("swap:synced")
    if target.exists():
        bak = backup_path(target)
        bak.unlink(missing_ok=True)
        os.link(target, bak)
    mark("swap:backup-linked")
    os.replace(tmp, target)
    mark("swap:replaced")
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    mark("swap:dir-synced")


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold SIGINT, SIGTERM and SIGHUP so that a stop cannot split the swap from its log; the list receives the
    signals that arrived meanwhile (consumed here, so the caller reports them once the work is done)."""
    pending: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield pending
    finally:
        while held & signal.sigpending():
            info = signal.sigtimedwait(held, 0)
            if info is None:
                break
            pending.append(info.si_signo)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _NoBar:
    """The progress bar when none is shown (tqdm is not even imported)."""

    def set_postfix_str(self, text: str) -> None:
        """Nothing to show."""

    def update(self) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to close."""


def _progress(total: int, shown: bool) -> _NoBar:
    if not shown:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="ETL", unit="step", leave=False)   # the same three methods


def _log(target: Path, entry: dict) -> None:
    with open(runs_log_path(target), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")


def _steps_for(source: str) -> list[Step]:
    return discover(source)


def _fingerprint_key(ctx: Context, source: str, version: str) -> dict:
    return {"code_version": version, "source": source, "raw": str(ctx.raw), "iso_raw": str(ctx.iso_raw),
            "members": str(ctx.members_file), "counts": str(ctx.counts_file), "dataset": ctx.dataset}


def _step_sums(inputs: dict[str, list[Path]], abs_sums: dict[str, str], ctx: Context) -> dict[str, dict[str, str]]:
    return {name: _relative({str(p): abs_sums[str(p)] for p in paths}, ctx.raw) for name, paths in inputs.items()}


def _reusable(steps: list[Step], prev: dict | None, version: str, source: str, sums: dict) -> set[str]:
    """The steps whose inputs, code and dependencies are unchanged since ``prev``: their rows can be copied."""
    if not prev or prev["code_version"] != version or prev["source"] != source:
        return set()
    reuse: set[str] = set()
    for step in steps:   # in dependency order: a step whose dependency is rebuilt is rebuilt too
        if prev["checksums"].get(step.NAME) == sums[step.NAME] and all(d in reuse for d in step.DEPENDS):
            reuse.add(step.NAME)
    return reuse


def run(ctx: Context, *, source: str = "mirror", force: bool = False, check: bool = False,
        target: Path | None = None, partial: bool = False, keep: int | None = None) -> RunReport:
    """Run the ETL into ``target`` (default: the configured warehouse) and swap it in.

    ``keep``: how many runs' warehouses to keep as vintages (default ``config.keep_vintages()``).

    ``partial`` (an API load of chosen indicators) lets catalog indicators be missing, with a warning.
    """
    target = (target or config.warehouse_path()).resolve()
    keep = config.keep_vintages() if keep is None else keep
    started = dt.datetime.now(dt.UTC)
    mark = PhaseClock()
    run_id = started.strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    report = RunReport(run_id=run_id, status="ok", target=target, warnings=ctx.warnings)
    version = code_version()
    key = _fingerprint_key(ctx, source, version)
    roots = [ctx.raw, ctx.members_file.parent]
    # No cyclic collection while a run builds: what it holds is long-lived (records, lookups, the imported
    # modules), so the collector's passes only walk it again; what the run leaves is collected after. With wic's
    # single OpenBLAS thread, a full run's CPU went from 3.89 s to 3.65 s (bench/etl.py --base, 5 runs each).
    with _lock(target), collector.paused():
        mark("locked")
        if not force and not check and fingerprints.unchanged(target, key, roots):
            # the published file and every input as recorded at its swap: no step is imported, nothing hashed
            mark("checksums")
            report.status = "up-to-date"
            _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                          "status": "up-to-date", "decided_by": "file stats"})
            return report
        steps = _steps_for(source)
        tmp = target.with_name(f".{target.name}.{run_id}.tmp")
        try:
            for stale in target.parent.glob(f".{target.name}.*.tmp*"):
                stale.unlink(missing_ok=True)   # left by a killed run: we hold the lock, so nobody writes them
            check_codes(steps, ctx)   # before any input is hashed or read, or anything written
            record = fingerprints.load(target)
            inputs = {s.NAME: s.inputs(ctx) for s in steps}
            prev = None if force else previous_run(target)
            hashing = fingerprints.hashing([p for s in steps for p in inputs[s.NAME]], record)
            decides = prev is not None and prev["code_version"] == version and prev["source"] == source
            if decides:
                abs_sums, stats = hashing.result()   # they decide what is reused
                sums = _step_sums(inputs, abs_sums, ctx)
            mark("checksums")
            if decides and not check and prev and prev["checksums"] == sums:
                fingerprints.write(target, key, abs_sums, stats, roots)   # the next no-op run is decided by stat
                report.status = "up-to-date"
                _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                              "status": "up-to-date", "decided_by": "checksums"})
                return report
            reuse = _reusable(steps, prev, version, source, sums) if decides else set()
            import duckdb

            con = duckdb.connect(str(tmp))
            lanes: dict[str, Lane] = {}
            mark("tmp-created")
            try:
                con.execute("SET preserve_insertion_order = true")
                con.execute("SET memory_limit = '600MB'")
                con.begin()
                _create_schema(con)
                mark("schema")
                if reuse:
                    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                bar = _progress(len(steps) + 3, ctx.progress)
                for kind, step in plan(steps):
                    bar.set_postfix_str(step.NAME)
                    if kind == "join":
                        if step.NAME in lanes:   # kept in lanes until it ended: a stop meanwhile reaches it
                            lanes[step.NAME].finish()
                            del lanes[step.NAME]
                            _commit(con)
                        mark(f"step:{step.NAME}:done")
                        bar.update()
                        continue
                    mark(f"step:{step.NAME}:start")
                    report.steps[step.NAME] = "reused" if step.NAME in reuse else "loaded"
                    if step.NAME in reuse:
                        copy_owned(con, step.OWNS)
                    elif kind == "start":
                        _commit(con)
                        lanes[step.NAME] = Lane(con, step.NAME, functools.partial(step.run, ctx=ctx))
                        continue
                    else:
                        step.run(con, ctx)
                    if kind == "run":
                        mark(f"step:{step.NAME}:done")
                        bar.update()
                report.steps = {s.NAME: report.steps[s.NAME] for s in steps}
                # imported once the steps are done (the index's modules with them): not before the WDI read
                from etl import catalog, changes, derived, index, steps_reuse
                from etl.inputs import check_finite

                bar.set_postfix_str("catalog")
                _wic_group(con)
                cat = catalog.load_catalog()
                definitions, index_config = derived.load_derived(), index.load_config()   # parsed once a run
                report.warnings.extend(catalog.apply(con, cat, strict=not partial))
                mark("catalog")
                bar.update()
                bar.set_postfix_str("aggregates")
                # Group values, derived indicators and the index are carried over when no step they read changed.
                carry = steps_reuse.reusable(steps_reuse.inputs(con, steps, cat, definitions, index_config), reuse) \
                    if reuse and not partial else set()
                for phase in steps_reuse.PHASES:
                    report.computed[phase] = "reused" if phase in carry else "computed"
                    if phase in carry:
                        steps_reuse.copy(con, phase)
                if "derived" not in carry:
                    report.warnings.extend(derived.compute(con, strict=not partial, definitions=definitions))
                if reuse:
                    con.execute("DETACH old")
                _commit(con)
                # Group values read no derived row and the index writes no observation: the group values, the
                # integrity checks of the observations and the change log are made beside the index.
                owned = [*(s.OWNS for s in steps if s.NAME in reuse),
                         *(steps_reuse.OWNS[p] for p in steps_reuse.PHASES if p in carry)]
                copied = tuple(where for owns in owned for table, where in owns if table == "observations" and where)
                lanes["checks"] = Lane(con, "checks", functools.partial(
                    _beside_index, target=target, run_id=run_id, copied=copied,
                    min_coverage=None if "aggregates" in carry else cat.min_coverage))
                mark("derived")
                if "index" not in carry:
                    report.warnings.extend(index.store(con, strict=not partial, config=index_config))
                mark("index")
                summary = lanes["checks"].finish()
                del lanes["checks"]
                _commit(con)
                mark("aggregates")
                if carry and prev:
                    report.warnings.extend(steps_reuse.carried_warnings(carry, prev["warnings"]))
                bar.update()
                bar.set_postfix_str("checks")
                _sources(con, [s.NAME for s in steps], ctx)
                mark("sources")
                check_finite(con)   # no NaN or infinity in any table, index included
                mark("integrity")
                con.execute((SQL_DIR / "views.sql").read_text())
                mark("views")
                bar.update()
                bar.close()
                report.changes = summary["totals"]
                mark("changes")
                con.commit()   # a failed copy of the old log below must not abort the run's transaction
                if target.exists():
                    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                    try:
                        con.execute("INSERT INTO etl_runs BY NAME SELECT * FROM old.etl_runs")   # older logs too
                    except duckdb.Error as exc:
                        report.warnings.append(f"previous run log not carried over: {exc}")
                    con.execute("DETACH old")
                mark("runs-carried")
                con.begin()
                abs_sums, stats = hashing.result()   # computed while the steps ran, unless they decided reuse
                sums = _step_sums(inputs, abs_sums, ctx)
                report.row_counts = _row_counts(con)
                finished = dt.datetime.now(dt.UTC)
                con.execute("INSERT INTO etl_runs VALUES (?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?)",
                            [run_id, started, finished, source, version, json.dumps(report.steps),
                             json.dumps(report.row_counts), json.dumps(sums), json.dumps(report.warnings),
                             schema.version()])
                con.commit()
                mark("run-recorded")
                con.execute("CHECKPOINT")
                mark("checkpointed")
            finally:
                for lane in lanes.values():   # only when the run failed or was stopped
                    lane.stop()
                con.close()
            mark("closed")
            report.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            signum = stop_requested()
            cause: BaseException = Stopped(signum) if signum and not isinstance(exc, Stopped) else exc
            _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                          "status": "failed", "error": str(cause) or type(cause).__name__, "check": check})
            if cause is not exc:
                raise cause from exc   # a stop that interrupted a query or a step: report the stop
            raise
        with _signals_held() as pending:   # the swap and its log entry happen together, whatever arrives
            if check:
                tmp.unlink(missing_ok=True)
                report.status = "checked"
            else:
                _swap(tmp, target, mark)
                changes.write_summary(target, summary)
                fingerprints.write(target, key, abs_sums, stats, roots)
                vintages.publish(target, run_id, summary["previous_run"], backup_path(target), keep)
                mark.lap("vintages")   # etl.vintages marks the phase itself
            _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                          "status": report.status, "steps": report.steps, "rows": report.row_counts,
                          "computed": report.computed, "warnings": report.warnings,
                          "seconds": round(report.seconds, 3), "phases": mark.seconds})
            mark("logged")
    if pending:
        raise Stopped(pending[0], completed=True)
    return report
