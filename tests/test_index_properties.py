"""Properties of the Digital Development Index that must hold for any data (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from etl.index import aggregate as agg
from etl.index import reweight
from etl.index import transform as tf
from etl.index import uncertainty as unc
from etl.index.config import MonteCarloSpec, parse_config
from etl.index.scores import compute

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIPELINE = settings(SETTINGS, max_examples=30)          # examples that run the whole pipeline
METHODS = st.sampled_from(["minmax", "zscore"])
AGGREGATIONS = st.sampled_from(["arithmetic", "geometric"])
MEMBERSHIP = [0, 0, 1, 1, 2]          # five indicators in three pillars
CODES = ["I0", "I1", "I2", "I3", "I4"]
COUNTRIES = ["C0", "C1", "C2", "C3", "C4", "C5"]
YEARS = [2020, 2021]

values_strategy = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
weights_strategy = arrays(float, 3, elements=st.floats(min_value=0.01, max_value=10))


def config(*, natural: bool = False, log: bool = False) -> Any:
    """Three pillars over indicators I0..I4; optionally fixed natural goalposts or a log transform on I4."""
    pillars = []
    for p in range(3):
        inds = []
        for code, m in zip(CODES, MEMBERSHIP, strict=True):
            if m != p:
                continue
            spec: dict[str, Any] = {"code": code}
            if natural:
                spec["goalposts"] = [-1e6, 1e6]
            if log and code == "I4":
                spec.update(log=True, log_shift=1)
            inds.append(spec)
        pillars.append({"id": f"p{p}", "name_en": f"P{p}", "name_zh": f"支柱{p}", "indicators": inds})
    return parse_config({
        "years": {"first": 2020, "min_ranked_share_of_peak": 0.0, "max_imputed_share": 1.0},
        "carry_forward_years": 1, "min_share_per_pillar": 0.5,
        "normalization": {"goalposts": {"lower_quantile": 0.05, "upper_quantile": 0.95}},
        "pillars": pillars,
        "monte_carlo": {"draws": 20, "seed": 1, "carry_forward_years": [1]},
    })


def frame(values: np.ndarray) -> pd.DataFrame:
    """Long observations from a (country, year, indicator) array; NaN cells are absent rows."""
    c, y, i = np.nonzero(~np.isnan(values))
    return pd.DataFrame({"iso3": np.array(COUNTRIES)[c], "indicator": np.array(CODES)[i],
                         "year": np.array(YEARS)[y], "value": values[c, y, i]})


panel_strategy = arrays(float, (len(COUNTRIES), len(YEARS), len(CODES)),
                        elements=st.one_of(values_strategy, st.just(np.nan)))
full_panel_strategy = arrays(float, (len(COUNTRIES), len(YEARS), len(CODES)), elements=values_strategy)


def _score(raw: np.ndarray, scalings: list[tf.Scaling], method: str, weights: np.ndarray, aggregation: str
           ) -> np.ndarray:
    norm = np.stack([tf.normalize(raw[:, k], s, method) for k, s in enumerate(scalings)], axis=-1)
    pillars, count = agg.pillar_means(norm, MEMBERSHIP, 3)
    out = agg.aggregate(np.nan_to_num(pillars), weights, aggregation)
    return np.where(agg.eligible(count, [2, 2, 1], 0.5), out, np.nan)


@SETTINGS
@given(raw=arrays(float, (4, 5), elements=values_strategy), method=METHODS, aggregation=AGGREGATIONS,
       weights=weights_strategy, country=st.integers(0, 3), k=st.integers(0, 4),
       delta=st.floats(min_value=0, max_value=1e6), lows=arrays(float, 5, elements=st.floats(-1e5, 1e5)),
       spans=arrays(float, 5, elements=st.floats(1e-3, 1e5)))
def test_raising_a_higher_is_better_indicator_never_lowers_the_score(
        raw: np.ndarray, method: str, aggregation: str, weights: np.ndarray, country: int, k: int, delta: float,
        lows: np.ndarray, spans: np.ndarray) -> None:
    scalings = [tf.Scaling(f"I{j}", lower=lows[j], upper=lows[j] + spans[j], mean=lows[j] + spans[j] / 2,
                           sd=spans[j] / 4, n=1) for j in range(5)]
    before = _score(raw, scalings, method, weights, aggregation)
    raised = raw.copy()
    raised[country, k] += delta
    after = _score(raised, scalings, method, weights, aggregation)
    assert after[country] >= before[country] - 1e-9


@PIPELINE
@given(values=full_panel_strategy, country=st.integers(0, len(COUNTRIES) - 1), k=st.integers(0, 4),
       delta=st.floats(min_value=0, max_value=1e5))
def test_raising_a_value_never_lowers_the_published_score(values: np.ndarray, country: int, k: int,
                                                           delta: float) -> None:
    cfg = config(natural=True)                         # fixed goalposts: the whole pipeline, end to end
    before = compute(frame(values), COUNTRIES, cfg).scores.set_index(["iso3", "year"])["score"]
    raised = values.copy()
    raised[country, -1, k] += delta
    after = compute(frame(raised), COUNTRIES, cfg).scores.set_index(["iso3", "year"])["score"]
    key = (COUNTRIES[country], YEARS[-1])
    assert after[key] >= before[key] - 1e-9


@PIPELINE
@given(values=panel_strategy, weights=weights_strategy, log=st.booleans())
def test_scores_stay_in_range(values: np.ndarray, weights: np.ndarray, log: bool) -> None:
    assume((~np.isnan(values)).any(axis=(0, 1)).all())          # every indicator observed somewhere
    res = compute(frame(values), COUNTRIES, config(log=log))
    for col in ("minmax", "zscore"):
        assert res.indicator_scores[col].between(0, 100).all()
    assert res.pillar_scores["score"].between(0, 100).all()
    assert res.scores["score"].dropna().between(0, 100).all()
    ranked = res.scores[res.scores["ranked"]]
    if ranked.empty:
        return
    pre = reweight.precompute(res.pillar_scores, res.scores, res.prepared.config, year=int(ranked["year"].max()))
    for method in ("minmax", "zscore"):
        for aggregation in ("arithmetic", "geometric"):
            out = reweight.rescore(pre, weights, method, aggregation)
            assert out["score"].between(0, 100 + 1e-9).all()
            assert out["rank"].between(1, len(out)).all() and out["rank"].min() == 1


@PIPELINE
@given(values=arrays(float, (len(COUNTRIES), len(YEARS), len(CODES)),
                     elements=st.floats(min_value=1e-3, max_value=1e6)),
       k=st.integers(0, 4), factor=st.floats(min_value=1e-3, max_value=1e3), log=st.booleans())
def test_minmax_results_do_not_depend_on_units(values: np.ndarray, k: int, factor: float, log: bool) -> None:
    cfg = config()
    if log:   # a log without shift is also unit-free: log(c x) = log c + log x
        cfg = parse_config({**cfg.raw, "pillars": [
            {**p, "indicators": [{**i, "log": True, "log_shift": 0} for i in p["indicators"]]}
            for p in cfg.raw["pillars"]]})
    before = compute(frame(values), COUNTRIES, cfg)
    scaled = values.copy()
    scaled[..., k] *= factor
    after = compute(frame(scaled), COUNTRIES, cfg)
    np.testing.assert_allclose(after.indicator_scores["minmax"], before.indicator_scores["minmax"], atol=1e-7)
    np.testing.assert_allclose(after.scores["score"], before.scores["score"], atol=1e-7)


@SETTINGS
@given(pillars=arrays(float, (8, 3), elements=st.floats(0, 100)), seed=st.integers(0, 2**32 - 1),
       perturbation=st.floats(0, 0.9), weights=weights_strategy)
def test_same_seed_same_result(pillars: np.ndarray, seed: int, perturbation: float, weights: np.ndarray) -> None:
    inputs = {(w, n): pillars for w in (1, 2) for n in ("minmax", "zscore")}
    eligible = {1: np.arange(8) % 3 != 0, 2: np.ones(8, dtype=bool)}
    spec = MonteCarloSpec(draws=100, seed=seed, weight_perturbation=perturbation, carry_forward_years=(1, 2))
    a = unc.monte_carlo(inputs, eligible, np.ones(8, dtype=bool), weights, spec)
    b = unc.monte_carlo(inputs, eligible, np.ones(8, dtype=bool), weights, spec)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.pillar_ranks, b.pillar_ranks)
    np.testing.assert_array_equal(a.draws.weights, b.draws.weights)
    ranked = ~np.isnan(a.ranks)
    assert (a.ranks[ranked] >= 1).all() and (a.ranks[ranked] <= 8).all()
    # within a draw, the ranks of the eligible countries are 1..n exactly once
    for d in range(0, 100, 17):
        got = np.sort(a.ranks[ranked[:, d], d])
        assert (got == np.arange(1, got.size + 1)).all()


@SETTINGS
@given(weights=weights_strategy, k=st.floats(min_value=1e-3, max_value=1e3), method=METHODS,
       aggregation=AGGREGATIONS, pillars=arrays(float, (6, 3), elements=st.floats(0, 100)))
def test_rescore_depends_only_on_relative_weights(weights: np.ndarray, k: float, method: str, aggregation: str,
                                                  pillars: np.ndarray) -> None:
    pre = reweight.Precomputed(2023, np.array(COUNTRIES), ("p0", "p1", "p2"), {"minmax": pillars,
                               "zscore": pillars}, np.arange(1.0, 7.0), np.full(3, 1 / 3), 1.0)
    a = reweight.rescore(pre, weights, method, aggregation)
    b = reweight.rescore(pre, weights * k, method, aggregation)
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(values=arrays(float, 12, elements=st.one_of(st.floats(-100, 100), st.just(np.nan))),
       window=st.integers(0, 4))
def test_carry_forward_only_copies_recent_observations(values: np.ndarray, window: int) -> None:
    filled, age = tf.carry_forward(values, window)
    for t in range(values.size):
        if np.isnan(filled[t]):
            assert np.isnan(values[max(0, t - window):t + 1]).all()
        else:
            a = int(age[t])
            assert 0 <= a <= window and filled[t] == values[t - a]
            assert np.isnan(values[t - a + 1:t + 1]).all()            # the latest observation, none newer
