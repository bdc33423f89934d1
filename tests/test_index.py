"""Digital Development Index, step by step on small examples computed by hand (no warehouse needed)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl import derived
from etl.errors import InputError
from etl.index import aggregate as agg
from etl.index import coherence as coh
from etl.index import reweight as rs
from etl.index import transform as tf
from etl.index import uncertainty as unc
from etl.index.config import INDEX_FILE, IndicatorSpec, MonteCarloSpec, load_config, parse_config
from etl.index.scores import build_panel, compute

NAN = np.nan
SQL = Path(__file__).resolve().parent.parent / "etl" / "sql" / "schema.sql"


def small_config(**overrides: Any) -> dict[str, Any]:
    """Two pillars: 'a' with indicators X1 (natural goalposts 0-100) and X2 (lower is better), 'b' with Y."""
    data: dict[str, Any] = {
        "years": {"first": 2020, "min_ranked_share_of_peak": 0.5, "max_imputed_share": 1.0},
        "carry_forward_years": 1,
        "min_share_per_pillar": 0.5,
        "normalization": {"default": "minmax", "goalposts": {"lower_quantile": 0.0, "upper_quantile": 1.0}},
        "aggregation": {"default": "arithmetic", "geometric_floor": 1.0},
        "pillars": [
            {"id": "a", "name_en": "A", "name_zh": "甲", "weight": 1, "indicators": [
                {"code": "X1", "goalposts": [0, 100]},
                {"code": "X2", "higher_is_better": False}]},
            {"id": "b", "name_en": "B", "name_zh": "乙", "weight": 1, "indicators": [{"code": "Y"}]},
        ],
        "monte_carlo": {"draws": 50, "seed": 7, "weight_perturbation": 0.5, "carry_forward_years": [1]},
    }
    data.update(overrides)
    return data


def obs(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])


# --- imputation and transforms -------------------------------------------------------------------------

def test_carry_forward_at_most_n_years_never_backwards() -> None:
    values = np.array([NAN, 1.0, NAN, NAN, NAN, 5.0, NAN])
    filled, age = tf.carry_forward(values, 2)
    np.testing.assert_array_equal(filled, [NAN, 1, 1, 1, NAN, 5, 5])
    np.testing.assert_array_equal(age, [NAN, 0, 1, 2, NAN, 0, 1])
    filled0, _ = tf.carry_forward(values, 0)
    np.testing.assert_array_equal(filled0, values)


def test_carry_forward_along_an_axis() -> None:
    panel = np.array([[[1.0], [NAN]], [[NAN], [2.0]]])        # (country, year, indicator)
    filled, age = tf.carry_forward(panel, 1, axis=1)
    np.testing.assert_array_equal(filled[:, :, 0], [[1, 1], [NAN, 2]])
    np.testing.assert_array_equal(age[:, :, 0], [[0, 1], [NAN, 0]])


def test_log_transform_with_shift_and_zero() -> None:
    spec = IndicatorSpec("X", "p", log=True, log_shift=1.0)
    np.testing.assert_allclose(tf.transform(np.array([99.0, 0.0, -5.0, NAN]), spec), [2.0, 0.0, 0.0, NAN])
    no_shift = IndicatorSpec("X", "p", log=True, log_shift=0.0)
    assert np.isnan(tf.transform(np.array([0.0]), no_shift)[0])          # log10(0) is missing, not -inf
    plain = IndicatorSpec("X", "p")
    np.testing.assert_array_equal(tf.transform(np.array([3.0]), plain), [3.0])


def test_goalposts_from_pooled_quantiles_or_natural() -> None:
    x = np.arange(0.0, 101.0)                                               # 0..100
    sc = tf.fit_scaling(x, IndicatorSpec("X", "p"), 0.1, 0.9)
    assert (sc.lower, sc.upper) == (10.0, 90.0) and sc.mean == 50.0 and sc.n == 101
    assert sc.sd == pytest.approx(np.sqrt(((x - 50) ** 2).mean()))
    nat = tf.fit_scaling(x, IndicatorSpec("X", "p", log=True, log_shift=1.0, goalposts=(0.0, 999.0)))
    assert (nat.lower, nat.upper) == (0.0, 3.0) and nat.natural_goalposts


def test_minmax_by_hand() -> None:
    sc = tf.Scaling("X", lower=10, upper=30, mean=0, sd=1, n=1)
    np.testing.assert_allclose(tf.minmax(np.array([5, 10, 20, 25, 30, 40, NAN]), sc), [0, 0, 50, 75, 100, 100, NAN])
    rev = tf.Scaling("X", lower=10, upper=30, mean=0, sd=1, n=1, higher_is_better=False)
    np.testing.assert_allclose(tf.minmax(np.array([10, 25]), rev), [100, 25])


def test_zscore_by_hand() -> None:
    sc = tf.Scaling("X", lower=0, upper=1, mean=10, sd=2, n=1)
    np.testing.assert_allclose(tf.zscore(np.array([10, 12, 6, 40]), sc), [50, 60, 30, 100])   # 40 is +15 sd: clipped
    rev = tf.Scaling("X", lower=0, upper=1, mean=10, sd=2, n=1, higher_is_better=False)
    np.testing.assert_allclose(tf.zscore(np.array([12.0]), rev), [40])
    with pytest.raises(ValueError):
        tf.normalize(np.array([1.0]), sc, "rank")


def test_shape_moments() -> None:
    skew, kurt = tf.shape(np.array([0.0, 0.0, 0.0, 1.0]))
    # z = (-1/sqrt3, x3, sqrt3): skewness = 2/sqrt3, excess kurtosis = 7/3 - 3
    assert skew == pytest.approx(2 / math.sqrt(3)) and kurt == pytest.approx(7 / 3 - 3)
    assert all(math.isnan(v) for v in tf.shape(np.array([2.0, 2.0, 2.0])))


# --- pillars, eligibility, aggregation, ranks ----------------------------------------------------------

def test_pillar_means_use_available_indicators_and_weights() -> None:
    scores = np.array([[10.0, NAN, 30.0], [NAN, NAN, 50.0], [20.0, 80.0, NAN]])
    means, count = agg.pillar_means(scores, [0, 0, 1], 2)
    np.testing.assert_allclose(means, [[10, 30], [NAN, 50], [50, NAN]])
    np.testing.assert_array_equal(count, [[1, 1], [0, 1], [2, 0]])
    weighted, _ = agg.pillar_means(scores, [0, 0, 1], 2, [3.0, 1.0, 1.0])
    assert weighted[2, 0] == pytest.approx((3 * 20 + 80) / 4)


def test_eligibility_rule_and_reason() -> None:
    n = [5, 4, 4, 2]                                  # need 3, 2, 2, 1 with half of each pillar
    assert agg.eligible(np.array([3, 2, 2, 1]), n, 0.5)
    assert not agg.eligible(np.array([3, 1, 2, 1]), n, 0.5)
    ids = ["connectivity", "innovation", "digital_economy", "skills"]
    assert agg.reason([3, 1, 2, 1], n, ids, 0.5) == "innovation: 1 of 4 indicators"
    assert agg.reason([2, 1, 2, 0], n, ids, 0.5) == ("connectivity: 2 of 5 indicators; innovation: 1 of 4 indicators; "
                                                     "skills: 0 of 2 indicators")
    assert agg.reason([0, 0, 0, 0], n, ids, 0.5) == "no data for any indicator"
    assert agg.reason([3, 2, 2, 1], n, ids, 0.5) is None
    assert not agg.eligible(np.array([1, 0]), [1, 1], 0.0)     # a share of zero still needs one indicator


def test_aggregation_by_hand() -> None:
    assert agg.aggregate(np.array([[60.0, 40.0]]), [3, 1], "arithmetic")[0] == pytest.approx(55)
    assert agg.aggregate(np.array([[100.0, 25.0]]), [1, 1], "geometric")[0] == pytest.approx(50)
    assert agg.aggregate(np.array([[0.0, 100.0]]), [1, 1], "geometric", floor=1.0)[0] == pytest.approx(10)
    # 100 ** 0.75 * 10 ** 0.25 = 10 ** 1.75
    assert agg.aggregate(np.array([[100.0, 10.0]]), [3, 1], "geometric")[0] == pytest.approx(10 ** 1.75)
    many = agg.aggregate(np.array([[60.0, 40.0]]), np.array([[1, 1], [1, 0]]), "arithmetic")
    np.testing.assert_allclose(many, [[50, 60]])                       # one column per weight set
    with pytest.raises(ValueError):
        agg.aggregate(np.array([[1.0, 2.0]]), [0, 0], "arithmetic")
    with pytest.raises(ValueError):
        agg.aggregate(np.array([[1.0, 2.0]]), [1, -1], "arithmetic")
    with pytest.raises(ValueError):
        agg.aggregate(np.array([[1.0, 2.0]]), [1, 1], "harmonic")


def test_ranks_ties_and_masks() -> None:
    np.testing.assert_array_equal(agg.rank_desc(np.array([10.0, 30.0, 30.0, 20.0])), [4, 1, 1, 3])
    np.testing.assert_array_equal(agg.rank_desc(np.array([10.0, 30.0, NAN, 20.0]),
                                                np.array([True, False, True, True])), [2, NAN, NAN, 1])
    two = agg.rank_desc(np.array([[1.0, 5.0], [2.0, 4.0]]))
    np.testing.assert_array_equal(two, [[2, 1], [1, 2]])
    ordinal = agg.ordinal_ranks(np.array([[3.0], [1.0], [2.0]]), np.array([[True], [True], [False]]))
    np.testing.assert_array_equal(ordinal[:, 0], [1, 2, NAN])


# --- the whole pipeline on a hand-made panel -----------------------------------------------------------

def test_compute_by_hand() -> None:
    cfg = parse_config(small_config())
    data = obs([
        # AAA: everything in 2020 and 2021
        ("AAA", "X1", 2020, 50), ("AAA", "X2", 2020, 10), ("AAA", "Y", 2020, 4),
        ("AAA", "X1", 2021, 100), ("AAA", "X2", 2021, 0), ("AAA", "Y", 2021, 8),
        # BBB: Y only observed in 2020, so carried into 2021 (window 1)
        ("BBB", "X1", 2020, 0), ("BBB", "X2", 2020, 20), ("BBB", "Y", 2020, 0),
        ("BBB", "X1", 2021, 20),
        # CCC: no pillar b at all
        ("CCC", "X1", 2021, 10),
    ])
    res = compute(data, ["AAA", "BBB", "CCC"], cfg)
    # goalposts: X2 pooled 0..20 (lower is better), Y pooled 0..8, X1 natural 0..100
    s = res.scores.set_index(["iso3", "year"])
    # AAA 2020: a = mean(50, 100 - 50) = 50, b = 50 -> 50; BBB 2020: a = mean(0, 0) = 0, b = 0 -> 0
    assert s.loc[("AAA", 2020), "score"] == pytest.approx(50)
    assert s.loc[("BBB", 2020), "score"] == pytest.approx(0)
    # 2021: AAA a = mean(100, 100) = 100, b = 100 -> 100;
    # BBB a = mean(20, X2 carried from 2020: 100 - 100 = 0) = 10, b = Y carried from 2020: 0 -> (10 + 0) / 2 = 5
    assert s.loc[("AAA", 2021), "score"] == pytest.approx(100)
    assert s.loc[("BBB", 2021), "score"] == pytest.approx(5)
    assert s.loc[("BBB", 2021), "n_imputed"] == 2                      # X2 and Y carried from 2020
    assert s.loc[("AAA", 2021), "rank"] == 1 and s.loc[("BBB", 2021), "rank"] == 2
    assert math.isnan(s.loc[("CCC", 2021), "rank"])
    assert s.loc[("CCC", 2020), "reason"] == "no data for any indicator"
    assert not s.loc[("CCC", 2021), "ranked"] and s.loc[("CCC", 2021), "reason"] == "b: 0 of 1 indicators"
    assert math.isnan(s.loc[("CCC", 2021), "score"])
    ind = res.indicator_scores.set_index(["iso3", "year", "indicator"])
    assert ind.loc[("BBB", 2021, "Y"), "imputed"] and ind.loc[("BBB", 2021, "Y"), "source_year"] == 2020
    assert ind.loc[("AAA", 2020, "X2"), "minmax"] == pytest.approx(50)
    # z-score of Y for AAA 2021: pooled Y = 4, 8, 0: mean 4, sd sqrt(32/3)
    assert ind.loc[("AAA", 2021, "Y"), "zscore"] == pytest.approx(50 + 10 * 4 / math.sqrt(32 / 3))
    ps = res.pillar_scores.set_index(["iso3", "year", "pillar", "normalization"])
    assert ps.loc[("BBB", 2021, "a", "minmax"), "n_imputed"] == 1
    assert ps.loc[("CCC", 2021, "a", "minmax"), "score"] == pytest.approx(10)   # pillar shown, country unranked
    assert res.latest_year == 2021 and res.years == [2020, 2021]


def test_years_are_published_only_with_enough_ranked_and_few_imputed() -> None:
    cfg = parse_config(small_config(years={"first": 2020, "min_ranked_share_of_peak": 1.0,
                                           "max_imputed_share": 0.2}))
    rows = [(c, i, y, v) for c in ("AAA", "BBB") for i, v in (("X1", 1.0), ("X2", 2.0), ("Y", 3.0))
            for y in (2020, 2021)]
    rows += [("AAA", "X1", 2022, 5.0)]                  # 2022: the rest carried forward, mostly imputed
    res = compute(obs(rows), ["AAA", "BBB"], cfg)
    summary = res.year_summary.set_index("year")
    assert list(summary["published"]) == [True, True, False]
    assert summary.loc[2022, "imputed_share"] == pytest.approx(5 / 6)
    assert res.latest_year == 2021 and 2022 not in set(res.scores["year"])


def test_build_panel_ignores_rows_off_the_axes() -> None:
    panel = build_panel(obs([("AAA", "X", 2020, 1.0), ("ZZZ", "X", 2020, 2.0), ("AAA", "Q", 2020, 3.0)]),
                        ["AAA"], [2020], ["X"])
    assert panel.values.shape == (1, 1, 1) and panel.values[0, 0, 0] == 1.0


# --- uncertainty ----------------------------------------------------------------------------------------

def _mc_inputs() -> tuple[dict, dict, np.ndarray]:
    x = np.array([[90.0, 10.0], [50.0, 50.0], [10.0, 90.0], [40.0, 40.0]])
    return ({(1, "minmax"): x, (1, "zscore"): x * 0.5 + 25},
            {1: np.array([True, True, True, True])}, np.array([True, True, True, True]))


def test_monte_carlo_is_seeded_and_reproducible() -> None:
    pillars, elig, uni = _mc_inputs()
    spec = MonteCarloSpec(draws=200, seed=3, weight_perturbation=0.5, carry_forward_years=(1,))
    a = unc.monte_carlo(pillars, elig, uni, [1, 1], spec)
    b = unc.monte_carlo(pillars, elig, uni, [1, 1], spec)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.draws.weights, b.draws.weights)
    c = unc.monte_carlo(pillars, elig, uni, [1, 1], MonteCarloSpec(draws=200, seed=4, carry_forward_years=(1,)))
    assert not np.array_equal(a.draws.weights, c.draws.weights)
    np.testing.assert_allclose(a.draws.weights.sum(axis=1), 1.0)
    assert set(np.unique(a.ranks)) <= {1.0, 2.0, 3.0, 4.0}
    # the balanced country (50, 50) always beats (40, 40) whatever the weights or method
    assert (a.ranks[1] < a.ranks[3]).all()


def test_monte_carlo_without_perturbation_reproduces_the_default_ranking() -> None:
    pillars, elig, uni = _mc_inputs()
    spec = MonteCarloSpec(draws=20, seed=1, weight_perturbation=0.0, normalizations=("minmax",),
                          aggregations=("arithmetic",), carry_forward_years=(1,))
    mc = unc.monte_carlo(pillars, elig, uni, [1, 1], spec)
    # scores 50, 50, 50, 40: ordinal ties by position
    assert (mc.ranks[:, 0] == [1, 2, 3, 4]).all() and (mc.ranks == mc.ranks[:, :1]).all()


def test_ineligible_in_a_draw_has_no_rank_there() -> None:
    x = np.array([[90.0, 10.0], [50.0, 50.0]])
    pillars = {(w, n): x for w in (1, 2) for n in ("minmax", "zscore")}
    elig = {1: np.array([True, False]), 2: np.array([True, True])}
    mc = unc.monte_carlo(pillars, elig, np.array([True, True]), [1, 1],
                         MonteCarloSpec(draws=100, seed=0, carry_forward_years=(1, 2)))
    short = mc.draws.window == 0
    assert np.isnan(mc.ranks[1, short]).all() and (mc.ranks[0, short] == 1).all()
    assert not np.isnan(mc.ranks[1, ~short]).any()


def test_quantiles_match_numpy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 101))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[3] = np.nan
    got = unc.quantiles(x, [0.05, 0.5, 0.95])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(x, [0.05, 0.5, 0.95], axis=1).T
    np.testing.assert_allclose(got, want)


def test_weight_rank_correlation_by_hand() -> None:
    w = np.array([[0.2, 0.8], [0.4, 0.6], [0.6, 0.4], [0.8, 0.2]])
    ranks = np.array([[4.0, 3.0, 2.0, 1.0],     # more weight on pillar 0 -> better rank
                      [1.0, 1.0, 1.0, 1.0],     # never moves
                      [1.0, NAN, 3.0, 4.0]])    # a missing draw is ignored (rank = 5 * weight)
    corr = unc.weight_rank_correlation(ranks, w)
    np.testing.assert_allclose(corr[0], [-1, 1])
    assert np.isnan(corr[1]).all()
    np.testing.assert_allclose(corr[2], [1, -1])


def test_leave_one_out_by_hand() -> None:
    x = np.array([[90.0, 10.0], [50.0, 50.0], [10.0, 95.0]])
    loo = unc.leave_one_out(x, np.array([True, True, True]), [1, 1], "arithmetic")
    np.testing.assert_array_equal(loo[:, 0], [3, 2, 1])      # without pillar 0: ranked on pillar 1
    np.testing.assert_array_equal(loo[:, 1], [1, 2, 3])


# --- coherence ------------------------------------------------------------------------------------------

def test_cronbach_alpha_by_hand() -> None:
    # variances (ddof 1): item1 1, item2 7/3, sum 19/3 -> alpha = 2 * (1 - (10/3) / (19/3)) = 18/19
    alpha, n = coh.cronbach_alpha(np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0], [NAN, 1.0]]))
    assert alpha == pytest.approx(18 / 19) and n == 3
    assert math.isnan(coh.cronbach_alpha(np.array([[1.0], [2.0]]))[0])


def test_coherence_flags_an_indicator_pointing_the_wrong_way() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=60)
    ind = pd.DataFrame({"A1": base + rng.normal(scale=0.3, size=60), "A2": base + rng.normal(scale=0.3, size=60),
                        "A3": -base + rng.normal(scale=0.3, size=60), "A4": base + rng.normal(scale=0.3, size=60),
                        "B1": base + rng.normal(size=60)})
    pillar_of = {"A1": "a", "A2": "a", "A3": "a", "A4": "a", "B1": "b"}
    pillars = pd.DataFrame({"a": ind[["A1", "A2", "A3", "A4"]].mean(axis=1), "b": ind["B1"]})
    stats, corr = coh.coherence(ind, pillar_of, pillars, pillars.mean(axis=1), ["a", "b"], weak=0.3)
    s = stats.set_index("id")
    assert s.loc["A3", "wrong_direction"] and "wrong way" in s.loc["A3", "note"]
    assert not s.loc["A1", "wrong_direction"] and not s.loc["A1", "weak"]
    assert s.loc["B1", "r_pillar"] != s.loc["B1", "r_pillar"]             # alone in its pillar: NaN
    assert set(s.loc[["a", "b", "index", "all_indicators"], "level"]) == {"pillar", "index", "all_indicators"}
    assert len(corr) == 8 * 8 and corr.query("a == b")["r"].round(12).eq(1).all()
    a1_a2 = corr.query("a == 'A1' and b == 'A2'").iloc[0]
    assert a1_a2["r"] == pytest.approx(np.corrcoef(ind["A1"], ind["A2"])[0, 1]) and a1_a2["n"] == 60


def test_pearson_pairwise_complete() -> None:
    r, n = coh.pearson(np.array([1.0, 2.0, 3.0, NAN]), np.array([2.0, 4.0, 7.0, 1.0]))
    assert n == 3 and r == pytest.approx(np.corrcoef([1, 2, 3], [2, 4, 7])[0, 1])
    assert math.isnan(coh.pearson(np.array([1.0, 2.0]), np.array([1.0, 2.0]))[0])


# --- rescore --------------------------------------------------------------------------------------------

def _precomputed() -> rs.Precomputed:
    ps = pd.DataFrame([(c, 2023, p, n, v) for c, vals in (("AAA", (90, 10)), ("BBB", (50, 50)), ("CCC", (20, 30)))
                       for n in ("minmax", "zscore") for p, v in zip(("a", "b"), vals, strict=True)],
                      columns=["iso3", "year", "pillar", "normalization", "score"])
    scores = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC", "DDD"], "year": 2023, "rank": [1.0, 1.0, 3.0, NAN],
                           "ranked": [True, True, True, False]})
    return rs.precompute(ps, scores, parse_config(small_config()))


def test_rescore_by_hand() -> None:
    pre = _precomputed()
    assert list(pre.iso3) == ["AAA", "BBB", "CCC"]                     # unranked DDD left out
    out = rs.rescore(pre, {"a": 3, "b": 1})
    # AAA 0.75*90 + 0.25*10 = 70, BBB 50, CCC 22.5
    assert list(out["iso3"]) == ["AAA", "BBB", "CCC"]
    np.testing.assert_allclose(out["score"], [70, 50, 22.5])
    np.testing.assert_array_equal(out["rank_change"], [0, -1, 0])
    geo = rs.rescore(pre, [1, 1], aggregation="geometric")              # sqrt(900) = 30 < 50
    assert list(geo["iso3"]) == ["BBB", "AAA", "CCC"] and geo["score"].iloc[1] == pytest.approx(30)
    assert list(geo.columns) == ["iso3", "score", "rank", "default_rank", "rank_change", "a", "b"]
    with pytest.raises(ValueError):
        rs.rescore(pre, {"c": 1})
    with pytest.raises(ValueError):
        rs.rescore(pre, [1, 1, 1])
    with pytest.raises(ValueError):
        rs.rescore(pre, normalization="rank")


# --- configuration --------------------------------------------------------------------------------------

def test_the_configuration_file() -> None:
    cfg = load_config()
    assert cfg.pillar_ids == ["connectivity", "innovation", "digital_economy", "skills", "digital_government"]
    assert [len(p.indicators) for p in cfg.pillars] == [5, 4, 4, 2, 3]
    assert sum(cfg.weights.values()) == pytest.approx(1) and len(set(cfg.weights.values())) == 1   # equal
    assert all(p.name_zh and p.name_en for p in cfg.pillars)
    assert cfg.monte_carlo.draws >= 1000 and cfg.carry_forward_years in cfg.monte_carlo.carry_forward_years
    covered = " ".join(d["dimension_en"].lower() for d in cfg.not_covered)
    for dimension in ("cybersecurity", "governance"):
        assert dimension in covered
    assert "digital government" not in covered   # scored now, in its own pillar
    assert cfg.pillars[-1].wic_dimension.startswith("Internet application")
    assert all(d["reason_en"] and d["reason_zh"] and d["dimension_zh"] for d in cfg.not_covered)
    assert {"DRV.IP.PAT.RESD.P6", "DRV.IP.JRN.ARTC.P6", "DRV.BX.GSR.ROYL.GD.ZS"} <= set(cfg.codes)


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["pillars"][0]["indicators"].append({"code": "Y"}), "code"),
    (lambda d: d["pillars"][1].update(indicators=[]), "indicators"),
    (lambda d: d["normalization"].update(default="rank"), "normalization.default"),
    (lambda d: d["aggregation"].update(default="harmonic"), "aggregation.default"),
    (lambda d: d["pillars"][0]["indicators"][0].update(goalposts=[5, 1]), "goalposts"),
    (lambda d: d["pillars"][0]["indicators"][0].update(higher_is_better="yes"), "higher_is_better"),
    (lambda d: d.update(min_share_per_pillar=1.5), "min_share_per_pillar"),
    (lambda d: d["monte_carlo"].update(draws=0), "monte_carlo.draws"),
    (lambda d: d["pillars"][1].update(id="a"), "id"),
])
def test_bad_configuration_is_rejected_naming_the_key(change: Any, field: str) -> None:
    data = small_config()
    change(data)
    with pytest.raises(InputError) as err:
        parse_config(data, INDEX_FILE)
    assert field in (err.value.field or "")


# --- derived indicators on a tiny warehouse -------------------------------------------------------------

def test_derived_by_hand() -> None:
    con = duckdb.connect()
    con.execute(SQL.read_text())
    con.execute("""INSERT INTO countries (iso3, name_en, is_aggregate, in_wb_list) VALUES
                   ('AAA', 'A', false, true), ('WLD', 'World', true, true)""")
    for code, title in (("IP.PAT.RESD", "Patents"), ("SP.POP.TOTL", "Population")):
        con.execute("""INSERT INTO indicators (code, name_en, title, dataset, license, last_updated, in_catalog,
                       source_org) VALUES (?, ?, ?, 'wdi', 'CC-BY-4.0', DATE '2026-07-01', false, 'Org ' || ?)""",
                    [code, title, title, code])
    con.execute("""INSERT INTO observations VALUES
        ('AAA', 'IP.PAT.RESD', 2020, 50, 'wdi', false), ('AAA', 'SP.POP.TOTL', 2020, 2000000, 'wdi', false),
        ('AAA', 'IP.PAT.RESD', 2021, 60, 'wdi', false),
        ('AAA', 'IP.PAT.RESD', 2022, 7, 'wdi', false), ('AAA', 'SP.POP.TOTL', 2022, 0, 'wdi', false),
        ('WLD', 'IP.PAT.RESD', 2020, 10, 'wdi', false), ('WLD', 'SP.POP.TOTL', 2020, 100, 'wdi', false)""")
    d = derived.Derived("DRV.P6", "Patents per million", "每百万人专利", "per million people", None, "IP.PAT.RESD",
                        "SP.POP.TOTL", 1e6, True, True, None)
    assert derived.compute(con, definitions=[d]) == []
    rows = con.execute("SELECT iso3, year, value, source, computed FROM observations WHERE indicator = 'DRV.P6'")
    assert rows.fetchall() == [("AAA", 2020, 25.0, "derived", True)]   # 50 / 2,000,000 * 1e6; no 0 denominator
    meta = con.execute("SELECT dataset, license, source_org, definition FROM indicators WHERE code = 'DRV.P6'")
    dataset, license_, org, definition = meta.fetchone() or (None, None, None, None)
    assert dataset == "derived" and license_ == "CC-BY-4.0" and "Org IP.PAT.RESD" in org
    assert "IP.PAT.RESD" in definition and "SP.POP.TOTL" in definition and "1,000,000" in definition
    missing = derived.Derived("DRV.X", "x", "x", "x", None, "NOPE", "SP.POP.TOTL", 1, True, False, None)
    with pytest.raises(InputError):
        derived.compute(con, definitions=[missing])
    assert derived.compute(con, strict=False, definitions=[missing]) == [
        "derived indicator DRV.X skipped: NOPE not loaded"]


def test_derived_definitions_file() -> None:
    defs = derived.load_derived()
    assert {d.code for d in defs} == {"DRV.IP.PAT.RESD.P6", "DRV.IP.JRN.ARTC.P6", "DRV.BX.GSR.ROYL.GD.ZS"}
    assert all(d.code.startswith("DRV.") and d.name_zh and d.unit for d in defs)


def test_store_without_the_indicators() -> None:
    from etl.index import store

    con = duckdb.connect()
    con.execute(SQL.read_text())
    with pytest.raises(InputError) as err:
        store(con)
    assert err.value.value == load_config().codes[0]
    con2 = duckdb.connect()
    con2.execute(SQL.read_text())
    warnings = store(con2, strict=False)                      # a partial API load: tables exist, empty
    assert len(warnings) == 1 and warnings[0].startswith("index not computed:")
    assert con2.execute("SELECT count(*) FROM index_scores").fetchone() == (0,)
