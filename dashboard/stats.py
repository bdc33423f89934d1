"""Pure statistics for the pages: ranks among groups, changes from a base year, rank correlation (a country's
latest value, rank and 5-year change are the facts layer's, :mod:`etl.facts`)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from etl import facts

HEADLINE = facts.HEADLINE   # defined once, in the facts layer


def rank(values: pd.DataFrame, iso3: str, higher_is_better: bool | None, among: Collection[str] | None = None
         ) -> tuple[int, int] | None:
    """(rank, out of) of ``iso3`` in ``values`` (iso3, value), 1 = best; None if it has no value."""
    frame = values if among is None else values[values["iso3"].isin(among)]
    if iso3 not in set(frame["iso3"]):
        return None
    ascending = higher_is_better is False
    ranks = frame["value"].rank(ascending=ascending, method="min")
    return int(ranks[frame["iso3"] == iso3].iloc[0]), len(frame)


def relative_to_base(values: list[float], years: list[int], base_year: int) -> list[float] | None:
    """The % change of each value from the value in ``base_year``; None if there is none (or it is 0)."""
    base = dict(zip(years, values, strict=True)).get(base_year)
    if not base:
        return None
    return [100.0 * (v / base - 1.0) for v in values]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two columns without gaps (tied values share their mean rank); NaN, as pandas',
    when a column holds one value."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values``, ties given the mean of their ranks (as pandas' ``rank()``)."""
    _, group, counts = np.unique(values, return_inverse=True, return_counts=True)
    return (np.cumsum(counts) - counts + (counts + 1) / 2)[group]
