"""Compute the index from the warehouse's observations and write its tables (DDL in ``etl/sql/index.sql``).

The only module of the package that touches the database: it reads observations as numpy columns, hands them
to the pure functions and writes their results (numpy columns too, which DuckDB scans: pandas is not imported).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np

from etl.errors import InputError
from etl.index.coherence import coherence_tables
from etl.index.columns import Columns, from_rows, length, pivot, positions, text
from etl.index.config import INDEX_FILE, INDEX_SQL, IndexConfig, IndicatorSpec, load_config
from etl.index.scores import IndexResult, compute
from etl.index.transform import shape, transform
from etl.index.uncertainty import Uncertainty, analyse


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Columns) -> None:
    if not length(columns):
        return
    con.register("index_frame", columns)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM index_frame")
    finally:
        con.unregister("index_frame")


OBSERVATIONS_SQL = """
    SELECT o.iso3, o.indicator, o.year, o.value FROM observations o
    JOIN countries c ON c.iso3 = o.iso3 AND NOT c.is_aggregate
    WHERE list_contains(?, o.indicator) AND o.year >= ?"""


def observation_params(config: IndexConfig) -> list:
    """Parameters of :data:`OBSERVATIONS_SQL`: the codes and the earliest year a carry-forward window reaches."""
    return [config.codes,
            config.first_year - max(config.carry_forward_years, *config.monte_carlo.carry_forward_years)]


def load_observations(con: duckdb.DuckDBPyConnection, config: IndexConfig) -> tuple[Columns, list[str]]:
    """Country observations of the configured indicators (from the earliest year a window can reach), as numpy
    columns, and the countries with at least one of them, sorted."""
    obs = {k: np.ma.getdata(v) for k, v in
           con.execute(OBSERVATIONS_SQL, observation_params(config)).fetchnumpy().items()}
    return obs, sorted(set(obs["iso3"].tolist()))


def untransform(value: float, spec: IndicatorSpec) -> float:
    """A goalpost back in the indicator's own unit."""
    return float(10 ** value - spec.log_shift) if spec.log else float(value)


def indicator_table(result: IndexResult) -> Columns:
    """Per indicator: the method's settings, the fixed goalposts and z-score parameters, and its shape."""
    prep = result.prepared
    cfg = prep.config
    in_range = np.array(prep.panel.years) >= cfg.first_year
    rows = []
    for k, (spec, sc) in enumerate(zip(cfg.indicators, prep.scalings, strict=True)):
        raw = prep.panel.values[:, in_range, k]
        skew, kurt = shape(raw)
        skew_t, kurt_t = shape(transform(raw, spec))
        rows.append({"code": spec.code, "pillar": spec.pillar, "position": k + 1, "weight": spec.weight,
                     "higher_is_better": spec.higher_is_better, "log": spec.log, "log_shift": spec.log_shift,
                     "natural_goalposts": sc.natural_goalposts, "lower": sc.lower, "upper": sc.upper,
                     "lower_value": untransform(sc.lower, spec), "upper_value": untransform(sc.upper, spec),
                     "mean": sc.mean, "sd": sc.sd, "n_obs": sc.n, "skewness": skew, "kurtosis": kurt,
                     "skewness_transformed": skew_t, "kurtosis_transformed": kurt_t})
    return from_rows(rows)


def coherence_inputs(result: IndexResult, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indicator scores (countries x codes), pillar scores (countries x pillars) and index of the countries
    ranked in ``year``, with the default method."""
    cfg = result.prepared.config
    s = result.score_table
    keep = s["iso3"][(s["year"] == year) & s["ranked"]]
    ind = _rows(result.indicator_table, result.indicator_table["year"] == year)
    ps = result.pillar_table
    ps = _rows(ps, (ps["year"] == year) & (ps["normalization"] == cfg.normalization))
    in_year = _rows(s, s["year"] == year)
    return (pivot(ind, "iso3", "indicator", cfg.normalization, keep, cfg.codes),
            pivot(ps, "iso3", "pillar", "score", keep, cfg.pillar_ids),
            np.asarray(in_year["score"], dtype=float)[positions(keep, in_year["iso3"])])


def _rows(columns: Columns, mask: Any) -> Columns:
    return {k: v[mask] for k, v in columns.items()}


def uncertainty(result: IndexResult, year: int) -> Uncertainty:
    """The Monte Carlo and leave-one-out analysis of ``year`` over the countries ranked in it."""
    prep = result.prepared
    s = _rows(result.score_table, result.score_table["year"] == year)
    at = positions(prep.panel.iso3, s["iso3"])   # each panel country's row of the year, -1 if none
    universe = np.where(at >= 0, s["ranked"][at], False).astype(bool)
    rank = np.where(at >= 0, np.asarray(s["rank"], dtype=float)[at], np.nan)
    return analyse(prep, year, universe, rank)


def store(con: duckdb.DuckDBPyConnection, *, strict: bool = True, config: IndexConfig | None = None) -> list[str]:
    """Create the index tables and fill them from the warehouse's observations; return warnings.

    With ``strict`` (a full load) every configured indicator must be in the warehouse; otherwise (a partial
    API load) the tables stay empty and a warning says why.
    """
    con.execute(INDEX_SQL.read_text())
    cfg = config or load_config()
    known = {r[0] for r in con.execute("SELECT code FROM indicators").fetchall()}
    missing = [c for c in cfg.codes if c not in known]
    if missing:
        if strict:
            raise InputError(INDEX_FILE, "index indicator is not in the warehouse", field="code", value=missing[0])
        return [f"index not computed: {', '.join(missing)} not loaded"]
    obs, iso3 = load_observations(con, cfg)
    result = compute(obs, iso3, cfg)
    weights = cfg.weights
    _insert(con, "index_pillars", from_rows([
        {"id": p.id, "position": n, "name_en": p.name_en, "name_zh": p.name_zh, "description_en": p.description_en,
         "description_zh": p.description_zh, "wic_dimension": p.wic_dimension, "weight": weights[p.id],
         "n_indicators": len(p.indicators)} for n, p in enumerate(cfg.pillars, start=1)]))
    _insert(con, "index_indicators", indicator_table(result))
    _insert(con, "index_years", result.summary_table)
    _insert(con, "index_indicator_scores", result.indicator_table)
    _insert(con, "index_pillar_scores", result.pillar_table)
    _insert(con, "index_scores", result.score_table)
    warnings = []
    if result.latest_year is None:
        warnings.append("index: no year has enough ranked countries to publish")
    else:
        unc = uncertainty(result, result.latest_year)
        _insert(con, "index_uncertainty", unc.country_table)
        _insert(con, "index_sensitivity", unc.pillar_table)
        wide, pillars, index = coherence_inputs(result, result.latest_year)
        stats, corr = coherence_tables(wide, cfg.codes, {i.code: i.pillar for i in cfg.indicators}, pillars, index,
                                       cfg.pillar_ids, cfg.weak_correlation)
        for table, columns in (("index_coherence", stats), ("index_correlations", corr)):
            _insert(con, table, {"year": np.full(length(columns), result.latest_year, dtype=np.int16), **columns})
    meta = {"config": cfg.raw, "latest_year": result.latest_year, "first_year": cfg.first_year,
            "years": result.years, "not_covered": list(cfg.not_covered)}
    _insert(con, "index_meta", {"key": text(meta),
                                "value": text(json.dumps(v, ensure_ascii=False) for v in meta.values())})
    return warnings
