"""Reading input files safely: checksums, encoding, header and completeness checks, the year rule and
the plausibility bounds every step applies, and locating a bad row.

Any step (new ones included) calls :func:`record_count` on a CSV's bytes, :func:`check_year` on each year and
:func:`bounds_for` / :func:`check_value` on each value; the rules are data in ``etl/meta/plausibility.yaml``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.config import META_DIR
from etl.errors import InputError

BOM = b"\xef\xbb\xbf"
FIELD_SIZE_LIMIT = 10_000             # characters; the longest real field in any input is about 100
YEAR_MIN = 1800                       # the earliest year any source describes (Gapminder's series reach 1800)
PLAUSIBILITY_FILE = META_DIR / "plausibility.yaml"
_OPEN_QUOTE = re.compile(rb'"[^"]*"?')
_STRAY_QUOTE = re.compile(rb'[^,\n"]"[^,\r\n"]')     # a quote inside an unquoted field
_BLANK_LINE = re.compile(rb"(?:^|\n)\r?(?=\n)")
_BARE_CR = re.compile(rb"\r(?!\n)")
_BLANK_TEST = re.compile(rb"\n\r?\n")   # one scan that finds a blank line; faster than two `in` tests
_QUOTED = re.compile(rb'"[^"]*"')   # with an even number of quotes, the quoted fields (an escaped "" splits one)
_NOT_SPACE = re.compile(r"\S")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's safe loader: the same documents, 10x faster


def load_yaml(path: Path) -> dict:
    """Parse a YAML metadata file, with errors naming the file."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
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
    if not data or data.isspace():   # not data.strip(), which copies the file's bytes
        raise InputError(path, "file is empty")
    if data.startswith(BOM):
        if not allow_bom:
            raise InputError(path, "file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM",
                             row=1)
        data = data[len(BOM):]
    bare_cr = _bare_cr(data)
    if bare_cr is not None:
        raise InputError(path, "line breaks must be LF or CRLF, found a bare CR (classic Mac line endings?); "
                               "re-save the file with LF or CRLF line endings",
                         row=data.count(b"\n", 0, bare_cr) + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 4]
        raise InputError(path, f"not valid UTF-8 (byte {bad!r} at offset {exc.start}); is it Latin-1 or "
                               "Windows-1252? Re-save it as UTF-8", row=line) from exc


def check_header(path: Path, text: str, expected: Sequence[str], *, exact: bool = True) -> list[str]:
    """Check the CSV header holds the expected columns; return it."""
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).rstrip("\r")
    header = next(csv.reader([first]))
    missing = [c for c in expected if c not in header]
    if missing:
        extra = [c for c in header if c not in expected]
        hint = f"; found unexpected {extra}" if extra else ""
        raise InputError(path, f"missing column(s) {missing}{hint}", row=1, field=missing[0])
    if exact and list(header) != list(expected):
        raise InputError(path, f"columns must be exactly {list(expected)} in this order", row=1,
                         value=",".join(header))
    if end < 0 or not _NOT_SPACE.search(text, end + 1):
        raise InputError(path, "file has a header but no data rows", row=2)
    return header


def _rows(path: Path, text: str, delimiter: str, strict: bool, strip: bool) -> Iterator[list[str]]:
    """The header, then each row after it (blank lines skipped, as csv.DictReader reads them) with its line last;
    a row with another number of fields, a malformed CSV or a field longer than :data:`FIELD_SIZE_LIMIT`
    characters stops the run naming its row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    good = 0   # the last line of the last complete record
    old_limit = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        header = next(reader, [])
        width = len(header)
        good = reader.line_num
        yield header
        for row in reader:
            good = reader.line_num
            if not row:
                continue
            if len(row) != width:
                raise InputError(path, f"expected {width} fields", row=good)
            if strip:
                row = list(map(str.strip, row))
            row.append(str(good))
            yield row
    except csv.Error as exc:
        message = (f"field longer than {FIELD_SIZE_LIMIT:,} characters" if "field larger" in str(exc)
                   else f"malformed CSV: {exc}")
        raise InputError(path, message, row=good + 1) from exc
    finally:
        csv.field_size_limit(old_limit)


def csv_records(path: Path, text: str, *, delimiter: str = ",", strict: bool = False,
                strip: bool = True) -> list[dict[str, str]]:
    """The records after the header of ``text`` as :func:`_rows` reads them, each with its ``_line``."""
    rows = _rows(path, text, delimiter, strict, strip)
    keys = [*next(rows), "_line"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def csv_rows(path: Path, text: str, *, delimiter: str = ",", strict: bool = False,
             strip: bool = True) -> tuple[list[str], list[list[str]]]:
    """The header of ``text`` and its rows as :func:`_rows` reads them (each row's line last, as text): for a large
    file of which a step keeps few rows, no record is made of the others (:func:`record` makes one)."""
    rows = _rows(path, text, delimiter, strict, strip)
    header = next(rows)
    return header, list(rows)


def record(header: list[str], row: list[str]) -> dict[str, str]:
    """A row of :func:`csv_rows` as a record (column -> field, and its ``_line``)."""
    return dict(zip([*header, "_line"], row, strict=True))


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


# Bytes from which numpy's compares replace the bytes methods and regular expressions: measured on the WDI files
# (252 of them over 64 KiB, 74 MB), the counts and blank-line test took 37 ms against 93 ms and the bare-CR test
# 25 ms against 42 ms; on 70 KB pieces of them, 8.0 ms against 17.8 ms and 6.0 ms against 8.3 ms (200 pieces).
LARGE = 65536


def _scan(data: bytes) -> tuple[int, int, bool]:
    """The quotes and line breaks of ``data`` and whether it holds a blank line (two line breaks with at most a CR
    between them)."""
    if len(data) < LARGE:
        return data.count(b'"'), data.count(b"\n"), _BLANK_TEST.search(data) is not None
    import numpy as np

    arr = np.frombuffer(data, np.uint8)
    breaks = np.flatnonzero(arr == 10)
    gaps = np.diff(breaks)
    blank = bool((gaps == 1).any()) or bool(((gaps == 2) & (arr[breaks[:-1] + 1] == 13)).any())
    return int(np.count_nonzero(arr == 34)), len(breaks), blank


def _bare_cr(data: bytes) -> int | None:
    """The offset of the first CR not followed by LF, if any."""
    if b"\r" not in data:   # a fast byte scan
        return None
    if len(data) < LARGE:
        found = _BARE_CR.search(data)
        return found.start() if found else None
    import numpy as np

    arr = np.frombuffer(data, np.uint8)
    returns = np.flatnonzero(arr == 13)
    after = returns + 1
    inside = after < len(arr)
    bare = returns[~inside | (arr[np.where(inside, after, 0)] != 10)]
    return int(bare[0]) if len(bare) else None


def record_count(path: Path, data: bytes, *, final_newline: bool = True) -> int:
    """The number of CSV records after the header, counted on the bytes: a cheap check that a reader saw them all.

    A file that ends inside a quoted field (or, with ``final_newline``, without a line break) is cut short:
    the error names the last good row. Blank lines are not records (readers skip them).
    """
    quotes, newlines, blank = _scan(data)
    if quotes % 2:
        stray = _STRAY_QUOTE.search(data)
        if stray:
            line = data.count(b"\n", 0, stray.start()) + 1
            raise InputError(path, "a stray quote inside an unquoted field leaves a quoted field open; quote the "
                                   f"field and double the quote (\"\"); the last good row is {line - 1}", row=line)
        start = next(m.start() for m in _OPEN_QUOTE.finditer(data) if not m.group().endswith(b'"')
                     or len(m.group()) == 1)
        line = data.count(b"\n", 0, start) + 1
        raise InputError(path, f"a quoted field is never closed: the file is cut short or a quote is missing; "
                               f"the last good row is {line - 1}", row=line)
    # inside quotes are the odd pieces between quote characters (an escaped "" adds an empty piece)
    in_quotes = b"".join(_QUOTED.findall(data)).count(b"\n") if quotes else 0
    lines = newlines - in_quotes
    if data and not data.endswith(b"\n"):
        if final_newline:
            raise InputError(path, f"the file does not end with a line break: it may be cut short; the last good "
                                   f"row is {lines}", row=lines + 1)
        lines += 1
    if data.startswith((b"\n", b"\r\n")) or blank:
        lines -= len(_BLANK_LINE.findall(data))
    return max(lines - 1, 0)


def year_max() -> int:
    """The latest plausible year of a statistic: next year (early estimates), never later."""
    return dt.datetime.now(dt.UTC).year + 1


_YEAR_TEXT = re.compile(r"[+-]?\d{1,9}")
_YEAR_SURE = year_max()   # a year up to this one is plausible now and later: no clock reading for it


def check_year(source: str | Path, text: object, *, row: int | None, field: str) -> int:
    """The one year rule of every step: a whole number from :data:`YEAR_MIN` to :func:`year_max`."""
    shown = str(text).strip()
    if isinstance(text, bool) or not _YEAR_TEXT.fullmatch(shown):
        raise InputError(source, "not a year (a whole number such as 2020)", row=row, field=field, value=shown)
    year = int(shown)
    if not YEAR_MIN <= year <= _YEAR_SURE and not YEAR_MIN <= year <= year_max():
        raise InputError(source, f"year out of the plausible range {YEAR_MIN}-{year_max()}", row=row, field=field,
                         value=shown)
    return year


@dataclass(frozen=True)
class Bounds:
    """The plausible range of an indicator's values (``None``: no bound on that side), why, and the magnitude
    no value may exceed."""

    low: float | None
    high: float | None
    rule: str
    limit: float = math.inf

    @property
    def floor(self) -> float:
        """The lowest allowed value."""
        return max(self.low, -self.limit) if self.low is not None else -self.limit

    @property
    def ceiling(self) -> float:
        """The highest allowed value."""
        return min(self.high, self.limit) if self.high is not None else self.limit

    def allows(self, value: float) -> bool:
        """Whether ``value`` is finite and inside the range."""
        return math.isfinite(value) and self._span[0] <= value <= self._span[1]

    @functools.cached_property
    def _span(self) -> tuple[float, float]:
        return self.floor, self.ceiling

    def describe(self) -> str:
        """The range in words, e.g. 'between 0 and 100 (a share of a whole)'."""
        if self.low is not None and self.high is not None:
            span = f"between {self.low:g} and {self.high:g}"
        elif self.low is not None:
            span = f"at least {self.low:g} and at most {self.limit:g}"
        elif self.high is not None:
            span = f"at most {self.high:g} and at least {-self.limit:g}"
        else:
            span = f"between {-self.limit:g} and {self.limit:g}"
        return f"{span} ({self.rule})"


@functools.cache
def _plausibility(path: Path = PLAUSIBILITY_FILE) -> dict:
    data = load_yaml(path)
    for key in ("magnitude", "units", "indicators"):
        if key not in data:
            raise InputError(path, f"plausibility rules lack {key!r}", field=key)
    return data


def _bound(value: object, path: Path, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, "a bound must be a number or null", field=where, value=str(value))
    return float(value)


def bounds_for(code: str, unit: str | None, *, path: Path = PLAUSIBILITY_FILE) -> Bounds:
    """The plausible range of indicator ``code`` with ``unit``: its own rule, else its unit's, else the
    magnitude limit that every value obeys; a unit such as '1=low to 6=high' states its own range."""
    rules = _plausibility(path)
    limit = float(rules["magnitude"])
    own = (rules["indicators"] or {}).get(code)
    if own is not None:
        low, high = _bound(own.get("min"), path, f"indicators.{code}.min"), _bound(own.get("max"), path,
                                                                                    f"indicators.{code}.max")
        bounds = Bounds(low, high, own.get("why") or f"rule for {code}")
    else:
        bounds = Bounds(None, None, "no rule for this unit")
        text = unit.strip() if isinstance(unit, str) else ""
        scale = re.search(r"(-?\d+(?:\.\d+)?)\s*=.*?\bto\s+(-?\d+(?:\.\d+)?)\s*=", text)
        if scale:
            bounds = Bounds(float(scale.group(1)), float(scale.group(2)), f"the scale its unit states: {text}")
        for n, rule in enumerate(rules["units"] or []):
            if not scale and any(text == u or (u.endswith("*") and text.startswith(u[:-1]))
                                 for u in rule.get("units") or []):
                bounds = Bounds(_bound(rule.get("min"), path, f"units[{n}].min"),
                                _bound(rule.get("max"), path, f"units[{n}].max"), rule.get("why") or "unit rule")
                break
    return Bounds(bounds.low, bounds.high, bounds.rule, limit)


def check_value(source: str | Path, text: str, bounds: Bounds, *, row: int | None, field: str) -> float:
    """A value as a float, with a clear error when it is not a number or outside ``bounds``."""
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(source, "not a number", row=row, field=field, value=text) from exc
    if not math.isfinite(value):
        raise InputError(source, "not a finite number", row=row, field=field, value=text)
    if not bounds.allows(value):
        raise InputError(source, f"implausible value: must be {bounds.describe()}", row=row, field=field,
                         value=text)
    return value


def check_finite(con: Any) -> None:
    """Fail if any floating-point column of any table holds NaN or an infinity: such a number is never stored."""
    columns = con.execute("""
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'main' AND table_catalog = current_database() AND data_type IN ('DOUBLE', 'FLOAT')
          AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'
                             AND table_schema = 'main' AND table_catalog = current_database())
        ORDER BY 1, 2""").fetchall()
    for table, column in columns:
        bad = con.execute(f'SELECT * FROM "{table}" WHERE NOT isfinite("{column}") LIMIT 1').fetchone()
        if bad:
            raise InputError("warehouse", f"a computed value is not finite in table {table}", field=column,
                             value=", ".join(map(str, bad)))
