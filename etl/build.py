"""One ETL run: build a new warehouse file beside the live one, check it, and swap it in atomically."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from etl import config, fingerprints, schema, vintages
from etl.errors import InputError, Stopped, stop_requested
from etl.phases import reached
from etl.steps import Context, Step, discover, step_meta

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


# code that does not shape the warehouse's content
READERS = {"read.py", "cli.py", "phases.py", "export.py", "citation.py", "vintages.py"}

# The phases a run passes through in order (see etl.phases); each step adds ``step:<name>:start`` and ``:done``.
PHASES_BEFORE_STEPS = ["locked", "checksums", "tmp-created", "schema"]
PHASES_AFTER_STEPS = ["catalog", "aggregates", "derived", "index", "sources", "integrity", "views",
                      "changes", "runs-carried", "run-recorded", "checkpointed", "closed", "swap:synced",
                      "swap:backup-linked", "swap:replaced", "swap:dir-synced", "vintages", "logged"]


def phases(source: str = "mirror") -> list[str]:
    """Every phase a full run from ``source`` reaches, in order."""
    steps = [p for s in _steps_for(source) for p in (f"step:{s.NAME}:start", f"step:{s.NAME}:done")]
    return PHASES_BEFORE_STEPS + steps + PHASES_AFTER_STEPS


def code_version() -> str:
    """A digest of the ETL's code, SQL and metadata: a change forces a full rebuild."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".sql", ".yaml") and "__pycache__" not in path.parts \
                and path.name not in READERS:
            h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


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
        row = con.execute("""SELECT run_id, source, code_version, checksums, schema_version FROM etl_runs
                             ORDER BY started_at DESC LIMIT 1""").fetchone()
    except duckdb.Error:   # no run log, or one written before schema versions were recorded: reuse nothing
        return None
    finally:
        con.close()
    if not row or row[4] != schema.version():
        return None
    return {"run_id": row[0], "source": row[1], "code_version": row[2], "checksums": json.loads(row[3])}


def _relative(sums: dict[str, str], root: Path) -> dict[str, str]:
    out = {}
    for name, digest in sums.items():
        path = Path(name)
        out[path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name] = digest
    return out


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "schema.sql").read_text())


def _copy_step(con: duckdb.DuckDBPyConnection, step: Step) -> None:
    for table, where in step.OWNS:
        con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}" + (f" WHERE {where}" if where else ""))


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


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema = 'main' AND table_catalog = current_database() ORDER BY 1").fetchall()]
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def _swap(tmp: Path, target: Path) -> None:
    """Put the new file in place; the old one stays as ``.bak``. Readers see either file, never a mix."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    reached("swap:synced")
    if target.exists():
        bak = backup_path(target)
        bak.unlink(missing_ok=True)
        os.link(target, bak)
    reached("swap:backup-linked")
    os.replace(tmp, target)
    reached("swap:replaced")
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    reached("swap:dir-synced")


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


def _log(target: Path, entry: dict) -> None:
    with open(runs_log_path(target), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")


def _steps_for(source: str) -> list[Step]:
    return discover(source)


def _fingerprint_key(ctx: Context, source: str, version: str) -> dict:
    return {"code_version": version, "source": source, "raw": str(ctx.raw), "iso_raw": str(ctx.iso_raw),
            "members": str(ctx.members_file), "counts": str(ctx.counts_file), "dataset": ctx.dataset}


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
    run_id = started.strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    report = RunReport(run_id=run_id, status="ok", target=target, warnings=ctx.warnings)
    version = code_version()
    key = _fingerprint_key(ctx, source, version)
    roots = [ctx.raw, ctx.members_file.parent]
    with _lock(target):
        reached("locked")
        if not force and not check and fingerprints.unchanged(target, key, roots):
            # the published file and every input as recorded at its swap: no step is imported, nothing hashed
            reached("checksums")
            report.status = "up-to-date"
            _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                          "status": "up-to-date", "decided_by": "file stats"})
            return report
        steps = _steps_for(source)
        tmp = target.with_name(f".{target.name}.{run_id}.tmp")
        try:
            for stale in target.parent.glob(f".{target.name}.*.tmp*"):
                stale.unlink(missing_ok=True)   # left by a killed run: we hold the lock, so nobody writes them
            record = fingerprints.load(target)
            abs_sums, stats = fingerprints.hashes([p for s in steps for p in s.inputs(ctx)], record)
            sums = {s.NAME: _relative({str(p): abs_sums[str(p)] for p in s.inputs(ctx)}, ctx.raw) for s in steps}
            reached("checksums")
            prev = None if force else previous_run(target)
            if prev and not check and prev["code_version"] == version and prev["checksums"] == sums \
                    and prev["source"] == source:
                fingerprints.write(target, key, abs_sums, stats, roots)   # the next no-op run is decided by stat
                report.status = "up-to-date"
                _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                              "status": "up-to-date", "decided_by": "checksums"})
                return report
            reuse = _reusable(steps, prev, version, source, sums)
            import duckdb
            from tqdm import tqdm

            from etl import aggregates, catalog, changes, derived, index
            from etl.inputs import check_finite

            con = duckdb.connect(str(tmp))
            reached("tmp-created")
            try:
                con.execute("SET preserve_insertion_order = true")
                con.execute("SET memory_limit = '600MB'")
                _create_schema(con)
                reached("schema")
                if reuse:
                    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                bar = tqdm(total=len(steps) + 3, desc="ETL", unit="step", disable=not ctx.progress, leave=False)
                for step in steps:
                    bar.set_postfix_str(step.NAME)
                    reached(f"step:{step.NAME}:start")
                    if step.NAME in reuse:
                        _copy_step(con, step)
                        report.steps[step.NAME] = "reused"
                    else:
                        step.run(con, ctx)
                        report.steps[step.NAME] = "loaded"
                    reached(f"step:{step.NAME}:done")
                    bar.update()
                if reuse:
                    con.execute("DETACH old")
                bar.set_postfix_str("catalog")
                _wic_group(con)
                cat = catalog.load_catalog()
                report.warnings.extend(catalog.apply(con, cat, strict=not partial))
                reached("catalog")
                bar.update()
                bar.set_postfix_str("aggregates")
                aggregates.compute(con, cat.min_coverage)
                reached("aggregates")
                # Derived indicators, then the index built on them: recomputed on every build, like aggregates.
                report.warnings.extend(derived.compute(con, strict=not partial))
                reached("derived")
                report.warnings.extend(index.store(con, strict=not partial))
                reached("index")
                bar.update()
                bar.set_postfix_str("checks")
                _sources(con, [s.NAME for s in steps], ctx)
                reached("sources")
                _integrity(con)
                check_finite(con)   # no NaN or infinity in any table, index included
                reached("integrity")
                con.execute((SQL_DIR / "views.sql").read_text())
                reached("views")
                bar.update()
                bar.close()
                if target.exists():
                    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                    copied = tuple(where for s in steps if s.NAME in reuse for table, where in s.OWNS
                                   if table == "observations" and where)
                    summary = changes.record(con, run_id, old=True, copied=copied)
                    con.execute("DETACH old")
                else:
                    summary = changes.record(con, run_id, old=False)
                report.changes = summary["totals"]
                reached("changes")
                if target.exists():
                    con.execute(f"ATTACH '{str(target).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
                    try:
                        con.execute("INSERT INTO etl_runs BY NAME SELECT * FROM old.etl_runs")   # older logs too
                    except duckdb.Error as exc:
                        report.warnings.append(f"previous run log not carried over: {exc}")
                    con.execute("DETACH old")
                reached("runs-carried")
                report.row_counts = _row_counts(con)
                finished = dt.datetime.now(dt.UTC)
                con.execute("INSERT INTO etl_runs VALUES (?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?)",
                            [run_id, started, finished, source, version, json.dumps(report.steps),
                             json.dumps(report.row_counts), json.dumps(sums), json.dumps(report.warnings),
                             schema.version()])
                reached("run-recorded")
                con.execute("CHECKPOINT")
                reached("checkpointed")
            finally:
                con.close()
            reached("closed")
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
                _swap(tmp, target)
                changes.write_summary(target, summary)
                fingerprints.write(target, key, abs_sums, stats, roots)
                vintages.publish(target, run_id, summary["previous_run"], backup_path(target), keep)
            _log(target, {"run_id": run_id, "started_at": started.isoformat(), "source": source,
                          "status": report.status, "steps": report.steps, "rows": report.row_counts,
                          "warnings": report.warnings, "seconds": round(report.seconds, 3)})
            reached("logged")
    if pending:
        raise Stopped(pending[0], completed=True)
    return report
