"""Reading input files safely: checksums, encoding and header checks, and locating a bad row."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import yaml

from etl.errors import InputError

BOM = b"\xef\xbb\xbf"


def load_yaml(path: Path) -> dict:
    """Parse a YAML metadata file, with errors naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read metadata: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(path, "metadata must be a mapping")
    return data


def digest(data: bytes) -> str:
    """SHA-256 hex digest of some bytes."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror}") from exc


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with a clear error when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(path, "file not found") from exc
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror}") from exc


def decode_csv(path: Path, data: bytes, *, allow_bom: bool = False) -> str:
    """Decode CSV bytes as strict UTF-8, rejecting empty files, a byte-order mark and other encodings."""
    if not data.strip():
        raise InputError(path, "file is empty")
    if data.startswith(BOM):
        if not allow_bom:
            raise InputError(path, "file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM",
                             row=1)
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 4]
        raise InputError(path, f"not valid UTF-8 (byte {bad!r} at offset {exc.start}); is it Latin-1 or "
                               "Windows-1252? Re-save it as UTF-8", row=line) from exc


def check_header(path: Path, text: str, expected: Sequence[str], *, exact: bool = True) -> list[str]:
    """Check the CSV header holds the expected columns; return it."""
    first = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first]))
    missing = [c for c in expected if c not in header]
    if missing:
        extra = [c for c in header if c not in expected]
        hint = f"; found unexpected {extra}" if extra else ""
        raise InputError(path, f"missing column(s) {missing}{hint}", row=1, field=missing[0])
    if exact and list(header) != list(expected):
        raise InputError(path, f"columns must be exactly {list(expected)} in this order", row=1,
                         value=",".join(header))
    if not text.split("\n", 1)[1:] or not text.split("\n", 1)[1].strip():
        raise InputError(path, "file has a header but no data rows", row=2)
    return header


def checksums(paths: Iterable[Path]) -> dict[str, str]:
    """Map each path (as a string) to its SHA-256 digest."""
    return {str(p): file_digest(p) for p in paths}


def find_row(path: Path, match: Callable[[dict[str, str]], bool]) -> int | None:
    """1-based line number of the first CSV record that matches (only used to report errors)."""
    text = path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    for record in reader:
        if match(record):
            return reader.line_num
    return None
