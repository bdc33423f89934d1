"""WDI step: one long CSV per indicator (``Country Name,Country Code,Year,Value``) plus its datapackage.json."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.errors import InputError, Stopped, stop_requested
from etl.inputs import (
    YEAR_MIN,
    bounds_for,
    check_header,
    decode_csv,
    find_row,
    read_bytes,
    record_count,
    year_max,
)
from etl.steps import ALL_MODES, Context, columns_relation, step_meta
from etl.worker import Worker

NAME = "wdi"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source IN ('wdi', 'worldbank-api')"),
                                            ("indicators", "dataset IN ('wdi', 'worldbank-api')"))
MODES: tuple[str, ...] = ALL_MODES
BACKGROUND = True   # a DuckDB read of millions of rows: runs on its own connection beside the smaller steps
FOLDER = "datahub-wdi"
CODE_RE = re.compile(r"^[A-Z0-9]+(\.[A-Z0-9]+)+$")
COLUMNS = {"Country Name": "name", "Country Code": "code", "Year": "year", "Value": "value"}


@dataclass
class Extracted:
    """The files found and each indicator's metadata."""

    files: dict[str, Path]          # code -> CSV
    metadata: list[dict]            # one per indicator, in code order
    records: dict[str, int]         # code -> data records in the file, counted on its bytes

    @property
    def units(self) -> dict[str, str | None]:
        """Each indicator's unit, from its title."""
        return {m["code"]: m["unit"] for m in self.metadata}


def inputs(ctx: Context) -> list[Path]:
    """Files this step reads: every CSV and datapackage.json in the WDI folder."""
    folder = ctx.raw / FOLDER
    return sorted(folder.glob("*.csv")) + sorted(folder.glob("*.datapackage.json"))


def _unit(title: str) -> str | None:
    """The unit a WDI title ends with in parentheses, e.g. 'per 100 people'."""
    match = re.search(r"\(([^()]*)\)\s*$", title)
    return match.group(1) if match else None


def _text(path: Path, pkg: dict, key: str) -> str:
    value = pkg.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(path, "must be a text", field=key, value=json.dumps(value)[:80])
    return value.strip()


def _package(path: Path, code: str) -> dict:
    try:
        pkg = json.loads(read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"invalid JSON: {exc}") from exc
    if not isinstance(pkg, dict):
        raise InputError(path, f"must be a JSON object, found a JSON {type(pkg).__name__}")
    title = _text(path, pkg, "title")
    if not title:
        raise InputError(path, "missing indicator title", field="title")
    extra = pkg.get("worldbank") or {}
    if not isinstance(extra, dict):
        raise InputError(path, "must be an object", field="worldbank", value=json.dumps(extra)[:80])
    raw_licenses = pkg.get("licenses") or []
    if not isinstance(raw_licenses, list) or not all(isinstance(lic, dict) for lic in raw_licenses):
        raise InputError(path, 'must be a list of objects such as {"name": "CC-BY-4.0"}', field="licenses",
                         value=json.dumps(raw_licenses)[:80])
    licenses = [_text(path, lic, "name") for lic in raw_licenses if lic.get("name")]
    keywords = pkg.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise InputError(path, "must be a list of texts", field="keywords", value=json.dumps(keywords)[:80])
    return {
        "code": code, "title": title, "unit": _unit(title),
        "topic": "; ".join(k.strip() for k in keywords if k.strip()) or None,
        "definition": _text(path, pkg, "readme") or None,
        "source_org": _text(path, extra, "sourceOrganization") or None,
        "license": ", ".join(licenses) or None,
        "last_updated": _text(path, extra, "lastupdated") or None,
    }


def codes(ctx: Context) -> dict[str, Path]:
    """Each indicator's CSV in the WDI folder, by the code its name gives, in code order."""
    return {path.name[: -len(".csv")]: path for path in sorted((ctx.raw / FOLDER).glob("*.csv"))}


def find_files(ctx: Context) -> dict[str, Path]:
    """:func:`codes`; a folder without any CSV is an error."""
    found = codes(ctx)
    if not found:
        raise InputError(ctx.raw / FOLDER, "no indicator CSV files found")
    return found


def extract(ctx: Context, found: dict[str, Path] | None = None) -> Extracted:
    """Check every file's name, encoding, header and length and read each indicator's metadata."""
    files: dict[str, Path] = {}
    records: dict[str, int] = {}
    meta_rows = []
    found = find_files(ctx) if found is None else found
    paths = found.values()
    if ctx.progress:
        from tqdm import tqdm

        paths = tqdm(paths, desc="WDI files", unit="file", leave=False)
    for path in paths:
        code = path.name[: -len(".csv")]
        if not CODE_RE.match(code):
            raise InputError(path, "file name is not an indicator code such as IT.NET.BBND.P2.csv")
        data = read_bytes(path)
        text = decode_csv(path, data)
        records[code] = record_count(path, data)
        check_header(path, text, list(COLUMNS))
        package = path.with_name(f"{code}.datapackage.json")
        if not package.exists():
            raise InputError(package, f"metadata file missing for {path.name}")
        files[code] = path
        meta_rows.append(_package(package, code))
    return Extracted(files, meta_rows, records)


READ_CSV = ("read_csv(?, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            "filename = true, columns = {columns})")


# the rows this step loaded, as the checks read them
LOADED = "(SELECT indicator, iso3 AS code, year, value FROM observations WHERE source = $dataset)"


def _columns(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"


def _read(con: duckdb.DuckDBPyConnection, files: dict[str, Path], types: dict[str, str]) -> None:
    """Stage every file's rows, tagged with the indicator its file name gives (only to find a bad row)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE wdi_stage AS SELECT f.indicator, s.code, s.year, s.value "
        f"FROM {READ_CSV.format(columns=_columns(types))} s JOIN wdi_files f USING (filename)",
        [[str(p) for p in files.values()]])


def _row_error(path: Path, code: str | None, year: str | None, field: str, message: str,
               value: str | None) -> InputError:
    def match(rec: dict[str, str]) -> bool:
        return rec.get("Country Code") == (code or "") and rec.get("Year") == (year or "")

    return InputError(path, message, row=find_row(path, match), field=field, value=value)


def _first_bad_value(con: duckdb.DuckDBPyConnection, ex: Extracted, year: str, value: str,
                     rows: str = "wdi_stage", params: dict | None = None) -> InputError | None:
    """The first row with a missing code, a bad year or an impossible value (bounds from ``wdi_bounds``), in
    ``rows`` (a relation of indicator, code, year, value)."""
    bad = con.execute(f"""
        SELECT s.indicator, code, CAST(year AS VARCHAR), CAST(value AS VARCHAR),
               CASE WHEN code IS NULL THEN 'Country Code|missing country code'
                    WHEN {year} IS NULL THEN 'Year|not a year'
                    WHEN {year} NOT BETWEEN $low AND $high THEN 'Year|year out of the plausible range'
                    WHEN value IS NULL THEN 'Value|missing value (leave the row out instead)'
                    WHEN {value} IS NULL OR NOT isfinite({value}) THEN 'Value|not a finite number'
                    WHEN {value} < b.low OR {value} > b.high THEN 'Value|implausible value'
               END AS problem
        FROM {rows} s JOIN wdi_bounds b USING (indicator) WHERE problem IS NOT NULL LIMIT 1""",
                      {"low": YEAR_MIN, "high": year_max(), **(params or {})}).fetchone()
    if not bad:
        return None
    field, message = bad[4].split("|")
    if field == "Year" and message.endswith("range"):
        message += f" {YEAR_MIN}-{year_max()}"
    if message == "implausible value":
        message = f"implausible value: must be {bounds_for(bad[0], ex.units.get(bad[0])).describe()}"
    shown = {"Country Code": bad[1], "Year": bad[2], "Value": bad[3]}[field]
    return _row_error(ex.files[bad[0]], bad[1], bad[2], field, message, shown)


def _short_file(ex: Extracted, counts: dict[str, int]) -> InputError | None:
    """A file DuckDB read fewer (or more) records of than its bytes hold (``counts``: records loaded per code)."""
    for code, got in counts.items():
        if got != ex.records[code]:
            return InputError(ex.files[code], f"{got} records read but the file holds {ex.records[code]}; "
                                              f"the last good row is {got + 1}", row=got + 2)
    missing = next((c for c in ex.files if c not in counts and ex.records[c]), None)
    if missing:
        return InputError(ex.files[missing], f"no records read but the file holds {ex.records[missing]}", row=2)
    return None


# One pass over the loaded rows, grouped by indicator and country, decides whether any check can fail: per
# indicator, the records loaded and whether a value breaks the year rule or its bounds, a country is unknown or a
# (country, year) comes twice (fewer distinct years than rows). Only then do the row-level queries find the row.
SCREEN = f"""
    SELECT g.indicator, sum(g.n)::BIGINT,
           bool_or(g.y0 < $low OR g.y1 > $high OR g.n_bad > 0 OR g.lo < b.low OR g.hi > b.high),
           bool_or(c.iso3 IS NULL), bool_or(g.n_years < g.n)
    FROM (SELECT indicator, code, count(*) AS n, min(year) AS y0, max(year) AS y1, min(value) AS lo,
                 max(value) AS hi, count(*) FILTER (WHERE NOT isfinite(value)) AS n_bad,
                 bit_count(bitstring_agg(least(greatest(year, $low), $high), $low, $high)) AS n_years
          FROM {LOADED} s GROUP BY indicator, code) g
    JOIN wdi_bounds b USING (indicator) LEFT JOIN countries c ON c.iso3 = g.code
    GROUP BY g.indicator"""


def _check_loaded(con: duckdb.DuckDBPyConnection, ex: Extracted, dataset: str) -> None:
    """Reject implausible values, short reads, unknown countries and duplicate keys among the loaded rows."""
    loaded = {"dataset": dataset}
    screen = con.execute(SCREEN, {**loaded, "low": YEAR_MIN, "high": year_max()}).fetchall()
    bad_value, unknown, duplicate = (any(r[k] for r in screen) for k in (2, 3, 4))
    error = (_first_bad_value(con, ex, "year", "value", LOADED, loaded) if bad_value else None) \
        or _short_file(ex, {r[0]: r[1] for r in screen})
    if error:
        raise error
    row = con.execute(f"""
        SELECT indicator, code, CAST(year AS VARCHAR) FROM {LOADED} s
        WHERE NOT EXISTS (SELECT 1 FROM countries c WHERE c.iso3 = s.code) LIMIT 1""", loaded).fetchone() \
        if unknown else None
    if row:
        raise _row_error(ex.files[row[0]], row[1], row[2], "Country Code", "unknown country or aggregate code",
                         row[1])
    dup = con.execute(f"""
        SELECT indicator, code, year FROM {LOADED} GROUP BY indicator, code, year HAVING count(*) > 1
        LIMIT 1""", loaded).fetchone() if duplicate else None
    if dup:
        path = ex.files[dup[0]]
        text = decode_csv(path, read_bytes(path))
        lines = [n for n, line in enumerate(text.splitlines(), start=1) if f",{dup[1]},{dup[2]}," in line]
        raise InputError(path, f"duplicate key ({dup[1]}, {dup[2]}) on lines {lines}",
                         row=lines[-1] if lines else None, field="Country Code", value=dup[1])


def _parse_error(ex: Extracted, exc: duckdb.Error) -> InputError:
    """Turn DuckDB's CSV error into one line naming the file and row."""
    text = str(exc)
    file = re.search(r"^\s*file = (.+)$", text, re.MULTILINE)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    source: Path = Path(file.group(1).strip()) if file else next(iter(ex.files.values())).parent
    if columns:
        message = f"expected {columns.group(1)} fields, found {columns.group(2)}"
    else:
        message = "CSV parse error: " + text.splitlines()[0]
    return InputError(source, message, row=int(line.group(1)) if line else None)


def _diagnose(con: duckdb.DuckDBPyConnection, ex: Extracted, exc: duckdb.Error) -> BaseException:
    """Why the typed load failed: the rows are staged again (typed, else as text) to find the file, row and field."""
    signum = stop_requested()
    if signum:
        return Stopped(signum)   # a stop that interrupted the read, not bad input
    try:
        _read(con, ex.files, {"name": "VARCHAR", "code": "VARCHAR", "year": "SMALLINT", "value": "DOUBLE"})
        error = _first_bad_value(con, ex, "year", "value")
    except duckdb.Error:
        try:
            _read(con, ex.files, {"name": "VARCHAR", "code": "VARCHAR", "year": "VARCHAR", "value": "VARCHAR"})
        except duckdb.Error as text_exc:
            return _parse_error(ex, text_exc)
        error = _first_bad_value(con, ex, "TRY_CAST(year AS SMALLINT)", "TRY_CAST(value AS DOUBLE)")
    return error or _parse_error(ex, exc)


def _insert(con: duckdb.DuckDBPyConnection, files: dict[str, Path], dataset: str) -> duckdb.Error | None:
    """Load every file's rows typed into ``observations`` in one statement (file by file, in code order); the
    error DuckDB raised, if any (the statement then leaves nothing behind)."""
    types = {"name": "VARCHAR", "code": "VARCHAR", "year": "SMALLINT", "value": "DOUBLE"}
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE wdi_files AS SELECT unnest(?) AS filename, unnest(?) AS indicator",
                    [[str(p) for p in files.values()], list(files)])
        con.execute(f"""INSERT INTO observations
            SELECT s.code, f.indicator, s.year, s.value, ?, false
            FROM {READ_CSV.format(columns=_columns(types))} s JOIN wdi_files f USING (filename)""",
                    [dataset, [str(p) for p in files.values()]])
    except duckdb.Error as exc:
        signum = stop_requested()
        if signum:
            raise Stopped(signum) from exc   # a stop that interrupted the read, not bad input
        if isinstance(exc, duckdb.InterruptException):
            raise   # the run abandoned the read (it is failing): not bad input, nothing to diagnose
        return exc
    return None


def _bounds(con: duckdb.DuckDBPyConnection, ex: Extracted) -> None:
    """The table of each indicator's plausible range (from its unit), which the checks join."""
    units = ex.units
    bounds = [bounds_for(c, units.get(c)) for c in ex.files]
    con.execute("""CREATE OR REPLACE TEMP TABLE wdi_bounds AS
                   SELECT unnest(?) AS indicator, unnest(?::DOUBLE[]) AS low, unnest(?::DOUBLE[]) AS high,
                          unnest(?) AS rule""",
                [list(ex.files), [b.floor for b in bounds], [b.ceiling for b in bounds], [b.rule for b in bounds]])


def transform(con: duckdb.DuckDBPyConnection, ctx: Context) -> Extracted:
    """Load every row typed, in one pass from the CSVs into ``observations``, check every file's bytes, and
    reject missing codes, non-numeric or implausible values, unknown countries, duplicates and short reads.

    DuckDB's read runs in a thread (it releases the GIL) while the files' bytes are checked in Python. A file
    DuckDB rejects (a parse error, a missing value) fails the one statement, which leaves nothing behind; the
    checks of the bytes then name what they find, else the rows are staged again to find the file, row and field
    at fault. The other checks run on the loaded rows; any failure stops the run, and the new warehouse file is
    discarded.
    """
    found = find_files(ctx)
    # the error DuckDB raised, if any, is the read's result (a stop is raised)
    reading = Worker("etl-wdi-read", functools.partial(_insert, con, found, ctx.dataset))
    try:
        ex = extract(ctx, found)
    except BaseException:
        reading.interrupt(con)   # the files are bad: the read need not finish, and this error is the one to report
        raise
    error = reading.result()
    _bounds(con, ex)
    if error is not None:
        raise _diagnose(con, ex, error) from error
    _check_loaded(con, ex, ctx.dataset)
    return ex


def load(con: duckdb.DuckDBPyConnection, ex: Extracted, dataset: str) -> None:
    """Insert the indicators' metadata."""
    meta = step_meta(NAME)
    columns = {key: [m[key] for m in ex.metadata]
               for key in ("code", "title", "unit", "topic", "definition", "source_org")}
    columns["license"] = [m["license"] or meta["license"] for m in ex.metadata]
    columns["last_updated"] = [m["last_updated"] or str(meta["vintage"]) for m in ex.metadata]
    relation, params = columns_relation(columns)
    con.execute(f"""
        INSERT INTO indicators (code, name_en, title, unit, topic, definition, source_org, dataset, license,
                                last_updated, in_catalog)
        SELECT code, title, title, unit, topic, definition, source_org, ?, license,
               CAST(last_updated AS DATE), false
        FROM {relation}""", [dataset, *params])


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Read, check and load the WDI folder."""
    load(con, transform(con, ctx), ctx.dataset)
