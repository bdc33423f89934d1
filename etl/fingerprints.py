"""Input fingerprints: content hashes reused while a file's size and mtime are unchanged, and the record of
what the published warehouse was built from, so that an unchanged run is decided without hashing or importing
the steps.

The record (``<warehouse>.inputs.json``) names the warehouse file's own identity (inode, size, mtime) at the
moment it was published: if the file has been replaced since, the record does not apply. A file modified less
than :data:`RACY_SECONDS` before it was hashed is not trusted by its stat (it could change again within the same
mtime tick) and is hashed again next time, as git does with its index.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from etl.atomic import write_atomic
from etl.inputs import file_digest
from etl.worker import Worker

RACY_SECONDS = 2.0
Stat = tuple[int, int, int, int]   # device, inode, size, mtime in ns


def record_path(target: Path) -> Path:
    """The fingerprint record beside a warehouse."""
    return target.with_name(target.name + ".inputs.json")


def _stat(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def load(target: Path) -> dict:
    """The fingerprint record of ``target``, or an empty one if missing or unreadable."""
    try:
        data = json.loads(record_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def hashes(paths: Iterable[Path], record: dict) -> tuple[dict[str, str], dict[str, list]]:
    """SHA-256 of each path (as a string), reusing the record's digest of a file whose stat is unchanged; and the
    stats to remember (racy files left out)."""
    known = record.get("files") or {}
    now = time.time_ns()
    sums: dict[str, str] = {}
    stats: dict[str, list] = {}
    for path in paths:
        key = str(path)
        st = _stat(path)
        old = known.get(key)
        if st is not None and old and tuple(old[0]) == st:
            sums[key] = old[1]
        else:
            sums[key] = file_digest(path)   # a missing file: file_digest names it
        if st is not None and now - st[3] > RACY_SECONDS * 1e9:
            stats[key] = [list(st), sums[key]]
    return sums, stats


def hashing(paths: list[Path], record: dict) -> Worker[tuple[dict[str, str], dict[str, list]]]:
    """:func:`hashes` in a thread (hashlib releases the GIL), for a run that needs the digests only at its end;
    what hashing raised (a missing file) is raised by the worker's ``result()``."""
    return Worker("etl-input-hashes", functools.partial(hashes, paths, record))


def folders(paths: Iterable[str], roots: Iterable[Path]) -> dict[str, int]:
    """The mtime of every folder holding an input, and of the roots: a file added or removed changes it."""
    out: dict[str, int] = {}
    for name in [*(str(Path(p).parent) for p in paths), *(str(r) for r in roots)]:
        st = _stat(Path(name))
        out[name] = st[3] if st else -1
    return out


def write(target: Path, key: dict, sums: dict[str, str], stats: dict[str, list], roots: Iterable[Path]) -> None:
    """Record what the just-published ``target`` was built from (call right after the swap)."""
    st = _stat(target)
    if st is None:
        return
    write_atomic(record_path(target), json.dumps({
        "warehouse": list(st), "key": key, "checksums": sums, "files": stats,
        "folders": folders(sums, roots)}, sort_keys=True))


def unchanged(target: Path, key: dict, roots: Iterable[Path]) -> bool:
    """Whether ``target`` is the published file of the record, built with ``key`` (code version, source, paths)
    from inputs whose folders and files all still have their recorded stats."""
    record = load(target)
    st = _stat(target)
    if not record or st is None or tuple(record.get("warehouse") or ()) != st or record.get("key") != key:
        return False
    files, sums = record.get("files") or {}, record.get("checksums") or {}
    if set(files) != set(sums):   # some file was too fresh to be trusted by its stat
        return False
    if record.get("folders") != folders(sums, roots):
        return False
    return all(_stat(Path(name)) == tuple(value[0]) for name, value in files.items())
