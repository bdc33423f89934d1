"""Uncertainty and sensitivity analysis of the ranking (OECD/JRC Handbook, steps 7-8): a seeded Monte Carlo
over pillar weights, normalisation, aggregation and the carry-forward window; and leave-one-pillar-out ranks.
Pure numpy, vectorised over draws.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from etl.index.aggregate import (
    Weights,
    aggregate,
    eligible,
    normalized_weights,
    ordinal_ranks,
    rank_desc,
    weighted_sums,
)
from etl.index.columns import Columns, frame_of
from etl.index.config import MonteCarloSpec
from etl.index.scores import Prepared
from etl.index.transform import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Draws:
    """The settings of every draw."""

    weights: FloatArray        # (D, P), each row sums to one
    normalization: IntArray    # (D,) position in spec.normalizations
    aggregation: IntArray      # (D,) position in spec.aggregations
    window: IntArray           # (D,) position in spec.carry_forward_years


def draw_settings(spec: MonteCarloSpec, base_weights: Weights) -> Draws:
    """Seeded draws: each weight times U(1 - p, 1 + p), renormalised; methods and window uniformly."""
    rng = np.random.default_rng(spec.seed)
    base = normalized_weights(base_weights)
    p = spec.weight_perturbation
    factors = rng.uniform(1.0 - p, 1.0 + p, size=(spec.draws, base.size))
    weights = normalized_weights(base * factors)
    return Draws(weights,
                 rng.integers(len(spec.normalizations), size=spec.draws),
                 rng.integers(len(spec.aggregations), size=spec.draws),
                 rng.integers(len(spec.carry_forward_years), size=spec.draws))


@dataclass(frozen=True)
class MonteCarlo:
    """Ranks of the universe's countries in every draw (NaN where a country is not eligible in that draw)."""

    draws: Draws
    ranks: FloatArray          # (C, D)
    pillar_ranks: FloatArray   # (C, D, P): pillar ranks under each draw's normalisation and window


def monte_carlo(pillars: Mapping[tuple[int, str], FloatArray], eligibility: Mapping[int, BoolArray],
                universe: BoolArray, base_weights: Weights, spec: MonteCarloSpec,
                floor: float = 1.0) -> MonteCarlo:
    """Run the Monte Carlo on precomputed pillar matrices.

    ``pillars[(window, normalization)]`` is (C, P) pillar scores for the year; ``eligibility[window]`` (C,)
    says who is eligible with that window; ranks are among ``universe`` countries that are eligible.
    """
    draws = draw_settings(spec, base_weights)
    uni = np.asarray(universe, dtype=bool)
    n_c = uni.size
    n_p = len(base_weights)
    ranks = np.full((n_c, spec.draws), np.nan)
    pillar_ranks = np.full((n_c, spec.draws, n_p), np.nan)
    combos = itertools.product(range(len(spec.carry_forward_years)), range(len(spec.normalizations)))
    for kw, kn in combos:
        window, norm = spec.carry_forward_years[kw], spec.normalizations[kn]
        x = np.asarray(pillars[(window, norm)], dtype=float)
        ok = uni & np.asarray(eligibility[window], dtype=bool) & ~np.isnan(x).any(axis=1)
        x = np.nan_to_num(x)
        sel_wn = (draws.window == kw) & (draws.normalization == kn)
        if sel_wn.any():
            pr = np.stack([rank_desc(x[:, p], ok) for p in range(n_p)], axis=-1)
            pillar_ranks[:, sel_wn, :] = pr[:, None, :]
        for ka, agg in enumerate(spec.aggregations):
            sel = sel_wn & (draws.aggregation == ka)
            if sel.any():
                scores = aggregate(x, draws.weights[sel], agg, floor)            # (C, d)
                ranks[:, sel] = ordinal_ranks(scores, np.broadcast_to(ok[:, None], scores.shape))
    return MonteCarlo(draws, ranks, pillar_ranks)


def quantiles(values: FloatArray, qs: Sequence[float]) -> FloatArray:
    """Quantiles (numpy's default linear method) along the last axis ignoring NaN; NaN where a row has none.

    Vectorised: one sort instead of numpy's per-row ``nanquantile``.
    """
    v = np.sort(np.asarray(values, dtype=float), axis=-1)      # NaN sort last
    n = (~np.isnan(v)).sum(axis=-1)
    out = np.full(v.shape[:-1] + (len(qs),), np.nan)
    for j, q in enumerate(qs):
        pos = q * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        a = np.take_along_axis(v, lo[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(v, hi[..., None], axis=-1)[..., 0]
        out[..., j] = np.where(n > 0, a + (b - a) * (pos - lo), np.nan)
    return out


def weight_rank_correlation(ranks: FloatArray, weights: FloatArray) -> FloatArray:
    """Per country and pillar, the correlation over draws between the pillar's weight and the country's rank.

    Negative: more weight on the pillar puts the country higher (a smaller rank). NaN if the rank never varies.
    """
    valid = ~np.isnan(ranks)
    m = valid.astype(float)
    n = np.maximum(m.sum(axis=1, keepdims=True), 1.0)
    r = np.where(valid, ranks, 0.0)
    mean_r = r.sum(axis=1, keepdims=True) / n
    mean_w = weighted_sums(m, weights.T) / n   # m @ weights, in a fixed order (not BLAS's)
    cov = weighted_sums(r, weights.T) / n - mean_r * mean_w
    var_r = (r ** 2).sum(axis=1, keepdims=True) / n - mean_r ** 2
    var_w = weighted_sums(m, (weights ** 2).T) / n - mean_w ** 2
    denom = np.sqrt(np.clip(var_r, 0, None) * np.clip(var_w, 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(denom > 1e-12, cov / np.where(denom > 1e-12, denom, 1.0), np.nan)
    return np.clip(corr, -1.0, 1.0)


def leave_one_out(pillars: FloatArray, ok: BoolArray, base_weights: Weights, aggregation: str,
                  floor: float = 1.0) -> FloatArray:
    """Ranks (C, P) when each pillar in turn gets weight zero, the others keeping their relative weights."""
    w = normalized_weights(base_weights)
    x = np.nan_to_num(np.asarray(pillars, dtype=float))
    out = np.full(x.shape, np.nan)
    for p in range(w.size):
        wp = w.copy()
        wp[p] = 0.0
        if wp.sum() <= 0:
            continue
        out[:, p] = rank_desc(aggregate(x, wp, aggregation, floor), ok)
    return out


@dataclass(frozen=True)
class Uncertainty:
    """Summary tables of the uncertainty analysis for one year (numpy columns; the properties give DataFrames)."""

    year: int
    iso3: list[str]             # the universe, in the order of the Monte Carlo's rows
    country_table: Columns      # iso3, rank, median_rank, p5_rank, p95_rank, share_ranked, most_influential_...
    pillar_table: Columns       # iso3, pillar, weight_rank_corr, rank_without_pillar, pillar_rank (+ interval)
    monte_carlo: MonteCarlo

    countries = frame_of("country_table")   # the same tables as pandas DataFrames (not dataclass fields)
    pillars = frame_of("pillar_table")


def analyse(prep: Prepared, year: int, universe: BoolArray, default_rank: FloatArray,
            spec: MonteCarloSpec | None = None) -> Uncertainty:
    """Run the Monte Carlo and leave-one-out analysis of ``year`` for the ``universe`` countries.

    ``universe`` and ``default_rank`` are aligned with the panel's countries.
    """
    cfg = prep.config
    spec = spec or cfg.monte_carlo
    yi = prep.year_index(year)
    idx = np.flatnonzero(np.asarray(universe, dtype=bool))
    pillars: dict[tuple[int, str], FloatArray] = {}
    elig: dict[int, BoolArray] = {}
    for window in set(spec.carry_forward_years) | {cfg.carry_forward_years}:
        for norm in set(spec.normalizations) | {cfg.normalization}:
            scores, count = prep.pillars(norm, window)
            pillars[(window, norm)] = scores[idx, yi, :]
            elig[window] = eligible(count[idx, yi, :], prep.n_indicators, cfg.min_share_per_pillar)
    base = np.array([cfg.weights[p] for p in cfg.pillar_ids])
    everyone = np.ones(idx.size, dtype=bool)
    mc = monte_carlo(pillars, elig, everyone, base, spec, cfg.geometric_floor)
    q = quantiles(mc.ranks, [0.05, 0.5, 0.95])
    corr = weight_rank_correlation(mc.ranks, mc.draws.weights)
    absolute = np.where(np.isnan(corr), -1.0, np.abs(corr))
    best = absolute.argmax(axis=1)
    has_best = absolute.max(axis=1) >= 0
    ids = np.array(cfg.pillar_ids, dtype=object)
    iso3 = np.array(prep.panel.iso3, dtype=object)[idx]
    rank = np.asarray(default_rank, dtype=float)[idx]
    countries = {
        "iso3": iso3, "year": np.full(idx.size, year, dtype=np.int16), "rank": rank,
        "median_rank": q[:, 1], "p5_rank": q[:, 0], "p95_rank": q[:, 2],
        "share_ranked": (~np.isnan(mc.ranks)).mean(axis=1),
        "most_influential_pillar": np.where(has_best, ids[best], None),
        "influence": np.where(has_best, corr[np.arange(idx.size), best], np.nan),
        "draws": np.full(idx.size, spec.draws, dtype=np.int32),
    }
    default_x = pillars[(cfg.carry_forward_years, cfg.normalization)]
    ok = elig[cfg.carry_forward_years]
    loo = leave_one_out(default_x, ok, base, cfg.aggregation, cfg.geometric_floor)
    pq = quantiles(mc.pillar_ranks.transpose(0, 2, 1), [0.05, 0.95])            # (C, P, 2)
    p_rank = np.stack([rank_desc(np.nan_to_num(default_x[:, p]), ok) for p in range(ids.size)], axis=-1)
    cc, pp = np.meshgrid(np.arange(idx.size), np.arange(ids.size), indexing="ij")
    c, p = cc.ravel(), pp.ravel()
    per_pillar = {
        "iso3": iso3[c], "year": np.full(c.size, year, dtype=np.int16), "pillar": ids[p],
        "weight_rank_corr": corr[c, p], "rank_without_pillar": loo[c, p],
        "rank_shift_without_pillar": loo[c, p] - rank[c],
        "pillar_rank": p_rank[c, p], "pillar_rank_p5": pq[c, p, 0], "pillar_rank_p95": pq[c, p, 1],
    }
    return Uncertainty(year, iso3.tolist(), countries, per_pillar, mc)
