"""Imputation, transformation and normalisation of indicator values: pure numpy, no I/O.

Arrays hold one indicator's values (any shape) or a stack of indicators with the indicator on the last axis;
missing values are NaN throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from etl.index.config import IndicatorSpec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def carry_forward(values: FloatArray, window: int, axis: int = -1) -> tuple[FloatArray, FloatArray]:
    """Carry each latest observed value forward along ``axis`` (consecutive years) for at most ``window`` steps.

    Returns the filled values and their age (steps since the observation: 0 = observed, NaN = missing).
    Nothing is carried backwards.
    """
    v = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    n = v.shape[-1]
    steps = np.arange(n)
    last = np.where(np.isnan(v), -1, steps)
    last = np.maximum.accumulate(last, axis=-1)
    age = (steps - last).astype(float)
    filled = np.take_along_axis(v, np.clip(last, 0, None), axis=-1)
    ok = (last >= 0) & (age <= window)
    filled = np.where(ok, filled, np.nan)
    age = np.where(ok, age, np.nan)
    return np.moveaxis(filled, -1, axis), np.moveaxis(age, -1, axis)


def transform(values: FloatArray, spec: IndicatorSpec) -> FloatArray:
    """The indicator's transform: ``log10(max(x, 0) + log_shift)`` if configured, else the values unchanged.

    Values that the log cannot take (zero with no shift) become NaN, i.e. missing.
    """
    x = np.asarray(values, dtype=float)
    if not spec.log:
        return x
    shifted = np.maximum(x, 0.0) + spec.log_shift
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(shifted)
    return np.where(shifted > 0, out, np.nan)


@dataclass(frozen=True)
class Scaling:
    """Fixed normalisation parameters of one indicator, on the transformed scale."""

    code: str
    lower: float          # min-max goalposts
    upper: float
    mean: float           # z-score parameters
    sd: float
    n: int                # observed country-years they were computed from
    higher_is_better: bool = True
    natural_goalposts: bool = False


def fit_scaling(observed: FloatArray, spec: IndicatorSpec, lower_quantile: float = 0.0,
                upper_quantile: float = 1.0) -> Scaling:
    """Goalposts (pooled quantiles, or the configured natural ones) and mean/sd of transformed observed values.

    ``observed`` are transformed values pooled over all countries and years (NaN ignored).
    """
    x = np.asarray(observed, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError(f"{spec.code}: no observed values to set goalposts")
    if spec.goalposts is not None:
        lo, hi = (float(v) for v in transform(np.array(spec.goalposts, dtype=float), spec))
    else:
        lo, hi = (float(v) for v in np.quantile(x, [lower_quantile, upper_quantile]))
        if not hi > lo:   # a (near-)constant indicator: fall back to the full range
            lo, hi = float(x.min()), float(x.max())
    sd = float(x.std())
    return Scaling(code=spec.code, lower=lo, upper=hi, mean=float(x.mean()), sd=sd, n=int(x.size),
                   higher_is_better=spec.higher_is_better, natural_goalposts=spec.goalposts is not None)


def minmax(values: FloatArray, scaling: Scaling) -> FloatArray:
    """Min-max score on 0-100 with fixed goalposts, clipped; reversed when lower is better."""
    x = np.asarray(values, dtype=float)
    span = scaling.upper - scaling.lower
    if not span > 0:   # degenerate goalposts: every value is at the middle
        return np.where(np.isnan(x), np.nan, 50.0)
    out = np.clip((x - scaling.lower) / span, 0.0, 1.0) * 100.0
    return out if scaling.higher_is_better else 100.0 - out


def zscore(values: FloatArray, scaling: Scaling, center: float = 50.0, scale: float = 10.0) -> FloatArray:
    """z-score with fixed mean and sd, shown as ``center + scale * z`` clipped to 0-100; reversed when lower
    is better."""
    x = np.asarray(values, dtype=float)
    z = (x - scaling.mean) / scaling.sd if scaling.sd > 0 else np.where(np.isnan(x), np.nan, 0.0)
    if not scaling.higher_is_better:
        z = -z
    return np.clip(center + scale * z, 0.0, 100.0)


def normalize(values: FloatArray, scaling: Scaling, method: str, *, center: float = 50.0,
              scale: float = 10.0) -> FloatArray:
    """Normalise transformed values by ``method`` (``minmax`` or ``zscore``) to a 0-100 score."""
    if method == "minmax":
        return minmax(values, scaling)
    if method == "zscore":
        return zscore(values, scaling, center, scale)
    raise ValueError(f"unknown normalization {method!r}")


def shape(values: FloatArray) -> tuple[float, float]:
    """Skewness and excess kurtosis (population moments) of the non-missing values; NaN if constant."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    sd = x.std() if x.size else 0.0
    if x.size < 3 or sd == 0:
        return float("nan"), float("nan")
    z = (x - x.mean()) / sd
    return float((z ** 3).mean()), float((z ** 4).mean() - 3.0)
