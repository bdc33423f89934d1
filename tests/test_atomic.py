"""etl.atomic: the one write-temp-then-rename helper (no partial file, file mode, fsync before the rename)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from etl import atomic

ROOT = Path(__file__).resolve().parent.parent
HELPER = "etl/atomic.py"


def test_write_atomic_writes_bytes_and_text_with_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "a.json"
    atomic.write_atomic(target, "é\n")
    assert target.read_bytes() == "é\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    atomic.write_atomic(target, b"\x00\x01", mode=0o600)
    assert target.read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_an_exception_leaves_the_old_content_and_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="half way"), atomic.atomic_path(target) as tmp:
        tmp.write_text("new, but only ha")
        raise RuntimeError("half way")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_an_exception_before_the_first_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "never.zip"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_path(target):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_copy_atomic(tmp_path: Path) -> None:
    source = tmp_path / "src.pdf"
    source.write_bytes(b"%PDF-1.7 " * 1000)
    atomic.copy_atomic(source, tmp_path / "out" / "dest.pdf")
    assert (tmp_path / "out" / "dest.pdf").read_bytes() == source.read_bytes()


def test_the_temp_file_is_fsynced_before_it_is_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    atomic.write_atomic(tmp_path / "a", b"x")
    assert events == ["fsync-file", "replace", "fsync-dir"]


def test_a_killed_writer_never_leaves_a_partial_target(tmp_path: Path) -> None:
    """A process killed between write and rename leaves the old target whole (only a hidden .part beside it)."""
    target = tmp_path / "t.bin"
    target.write_bytes(b"old")
    code = ("import os, sys\nfrom pathlib import Path\nfrom etl import atomic\n"
            "with atomic.atomic_path(Path(sys.argv[1])) as tmp:\n"
            "    tmp.write_bytes(b'new' * 1000)\n    os._exit(9)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, check=False)
    assert proc.returncode == 9
    assert target.read_bytes() == b"old"
    assert all(p.name.startswith(".t.bin.") and p.name.endswith(".part") for p in tmp_path.iterdir() if p != target)


def test_no_other_copy_of_write_temp_then_rename_in_the_code_base() -> None:
    """Every atomic file write goes through etl/atomic.py; excepted: the warehouse swap (build._swap, with its
    backup link and fault-injection points) and the export's rename of a whole folder (export.export)."""
    allowed = {HELPER, "etl/build.py", "etl/export.py"}
    offenders = []
    for folder in ("etl", "dashboard", "wic"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            text = path.read_text(encoding="utf-8")
            hits = text.count("os.replace(") + text.count("NamedTemporaryFile") + text.count(".replace(path)")
            if hits and rel not in allowed:
                offenders.append(rel)
    assert offenders == []


def test_a_link_is_the_same_file_and_leaves_no_temp_link(tmp_path: Path) -> None:
    source = tmp_path / "live.duckdb"
    source.write_bytes(b"warehouse")
    source.chmod(0o600)
    atomic.link_atomic(source, tmp_path / "kept" / "run.duckdb")
    kept = tmp_path / "kept" / "run.duckdb"
    assert kept.stat().st_ino == source.stat().st_ino and kept.read_bytes() == b"warehouse"
    assert source.stat().st_mode & 0o777 == 0o600   # the live file's mode is not touched
    with pytest.raises(FileNotFoundError):
        atomic.link_atomic(tmp_path / "missing", tmp_path / "kept" / "other.duckdb")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["run.duckdb"]
