"""Past warehouses: each published run's file is kept (a hard link) under ``<warehouse>.vintages/<run_id>.duckdb``.

The live file and its kept copy are one inode, so keeping costs no space until the next swap; the oldest ones
beyond the configured number are removed. A kept file is never written again: readers open it read-only.
"""

from __future__ import annotations

import re
from pathlib import Path

from etl import atomic
from etl.phases import reached

RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")   # as etl.build names runs; sorts by time


def folder(target: Path) -> Path:
    """The folder of kept warehouses, beside the live one."""
    return target.parent / f"{target.stem}.vintages"


def path_for(target: Path, run_id: str) -> Path:
    """Where the warehouse of ``run_id`` is kept (``ValueError`` if it is not a run id)."""
    if not RUN_ID.fullmatch(run_id):
        raise ValueError(f"{run_id!r} is not a run id (like 20261201T100347Z-23da45)")
    return folder(target) / f"{run_id}.duckdb"


def kept(target: Path) -> list[str]:
    """The run ids whose warehouses are kept, oldest first."""
    here = folder(target)
    if not here.is_dir():
        return []
    return sorted(p.stem for p in here.glob("*.duckdb") if RUN_ID.fullmatch(p.stem))


def keep(source: Path, target: Path, run_id: str) -> None:
    """Keep ``source`` (a warehouse file built by ``run_id``) as that run's vintage, unless it is kept already."""
    dest = path_for(target, run_id)
    if dest.exists() or not source.exists():
        return
    atomic.link_atomic(source, dest)   # a kept file appears whole or not at all


def prune(target: Path, n: int, live: str) -> list[str]:
    """Remove the oldest kept warehouses beyond the newest ``n`` (never the live run's); the run ids removed."""
    runs = kept(target)
    removed = runs if n == 0 else [r for r in runs[:-n] if r != live]
    for run_id in removed:
        path_for(target, run_id).unlink(missing_ok=True)
    for stale in folder(target).glob(".*.part") if folder(target).is_dir() else []:
        stale.unlink(missing_ok=True)   # left by a killed run (the ETL's lock is held: nobody else writes here)
    return removed


def publish(target: Path, run_id: str, previous: str | None, previous_file: Path, n: int) -> list[str]:
    """After a swap: keep the replaced warehouse (if not kept yet) and the new one, then prune to ``n``."""
    if n > 0:
        if previous and RUN_ID.fullmatch(previous):
            keep(previous_file, target, previous)
        keep(target, target, run_id)
    removed = prune(target, n, run_id)
    reached("vintages")
    return removed
