"""Index scores for every year: assemble the country x year x indicator panel, impute, transform, normalise,
average into pillars, apply the eligibility rule, aggregate and rank. Pure numpy, no I/O: the tables come as
numpy columns (:mod:`etl.index.columns`), and as pandas DataFrames on demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from etl.index.aggregate import aggregate, eligible, pillar_counts, pillar_means, rank_desc, reason
from etl.index.columns import Columns, concat, frame_of, full, labels, positions
from etl.index.config import NORMALIZATIONS, IndexConfig
from etl.index.transform import (
    BoolArray,
    FloatArray,
    IntArray,
    Scaling,
    carry_forward,
    fit_scaling,
    normalize,
    transform,
)

OBS_COLUMNS = ("iso3", "indicator", "year", "value")


@dataclass(frozen=True)
class Panel:
    """Observed values as a dense array ``values[country, year, indicator]`` (NaN = not published)."""

    iso3: list[str]
    years: list[int]       # consecutive
    codes: list[str]
    values: FloatArray


Observations = Mapping[str, Any]   # columns iso3, indicator, year, value: numpy columns or a pandas DataFrame


def build_panel(obs: Observations, iso3: Sequence[str], years: Sequence[int], codes: Sequence[str]) -> Panel:
    """The dense panel of ``obs`` (columns iso3, indicator, year, value); rows outside the axes are ignored."""
    iso3, years, codes = list(iso3), [int(y) for y in years], list(codes)
    values = np.full((len(iso3), len(years), len(codes)), np.nan)
    if len(obs["value"]):
        c = positions(obs["iso3"], iso3)
        y = positions(np.asarray(obs["year"]).astype(int), years)
        i = positions(obs["indicator"], codes)
        keep = (c >= 0) & (y >= 0) & (i >= 0)
        values[c[keep], y[keep], i[keep]] = np.asarray(obs["value"], dtype=float)[keep]
    return Panel(iso3, years, codes, values)


@dataclass(frozen=True)
class Prepared:
    """Everything computed once per build, from which any year, window and method is cheap to score."""

    config: IndexConfig
    panel: Panel
    scalings: list[Scaling]
    normalized: dict[str, FloatArray]    # method -> observed-only scores (country, year, indicator), 0-100
    membership: list[int]                # indicator -> pillar position
    n_indicators: list[int]              # indicators per pillar
    _cache: dict[tuple, tuple] = field(default_factory=dict, compare=False, repr=False)

    def filled(self, method: str, window: int) -> tuple[FloatArray, FloatArray]:
        """Scores with values carried forward at most ``window`` years, and their age in years (cached)."""
        key = ("filled", method, window)
        if key not in self._cache:
            self._cache[key] = carry_forward(self.normalized[method], window, axis=1)
        return self._cache[key]

    def pillars(self, method: str, window: int) -> tuple[FloatArray, IntArray]:
        """Pillar scores (country, year, pillar) and the number of indicators behind each (cached)."""
        key = ("pillars", method, window)
        if key not in self._cache:
            scores, _ = self.filled(method, window)
            weights = [i.weight for i in self.config.indicators]
            self._cache[key] = pillar_means(scores, self.membership, len(self.n_indicators), weights)
        return self._cache[key]

    def year_index(self, year: int) -> int:
        """Position of ``year`` on the panel's year axis."""
        return self.panel.years.index(int(year))


def prepare(obs: Observations, iso3: Sequence[str], config: IndexConfig) -> Prepared:
    """Build the panel from observations and fix the goalposts and z-score parameters over all years."""
    codes = config.codes
    rel = positions(obs["indicator"], codes) >= 0
    windows = (config.carry_forward_years, *config.monte_carlo.carry_forward_years)
    start = config.first_year - max(windows)
    last = int(np.asarray(obs["year"])[rel].max()) if rel.any() else config.first_year
    years = list(range(start, max(last, config.first_year) + 1))
    panel = build_panel(obs, iso3, years, codes)
    in_range = np.array(years) >= config.first_year
    scalings, normalized = [], {m: np.full(panel.values.shape, np.nan) for m in NORMALIZATIONS}
    for k, spec in enumerate(config.indicators):
        tx = transform(panel.values[..., k], spec)
        panel.values[..., k][np.isnan(tx)] = np.nan     # a value the transform cannot take counts as missing
        observed = tx[:, in_range]
        if np.isnan(observed).all():
            raise ValueError(f"index indicator {spec.code} has no country values from {config.first_year}")
        sc = fit_scaling(observed, spec, config.lower_quantile, config.upper_quantile)
        scalings.append(sc)
        for m in NORMALIZATIONS:
            normalized[m][..., k] = normalize(tx, sc, m, center=config.zscore_center, scale=config.zscore_scale)
    pos = {pid: n for n, pid in enumerate(config.pillar_ids)}
    membership = [pos[i.pillar] for i in config.indicators]
    n_ind = [len(p.indicators) for p in config.pillars]
    return Prepared(config, panel, scalings, normalized, membership, n_ind)


@dataclass(frozen=True)
class IndexResult:
    """Scores of every published year with the default settings, as tidy tables (numpy columns; the properties
    give them as pandas DataFrames)."""

    prepared: Prepared
    years: list[int]                 # published index years
    latest_year: int | None
    indicator_table: Columns         # iso3, year, indicator, pillar, value, source_year, imputed, minmax, zscore
    pillar_table: Columns            # iso3, year, pillar, normalization, score, rank, n_available, ...
    score_table: Columns             # iso3, year, score, rank, ranked, reason, ...
    summary_table: Columns           # year, n_with_data, n_ranked, imputed_share, published, latest

    indicator_scores = frame_of("indicator_table")   # the same tables as pandas DataFrames (not dataclass fields)
    pillar_scores = frame_of("pillar_table")
    scores = frame_of("score_table")
    year_summary = frame_of("summary_table")


def _ranked_mask(prep: Prepared, window: int) -> tuple[BoolArray, IntArray]:
    _, count = prep.pillars(prep.config.normalization, window)
    return eligible(count, prep.n_indicators, prep.config.min_share_per_pillar), count


def compute(obs: Observations, iso3: Sequence[str], config: IndexConfig) -> IndexResult:
    """Scores, ranks and reasons for every year the data allow, with the configured default method."""
    prep = prepare(obs, iso3, config)
    window, method, agg = config.carry_forward_years, config.normalization, config.aggregation
    years = np.array(prep.panel.years)
    out_years = years >= config.first_year
    ranked, count = _ranked_mask(prep, window)
    pillars = {m: prep.pillars(m, window)[0] for m in NORMALIZATIONS}
    weights = np.array([config.weights[p] for p in config.pillar_ids])
    index = np.where(ranked, aggregate(pillars[method], weights, agg, config.geometric_floor), np.nan)
    ranks = rank_desc(index, ranked)          # along countries, per year
    n_ranked = ranked.sum(axis=0)
    with_data = (count.sum(axis=-1) > 0).sum(axis=0)
    peak = int(n_ranked[out_years].max()) if out_years.any() else 0
    _, age = prep.filled(method, window)
    # A value carried within its source's publication cycle (a biennial survey's off year) is the current
    # edition: flagged as carried in the indicator scores, but not counted against max_imputed_share.
    cycle = np.array([i.edition_years for i in config.indicators], dtype=float)
    n_imputed = np.where(ranked[..., None], age >= cycle, False).sum(axis=(0, 2))
    n_values = np.where(ranked[..., None], ~np.isnan(age), False).sum(axis=(0, 2))
    imputed_share = n_imputed / np.maximum(n_values, 1)
    published = (out_years & (n_ranked > 0) & (n_ranked >= config.min_ranked_share_of_peak * peak)
                 & (imputed_share <= config.max_imputed_share))
    pub_years = [int(y) for y in years[published]]
    latest = max(pub_years) if pub_years else None
    summary = {"year": years[out_years].astype(int), "n_with_data": with_data[out_years],
               "n_ranked": n_ranked[out_years], "imputed_share": imputed_share[out_years],
               "published": published[out_years],
               "latest": years[out_years] == latest if latest is not None else np.zeros(out_years.sum(), bool)}
    yi = np.flatnonzero(published)
    return IndexResult(prep, pub_years, latest, _indicator_frame(prep, window, yi),
                       _pillar_frame(prep, pillars, count, window, ranked, yi),
                       _score_frame(prep, index, ranks, ranked, count, window, yi), summary)


def _grid(prep: Prepared, yi: IntArray) -> tuple[np.ndarray, np.ndarray]:
    c, y = np.meshgrid(np.arange(len(prep.panel.iso3)), yi, indexing="ij")
    return c.ravel(), y.ravel()


def _indicator_frame(prep: Prepared, window: int, yi: IntArray) -> Columns:
    raw, age = carry_forward(prep.panel.values, window, axis=1)
    mm, _ = prep.filled("minmax", window)
    zs, _ = prep.filled("zscore", window)
    sel = (slice(None), yi, slice(None))
    have = ~np.isnan(mm[sel]) & ~np.isnan(zs[sel])
    c, y, i = np.nonzero(have)
    years = np.array(prep.panel.years)[yi][y]
    a = age[sel][c, y, i]
    return {
        "iso3": labels(c, prep.panel.iso3), "year": years.astype(np.int16),
        "indicator": labels(i, prep.panel.codes),
        "pillar": labels(np.asarray(prep.membership)[i], prep.config.pillar_ids),
        "value": raw[sel][c, y, i], "source_year": (years - a).astype(np.int16), "imputed": a > 0,
        "minmax": mm[sel][c, y, i], "zscore": zs[sel][c, y, i],
    }


def _pillar_frame(prep: Prepared, pillars: dict[str, FloatArray], count: IntArray, window: int,
                  ranked: BoolArray, yi: IntArray) -> Columns:
    _, age = prep.filled("minmax", window)
    n_imputed = pillar_counts(age > 0, prep.membership, len(prep.n_indicators))
    frames = []
    for method, arr in pillars.items():
        sub = arr[:, yi, :]
        rk = np.stack([rank_desc(sub[:, :, p], ranked[:, yi]) for p in range(sub.shape[-1])], axis=-1)
        c, y, p = np.nonzero(~np.isnan(sub))
        frames.append({
            "iso3": labels(c, prep.panel.iso3), "year": np.array(prep.panel.years)[yi][y].astype(np.int16),
            "pillar": labels(p, prep.config.pillar_ids), "normalization": full(method, c.size),
            "score": sub[c, y, p],
            "rank": rk[c, y, p],
            "ranked": ranked[:, yi][c, y], "n_available": count[:, yi, :][c, y, p].astype(np.int32),
            "n_indicators": np.array(prep.n_indicators, dtype=np.int32)[p],
            "n_imputed": n_imputed[:, yi, :][c, y, p].astype(np.int32),
        })
    return concat(frames)


def _score_frame(prep: Prepared, index: FloatArray, ranks: FloatArray, ranked: BoolArray, count: IntArray,
                 window: int, yi: IntArray) -> Columns:
    cfg = prep.config
    _, age = prep.filled(cfg.normalization, window)
    n_imp = (age > 0).sum(axis=-1)
    c, y = _grid(prep, yi)
    reasons = np.full(c.size, None, dtype=object)
    for k in np.flatnonzero(~ranked[c, y]):
        reasons[k] = reason(count[c[k], y[k]], prep.n_indicators, cfg.pillar_ids, cfg.min_share_per_pillar)
    return {
        "iso3": labels(c, prep.panel.iso3), "year": np.array(prep.panel.years)[y].astype(np.int16),
        "score": index[c, y], "rank": ranks[c, y], "ranked": ranked[c, y], "reason": reasons,
        "n_available": count[c, y].sum(axis=-1).astype(np.int32),
        "n_indicators": np.full(c.size, sum(prep.n_indicators), dtype=np.int32),
        "n_imputed": n_imp[c, y].astype(np.int32),
        "normalization": full(cfg.normalization, c.size), "aggregation": full(cfg.aggregation, c.size),
    }
