"""Live re-weighting for the dashboard: precompute one year's pillar matrices once, then each new set of
weights or method is a few numpy operations on a (countries x pillars) array.

    pre = precompute(read.index_pillar_scores(), read.index_scores())
    table = rescore(pre, {"connectivity": 2, "innovation": 1, "digital_economy": 1, "skills": 1},
                    normalization="zscore", aggregation="geometric")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.index.aggregate import aggregate, normalized_weights, rank_desc
from etl.index.config import AGGREGATIONS, NORMALIZATIONS, IndexConfig, load_config
from etl.index.transform import FloatArray


@dataclass(frozen=True)
class Precomputed:
    """One year's pillar scores of the ranked countries, per normalisation, and the default ranking."""

    year: int
    iso3: np.ndarray                     # (C,) ranked countries
    pillar_ids: tuple[str, ...]
    pillars: dict[str, FloatArray]       # normalization -> (C, P)
    default_rank: FloatArray             # (C,)
    default_weights: FloatArray          # (P,), summing to one
    geometric_floor: float


def precompute(pillar_scores: pd.DataFrame, scores: pd.DataFrame, config: IndexConfig | None = None,
               year: int | None = None) -> Precomputed:
    """Build the matrices from ``index_pillar_scores`` and ``index_scores`` rows (default: their latest year).

    Only countries ranked with the default settings are included; their eligibility does not depend on
    weights or methods.
    """
    cfg = config or load_config()
    yr = int(year if year is not None else scores.loc[scores["ranked"].astype(bool), "year"].max())
    s = scores[(scores["year"] == yr) & scores["ranked"].astype(bool)].sort_values(["rank", "iso3"])
    iso3 = s["iso3"].to_numpy()
    ids = tuple(cfg.pillar_ids)
    ps = pillar_scores[pillar_scores["year"] == yr]
    mats = {}
    for norm in NORMALIZATIONS:
        wide = ps[ps["normalization"] == norm].pivot(index="iso3", columns="pillar", values="score")
        mats[norm] = wide.reindex(index=iso3, columns=list(ids)).to_numpy(dtype=float)
        if np.isnan(mats[norm]).any():
            raise ValueError(f"pillar scores ({norm}, {yr}) are missing for a ranked country")
    return Precomputed(yr, iso3, ids, mats, s["rank"].to_numpy(dtype=float),
                       np.array([cfg.weights[p] for p in ids]), cfg.geometric_floor)


def _weights(pre: Precomputed, weights: Mapping[str, float] | Sequence[float] | None) -> FloatArray:
    if weights is None:
        return pre.default_weights
    if isinstance(weights, Mapping):
        unknown = set(weights) - set(pre.pillar_ids)
        if unknown:
            raise ValueError(f"unknown pillar(s) {sorted(unknown)}; pillars are {list(pre.pillar_ids)}")
        w = np.array([float(weights.get(p, 0.0)) for p in pre.pillar_ids])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(pre.pillar_ids),):
            raise ValueError(f"expected {len(pre.pillar_ids)} weights, got {w.shape}")
    return normalized_weights(w)


def rescore(pre: Precomputed, weights: Mapping[str, float] | Sequence[float] | None = None,
            normalization: str = "minmax", aggregation: str = "arithmetic") -> pd.DataFrame:
    """The ranking for new pillar weights (any non-negative numbers, rescaled to sum to one) and methods.

    Columns: iso3, score, rank, default_rank, rank_change (positive = higher than with the default
    settings), then one column per pillar score; sorted by rank.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}")
    x = pre.pillars[normalization]
    score = aggregate(x, _weights(pre, weights), aggregation, pre.geometric_floor)
    rank = rank_desc(score)
    order = np.lexsort((pre.iso3, rank))
    out = pd.DataFrame({"iso3": pre.iso3[order], "score": score[order], "rank": rank[order],
                        "default_rank": pre.default_rank[order],
                        "rank_change": (pre.default_rank - rank)[order]})
    for k, pid in enumerate(pre.pillar_ids):
        out[pid] = x[order, k]
    return out
