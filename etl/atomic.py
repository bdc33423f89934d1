"""Atomic file writes: a temp file in the same folder, flushed to disk, then renamed over the target."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

DEFAULT_MODE = 0o644


@contextlib.contextmanager
def atomic_path(path: Path, *, mode: int = DEFAULT_MODE) -> Iterator[Path]:
    """Yield a temp path beside ``path`` to write; on success it is fsync'd and renamed over ``path``.

    On an exception the temp file is removed and ``path`` keeps its old content (or stays absent).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)   # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes | str, *, encoding: str = "utf-8", mode: int = DEFAULT_MODE) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old content or the new, never a part."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(path, mode=mode) as tmp:
        tmp.write_bytes(payload)


def copy_atomic(source: Path, path: Path, *, mode: int = DEFAULT_MODE) -> None:
    """Copy ``source`` to ``path`` atomically (a reader never sees a half-copied file)."""
    with atomic_path(path, mode=mode) as tmp:
        shutil.copyfile(source, tmp)


def link_atomic(source: Path, path: Path) -> None:
    """Make ``path`` a hard link to ``source`` (the same file, no copy), appearing whole or not at all: a temp link
    ``.<name>.part`` beside it renamed over it (no chmod: the mode is ``source``'s own)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: some file systems refuse to open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
