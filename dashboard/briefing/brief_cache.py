"""The on-disk cache of printed briefs, shared by every process and instance that sees the same cache folder.

A brief is made once per key (warehouse run, code, language, template version): the maker runs under an
exclusive ``flock`` on the key's lock file, the file appears atomically (:mod:`etl.atomic`), and every print is
appended to the run folder's ``prints.log`` (time, instance, process, file), so a second print is visible.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

from dashboard.instance import instance
from etl.atomic import write_atomic

LOG = "prints.log"


def cached(path: Path, make: Callable[[], bytes]) -> Path:
    """``path``, made by ``make`` unless a process has made it already (one maker per key at a time)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # released when the file is closed, also if this process dies
        if path.exists():                  # made by another process while this one waited
            return path
        write_atomic(path, make())
        record = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "instance": instance(),
                  "pid": os.getpid(), "file": path.name}
        with open(path.parent / LOG, "a", encoding="utf-8") as log:   # one short O_APPEND line per print
            log.write(json.dumps(record) + "\n")
    return path


def prints(folder: Path) -> list[dict[str, object]]:
    """Every print recorded in a run folder's log, oldest first."""
    log = folder / LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
