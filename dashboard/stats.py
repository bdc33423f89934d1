"""Pure statistics for the pages: ranks, changes, percentiles. DataFrames in, numbers out."""

from __future__ import annotations

from collections.abc import Collection

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


def value_at(series: pd.DataFrame, year: int) -> float | None:
    """The value of a (year, value) series in ``year``, or None."""
    hit = series[series["year"] == year]
    return float(hit["value"].iloc[0]) if not hit.empty else None


def change(series: pd.DataFrame, years: int = 5) -> tuple[int, float, int, float] | None:
    """(latest year, latest value, year - ``years``, value then) of a (year, value) series, if both exist."""
    if series.empty:
        return None
    last = int(series["year"].max())
    before = value_at(series, last - years)
    latest = value_at(series, last)
    if before is None or latest is None:
        return None
    return last, latest, last - years, before


def relative_to_base(values: list[float], years: list[int], base_year: int) -> list[float] | None:
    """The % change of each value from the value in ``base_year``; None if there is none (or it is 0)."""
    base = dict(zip(years, values, strict=True)).get(base_year)
    if not base:
        return None
    return [100.0 * (v / base - 1.0) for v in values]
