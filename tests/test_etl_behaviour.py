"""Atomic, idempotent, resumable: the ETL's guarantees to readers and to whoever runs it twice."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from conftest import wait_until
from etl_forks import Forks

from etl import build, config, phases, read
from etl.errors import InputError
from etl.steps import Context

TABLES = ["countries", "group_members", "pillars", "indicators", "observations", "aggregate_coverage",
          "members", "membership_counts", "sources"]


def _differences(a: Path, b: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for t in TABLES:
        n = con.execute(f"""SELECT (SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t}))
                                 + (SELECT count(*) FROM (SELECT * FROM b.{t} EXCEPT ALL SELECT * FROM a.{t}))""")
        out[t] = n.fetchone()[0]  # type: ignore[index]
    con.close()
    return out


def _run_id(path: Path) -> str:
    return read.runs(db=read.Warehouse(path)).iloc[0]["run_id"]


@pytest.mark.slow
def test_same_inputs_same_content(warehouse_path: Path, own_warehouse: Path) -> None:
    before = _run_id(own_warehouse)
    report = build.run(Context.default(), target=own_warehouse, force=True)
    assert report.status == "ok" and set(report.steps.values()) == {"loaded"}
    assert _differences(warehouse_path, own_warehouse) == dict.fromkeys(TABLES, 0)
    runs = read.runs(db=read.Warehouse(own_warehouse))
    assert list(runs["run_id"])[:2] == [report.run_id, before]   # the run log is carried forward
    assert build.backup_path(own_warehouse).exists()
    assert _run_id(build.backup_path(own_warehouse)) == before


def test_unchanged_inputs_are_skipped(own_warehouse: Path) -> None:
    stat = own_warehouse.stat()
    report = build.run(Context.default(), target=own_warehouse)
    assert report.status == "up-to-date"
    assert own_warehouse.stat().st_ino == stat.st_ino and own_warehouse.stat().st_mtime_ns == stat.st_mtime_ns


@pytest.mark.slow
def test_only_changed_steps_are_reloaded(own_warehouse: Path, members_copy: Path) -> None:
    register = members_copy / "members.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = [ln for ln in lines if ln.startswith("Nokia,")]
    register.write_text("".join(ln for ln in lines if not ln.startswith("Nokia,")), encoding="utf-8")
    assert gone
    ctx = Context.default(members_file=register, counts_file=members_copy / "membership_counts.csv")
    report = build.run(ctx, target=own_warehouse)
    assert report.steps == {"classifications": "reused", "wdi": "reused", "gapminder": "reused",
                            "egdi": "reused", "gtmi": "reused", "oecd_dgi": "reused", "eu_egov": "reused",
                            "sdg_ict": "reused", "members": "loaded"}
    db = read.Warehouse(own_warehouse)
    assert len(read.members(db=db)) == 50
    assert "FIN" not in read.group_members("WIC", db=db)         # the WIC group follows the register
    assert db.rows("SELECT count(*) FROM observations WHERE source = 'wdi'") == [(2_115_952,)]


@pytest.mark.slow
def test_reader_never_sees_a_half_built_warehouse(own_warehouse: Path) -> None:
    db = read.Warehouse(own_warehouse)
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "WLD"], db=db)
    first = _run_id(own_warehouse)
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                got = read.observations("IT.NET.USER.ZS", ["CHN", "WLD"], db=db)
                assert got.equals(expected)
                seen.add(read.runs(db=db).iloc[0]["run_id"])
            except BaseException as exc:  # noqa: BLE001 - every failure counts
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        report = build.run(Context.default(), target=own_warehouse, force=True)
        wait_until(lambda: report.run_id in seen or bool(errors), "a reader to see the new run", timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert seen == {first, report.run_id}   # old file until the swap, then the new one, without a restart


def _held_etl(target: Path, phase: str, mark: Path, log: Path, mirror: Path | None = None) -> subprocess.Popen:
    """Start ``wic etl --force`` in a new process that holds when it reaches ``phase``."""
    mark.unlink(missing_ok=True)
    env = {**os.environ, "WIC_WAREHOUSE": str(target), phases.PAUSE_ENV: phase, phases.MARK_ENV: str(mark)}
    if mirror is not None:
        env["WIC_MIRROR"] = str(mirror)
    with open(log, "wb") as err:
        return subprocess.Popen([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)


def _hold(proc: subprocess.Popen, phase: str, mark: Path, log: Path) -> None:
    wait_until(lambda: mark.exists() or proc.poll() is not None, f"the ETL to reach {phase}")
    assert proc.poll() is None, f"the ETL ended (exit {proc.returncode}) before {phase}: {log.read_text()}"
    assert mark.read_text() == phase


def _temp_files(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.*.tmp*"))


def _small_mirror(root: Path) -> Path:
    """A mirror with only the WDI files the catalog, derived indicators and index need (the same run, faster)."""
    from etl import catalog, derived, index

    cat = catalog.load_catalog()
    needed = {i.code for i in cat.indicators} | {i.agg_weight for i in cat.indicators if i.agg_weight}
    needed |= {c for d in derived.load_derived() for c in (d.numerator, d.denominator)}
    needed |= set(index.load_config().codes)
    raw = config.raw_dir()
    for folder in raw.iterdir():
        if folder.is_dir() and folder.name != "datahub-wdi":
            (root / "raw" / folder.name).parent.mkdir(parents=True, exist_ok=True)
            (root / "raw" / folder.name).symlink_to(folder)
    (root / "raw" / "datahub-wdi").mkdir(parents=True)
    for f in (raw / "datahub-wdi").iterdir():
        if f.name.split(".csv")[0].split(".datapackage")[0] in needed:
            (root / "raw" / "datahub-wdi" / f.name).symlink_to(f)
    return root


def _kill_at_each(phases_: list[str], lane: Path, mirror: Path) -> None:
    """Build a warehouse in ``lane``, then kill a forced rebuild at each phase and check what is served; each
    rebuild is a new process forked by a fork server that has imported the ETL once (Python's start-up and the
    steps' imports are not paid again for every kill)."""
    target = lane / "warehouse.duckdb"
    order = build.phases()
    build.run(Context.default(raw=mirror / "raw"), target=target, force=True)
    served = _run_id(target)
    count = read.Warehouse(target).rows("SELECT count(*) FROM observations")
    mark, log = lane / "reached", lane / "stderr"
    forks = Forks()
    try:
        for phase in phases_:
            n = order.index(phase)
            mark.unlink(missing_ok=True)
            env = {"WIC_WAREHOUSE": str(target), "WIC_MIRROR": str(mirror), phases.PAUSE_ENV: phase,
                   phases.MARK_ENV: str(mark)}
            pid = forks.start(["etl", "--force", "--quiet"], env, log)
            wait_until(lambda pid=pid: mark.exists() or not forks.running(pid), f"the ETL to reach {phase}")
            if not mark.exists():
                raise AssertionError(f"the ETL ended (exit {forks.wait()}) before {phase}: {log.read_text()}")
            assert mark.read_text() == phase
            writing = bool(_temp_files(target))
            os.kill(pid, signal.SIGKILL)
            assert forks.wait() == -signal.SIGKILL, phase
            swapped = n >= order.index("swap:replaced")
            assert writing == (order.index("tmp-created") <= n < order.index("swap:replaced")), phase
            db = read.Warehouse(target)
            now = _run_id(target)
            assert (now != served) if swapped else (now == served), f"killed at {phase}: served run {now}"
            assert db.rows("SELECT count(*) FROM observations") == count, phase
            db.close()
            served = now
    finally:
        forks.close()
    report = build.run(Context.default(raw=mirror / "raw"), target=target, force=True)   # the next run cleans up
    assert report.status == "ok"
    assert _temp_files(target) == []


@pytest.mark.slow
def test_killed_etl_leaves_the_served_warehouse_intact(tmp_path: Path) -> None:
    """SIGKILL at every phase of a run, from the lock to the log line after the swap (two lanes at a time)."""
    order = build.phases()
    assert len(order) >= 20 and {"swap:backup-linked", "swap:replaced", "logged"} <= set(order)
    mirror = _small_mirror(tmp_path / "mirror")
    lanes = [order[0::2], order[1::2]]
    errors: list[BaseException] = []

    def lane(n: int) -> None:
        try:
            (tmp_path / f"lane{n}").mkdir()
            _kill_at_each(lanes[n], tmp_path / f"lane{n}", mirror)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(len(lanes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.mark.parametrize(("sig", "phase"), [(signal.SIGTERM, "step:wdi:start"), (signal.SIGINT, "aggregates"),
                                            (signal.SIGHUP, "checksums")])
def test_a_stopped_etl_cleans_up_and_logs_why(own_warehouse: Path, tmp_path: Path, sig: int, phase: str) -> None:
    """SIGTERM (a service manager), Ctrl-C and SIGHUP: no temp file or WAL left, a failed run logged, a message."""
    served = _run_id(own_warehouse)
    mark, log = tmp_path / "reached", tmp_path / "stderr"
    proc = _held_etl(own_warehouse, phase, mark, log)
    _hold(proc, phase, mark, log)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 128 + sig
    name = signal.Signals(sig).name
    assert log.read_text().strip() == f"wic etl: stopped by {name}; the warehouse is as it was"
    assert _temp_files(own_warehouse) == []
    assert _run_id(own_warehouse) == served
    last = json.loads(build.runs_log_path(own_warehouse).read_text().splitlines()[-1])
    assert last["status"] == "failed" and last["error"] == f"stopped by {name}"


def test_a_stopped_run_ends_its_process_without_the_interpreter_shutdown(own_warehouse: Path, tmp_path: Path) -> None:
    """Once a stop is cleaned up and reported, the process ends at once: no atexit handler and no interpreter
    shutdown runs, in which a DuckDB thread still in the interrupted query could abort it (exit -6, seen once)."""
    phase, mark, log = "step:wdi:start", tmp_path / "reached", tmp_path / "stderr"
    code = ("import atexit, sys; atexit.register(lambda: print('shutdown ran', file=sys.stderr)); "
            "from wic.cli import run; raise SystemExit(run(['etl', '--force', '--quiet']))")
    env = {**os.environ, "WIC_WAREHOUSE": str(own_warehouse), phases.PAUSE_ENV: phase, phases.MARK_ENV: str(mark)}
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=err)
    _hold(proc, phase, mark, log)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert log.read_text().strip() == "wic etl: stopped by SIGTERM; the warehouse is as it was"
    assert _temp_files(own_warehouse) == []


def test_a_stop_inside_a_query_is_reported_as_a_stop(own_warehouse: Path, tmp_path: Path) -> None:
    """A signal that lands inside a DuckDB query interrupts it; the run reports the stop, not a query error."""
    trace = tmp_path / "trace"
    env = {**os.environ, "WIC_WAREHOUSE": str(own_warehouse), phases.TRACE_ENV: str(trace)}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "etl", "--force", "--quiet"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: "step:wdi:start" in (trace.read_text() if trace.exists() else "") or proc.poll() is not None,
               "the WDI step to start")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    reached = trace.read_text().splitlines()
    # it landed while the step's 2 million-row read ran (in the background, beside the smaller steps)
    assert "step:wdi:start" in reached and "step:wdi:done" not in reached
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err and "interrupted" not in err.lower()
    assert _temp_files(own_warehouse) == []


def test_check_writes_nothing(own_warehouse: Path) -> None:
    stat = own_warehouse.stat()
    report = build.run(Context.default(), target=own_warehouse, check=True, force=True)
    assert report.status == "checked" and report.row_counts["observations"] > 2_000_000
    assert own_warehouse.stat().st_ino == stat.st_ino and own_warehouse.stat().st_mtime_ns == stat.st_mtime_ns
    assert list(own_warehouse.parent.glob("*.tmp*")) == []


def test_a_second_writer_is_refused(own_warehouse: Path) -> None:
    with open(own_warehouse.with_name(own_warehouse.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="another ETL run"):
            build.run(Context.default(), target=own_warehouse, force=True)


def test_first_build_into_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "warehouse.duckdb"
    report = build.run(Context.default(), target=target)
    assert report.status == "ok" and target.exists() and not build.backup_path(target).exists()
    log = [json.loads(x) for x in build.runs_log_path(target).read_text().splitlines()]
    assert log[-1]["status"] == "ok" and log[-1]["run_id"] == report.run_id


def test_a_run_pauses_the_garbage_collector_and_gives_it_back(own_warehouse: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No cyclic collection at any phase of a run; the collector is on again after it, and after a failed one."""
    import gc

    seen: dict[str, bool] = {}

    def noted(name: str) -> None:
        seen[name] = gc.isenabled()
        phases.reached(name)

    monkeypatch.setattr(build, "reached", noted)
    assert gc.isenabled()
    report = build.run(Context.default(), target=own_warehouse, check=True, force=True)
    assert report.status == "checked" and len(seen) > 20 and not any(seen.values()), seen
    assert gc.isenabled()
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        build.run(Context.default(raw=tmp_path / "empty"), target=own_warehouse, force=True)
    assert gc.isenabled()
    gc.disable()   # a caller that had switched it off keeps it off
    try:
        build.run(Context.default(), target=own_warehouse, check=True, force=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_abandoned_read_is_interrupted_even_if_it_had_not_reached_duckdb_yet() -> None:
    """A lane stopped (or the WDI read abandoned) while its thread is still in Python: the interrupt that finds
    no statement running is lost, so it is sent again until the thread has ended."""
    from etl.worker import interrupt_until_done

    con = duckdb.connect()
    ready, outcome = threading.Event(), []

    class Sent:
        """The real connection; its statement starts only once the first interrupt has been sent."""

        def interrupt(self) -> None:
            con.interrupt()
            ready.set()

    def work() -> None:
        ready.wait()   # still in Python when the first interrupt is sent
        try:
            con.execute("SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000) b").fetchall()
            outcome.append("finished")   # minutes of work: only reached if no interrupt arrived in time
        except duckdb.InterruptException:
            outcome.append("interrupted")

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    stopper = threading.Thread(target=interrupt_until_done, args=(Sent(), worker), daemon=True)
    stopper.start()
    wait_until(lambda: not stopper.is_alive(), "the read to be interrupted", timeout=60)
    assert outcome == ["interrupted"]


def test_a_worker_hands_back_its_result_or_what_it_raised() -> None:
    """The one thread-with-result of the ETL (the WDI read, the lanes, the input hashes): a value is returned, an
    error or a stop raised in the thread is raised to the waiting thread, and a statement is interrupted."""
    from etl.errors import Stopped
    from etl.worker import Worker

    assert Worker("test-value", lambda: 42).result() == 42
    error = ValueError("bad")

    def fail() -> None:
        raise error

    with pytest.raises(ValueError) as info:
        Worker("test-error", fail).result()
    assert info.value is error

    def stop() -> None:
        raise Stopped(signal.SIGTERM)

    with pytest.raises(Stopped, match="stopped by SIGTERM"):
        Worker("test-stop", stop).result()
    cursor = duckdb.connect().cursor()
    long = Worker("test-query", lambda: cursor.execute(
        "SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000) b").fetchall())
    long.interrupt(cursor)
    assert not long.thread.is_alive()
    with pytest.raises(duckdb.InterruptException):
        long.result()


def test_a_step_metadata_file_edited_on_disk_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step's metadata is parsed once while its file is unchanged, again once it is edited; a removed file is an
    error naming it."""
    from etl import steps
    from etl.errors import InputError

    monkeypatch.setattr(steps, "SOURCES_DIR", tmp_path)
    meta = tmp_path / "demo.meta.yaml"
    meta.write_text("license: CC-BY-4.0\n", encoding="utf-8")
    first = steps.step_meta("demo")
    assert first == {"license": "CC-BY-4.0"} and steps.step_meta("demo") is first
    meta.write_text("license: CC-BY-SA-4.0\n", encoding="utf-8")
    assert steps.step_meta("demo") == {"license": "CC-BY-SA-4.0"}
    meta.unlink()
    with pytest.raises(InputError, match=r"demo\.meta\.yaml"):
        steps.step_meta("demo")
