"""The one read API: typed functions over a read-only warehouse, used by the dashboard, notebooks, CLI and tests.

Every function takes an optional ``db`` (a :class:`Warehouse`); by default the configured warehouse is used.
Connections are read-only and parameters are always bound. When the ETL swaps in a new file, the next call
sees it: each generation of the file gets its own in-memory DuckDB instance that attaches it read-only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from etl import config

OBS_COLUMNS = ["iso3", "indicator", "year", "value"]


class WarehouseMissing(FileNotFoundError):
    """The warehouse file does not exist yet (run ``wic etl``)."""


class UnknownCode(ValueError):
    """An indicator, country or group code that the warehouse does not know."""

    def __init__(self, kind: str, code: str, suggestions: Sequence[str] = ()):
        self.kind, self.code, self.suggestions = kind, code, list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {code!r}{hint}")


@dataclass(frozen=True)
class _Generation:
    key: tuple[int, int, int, int]
    con: duckdb.DuckDBPyConnection


class Warehouse:
    """A read-only handle on a warehouse file that follows atomic swaps of that file."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else config.warehouse_path()
        self._lock = threading.Lock()
        self._gen: _Generation | None = None

    def _current(self) -> duckdb.DuckDBPyConnection:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(f"no warehouse at {self.path}; build it with `wic etl`") from exc
        key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._gen is None or self._gen.key != key:
                con = duckdb.connect(":memory:")
                quoted = str(self.path).replace("'", "''")
                con.execute("SET python_enable_replacements = false")
                con.execute(f"ATTACH '{quoted}' AS wh (READ_ONLY)")
                old, self._gen = self._gen, _Generation(key, con)
                if old is not None:
                    old.con.close()
            return self._gen.con

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._current().cursor()
        cur.execute("USE wh")
        return cur

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a named query of this module with bound parameters; a DataFrame."""
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params or [])).df()
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run a named query of this module with bound parameters; a list of tuples."""
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params or [])).fetchall()
        finally:
            cur.close()

    def close(self) -> None:
        """Close the current connection."""
        with self._lock:
            if self._gen is not None:
                self._gen.con.close()
                self._gen = None


_default: Warehouse | None = None
_default_lock = threading.Lock()


def open_warehouse(path: Path | str | None = None) -> Warehouse:
    """A handle on a warehouse file (default: the configured one, shared per process)."""
    global _default
    if path is not None:
        return Warehouse(path)
    with _default_lock:
        if _default is None or _default.path != config.warehouse_path():
            _default = Warehouse()
        return _default


def _db(db: Warehouse | None) -> Warehouse:
    return db if db is not None else open_warehouse()


def _codes(values: str | Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


# --- catalog -------------------------------------------------------------------------------------------

def indicators(*, catalog_only: bool = False, search: str | None = None, db: Warehouse | None = None) -> pd.DataFrame:
    """Indicators with their metadata, catalog first (in pillar order), then the rest by code."""
    return _db(db).frame("""
        SELECT i.code, i.name_en, i.name_zh, i.title, i.unit, i.unit_zh, i.pillar, i.in_catalog,
               i.higher_is_better, i.log_scale, i.topic, i.source_org, i.dataset, i.license, i.last_updated,
               i.definition, i.agg_method, i.agg_weight, i.note
        FROM indicators i LEFT JOIN pillars p ON p.id = i.pillar
        WHERE (NOT ? OR i.in_catalog)
          AND (? IS NULL OR i.code ILIKE '%' || ? || '%' OR i.name_en ILIKE '%' || ? || '%'
               OR i.title ILIKE '%' || ? || '%' OR coalesce(i.name_zh, '') LIKE '%' || ? || '%')
        ORDER BY NOT i.in_catalog, p.position, i.catalog_order, i.code""",
                         [catalog_only] + [search] * 5)


def indicator(code: str, *, db: Warehouse | None = None) -> dict[str, Any]:
    """One indicator's metadata; :class:`UnknownCode` with suggestions if it is not in the warehouse."""
    frame = _db(db).frame("SELECT * FROM indicators WHERE code = ?", [code])
    if frame.empty:
        raise UnknownCode("indicator", code, _suggest(_db(db), "indicators", "code", code))
    return frame.iloc[0].to_dict()


def pillars(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The catalog's pillars in order."""
    return _db(db).frame("SELECT * FROM pillars ORDER BY position")


def _suggest(db: Warehouse, table: str, column: str, code: str) -> list[str]:
    rows = db.rows(f"SELECT {column} FROM {table} ORDER BY jaro_winkler_similarity(upper({column}), upper(?)) DESC "
                   "LIMIT 3", [code])
    return [r[0] for r in rows]


def check_indicators(codes: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Raise :class:`UnknownCode` for the first code the warehouse lacks."""
    known = {r[0] for r in _db(db).rows("SELECT code FROM indicators WHERE list_contains(?, code)", [list(codes)])}
    for code in codes:
        if code not in known:
            raise UnknownCode("indicator", code, _suggest(_db(db), "indicators", "code", code))


def check_countries(codes: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Raise :class:`UnknownCode` for the first country or group code the warehouse lacks."""
    known = {r[0] for r in _db(db).rows("SELECT iso3 FROM countries WHERE list_contains(?, iso3)", [list(codes)])}
    for code in codes:
        if code not in known:
            raise UnknownCode("country", code, _suggest(_db(db), "countries", "iso3", code))


# --- countries and groups ------------------------------------------------------------------------------

def countries(*, include_aggregates: bool = False, db: Warehouse | None = None) -> pd.DataFrame:
    """Countries (and, if asked, groups) with names in English and Chinese and their classifications."""
    return _db(db).frame("SELECT * FROM countries WHERE ? OR NOT is_aggregate ORDER BY is_aggregate, iso3",
                         [include_aggregates])


def groups(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Groups that have members here (world, regions, income groups, lending types, WIC), with sizes."""
    return _db(db).frame("""
        SELECT g.group_code AS code, g.kind, c.name_en, c.name_zh, c.is_computed, count(*) AS n_countries
        FROM group_members g JOIN countries c ON c.iso3 = g.group_code
        GROUP BY ALL ORDER BY g.kind, g.group_code""")


def group_members(group: str, *, db: Warehouse | None = None) -> list[str]:
    """ISO3 codes of a group's countries (e.g. ``WLD``, ``EAS``, ``HIC``, ``WIC``)."""
    rows = _db(db).rows("SELECT iso3 FROM group_members WHERE group_code = ? ORDER BY iso3", [group])
    if not rows:
        raise UnknownCode("group", group, _suggest(_db(db), "group_members", "group_code", group))
    return [r[0] for r in rows]


def member_countries(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Countries with at least one publicly named WIC member, with the member count."""
    return _db(db).frame("SELECT * FROM member_countries ORDER BY n_members DESC, iso3")


# --- observations --------------------------------------------------------------------------------------

def observations(indicators: str | Sequence[str], countries: str | Sequence[str] | None = None, *,
                 year_from: int | None = None, year_to: int | None = None, with_flags: bool = False,
                 db: Warehouse | None = None) -> pd.DataFrame:
    """Tidy rows ``iso3, indicator, year, value`` (plus ``source, computed`` with ``with_flags``)."""
    codes = _codes(indicators) or []
    check_indicators(codes, db=db)
    places = _codes(countries)
    if places:
        check_countries(places, db=db)
    extra = ", source, computed" if with_flags else ""
    return _db(db).frame(f"""
        SELECT iso3, indicator, year, value{extra} FROM observations
        WHERE list_contains(?, indicator) AND (? IS NULL OR list_contains(?, iso3))
          AND (? IS NULL OR year >= ?) AND (? IS NULL OR year <= ?)
        ORDER BY indicator, iso3, year""", [codes, places, places, year_from, year_from, year_to, year_to])


def latest(indicators: str | Sequence[str], countries: str | Sequence[str] | None = None, *,
           max_year: int | None = None, db: Warehouse | None = None) -> pd.DataFrame:
    """The latest value per country and indicator (at or before ``max_year``), with its year."""
    codes = _codes(indicators) or []
    check_indicators(codes, db=db)
    places = _codes(countries)
    return _db(db).frame("""
        SELECT iso3, indicator, year, value, computed FROM (
            SELECT *, row_number() OVER (PARTITION BY iso3, indicator ORDER BY year DESC) AS rn
            FROM observations
            WHERE list_contains(?, indicator) AND (? IS NULL OR list_contains(?, iso3))
              AND (? IS NULL OR year <= ?)
        ) WHERE rn = 1 ORDER BY indicator, iso3""", [codes, places, places, max_year, max_year])


def coverage(indicator: str | None = None, *, db: Warehouse | None = None) -> pd.DataFrame:
    """Countries and aggregates with a value, per indicator and year."""
    return _db(db).frame("""SELECT * FROM coverage WHERE ? IS NULL OR indicator = ?
                            ORDER BY indicator, year""", [indicator, indicator])


def aggregate_coverage(indicator: str | None = None, *, db: Warehouse | None = None) -> pd.DataFrame:
    """For computed group values: how many members report and what share of the weight they cover."""
    return _db(db).frame("""SELECT * FROM aggregate_coverage WHERE ? IS NULL OR indicator = ?
                            ORDER BY indicator, iso3, year""", [indicator, indicator])


# --- membership, sources, runs -------------------------------------------------------------------------

def members(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The publicly named WIC members with their evidence and sources."""
    return _db(db).frame("""SELECT m.*, c.name_en AS country_en, c.name_zh AS country_zh
                            FROM members m LEFT JOIN countries c ON c.iso3 = m.country_iso3
                            ORDER BY m.member_id""")


def membership_counts(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Official membership totals over time with their qualifiers."""
    return _db(db).frame("SELECT * FROM membership_counts ORDER BY as_of")


def sources(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Every source with its publisher, license, origin and vintage."""
    return _db(db).frame("SELECT * FROM sources ORDER BY id")


def runs(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The ETL runs that built this warehouse, newest first."""
    return _db(db).frame("SELECT * FROM etl_runs ORDER BY started_at DESC")


def data_vintage(*, db: Warehouse | None = None) -> dict[str, Any]:
    """The run that built the warehouse and the newest source update: what a chart's footer shows."""
    row = _db(db).rows("""SELECT r.run_id, r.finished_at, (SELECT max(last_updated) FROM indicators)
                          FROM etl_runs r ORDER BY r.started_at DESC LIMIT 1""")
    if not row:
        return {"run_id": None, "built_at": None, "last_updated": None}
    return {"run_id": row[0][0], "built_at": row[0][1], "last_updated": row[0][2]}
