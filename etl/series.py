"""Shared parts of the index-style source steps: explicit country matching, score checks, one row per key, loading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.errors import InputError
from etl.inputs import check_header, csv_records, csv_rows, decode_csv, read_bytes

INDICATOR_KEYS = ("name_en", "name_zh", "unit", "higher_is_better", "definition")


def _checked_text(path: Path, columns: list[str], exact: bool, allow_bom: bool, delimiter: str) -> str:
    text = decode_csv(path, read_bytes(path), allow_bom=allow_bom)
    if delimiter == ",":
        check_header(path, text, columns, exact=exact)
    else:
        header = text.split("\n", 1)[0].rstrip("\r").split(delimiter)
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(path, f"missing column(s) {missing}", row=1, field=missing[0])
    return text


def read_records(path: Path, columns: list[str], *, exact: bool = True, allow_bom: bool = False,
                 delimiter: str = ",", strip: bool = True) -> list[dict[str, str]]:
    """Read a CSV into records after the encoding and header checks; each record carries its ``_line``."""
    text = _checked_text(path, columns, exact, allow_bom, delimiter)
    return csv_records(path, text, delimiter=delimiter, strip=strip)


def read_rows(path: Path, columns: list[str], *, exact: bool = True) -> tuple[list[str], list[list[str]]]:
    """Read a CSV as :func:`read_records` does, into its header and rows (fields stripped, the line last): for a
    large file of which few rows are kept (:func:`etl.inputs.record` makes a record of one)."""
    return csv_rows(path, _checked_text(path, columns, exact, False, ","))


def match_country(mapping: dict[str, str], path: Path, rec: dict[str, str], fld: str, what: str) -> str:
    """The ISO3 code ``rec[fld]`` maps to; a name or code that matches nothing stops the run."""
    value = rec[fld].strip()
    if value not in mapping:
        raise InputError(path, f"{what} matches no country (add it to the step's metadata if it is one)",
                         row=int(rec["_line"]), field=fld, value=rec[fld])
    return mapping[value]


def number(path: Path, rec: dict[str, str], fld: str, lo: float | None = None, hi: float | None = None) -> float:
    """A finite number within [lo, hi]; anything else is an error naming the file, row and field."""
    text = rec[fld].strip()
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(path, "not a number", row=int(rec["_line"]), field=fld, value=rec[fld]) from exc
    if not math.isfinite(value):
        raise InputError(path, "not a finite number", row=int(rec["_line"]), field=fld, value=rec[fld])
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(path, f"outside the scale {lo:g} to {hi:g}", row=int(rec["_line"]), field=fld,
                         value=rec[fld])
    return value


def year(path: Path, rec: dict[str, str], fld: str) -> int:
    """A survey year, written ``2022`` or ``2022.0``."""
    text = rec[fld].strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value.is_integer() and 1990 <= value <= 2100):
        raise InputError(path, "not a year", row=int(rec["_line"]), field=fld, value=rec[fld])
    return int(value)


@dataclass
class Rows:
    """Observations of one step, one per (country, indicator, year): a second one is an error naming both rows."""

    source: str
    rows: list[tuple[str, str, int, float]] = field(default_factory=list)
    seen: dict[tuple[str, str, int], tuple[Path, int]] = field(default_factory=dict)

    def add(self, path: Path, line: int, iso3: str, code: str, yr: int, value: float, fld: str,
            label: str) -> None:
        """Add one observation; ``label`` names the country as the file does."""
        key = (iso3, code, yr)
        if key in self.seen:
            first = self.seen[key]
            raise InputError(path, f"duplicate country-year ({label}, {yr}) for {code}; first on row {first[1]}"
                             + ("" if first[0] == path else f" of {first[0].name}"), row=line, field=fld,
                             value=label)
        self.seen[key] = (path, line)
        self.rows.append((iso3, code, yr, value))


def check_indicators(meta_path: Path, meta: dict) -> dict[str, dict]:
    """The step's indicators from its metadata, each with the keys the warehouse needs."""
    specs = meta.get("indicators") or {}
    if not specs:
        raise InputError(meta_path, "the step's metadata lists no indicators", field="indicators")
    for code, spec in specs.items():
        missing = [k for k in INDICATOR_KEYS if k not in (spec or {})]
        if missing:
            raise InputError(meta_path, f"indicator {code} lacks {missing}", field=f"indicators.{code}")
    return specs


def load(con: duckdb.DuckDBPyConnection, rows: Rows, meta: dict, specs: dict[str, dict],
         computed: set[str] | frozenset[str] = frozenset()) -> None:
    """Insert the step's observations and its indicators (dataset and source = the step's name)."""
    from etl.steps import columns_relation, insert_observations

    insert_observations(con, rows.rows, rows.source, computed)
    if not specs:
        return
    relation, params = columns_relation({
        "code": list(specs), "name_en": [s["name_en"] for s in specs.values()],
        "name_zh": [s["name_zh"] for s in specs.values()],
        "title": [s.get("title", s["name_en"]) for s in specs.values()], "unit": [s["unit"] for s in specs.values()],
        "unit_zh": [s.get("unit_zh") for s in specs.values()],
        "definition": [" ".join(str(s["definition"]).split()) for s in specs.values()],
        "higher_is_better": [s["higher_is_better"] for s in specs.values()],
        "note": [s.get("note") for s in specs.values()]})
    con.execute(f"""
        INSERT INTO indicators (code, name_en, name_zh, title, unit, unit_zh, topic, definition, source_org,
                                dataset, license, last_updated, in_catalog, higher_is_better, note)
        SELECT code, name_en, name_zh, title, unit, unit_zh, ?, definition, ?, ?, ?, CAST(? AS DATE), false,
               higher_is_better, note
        FROM {relation}""", [meta.get("topic"), meta.get("publisher"), rows.source, meta["license"],
                             str(meta["last_updated"]), *params])


def load_step(con: duckdb.DuckDBPyConnection, rows: Rows, name: str) -> None:
    """Insert a step's rows and indicators as its metadata file (``etl/sources/<name>.meta.yaml``) declares them."""
    from etl.steps import SOURCES_DIR, step_meta

    meta = step_meta(name)
    load(con, rows, meta, check_indicators(SOURCES_DIR / f"{name}.meta.yaml", meta))
