"""Pillar scores, the eligibility rule, aggregation and ranks: pure numpy, no I/O.

Indicator arrays have the indicator on the last axis; pillar arrays the pillar on the last axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from etl.index.transform import BoolArray, FloatArray, IntArray

Weights = Sequence[float] | FloatArray


def pillar_means(scores: FloatArray, membership: Sequence[int], n_pillars: int,
                 indicator_weights: Sequence[float] | None = None) -> tuple[FloatArray, IntArray]:
    """Weighted mean of the available indicator scores of each pillar, and how many are available.

    ``scores`` has indicators on the last axis; ``membership[i]`` is indicator i's pillar position.
    A pillar with no available indicator is NaN.
    """
    s = np.asarray(scores, dtype=float)
    member = np.asarray(membership, dtype=int)
    w = np.ones(member.size) if indicator_weights is None else np.asarray(indicator_weights, dtype=float)
    have = ~np.isnan(s)
    filled = np.where(have, s, 0.0)
    shape = s.shape[:-1] + (n_pillars,)
    total = np.zeros(shape)
    weight = np.zeros(shape)
    count = np.zeros(shape, dtype=np.int64)
    for p in range(n_pillars):
        cols = np.flatnonzero(member == p)
        total[..., p] = (filled[..., cols] * w[cols]).sum(axis=-1)
        weight[..., p] = (have[..., cols] * w[cols]).sum(axis=-1)
        count[..., p] = have[..., cols].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    return means, count


def pillar_counts(mask: BoolArray, membership: Sequence[int], n_pillars: int) -> IntArray:
    """How many indicators of each pillar are True in ``mask`` (indicators on the last axis)."""
    m = np.asarray(mask, dtype=bool)
    member = np.asarray(membership, dtype=int)
    out = np.zeros(m.shape[:-1] + (n_pillars,), dtype=np.int64)
    for p in range(n_pillars):
        out[..., p] = m[..., member == p].sum(axis=-1)
    return out


def eligible(available: IntArray, n_indicators: Sequence[int], min_share: float) -> BoolArray:
    """True where every pillar has at least ``min_share`` of its indicators (and at least one)."""
    n = np.asarray(n_indicators, dtype=float)
    a = np.asarray(available)
    return np.all((a >= np.ceil(min_share * n - 1e-9)) & (a >= 1), axis=-1)


def reason(available: Sequence[int], n_indicators: Sequence[int], pillar_ids: Sequence[str],
           min_share: float) -> str | None:
    """Why a country-year is not ranked (e.g. ``"innovation: 1 of 4 indicators"``), or None if it is."""
    if sum(int(a) for a in available) == 0:
        return "no data for any indicator"
    short = [f"{pid}: {int(a)} of {int(n)} indicators" for pid, a, n in zip(pillar_ids, available, n_indicators,
                                                                            strict=True)
             if a < np.ceil(min_share * n - 1e-9) or a < 1]
    return "; ".join(short) or None


def normalized_weights(weights: Weights) -> FloatArray:
    """Pillar weights scaled to sum to one along the last axis; they must be non-negative, not all zero."""
    w = np.asarray(weights, dtype=float)
    if np.any(w < 0) or np.any(~np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    total = w.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("weights must not all be zero")
    return w / total


def aggregate(pillars: FloatArray, weights: Weights, method: str,
              floor: float = 1.0) -> FloatArray:
    """Combine pillar scores (pillar on the last axis) into the index.

    ``arithmetic``: sum of w_p * x_p; ``geometric``: product of max(x_p, floor) ** w_p, with weights
    normalised to sum to one. ``weights`` is one vector (P,) or, for many weight sets at once, (D, P), which
    gives a result with a trailing draws axis D.
    """
    x = np.asarray(pillars, dtype=float)
    w = normalized_weights(weights)
    if method == "arithmetic":
        return weighted_sums(x, w)
    if method == "geometric":
        return np.exp(weighted_sums(np.log(np.maximum(x, floor)), w))
    raise ValueError(f"unknown aggregation {method!r}")


def weighted_sums(x: FloatArray, w: FloatArray) -> FloatArray:
    """``x @ w.T`` (the last axis of ``x`` against the last of ``w``, one vector or a matrix) added in one fixed
    order, by numpy's einsum rather than BLAS: a threaded BLAS product may add in another order with another
    number of threads (runs with one and with two OpenBLAS threads stored different Monte Carlo ranks)."""
    return np.einsum("...p,p->..." if w.ndim == 1 else "...p,dp->...d", x, w)


def rank_desc(scores: FloatArray, mask: BoolArray | None = None) -> FloatArray:
    """Competition ranks (1 = highest score; ties share the best rank) along axis 0; NaN where masked or NaN."""
    s = np.asarray(scores, dtype=float)
    one = s.ndim == 1
    if one:
        s = s[:, None]
    ok = ~np.isnan(s)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        ok &= m[:, None] if one else m
    key = np.where(ok, -s, np.inf)
    order = np.sort(key, axis=0)
    ranks = np.empty_like(key)
    for j in range(key.shape[1]):
        ranks[:, j] = np.searchsorted(order[:, j], key[:, j], side="left") + 1
    ranks = np.where(ok, ranks, np.nan)
    return ranks[:, 0] if one else ranks


def ordinal_ranks(scores: FloatArray, mask: BoolArray) -> FloatArray:
    """Fast ranks along axis 0 for many columns (1 = highest; ties by position); NaN where masked."""
    key = np.where(mask, -np.asarray(scores, dtype=float), np.inf)
    order = np.argsort(key, axis=0, kind="stable")
    positions = np.arange(1, key.shape[0] + 1, dtype=float).reshape((-1,) + (1,) * (key.ndim - 1))
    ranks = np.empty(key.shape, dtype=float)
    np.put_along_axis(ranks, order, np.broadcast_to(positions, key.shape), axis=0)
    return np.where(mask, ranks, np.nan)
