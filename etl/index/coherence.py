"""Internal coherence (OECD/JRC Handbook, step 4 "multivariate analysis"): correlations of indicators within
and across pillars, Cronbach's alpha, and indicators that point the wrong way. Pure numpy (:func:`coherence` takes
and gives pandas frames).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from etl.index.columns import Columns, frame, from_rows, text
from etl.index.transform import FloatArray

if TYPE_CHECKING:
    import pandas as pd


def cronbach_alpha(items: pd.DataFrame | FloatArray) -> tuple[float, int]:
    """Cronbach's alpha of the items (columns) over complete rows, and the number of rows used.

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the item sum). NaN with fewer than two
    items or rows, or a constant sum.
    """
    x = np.asarray(items, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan"), int(n)
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan"), int(n)
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)), int(n)


def pearson(a: FloatArray, b: FloatArray) -> tuple[float, int]:
    """Pearson correlation over the rows where both are present, and that number of rows (NaN below 3)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    n = int(ok.sum())
    if n < 3:
        return float("nan"), n
    x, y = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return (float(np.clip((x * y).sum() / denom, -1.0, 1.0)) if denom > 0 else float("nan")), n


def _row_means(x: FloatArray) -> FloatArray:
    have = ~np.isnan(x)
    n = have.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(have, x, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def _best_other(x: FloatArray, pillars: Mapping[str, FloatArray], own: str) -> tuple[str | None, float]:
    rs = {q: pearson(x, v)[0] for q, v in pillars.items() if q != own}
    rs = {q: r for q, r in rs.items() if not np.isnan(r)}
    if not rs:
        return None, float("nan")
    best = max(rs, key=lambda q: rs[q])
    return best, rs[best]


def correlations(x: FloatArray, names: Sequence[str]) -> Columns:
    """Pairwise-complete Pearson correlations of every pair of the columns of ``x`` (rows x ``names``), long:
    a, b, r, n (r NaN below three rows or for a constant column)."""
    x = np.asarray(x, dtype=float)
    have = (~np.isnan(x)).astype(float)
    counts = have.T @ have
    m = len(names)
    r = np.full((m, m), np.nan)
    for i in range(m):
        for j in range(i, m):
            r[i, j] = r[j, i] = pearson(x[:, i], x[:, j])[0]
    a, b = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    cols = text(names)
    return {"a": cols[a.ravel()], "b": cols[b.ravel()], "r": r[a.ravel(), b.ravel()],
            "n": counts[a.ravel(), b.ravel()].astype(np.int64)}


def coherence(indicators: pd.DataFrame, pillar_of: Mapping[str, str], pillars: pd.DataFrame, index: pd.Series,
              pillar_order: Sequence[str], weak: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`coherence_tables` of frames (countries x indicator codes, countries x pillar ids, the index), as
    frames."""
    stats, corr = coherence_tables(indicators.to_numpy(dtype=float), list(indicators.columns), pillar_of,
                                   pillars[list(pillar_order)].to_numpy(dtype=float), index.to_numpy(dtype=float),
                                   pillar_order, weak)
    return frame(stats), frame(corr)


def coherence_tables(indicators: FloatArray, codes: Sequence[str], pillar_of: Mapping[str, str],
                     pillars: FloatArray, index: FloatArray, pillar_order: Sequence[str],
                     weak: float = 0.3) -> tuple[Columns, Columns]:
    """Coherence statistics of one year's ranked countries.

    ``indicators`` (countries x ``codes``) are normalised, direction-adjusted scores (higher = better), NaN where
    missing; ``pillars`` (countries x ``pillar_order``) and ``index`` are the scores built from them.
    Returns (statistics, correlations). Per indicator: ``r_pillar`` is the correlation with the mean of the
    other indicators of its pillar (corrected item-total), ``r_index`` with the index, ``best_other_pillar``
    the other pillar it correlates with most. It points the wrong way if ``r_pillar`` (or, in a pillar of
    one, ``r_index``) is negative; it is weak below ``weak``. Per pillar and for the index: Cronbach's alpha
    of their items over complete rows.
    """
    codes = list(codes)
    ind = np.asarray(indicators, dtype=float)
    pillars = np.asarray(pillars, dtype=float)
    pil = {q: pillars[:, n] for n, q in enumerate(pillar_order)}
    idx = np.asarray(index, dtype=float)
    rows = []
    for k, code in enumerate(codes):
        pid = pillar_of[code]
        mates = [j for j, c in enumerate(codes) if pillar_of[c] == pid and j != k]
        rest = _row_means(ind[:, mates]) if mates else np.full(len(ind), np.nan)
        r_p, n = pearson(ind[:, k], rest)
        r_i, _ = pearson(ind[:, k], idx)
        best, r_b = _best_other(ind[:, k], pil, pid)
        key = r_p if not np.isnan(r_p) else r_i
        notes = []
        if not np.isnan(key) and key < 0:
            notes.append("points the wrong way: negatively correlated with the rest of its pillar")
        elif not np.isnan(key) and key < weak:
            notes.append(f"weak: correlation with the rest of its pillar below {weak:g}")
        if best is not None and not np.isnan(r_p) and r_b > r_p:
            notes.append(f"correlates more with {best} than with its own pillar")
        rows.append({"level": "indicator", "id": code, "pillar": pid, "n_countries": n, "n_items": 1,
                     "r_pillar": r_p, "r_index": r_i, "best_other_pillar": best, "r_best_other": r_b,
                     "cronbach_alpha": np.nan, "wrong_direction": bool(not np.isnan(key) and key < 0),
                     "weak": bool(not np.isnan(key) and key < weak), "note": "; ".join(notes) or None})
    for pid in pillar_order:
        cols = [j for j, c in enumerate(codes) if pillar_of[c] == pid]
        alpha, n = cronbach_alpha(ind[:, cols])
        r_i, _ = pearson(pil[pid], idx)
        best, r_b = _best_other(pil[pid], pil, pid)
        rows.append({"level": "pillar", "id": pid, "pillar": pid, "n_countries": n, "n_items": len(cols),
                     "r_pillar": np.nan, "r_index": r_i, "best_other_pillar": best, "r_best_other": r_b,
                     "cronbach_alpha": alpha, "wrong_direction": bool(not np.isnan(r_i) and r_i < 0),
                     "weak": bool(not np.isnan(r_i) and r_i < weak),
                     "note": "Cronbach's alpha over complete rows" if len(cols) > 1 else "one indicator"})
    for level, items, note in (("index", pillars, "alpha of the pillars"),
                               ("all_indicators", ind, "alpha of all indicators, complete rows only")):
        alpha, n = cronbach_alpha(items)
        rows.append({"level": level, "id": level, "pillar": None, "n_countries": n, "n_items": items.shape[1],
                     "r_pillar": np.nan, "r_index": np.nan, "best_other_pillar": None, "r_best_other": np.nan,
                     "cronbach_alpha": alpha, "wrong_direction": False, "weak": False, "note": note})
    together = np.column_stack([ind, pillars, idx])
    return from_rows(rows), correlations(together, [*codes, *pillar_order, "index"])
