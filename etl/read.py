"""The one read API: typed functions over a read-only warehouse, used by the dashboard, notebooks, CLI and tests.

Every function takes an optional ``db`` (a :class:`Warehouse`); by default the configured warehouse is used.
Connections are read-only and parameters are always bound. When the ETL swaps in a new file, the next call
sees it: each generation of the file gets its own in-memory DuckDB instance that attaches it read-only. A server
warms a new generation first (:meth:`Warehouse.switch_warm`); until then its requests read the previous one.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from etl import config, schema
from etl import vintages as kept_files

OBS_COLUMNS = ["iso3", "indicator", "year", "value"]


class WarehouseMissing(FileNotFoundError):
    """The warehouse file does not exist yet (run ``wic etl``)."""


class WarehouseStale(WarehouseMissing):
    """The warehouse file was built by a version of the ETL with another schema than this code reads."""

    def __init__(self, path: Path, found: str | None):
        built = f"schema {found}" if found else "a schema without a version"
        super().__init__(f"{path} was built by another version of the ETL ({built}; this code reads schema "
                         f"{schema.version()}): rebuild it with `wic etl`")


class UnknownCode(ValueError):
    """An indicator, country or group code that the warehouse does not know."""

    def __init__(self, kind: str, code: str, suggestions: Sequence[str] = ()):
        self.kind, self.code, self.suggestions = kind, code, list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {code!r}{hint}")


class UnknownVintage(ValueError):
    """A run id whose warehouse is not kept (see :func:`vintages`)."""

    def __init__(self, run_id: str, available: Sequence[str]):
        self.run_id, self.available = run_id, list(available)
        kept = ", ".join(self.available) or "none"
        super().__init__(f"no kept warehouse of run {run_id!r}; kept runs: {kept}")


@dataclass(frozen=True)
class _Generation:
    key: tuple[int, int, int, int]
    con: duckdb.DuckDBPyConnection
    memo: dict[Any, Any] = field(default_factory=dict)


class Warehouse:
    """A read-only handle on a warehouse file that follows atomic swaps of that file."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else config.warehouse_path()
        self._lock = threading.Lock()
        self._gen: _Generation | None = None
        self._preparing: tuple[int, int, int, int] | None = None   # the file a warm-up is opening (switch_warm)
        self._deferred = False   # a new file is opened by switch_warm only, not by the next read (defer_swaps)
        self._unopened: tuple[int, int, int, int] | None = None   # a file switch_warm could not open
        self._local = threading.local()

    def _key(self) -> tuple[int, int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(f"no warehouse at {self.path}; build it with `wic etl`") from exc
        return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self, key: tuple[int, int, int, int]) -> _Generation:
        con = duckdb.connect(":memory:")
        quoted = str(self.path).replace("'", "''")
        con.execute("SET python_enable_replacements = false")
        con.execute(f"ATTACH '{quoted}' AS wh (READ_ONLY)")
        # Once the file is attached nothing else is reachable: no files (COPY, ATTACH, read_*),
        # no extensions, and no SET can turn that back on.
        for setting in ("autoinstall_known_extensions = false", "autoload_known_extensions = false",
                        "enable_external_access = false", "lock_configuration = true"):
            con.execute(f"SET {setting}")
        _check_schema(con, self.path)
        return _Generation(key, con)

    def _generation(self) -> _Generation:
        staged: _Generation | None = getattr(self._local, "staged", None)
        if staged is not None:
            return staged
        key = self._key()
        with self._lock:
            if self._gen is None or self._gen.key != key:
                if self._gen is not None and (key == self._preparing or self._deferred and key != self._unopened):
                    return self._gen   # switch_warm warms the new file (or will): the previous one serves meanwhile
                # The previous generation is not closed here: other threads may still be reading from it;
                # it is freed when the last cursor on it is dropped.
                self._gen = self._open(key)
            return self._gen

    def _current(self) -> duckdb.DuckDBPyConnection:
        return self._generation().con

    def generation_key(self) -> tuple[int, int, int, int]:
        """The identity (device, inode, mtime, size) of the file generation that serves this thread now."""
        return self._generation().key

    def defer_swaps(self) -> None:
        """From now on a swapped-in file is served only once :meth:`switch_warm` has opened and warmed it (a server's
        watcher calls it); a file it cannot open is then opened by the next read, which reports why."""
        self._deferred = True

    def switch_warm(self, warm: Callable[[], Any]) -> bool:
        """Open the new file after a swap and run ``warm`` on it in this thread, while every other thread goes on
        reading the previous generation; then serve the new one. False (nothing done) when no generation is
        served yet or the file has not changed. An error in ``warm`` is raised after the switch."""
        key = self._key()
        with self._lock:
            if self._gen is None or self._gen.key == key or self._preparing is not None:
                return False
            self._preparing = key
        gen: _Generation | None = None
        try:
            try:
                gen = self._open(key)
            except Exception:   # e.g. WarehouseStale: the next read opens it and reports it
                self._unopened = key
                raise
            self._local.staged = gen
            try:
                warm()
            finally:
                self._local.staged = None
        finally:
            with self._lock:
                self._preparing = None
                if gen is not None:   # a file swapped in meanwhile follows (next read, or the watcher's next turn)
                    self._gen = gen
        return True

    def memo(self, key: Any, compute: Callable[[], Any], *, bounded: bool = False, pool: str = "_lru",
             limit: int = 64) -> Any:
        """A value computed once per generation of the file; ``bounded`` ones share the ``pool`` of ``limit``
        entries (the oldest one out first)."""
        memo = self._generation().memo
        if key not in memo:
            memo[key] = compute()
            if bounded:
                kept = memo.setdefault(pool, [])
                kept.append(key)
                if len(kept) > limit:
                    memo.pop(kept.pop(0), None)
        return memo[key]

    def has(self, key: Any) -> bool:
        """Whether a value of ``key`` is kept for the current generation of the file."""
        return key in self._generation().memo

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the current generation (DuckDB connections are not shared across threads)."""
        con = self._current()
        held = getattr(self._local, "held", None)
        if held is None or held[0] is not con:
            cur = con.cursor()
            cur.execute("USE wh")
            held = self._local.held = (con, cur)
        return held[1]

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a named query of this module with bound parameters; a DataFrame."""
        return self._cursor().execute(sql, list(params or [])).df()

    def arrays(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any]:
        """Run a named query of this module with bound parameters; its columns as numpy arrays."""
        return dict(self._cursor().execute(sql, list(params or [])).fetchnumpy())

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run a named query of this module with bound parameters; a list of tuples."""
        return self._cursor().execute(sql, list(params or [])).fetchall()

    def close(self) -> None:
        """Close the current connection."""
        with self._lock:
            if self._gen is not None:
                self._gen.con.close()
                self._gen = None


def _check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """:class:`WarehouseStale` unless the file's last run wrote the schema this code reads."""
    try:
        row = con.execute("SELECT schema_version FROM wh.etl_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    except duckdb.Error:   # no run log, or one from before schema versions were recorded
        row = None
    if row is None or row[0] != schema.version():
        con.close()
        raise WarehouseStale(path, row[0] if row else None)


_default: Warehouse | None = None
_default_lock = threading.Lock()
_kept: dict[Path, Warehouse] = {}          # handles on past vintages, shared per process
_using: contextvars.ContextVar[Warehouse | None] = contextvars.ContextVar("wic_warehouse", default=None)


def open_warehouse(path: Path | str | None = None, *, vintage: str | None = None) -> Warehouse:
    """A handle on a warehouse file (default: the configured one, shared per process).

    ``vintage``: the warehouse as the ETL run of that id built it (a kept past warehouse, read-only);
    :class:`UnknownVintage` naming the kept runs if it is not kept.
    """
    global _default
    if vintage is not None:
        live = Path(path) if path is not None else config.warehouse_path()
        try:
            kept_path = kept_files.path_for(live, vintage)
        except ValueError:
            kept_path = None
        if kept_path is None or not kept_path.exists():
            raise UnknownVintage(vintage, kept_files.kept(live))
        with _default_lock:
            if kept_path not in _kept:
                for stale in [p for p in _kept if not p.exists()]:
                    _kept.pop(stale)
                _kept[kept_path] = Warehouse(kept_path)
            return _kept[kept_path]
    if path is not None:
        return Warehouse(path)
    override = _using.get()
    if override is not None:
        return override
    configured = _configured_path(os.environ.get("WIC_WAREHOUSE"), os.getcwd())
    with _default_lock:
        if _default is None or _default.path != configured:
            _default = Warehouse(configured)
        return _default


@functools.lru_cache(maxsize=16)
def _configured_path(_setting: str | None, _cwd: str) -> Path:
    """``config.warehouse_path()`` for this setting and working directory (resolved once, not per call)."""
    return config.warehouse_path()


@contextmanager
def using(db: Warehouse) -> Iterator[Warehouse]:
    """Within the block (this thread or task), calls without ``db`` read ``db``, e.g. a past vintage."""
    token = _using.set(db)
    try:
        yield db
    finally:
        _using.reset(token)


def vintages(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The kept runs, newest first: ``run_id, started_at, finished_at, source, observations, live``.

    ``db`` is the live warehouse (default: the configured one); each kept run opens with
    ``open_warehouse(vintage=run_id)``.
    """
    wh = _db(db)
    kept = kept_files.kept(wh.path)
    live = data_vintage(db=wh)["run_id"]
    frame = wh.frame("""SELECT run_id, started_at, finished_at, source,
                               CAST(json_extract(row_counts, '$.observations') AS BIGINT) AS observations
                        FROM etl_runs WHERE list_contains(CAST(? AS VARCHAR[]), run_id)
                        ORDER BY started_at DESC""", [kept])
    frame["live"] = frame["run_id"] == live
    return frame


def _db(db: Warehouse | None) -> Warehouse:
    return db if db is not None else open_warehouse()


def _cached(w: Warehouse, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """A named query's (small) result, run once per generation of the file; a copy, which the caller may change."""
    key = ("frame", sql, tuple(tuple(p) if isinstance(p, list) else p for p in params or []))
    frame: pd.DataFrame = w.memo(key, lambda: w.frame(sql, params), bounded=True, pool="_frames", limit=512)
    return frame.copy()


def _codes(values: str | Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


# --- catalog -------------------------------------------------------------------------------------------

def indicators(*, catalog_only: bool = False, search: str | None = None, db: Warehouse | None = None) -> pd.DataFrame:
    """Indicators with their metadata, catalog first (in pillar order), then the rest by code."""
    return _cached(_db(db), """
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
    frame = _cached(_db(db), "SELECT * FROM indicators WHERE code = ?", [code])
    if frame.empty:
        raise UnknownCode("indicator", code, _suggest(_db(db), "indicators", "code", code))
    return frame.iloc[0].to_dict()


def pillars(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The catalog's pillars in order."""
    return _cached(_db(db), "SELECT * FROM pillars ORDER BY position")


def _suggest(db: Warehouse, table: str, column: str, code: str) -> list[str]:
    rows = db.rows(f"SELECT {column} FROM (SELECT DISTINCT {column} FROM {table}) "
                   f"ORDER BY jaro_winkler_similarity(upper({column}), upper(?)) DESC LIMIT 3", [code])
    return [r[0] for r in rows]


def indicator_codes(*, db: Warehouse | None = None) -> frozenset[str]:
    """Every indicator code in the warehouse."""
    w = _db(db)
    return w.memo("indicator_codes", lambda: frozenset(r[0] for r in w.rows("SELECT code FROM indicators")))


def country_codes(*, db: Warehouse | None = None) -> frozenset[str]:
    """Every country and group code in the warehouse."""
    w = _db(db)
    return w.memo("country_codes", lambda: frozenset(r[0] for r in w.rows("SELECT iso3 FROM countries")))


def display_names(lang: str, *, db: Warehouse | None = None) -> dict[str, str]:
    """Display names of every country and group: ``name_<lang>`` where known, else English (cached per warehouse
    generation)."""
    w = _db(db)

    def build() -> dict[str, str]:
        table = country_table(db=w)
        column = f"name_{lang}"
        local = table[column].tolist() if column in table.columns else [None] * len(table)
        return {code: (z if isinstance(z, str) and z else en)
                for code, en, z in zip(table["iso3"].tolist(), table["name_en"].tolist(), local, strict=True)}

    return dict(w.memo(("names", lang), build))


def aggregate_codes(*, db: Warehouse | None = None) -> frozenset[str]:
    """Codes of groups (World Bank aggregates and our own) rather than countries."""
    w = _db(db)
    return w.memo("aggregate_codes", lambda: frozenset(
        r[0] for r in w.rows("SELECT iso3 FROM countries WHERE is_aggregate")))


def check_indicators(codes: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Raise :class:`UnknownCode` for the first code the warehouse lacks."""
    known = indicator_codes(db=db)
    for code in codes:
        if code not in known:
            raise UnknownCode("indicator", code, _suggest(_db(db), "indicators", "code", code))


def check_countries(codes: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Raise :class:`UnknownCode` for the first country or group code the warehouse lacks."""
    known = country_codes(db=db)
    for code in codes:
        if code not in known:
            raise UnknownCode("country", code, _suggest(_db(db), "countries", "iso3", code))


# --- countries and groups ------------------------------------------------------------------------------

def countries(*, include_aggregates: bool = False, db: Warehouse | None = None) -> pd.DataFrame:
    """Countries (and, if asked, groups) with names in English and Chinese and their classifications."""
    return _cached(_db(db), "SELECT * FROM countries WHERE ? OR NOT is_aggregate ORDER BY is_aggregate, iso3",
                         [include_aggregates])


def groups(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Groups that have members here (world, regions, income groups, lending types, WIC), with sizes."""
    return _cached(_db(db), """
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
    return _cached(_db(db), "SELECT * FROM member_countries ORDER BY n_members DESC, iso3")


# --- observations --------------------------------------------------------------------------------------

# The flags of an observation: its source, whether it is computed here (a group value or a derived indicator),
# and whether some of a computed group value's countries are carried forward from earlier years.
_FLAGS = ", o.source, o.computed, coalesce(a.n_carried > 0, false) AS carried"
_CARRIED = " LEFT JOIN aggregate_coverage a ON a.iso3 = o.iso3 AND a.indicator = o.indicator AND a.year = o.year"


def observations(indicators: str | Sequence[str], countries: str | Sequence[str] | None = None, *,
                 year_from: int | None = None, year_to: int | None = None, with_flags: bool = False,
                 db: Warehouse | None = None) -> pd.DataFrame:
    """Tidy rows ``iso3, indicator, year, value`` (plus ``source, computed, carried`` with ``with_flags``)."""
    codes = _codes(indicators) or []
    check_indicators(codes, db=db)
    places = _codes(countries)
    if places:
        check_countries(places, db=db)
    where, params = _where(codes, places, year_from, year_to)
    return _db(db).frame(f"""
        SELECT o.iso3, o.indicator, o.year, o.value{_FLAGS if with_flags else ""} FROM observations o{_CARRIED}
        WHERE {where} ORDER BY o.indicator, o.iso3, o.year""", params)


def _where(codes: list[str], places: list[str] | None, year_from: int | None, year_to: int | None
           ) -> tuple[str, list[Any]]:
    """The filter of :func:`observations` and its parameters. Countries are a semi-join on the list, not
    ``list_contains`` per row (with the 200-odd countries of ``WLD`` that was most of the query)."""
    where = "list_contains(?, o.indicator)" + (" AND o.iso3 IN (SELECT unnest(?))" if places is not None else "")
    params: list[Any] = [codes] + ([places] if places is not None else [])
    return where + " AND (? IS NULL OR o.year >= ?) AND (? IS NULL OR o.year <= ?)", \
        [*params, year_from, year_from, year_to, year_to]


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
    return _cached(_db(db), """SELECT * FROM coverage WHERE ? IS NULL OR indicator = ?
                            ORDER BY indicator, year""", [indicator, indicator])


def aggregate_coverage(indicator: str | None = None, *, db: Warehouse | None = None) -> pd.DataFrame:
    """For computed group values: how many members report and what share of the weight they cover."""
    return _cached(_db(db), """SELECT * FROM aggregate_coverage WHERE ? IS NULL OR indicator = ?
                            ORDER BY indicator, iso3, year""", [indicator, indicator])


# --- membership, sources, runs -------------------------------------------------------------------------

def members(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The publicly named WIC members with their evidence and sources."""
    return _cached(_db(db), """SELECT m.*, c.name_en AS country_en, c.name_zh AS country_zh
                            FROM members m LEFT JOIN countries c ON c.iso3 = m.country_iso3
                            ORDER BY m.member_id""")


def membership_counts(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Official membership totals over time with their qualifiers."""
    return _cached(_db(db), "SELECT * FROM membership_counts ORDER BY as_of")


def publisher(name: object, lang: str) -> str:
    """A publisher's name (indicators.source_org, sources.publisher) in ``lang``, from ``organizations:`` of
    etl/meta/names_<lang>.yaml (as it is where that file or name is missing)."""
    text = "" if not isinstance(name, str) else name
    return str(_organizations(lang).get(text, text))


def member_label(field: str, value: object, lang: str) -> str:
    """A register value (category, confidence, evidence, occasion) in ``lang``, as the members metadata words it."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return str(_labels().get(lang, {}).get(field, {}).get(text, text))


def source_text(source_id: object, field: str, lang: str, default: object = "") -> str:
    """A source's ``field`` (title, description) in ``lang``: ``<field>_<lang>`` of its step's metadata file,
    else ``default`` (the warehouse's English text)."""
    text = _source_texts().get(str(source_id), {}).get(f"{field}_{lang}")
    if isinstance(text, str) and text.strip():
        return text.strip()
    return "" if default is None or (isinstance(default, float) and default != default) else str(default)


@functools.cache
def _source_texts() -> dict[str, dict]:
    """Every step's metadata (``etl/sources/<step>.meta.yaml``), read once, for its texts in other languages."""
    from etl.steps import SOURCES_DIR, step_meta

    return {p.name.removesuffix(".meta.yaml"): step_meta(p.name.removesuffix(".meta.yaml")) or {}
            for p in sorted(SOURCES_DIR.glob("*.meta.yaml"))}


@functools.cache
def _labels() -> dict:
    """The members metadata's display labels, read once."""
    from etl.steps import step_meta

    return step_meta("members").get("labels") or {}


@functools.cache
def _organizations(lang: str) -> dict:
    """Publishers' names in ``lang`` (``organizations:`` of etl/meta/names_<lang>.yaml), read once."""
    from etl.inputs import load_yaml

    path = config.META_DIR / f"names_{lang}.yaml"
    return ((load_yaml(path) or {}).get("organizations") or {}) if path.is_file() else {}


def sources(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Every source with its publisher, license, origin and vintage."""
    return _cached(_db(db), "SELECT * FROM sources ORDER BY id")


def runs(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The ETL runs that built this warehouse, newest first."""
    return _cached(_db(db), "SELECT * FROM etl_runs ORDER BY started_at DESC")


# --- dashboard -----------------------------------------------------------------------------------------

def indicator_table(*, db: Warehouse | None = None) -> pd.DataFrame:
    """All indicators' metadata indexed by code (cached per warehouse generation)."""
    w = _db(db)
    return w.memo("indicator_table", lambda: indicators(db=w).set_index("code", drop=False).rename_axis(None))


def country_table(*, db: Warehouse | None = None) -> pd.DataFrame:
    """All countries and groups indexed by ISO3 (cached per warehouse generation)."""
    w = _db(db)
    return w.memo("country_table",
                  lambda: countries(include_aggregates=True, db=w).set_index("iso3", drop=False).rename_axis(None))


def group_table(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Groups with sizes (cached per warehouse generation)."""
    w = _db(db)
    return w.memo("group_table", lambda: groups(db=w))


def group_sets(*, db: Warehouse | None = None) -> dict[str, frozenset[str]]:
    """Each group's member countries (cached per warehouse generation)."""
    w = _db(db)

    def build() -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for code, iso3 in w.rows("SELECT group_code, iso3 FROM group_members"):
            out.setdefault(code, set()).add(iso3)
        return {k: frozenset(v) for k, v in out.items()}

    return w.memo("group_sets", build)


def scatter_values(x: str, y: str, size: str, *, group: str, year_from: int, db: Warehouse | None = None
                   ) -> dict[str, np.ndarray]:
    """One point per country of ``group`` and year from ``year_from`` with values of both ``x`` and ``y``, as numpy
    columns ``iso3`` (Python strings), ``year, x, y, size`` (``size`` NaN where missing), by iso3 then year.

    Each indicator's rows are one pruned query, kept per generation (the common ``y`` and ``size`` are read once),
    joined here on (country, year)."""
    check_indicators([x, y, size], db=db)
    _check_group(group, db)
    w = _db(db)
    members = sorted(group_sets(db=w).get(group, frozenset()))
    xs, ys, ss = (_group_series(w, code, group, year_from, members) for code in (x, y, size))
    both, at_x, at_y = np.intersect1d(xs[0], ys[0], return_indices=True)
    at_s = np.searchsorted(ss[0], both)
    found = at_s < len(ss[0])
    found[found] = ss[0][at_s[found]] == both[found]
    sizes = np.full(len(both), np.nan)
    sizes[found] = ss[1][at_s[found]]
    return {"iso3": np.asarray(members, dtype=object)[both // _YEARS], "year": both % _YEARS, "x": xs[1][at_x],
            "y": ys[1][at_y], "size": sizes}


_YEARS = 10_000   # (country, year) as one sortable integer: the country's index x _YEARS + year


def _group_series(w: Warehouse, code: str, group: str, year_from: int, members: list[str]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(sorted (country, year) keys, values) of one indicator for the countries of ``group`` (hot path)."""
    def fetch() -> tuple[np.ndarray, np.ndarray]:
        got = w.arrays("SELECT iso3, year, value FROM observations WHERE indicator = ? AND year >= ?",
                       [code, year_from])   # pruned to the indicator's row groups; a join on the group is not
        index = {c: i for i, c in enumerate(members)}
        places = np.fromiter(map(index.get, got["iso3"].tolist(), itertools.repeat(-1)), dtype=np.int64,
                             count=len(got["iso3"]))
        keep = places >= 0
        keys = places[keep] * _YEARS + np.asarray(got["year"], dtype=np.int64)[keep]
        order = np.argsort(keys, kind="stable")
        return keys[order], np.asarray(got["value"], dtype=float)[keep][order]
    # arrays of up to (countries x years) points each: a pool of their own, smaller than the small results'
    result: tuple[np.ndarray, np.ndarray] = w.memo(("group_series", code, group, year_from), fetch, bounded=True,
                                                   pool="_series", limit=256)
    return result


def country_values(indicator: str, year: int, *, db: Warehouse | None = None) -> pd.DataFrame:
    """Every country's (not group's) value of one indicator in one year: ``iso3, value``."""
    check_indicators([indicator], db=db)
    return _cached(_db(db), """
        SELECT o.iso3, o.value FROM observations o JOIN countries c USING (iso3)
        WHERE o.indicator = ? AND o.year = ? AND NOT c.is_aggregate ORDER BY o.iso3""", [indicator, year])


def country_years(indicator: str, *, db: Warehouse | None = None) -> pd.DataFrame:
    """Years with country data for an indicator and how many countries report: ``year, n_countries``."""
    years = _country_counts(indicator, db)
    return pd.DataFrame({"year": pd.Series([y for y, _ in years], dtype="int16"),
                         "n_countries": pd.Series([n for _, n in years], dtype="int64")})


def _country_counts(indicator: str, db: Warehouse | None) -> list[tuple[int, int]]:
    """(year, countries reporting) of an indicator (the same rows as the ``coverage`` view's), from one query on
    the indicator's rows (pruned by the table's order), kept per generation of the file (a few dozen pairs)."""
    w = _db(db)
    check_indicators([indicator], db=w)
    return w.memo(("country_counts", indicator), lambda: [(int(y), int(n)) for y, n in w.rows(
        """SELECT o.year, count(*) FROM observations o JOIN countries c ON c.iso3 = o.iso3 AND NOT c.is_aggregate
           WHERE o.indicator = ? GROUP BY o.year ORDER BY o.year""", [indicator])])


def prime_country_counts(indicators: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Keep :func:`indicator_years` of every indicator, from one query for all of them (a page that asks for many)."""
    w = _db(db)
    check_indicators(list(indicators), db=w)
    wanted = sorted({c for c in indicators if not w.has(("country_counts", c))})
    if not wanted:
        return
    counts: dict[str, list[tuple[int, int]]] = {c: [] for c in wanted}
    for code, year, n in w.rows(
            """SELECT o.indicator, o.year, count(*) FROM observations o
               JOIN countries c ON c.iso3 = o.iso3 AND NOT c.is_aggregate
               WHERE list_contains(?, o.indicator) GROUP BY o.indicator, o.year ORDER BY o.indicator, o.year""",
            [wanted]):
        counts[code].append((int(year), int(n)))
    for code, pairs in counts.items():
        w.memo(("country_counts", code), functools.partial(list, pairs))


def indicator_years(indicator: str, *, db: Warehouse | None = None) -> list[tuple[int, int]]:
    """(year, countries reporting) of an indicator, oldest first: :func:`country_years` without a DataFrame."""
    return list(_country_counts(indicator, db))


def default_year(indicator: str, *, db: Warehouse | None = None) -> int | None:
    """The latest year in which at least half as many countries report as in the best-covered year."""
    years = _country_counts(indicator, db)
    if not years:
        return None
    best = max(n for _, n in years)
    return max(y for y, n in years if n >= best / 2)


def indicator_dicts(*, db: Warehouse | None = None) -> dict[str, dict[str, Any]]:
    """Every indicator's metadata as plain dicts by code, built once per generation (do not modify them)."""
    w = _db(db)
    table: dict[str, dict[str, Any]] = w.memo(
        "indicator_dicts", lambda: {r["code"]: r for r in indicators(db=w).to_dict("records")})
    return table


def indicator_meta(code: str, *, db: Warehouse | None = None) -> dict[str, Any]:
    """One indicator's metadata as a plain dict (a copy; :class:`UnknownCode` if unknown)."""
    check_indicators([code], db=db)
    return dict(indicator_dicts(db=db)[code])


# The hot path: small results of one query each on one indicator's rows (the table's order lets DuckDB skip the
# other indicators' row groups), kept per generation of the file in their own pool.
def _small(w: Warehouse, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return w.memo(key, compute, bounded=True, pool="_small", limit=2048)


def year_values(indicator: str, year: int, *, db: Warehouse | None = None) -> list[tuple[str, float]]:
    """(iso3, value) of every country and group with a value of ``indicator`` in ``year``, by iso3 (hot path: no
    DataFrame)."""
    check_indicators([indicator], db=db)
    w = _db(db)
    return list(_small(w, ("year_values", indicator, year), lambda: w.rows(
        "SELECT iso3, value FROM observations WHERE indicator = ? AND year = ? ORDER BY iso3",
        [indicator, year])))


@dataclass(frozen=True)
class _IndicatorRows:
    """Every row of one indicator by iso3 then year, as columns, with each code's slice of them."""
    slices: dict[str, tuple[int, int]]
    years: np.ndarray
    values: np.ndarray
    computed: np.ndarray

    def of(self, places: Sequence[str]) -> list[tuple[str, int, float, bool]]:
        """(iso3, year, value, computed) of each of ``places`` (sorted codes), by code then year."""
        out: list[tuple[str, int, float, bool]] = []
        for place in places:
            if (span := self.slices.get(place)) is not None:
                lo, hi = span
                out += zip(itertools.repeat(place), self.years[lo:hi].tolist(), self.values[lo:hi].tolist(),
                           self.computed[lo:hi].tolist())
        return out


def _indicator_rows(w: Warehouse, indicator: str) -> _IndicatorRows:
    """An indicator's rows from one query (pruned by the table's order), kept per generation in a pool of their own
    (about 11 bytes a row, so a new set of places asks nothing of the database)."""
    def load() -> _IndicatorRows:
        a = w.arrays("""SELECT iso3, year, value, computed FROM observations WHERE indicator = ?
                        ORDER BY iso3, year""", [indicator])
        iso = a["iso3"]
        cut = (np.flatnonzero(iso[1:] != iso[:-1]) + 1).tolist() if len(iso) else []
        starts, ends = [0, *cut], [*cut, len(iso)]
        slices = {str(iso[lo]): (lo, hi) for lo, hi in zip(starts, ends, strict=True)} if len(iso) else {}
        return _IndicatorRows(slices, np.asarray(a["year"]), np.asarray(a["value"]), np.asarray(a["computed"]))

    rows: _IndicatorRows = w.memo(("indicator_rows", indicator), load, bounded=True, pool="_rows", limit=256)
    return rows


def series_rows(indicator: str, codes: Sequence[str], *, db: Warehouse | None = None
                ) -> list[tuple[str, int, float, bool]]:
    """(iso3, year, value, computed) of ``indicator`` for ``codes``, by code then year (hot path: no DataFrame)."""
    check_countries(list(codes), db=db)
    check_indicators([indicator], db=db)
    return _indicator_rows(_db(db), indicator).of(sorted(set(codes)))


def prime_series(indicators: Sequence[str], codes: Sequence[str], *, db: Warehouse | None = None) -> None:
    """Keep the rows :func:`series_rows` reads of every indicator (one query each), for a page that asks for many."""
    check_countries(list(codes), db=db)
    check_indicators(list(indicators), db=db)
    w = _db(db)
    for code in sorted(set(indicators)):
        _indicator_rows(w, code)


def prime_group_coverage(pairs: Sequence[tuple[str, int]], groups: Sequence[str], *,
                         db: Warehouse | None = None) -> None:
    """Keep :func:`group_value_coverage` of each group for each (indicator, year), from one query."""
    w = _db(db)
    wanted = [(g, code, int(year)) for code, year in pairs for g in groups
              if not w.has(("group_value_coverage", g, code, int(year)))]
    if not wanted:
        return
    cur = w._cursor()
    places, codes = sorted({g for g, _, _ in wanted}), sorted({c for _, c, _ in wanted})
    rows = cur.execute("""SELECT * FROM aggregate_coverage WHERE list_contains(?, iso3) AND list_contains(?, indicator)
                          ORDER BY iso3, indicator, year""", [places, codes]).fetchall()
    names = [d[0] for d in cur.description or []]
    found: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in rows:
        record = {k: (None if isinstance(v, float) and v != v else v) for k, v in zip(names, row, strict=True)}
        found[(str(record["iso3"]), str(record["indicator"]), int(record["year"] or 0))] = record
    for key in wanted:
        _small(w, ("group_value_coverage", *key), functools.partial(found.get, key))


def observation_rows(indicators: Sequence[str], countries: Sequence[str], *, year_from: int | None = None,
                     year_to: int | None = None, db: Warehouse | None = None
                     ) -> list[tuple[str, str, int, float, bool]]:
    """(iso3, indicator, year, value, computed) in the order of :func:`observations` (hot path: no DataFrame)."""
    check_countries(list(countries), db=db)
    lo, hi = (year_from if year_from is not None else -10**6), (year_to if year_to is not None else 10**6)
    places = sorted(set(countries))
    return [(c, code, y, v, k) for code in sorted(set(indicators))
            for c, y, v, k in series_rows(code, places, db=db) if lo <= y <= hi]


def indicator_latest_years(iso3: str, codes: Sequence[str], *, db: Warehouse | None = None) -> pd.DataFrame:
    """For one country: the latest year and value of each indicator (missing ones absent)."""
    check_countries([iso3], db=db)
    return _cached(_db(db), """
        SELECT indicator, max(year) AS year, arg_max(value, year) AS value FROM observations
        WHERE iso3 = ? AND list_contains(?, indicator) GROUP BY indicator""", [iso3, list(codes)])


def members_in(iso3: str, *, db: Warehouse | None = None) -> pd.DataFrame:
    """The publicly named members whose country is ``iso3`` (an organization's headquarters, an individual's
    nationality or base: see ``country_basis``)."""
    return _cached(_db(db), "SELECT * FROM members WHERE country_iso3 = ? ORDER BY first_reported, name", [iso3])


def data_vintage(*, db: Warehouse | None = None) -> dict[str, Any]:
    """The run that built the warehouse and the newest source update: what a chart's footer shows."""
    w = _db(db)
    row = w.memo("data_vintage", lambda: w.rows("""SELECT r.run_id, r.finished_at, (SELECT max(last_updated)
                                                                                  FROM indicators)
                                                   FROM etl_runs r ORDER BY r.started_at DESC LIMIT 1"""))
    if not row:
        return {"run_id": None, "built_at": None, "last_updated": None}
    return {"run_id": row[0][0], "built_at": row[0][1], "last_updated": row[0][2]}


def year_span(*, db: Warehouse | None = None) -> tuple[int, int]:
    """The first and last year with any observation (cached per warehouse generation)."""
    w = _db(db)

    def build() -> tuple[int, int]:
        lo, hi = w.rows("SELECT min(year), max(year) FROM observations")[0]
        return (int(lo), int(hi)) if lo is not None else (0, 0)

    return w.memo("year_span", build)


# --- http api helpers ----------------------------------------------------------------------------------

_GROUP_CODES = "(SELECT DISTINCT group_code FROM group_members)"


def group_countries(groups: str | Sequence[str], *, db: Warehouse | None = None) -> list[str]:
    """ISO3 codes of the countries in any of the groups, sorted; :class:`UnknownCode` for an unknown group."""
    codes = _codes(groups) or []
    w = _db(db)
    known = {r[0] for r in w.rows(f"SELECT group_code FROM {_GROUP_CODES} WHERE list_contains(?, group_code)",
                                  [codes])}
    for code in codes:
        if code not in known:
            raise UnknownCode("group", code, _suggest(w, _GROUP_CODES, "group_code", code))
    return [r[0] for r in w.rows("SELECT DISTINCT iso3 FROM group_members WHERE list_contains(?, group_code) "
                                 "ORDER BY iso3", [codes])]


def observations_page(indicators: str | Sequence[str], countries: str | Sequence[str] | None = None, *,
                      year_from: int | None = None, year_to: int | None = None, limit: int = 1000,
                      offset: int = 0, with_flags: bool = False,
                      db: Warehouse | None = None) -> tuple[pd.DataFrame, int]:
    """One page of :func:`observations` (the same rows in the same order) and the number of rows in all pages."""
    codes = _codes(indicators) or []
    check_indicators(codes, db=db)
    places = _codes(countries)
    if places:
        check_countries(places, db=db)
    where, params = _where(codes, places, year_from, year_to)
    w = _db(db)
    total = int(w.rows(f"SELECT count(*) FROM observations o WHERE {where}", params)[0][0])
    page = w.frame(f"""SELECT o.iso3, o.indicator, o.year, o.value{_FLAGS if with_flags else ""}
                       FROM observations o{_CARRIED} WHERE {where}
                       ORDER BY o.indicator, o.iso3, o.year LIMIT ? OFFSET ?""", [*params, limit, offset])
    return page, total


# --- digital development index -------------------------------------------------------------------------

_INDEX_YEAR = "coalesce(?, (SELECT max(year) FROM index_years WHERE latest))"
_IN_GROUP = "(? IS NULL OR s.iso3 IN (SELECT iso3 FROM group_members WHERE group_code = ?))"
_COUNTRY_COLUMNS = "c.name_en, c.name_zh, c.wb_region_id, c.wb_region, c.income_id, c.income"


def _check_group(group: str | None, db: Warehouse | None) -> None:
    if group is not None and group not in group_sets(db=db):   # the groups with members, kept per generation
        raise UnknownCode("group", group, _suggest(_db(db), "group_members", "group_code", group))


def index_method(*, db: Warehouse | None = None) -> dict[str, Any]:
    """The index's configuration as built, its published and latest years, and the WIC dimensions not covered."""
    import json

    return {key: json.loads(value) for key, value in _db(db).rows("SELECT key, value FROM index_meta ORDER BY key")}


def index_latest_year(*, db: Warehouse | None = None) -> int | None:
    """The latest published index year, or None if the index could not be computed."""
    rows = _db(db).rows("SELECT max(year) FROM index_years WHERE latest")
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def index_years(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Every candidate year: countries with data, ranked, share imputed, and whether it is published."""
    return _cached(_db(db), "SELECT * FROM index_years ORDER BY year")


def index_pillars(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The index's pillars in order, with names in English and Chinese and default weights."""
    return _cached(_db(db), "SELECT * FROM index_pillars ORDER BY position")


def index_indicators(*, db: Warehouse | None = None) -> pd.DataFrame:
    """The index's indicators with their names, units, sources, direction, transform and fixed goalposts."""
    return _cached(_db(db), """
        SELECT x.*, i.name_en, i.name_zh, i.unit, i.unit_zh, i.source_org, i.dataset, i.license, i.definition
        FROM index_indicators x JOIN indicators i ON i.code = x.code
        JOIN index_pillars p ON p.id = x.pillar ORDER BY p.position, x.position""")


def index_scores(year: int | None = None, *, group: str | None = None, db: Warehouse | None = None) -> pd.DataFrame:
    """Every country's score, rank (or why it is not ranked) in a year (default: the latest), ranked first."""
    _check_group(group, db)
    return _cached(_db(db), f"""
        SELECT s.*, {_COUNTRY_COLUMNS} FROM index_scores s JOIN countries c ON c.iso3 = s.iso3
        WHERE s.year = {_INDEX_YEAR} AND {_IN_GROUP}
        ORDER BY NOT s.ranked, s.rank, s.iso3""", [year, group, group])


def index_history(countries: str | Sequence[str], *, db: Warehouse | None = None) -> pd.DataFrame:
    """Score, rank and ranked flag of some countries in every published year."""
    places = _codes(countries) or []
    check_countries(places, db=db)
    return _cached(_db(db), """SELECT * FROM index_scores WHERE list_contains(?, iso3) ORDER BY iso3, year""",
                         [places])


def index_pillar_scores(year: int | None = None, *, normalization: str | None = None,
                        countries: str | Sequence[str] | None = None, group: str | None = None,
                        db: Warehouse | None = None) -> pd.DataFrame:
    """Pillar scores and ranks per country in a year (default: the latest), for one or both normalisations."""
    places = _codes(countries)
    if places:
        check_countries(places, db=db)
    _check_group(group, db)
    return _cached(_db(db), f"""
        SELECT s.* FROM index_pillar_scores s JOIN index_pillars p ON p.id = s.pillar
        WHERE s.year = {_INDEX_YEAR} AND (? IS NULL OR s.normalization = ?)
          AND (? IS NULL OR list_contains(?, s.iso3)) AND {_IN_GROUP}
        ORDER BY s.normalization, p.position, s.rank, s.iso3""",
                         [year, normalization, normalization, places, places, group, group])


def index_indicator_scores(countries: str | Sequence[str], year: int | None = None, *,
                           db: Warehouse | None = None) -> pd.DataFrame:
    """The indicators behind countries' pillar scores in a year (default: the latest): value used, the year it
    was observed, whether it was carried forward, and both normalised scores."""
    places = _codes(countries) or []
    check_countries(places, db=db)
    return _cached(_db(db), f"""
        SELECT s.*, i.name_en, i.name_zh, i.unit, i.unit_zh FROM index_indicator_scores s
        JOIN index_indicators x ON x.code = s.indicator JOIN index_pillars p ON p.id = s.pillar
        JOIN indicators i ON i.code = s.indicator
        WHERE s.year = {_INDEX_YEAR} AND list_contains(?, s.iso3)
        ORDER BY s.iso3, p.position, x.position""", [year, places])


def index_uncertainty(*, group: str | None = None, db: Warehouse | None = None) -> pd.DataFrame:
    """Monte Carlo rank intervals (median, 5th and 95th percentile) and the most influential pillar, by rank."""
    _check_group(group, db)
    return _cached(_db(db), f"""
        SELECT s.*, {_COUNTRY_COLUMNS} FROM index_uncertainty s JOIN countries c ON c.iso3 = s.iso3
        WHERE {_IN_GROUP} ORDER BY s.rank, s.iso3""", [group, group])


def index_sensitivity(countries: str | Sequence[str] | None = None, *,
                      db: Warehouse | None = None) -> pd.DataFrame:
    """Per country and pillar: weight-rank correlation, rank without the pillar, and pillar rank intervals."""
    places = _codes(countries)
    if places:
        check_countries(places, db=db)
    return _cached(_db(db), """
        SELECT s.* FROM index_sensitivity s JOIN index_pillars p ON p.id = s.pillar
        WHERE ? IS NULL OR list_contains(?, s.iso3) ORDER BY s.iso3, p.position""", [places, places])


def index_coherence(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Coherence statistics: per indicator, pillar and the index (correlations, Cronbach's alpha, flags)."""
    return _cached(_db(db), """
        SELECT s.* FROM index_coherence s LEFT JOIN index_indicators x ON x.code = s.id
        LEFT JOIN index_pillars p ON p.id = s.pillar
        ORDER BY CASE s.level WHEN 'indicator' THEN 1 WHEN 'pillar' THEN 2 ELSE 3 END, p.position, x.position,
                 s.id""")


def index_correlations(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Pairwise correlations of indicators, pillars and the index (long: a, b, r, n) in the latest year."""
    return _cached(_db(db), "SELECT * FROM index_correlations ORDER BY a, b")


# --- briefings -----------------------------------------------------------------------------------------

def group_distribution(indicators: str | Sequence[str], group: str, *, db: Warehouse | None = None
                       ) -> pd.DataFrame:
    """Per indicator and year, over a group's countries: ``n`` reporting, ``median``, ``p25`` and ``p75`` of their
    values (continuous quantiles, as pandas' default), for comparing one country with its group."""
    codes = _codes(indicators) or []
    check_indicators(codes, db=db)
    _check_group(group, db)
    return _cached(_db(db), """
        SELECT o.indicator, o.year, count(*) AS n, median(o.value) AS median,
               quantile_cont(o.value, 0.25) AS p25, quantile_cont(o.value, 0.75) AS p75
        FROM observations o JOIN group_members g ON g.iso3 = o.iso3 AND g.group_code = ?
        WHERE list_contains(?, o.indicator)
        GROUP BY o.indicator, o.year ORDER BY o.indicator, o.year""", [group, codes])


# --- facts ---------------------------------------------------------------------------------------------

def latest_by_country(indicator: str, *, db: Warehouse | None = None) -> dict[str, tuple[int, float, bool]]:
    """iso3 -> (year, value, computed) of every country's and group's latest value (hot path: no DataFrame)."""
    check_indicators([indicator], db=db)
    w = _db(db)
    latest: dict[str, tuple[int, float, bool]] = _small(w, ("latest_by_country", indicator), lambda: {
        iso3: (int(y), float(v), bool(k)) for iso3, y, v, k in w.rows(
            """SELECT iso3, max(year), arg_max(value, year), arg_max(computed, year) FROM observations
               WHERE indicator = ? GROUP BY iso3 ORDER BY iso3""", [indicator])})
    return dict(latest)


def group_value_coverage(group: str, indicator: str, year: int, *, db: Warehouse | None = None
                         ) -> dict[str, Any] | None:
    """How a computed group value was made: method, weight, members reporting and carried, coverage."""
    w = _db(db)

    def fetch() -> dict[str, Any] | None:
        cur = w._cursor()   # one row: no DataFrame on the hot path
        row = cur.execute("""SELECT * FROM aggregate_coverage WHERE iso3 = ? AND indicator = ? AND year = ?""",
                          [group, indicator, year]).fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description or []]
        return {k: (None if isinstance(v, float) and v != v else v) for k, v in zip(names, row, strict=True)}

    found = _small(w, ("group_value_coverage", group, indicator, year), fetch)
    return dict(found) if found is not None else None


def index_country(iso3: str, *, db: Warehouse | None = None) -> dict[str, Any] | None:
    """A country's index score, rank, interval and carried inputs in the latest published year (None if none)."""
    rows = _db(db).rows("""
        WITH y AS (SELECT max(year) AS year FROM index_years WHERE latest)
        SELECT s.iso3, s.year, s.score, s.rank, s.ranked, s.reason, s.n_available, s.n_indicators,
               (SELECT count(*) FROM index_scores r WHERE r.year = s.year AND r.ranked) AS n_ranked,
               u.p5_rank, u.p95_rank,
               (SELECT count(*) FROM index_indicator_scores i WHERE i.iso3 = s.iso3 AND i.year = s.year
                                                               AND i.imputed) AS n_carried,
               (SELECT min(source_year) FROM index_indicator_scores i WHERE i.iso3 = s.iso3 AND i.year = s.year
                                                                       AND i.imputed) AS oldest
        FROM index_scores s JOIN y ON s.year = y.year LEFT JOIN index_uncertainty u ON u.iso3 = s.iso3
        WHERE s.iso3 = ?""", [iso3])
    if not rows:
        year = index_latest_year(db=db)
        if year is None:
            return None
        return {"iso3": iso3, "year": year, "score": None, "rank": None, "n_ranked": 0, "p5": None, "p95": None,
                "ranked": False, "reason": "no data", "n_inputs": 0, "n_indicators": 0, "n_carried": 0,
                "oldest_carried": None}
    (code, year, score, rank, ranked, reason, n_available, n_indicators, n_ranked, p5, p95, n_carried,
     oldest) = rows[0]
    return {"iso3": code, "year": int(year), "score": float(score) if score is not None else None,
            "rank": int(rank) if rank is not None else None, "n_ranked": int(n_ranked),
            "p5": int(p5) if p5 is not None else None, "p95": int(p95) if p95 is not None else None,
            "ranked": bool(ranked), "reason": reason, "n_inputs": int(n_available),
            "n_indicators": int(n_indicators), "n_carried": int(n_carried),
            "oldest_carried": int(oldest) if oldest is not None else None}


def index_carried_inputs(year: int | None = None, *, db: Warehouse | None = None) -> pd.DataFrame:
    """Per country in an index year: inputs with a value, how many are carried forward, and the oldest year."""
    return _cached(_db(db), f"""
        SELECT iso3, count(*) AS n_inputs, count(*) FILTER (WHERE imputed) AS n_carried,
               min(source_year) FILTER (WHERE imputed) AS oldest_carried
        FROM index_indicator_scores s WHERE s.year = {_INDEX_YEAR} GROUP BY iso3 ORDER BY iso3""", [year])


# --- data bundles (wic export) -------------------------------------------------------------------------------
def table_columns(*, db: Warehouse | None = None) -> dict[str, list[tuple[str, str, bool]]]:
    """Every base table of the warehouse with its columns: (name, DuckDB type, nullable), in table order."""
    rows = _db(db).rows("""SELECT table_name, column_name, data_type, is_nullable
                           FROM duckdb_columns() WHERE database_name = 'wh' AND schema_name = 'main'
                             AND table_name IN (SELECT table_name FROM duckdb_tables()
                                                WHERE database_name = 'wh' AND schema_name = 'main')
                           ORDER BY table_name, column_index""")
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, kind, nullable in rows:
        tables.setdefault(table, []).append((column, kind, bool(nullable)))
    return tables


def table_rows(table: str, *, db: Warehouse | None = None) -> pd.DataFrame:
    """One whole base table, in its key order (``table`` must be one of :func:`table_columns`)."""
    import difflib

    columns = table_columns(db=db)
    if table not in columns:
        raise UnknownCode("table", table, difflib.get_close_matches(table, list(columns), n=3))
    names = [c for c, _, _ in columns[table]]
    order = ", ".join(f'"{c}"' for c in names[:4])   # identifiers from the catalog above, never from a caller
    return _db(db).frame(f'SELECT * FROM "{table}" ORDER BY {order}')


def observation_flags(*, db: Warehouse | None = None) -> pd.DataFrame:
    """Every observation with its flags: computed here, and for computed group values the reporting coverage."""
    return _db(db).frame("""SELECT o.iso3, o.indicator, o.year, o.value, o.source, o.computed,
                                   c.n_reporting, c.n_members, c.coverage
                            FROM observations o
                            LEFT JOIN aggregate_coverage c
                              ON o.computed AND c.iso3 = o.iso3 AND c.indicator = o.indicator AND c.year = o.year
                            ORDER BY o.indicator, o.iso3, o.year""")


# --- change log (what each run changed) ------------------------------------------------------------------------
def changes(*, since: str | None = None, indicators: str | Sequence[str] | None = None,
            db: Warehouse | None = None) -> pd.DataFrame:
    """Observations added, removed and revised by each run (old and new value), oldest run first.

    ``since``: only the runs after that run id; ``indicators``: only those codes. Empty for a warehouse built
    before the change log existed.
    """
    wh = _db(db)
    if not wh.rows("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' AND table_name = 'changes'")[0][0]:
        return pd.DataFrame(columns=["run_id", "previous_run", "indicator", "source", "iso3", "year", "change",
                                     "old_value", "new_value"])
    started = None
    if since is not None:
        found = wh.rows("SELECT started_at FROM etl_runs WHERE run_id = ?", [since])
        if not found:
            raise UnknownCode("run", since, [r[0] for r in wh.rows(
                "SELECT run_id FROM etl_runs ORDER BY started_at DESC LIMIT 3")])
        started = found[0][0]
    codes = _codes(indicators)
    return wh.frame("""SELECT c.* FROM changes c JOIN etl_runs r USING (run_id)
                       WHERE (? IS NULL OR r.started_at > ?) AND (? IS NULL OR list_contains(?, c.indicator))
                       ORDER BY r.started_at, c.indicator, c.iso3, c.year""", [started, started, codes, codes])
