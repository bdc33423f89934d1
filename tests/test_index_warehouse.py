"""The Digital Development Index as built into the session's warehouse: every step reproducible from the tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import read
from etl.derived import load_derived
from etl.index import load_config, precompute, rescore
from etl.index.scores import compute
from etl.index.tables import OBSERVATIONS_SQL, observation_params, uncertainty

CFG = load_config()
REASON = re.compile(r"^(no data for any indicator|\w+: \d+ of \d+ indicators(; \w+: \d+ of \d+ indicators)*)$")


@pytest.fixture(scope="module")
def latest(db: read.Warehouse) -> int:
    year = read.index_latest_year(db=db)
    assert year is not None
    return year


def test_every_configured_indicator_exists_in_the_warehouse(db: read.Warehouse) -> None:
    for code in CFG.codes:
        meta = read.indicator(code, db=db)                  # UnknownCode if it is not there
        assert meta["definition"] and meta["license"] and meta["unit"], code
        n = db.rows("""SELECT max(n) FROM (SELECT year, count(*) AS n FROM observations o JOIN countries c
                       USING (iso3) WHERE NOT c.is_aggregate AND indicator = ? AND year >= ? GROUP BY year)""",
                    [code, CFG.first_year])[0][0]
        assert n and n >= 80, f"{code}: at most {n} countries a year"
    for d in load_derived():
        read.check_indicators([d.numerator, d.denominator], db=db)


def test_derived_values_follow_their_recipe(db: read.Warehouse) -> None:
    for d in load_derived():
        meta = read.indicator(d.code, db=db)
        assert meta["dataset"] == "derived" and not meta["in_catalog"]
        assert d.numerator in meta["definition"] and d.denominator in meta["definition"]
        assert meta["license"] == "CC-BY-4.0" and meta["last_updated"] is not None and meta["name_zh"]
        got = read.observations(d.code, with_flags=True, db=db)
        assert set(got["source"]) == {"derived"} and got["computed"].all()
        wide = read.observations([d.numerator, d.denominator], db=db).pivot(
            index=["iso3", "year"], columns="indicator", values="value")
        countries = set(read.countries(db=db)["iso3"])
        wide = wide[wide.index.get_level_values("iso3").isin(countries)].dropna()
        wide = wide[wide[d.denominator] > 0]
        expected = wide[d.numerator] / wide[d.denominator] * d.multiplier
        got = got.set_index(["iso3", "year"])["value"]
        assert len(got) == len(expected) > 1000
        np.testing.assert_allclose(got.reindex(expected.index), expected, rtol=1e-12)


def test_index_tables_are_consistent(db: read.Warehouse, latest: int) -> None:
    years = read.index_years(db=db)
    published = years.loc[years["published"], "year"].tolist()
    assert latest == max(published) and years.loc[years["latest"], "year"].tolist() == [latest]
    assert latest >= 2020 and published == list(range(min(published), latest + 1))
    scores = db.frame("SELECT * FROM index_scores")
    assert sorted(scores["year"].unique()) == published
    assert not scores.duplicated(["iso3", "year"]).any()
    for table, key in (("index_indicator_scores", ["iso3", "year", "indicator"]),
                       ("index_pillar_scores", ["iso3", "year", "pillar", "normalization"])):
        assert db.rows(f"SELECT count(*) FROM (SELECT {', '.join(key)} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
                       ) == [(0,)], table
    ranked = scores[scores["ranked"]]
    assert ranked["score"].between(0, 100).all() and ranked["reason"].isna().all()
    unranked = scores[~scores["ranked"]]
    assert unranked["score"].isna().all() and unranked["rank"].isna().all()
    assert unranked["reason"].map(lambda r: bool(REASON.match(r))).all()
    for _, group in ranked.groupby("year"):
        assert group["rank"].min() == 1 and group["rank"].max() <= len(group)
        assert (group.sort_values("rank")["score"].diff().dropna() <= 0).all()
    assert len(ranked[ranked["year"] == latest]) >= 100


def test_every_step_reproduces_from_the_tables(db: read.Warehouse, latest: int) -> None:
    meta = read.index_indicators(db=db).set_index("code")
    ind = db.frame("SELECT * FROM index_indicator_scores WHERE year = ?", [latest])
    # normalisation: the published value, transformed, against the published goalposts
    m = meta.loc[ind["indicator"]].reset_index()
    with np.errstate(divide="ignore"):          # log10(0) on rows without a log transform, discarded by where
        x = np.where(m["log"], np.log10(np.maximum(ind["value"], 0) + m["log_shift"]), ind["value"])
    mm = np.clip((x - m["lower"]) / (m["upper"] - m["lower"]), 0, 1) * 100
    np.testing.assert_allclose(ind["minmax"], np.where(m["higher_is_better"], mm, 100 - mm), atol=1e-9)
    z = np.clip(50 + 10 * (x - m["mean"]) / m["sd"], 0, 100)
    np.testing.assert_allclose(ind["zscore"], z, atol=1e-9)
    # imputation: a value from at most N years before, equal to the observation of that year
    gap = ind["year"] - ind["source_year"]
    assert (ind["imputed"] == (gap > 0)).all() and gap.between(0, CFG.carry_forward_years).all()
    sample = ind[ind["iso3"].isin(["CHN", "USA", "KOR", "BRA", "NGA"])]
    source = read.observations(CFG.codes, ["CHN", "USA", "KOR", "BRA", "NGA"], db=db)
    joined = sample.merge(source, left_on=["iso3", "indicator", "source_year"],
                          right_on=["iso3", "indicator", "year"], suffixes=("", "_obs"))
    assert len(joined) == len(sample) and (joined["value"] == joined["value_obs"]).all()
    # pillars: the mean of the available indicator scores
    ps = db.frame("SELECT * FROM index_pillar_scores WHERE year = ?", [latest])
    for norm in ("minmax", "zscore"):
        mean = ind.groupby(["iso3", "pillar"])[norm].agg(["mean", "count"])
        got = ps[ps["normalization"] == norm].set_index(["iso3", "pillar"]).loc[mean.index]
        np.testing.assert_allclose(got["score"], mean["mean"], atol=1e-9)
        assert (got["n_available"] == mean["count"]).all()
    # the index: equal weights, arithmetic mean of the pillars, for ranked countries
    scores = read.index_scores(latest, db=db).set_index("iso3")
    wide = ps[ps["normalization"] == "minmax"].pivot(index="iso3", columns="pillar", values="score")
    ranked = scores[scores["ranked"]]
    np.testing.assert_allclose(ranked["score"], wide.loc[ranked.index, CFG.pillar_ids].mean(axis=1), atol=1e-9)
    # not ranked: the reason names exactly the pillars short of half their indicators
    n_ind = {p.id: len(p.indicators) for p in CFG.pillars}
    counts = ps[ps["normalization"] == "minmax"].pivot(index="iso3", columns="pillar", values="n_available")
    counts = counts.reindex(columns=CFG.pillar_ids).fillna(0).astype(int)
    for iso3, row in scores[~scores["ranked"]].iterrows():
        if row["reason"] == "no data for any indicator":
            assert iso3 not in counts.index
            continue
        short = [f"{p}: {counts.loc[iso3, p]} of {n_ind[p]} indicators" for p in CFG.pillar_ids
                 if counts.loc[iso3, p] < np.ceil(CFG.min_share_per_pillar * n_ind[p])]
        assert row["reason"] == "; ".join(short), iso3


def test_recomputing_from_observations_gives_the_same_tables(db: read.Warehouse, latest: int) -> None:
    obs = db.frame(OBSERVATIONS_SQL, observation_params(CFG))
    result = compute(obs, sorted(obs["iso3"].unique()), CFG)
    stored = db.frame("SELECT * FROM index_scores ORDER BY iso3, year").set_index(["iso3", "year"])
    again = result.scores.astype({"iso3": str}).set_index(["iso3", "year"]).loc[stored.index]
    np.testing.assert_allclose(again["score"], stored["score"], rtol=1e-12)
    assert (again["reason"].fillna("") == stored["reason"].fillna("")).all()
    unc = uncertainty(result, latest)   # its speed is measured in bench/index.py, not here
    stored_unc = read.index_uncertainty(db=db).set_index("iso3")
    mine = unc.countries.set_index("iso3").loc[stored_unc.index]
    for col in ("rank", "median_rank", "p5_rank", "p95_rank", "share_ranked", "influence"):
        np.testing.assert_array_equal(mine[col], stored_unc[col])    # same seed, same draws, same result
    assert (mine["most_influential_pillar"] == stored_unc["most_influential_pillar"]).all()


WITHOUT_PANDAS = textwrap.dedent("""
    import sys, duckdb
    from etl.index import store
    con = duckdb.connect()
    con.execute("ATTACH '" + sys.argv[1].replace("'", "''") + "' AS w (READ_ONLY)")
    for table in ("countries", "indicators", "observations"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM w.{table}")
    store(con)
    print(sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "pyarrow"}))
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory' "
                                "AND table_name LIKE 'index%' ORDER BY 1").fetchall():
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        differ = con.execute(f"SELECT count(*) FROM ((SELECT * FROM {table} EXCEPT ALL SELECT * FROM w.{table}) "
                             f"UNION ALL (SELECT * FROM w.{table} EXCEPT ALL SELECT * FROM {table}))").fetchone()[0]
        print(table, rows, differ)
""")


@pytest.mark.parametrize("blas_threads", ["1", "2"])
def test_the_index_is_computed_and_stored_without_pandas(warehouse_path: Path, db: read.Warehouse,
                                                         blas_threads: str) -> None:
    """The ETL hands the index numpy columns and DuckDB scans its numpy columns: a process that stores the index
    from the session's observations never imports pandas (0.2 s of every run) and writes the very tables the
    session's ETL wrote, to the bit, whatever the number of OpenBLAS threads (the products are not BLAS's: with
    them, one thread and two stored different Monte Carlo ranks)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": blas_threads}
    out = subprocess.run([sys.executable, "-c", WITHOUT_PANDAS, str(warehouse_path)], capture_output=True,
                         text=True, check=True, env=env).stdout.splitlines()
    assert out[0] == "[]", f"imported {out[0]}"
    tables = {line.split()[0]: (int(line.split()[1]), int(line.split()[2])) for line in out[1:]}
    stored = db.rows("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'index%'")
    assert set(tables) == {r[0] for r in stored}
    assert all(rows > 0 and differ == 0 for rows, differ in tables.values()), tables


def test_uncertainty_and_sensitivity(db: read.Warehouse, latest: int) -> None:
    unc = read.index_uncertainty(db=db)
    n = int(read.index_years(db=db).set_index("year").loc[latest, "n_ranked"])
    assert len(unc) == n and (unc["year"] == latest).all() and (unc["draws"] == CFG.monte_carlo.draws).all()
    assert (unc["p5_rank"] <= unc["median_rank"]).all() and (unc["median_rank"] <= unc["p95_rank"]).all()
    assert (unc["p5_rank"] >= 1).all() and (unc["p95_rank"] <= n).all()
    assert unc["share_ranked"].between(0, 1).all() and (unc["share_ranked"] > 0.5).all()
    assert set(unc["most_influential_pillar"].dropna()) <= set(CFG.pillar_ids)
    assert (unc["p95_rank"] - unc["p5_rank"]).max() > 0          # the analysis does move ranks
    sens = read.index_sensitivity(db=db)
    assert len(sens) == n * len(CFG.pillar_ids)
    assert (sens["rank_shift_without_pillar"] == sens["rank_without_pillar"]
            - sens["iso3"].map(unc.set_index("iso3")["rank"])).all()
    assert sens["rank_without_pillar"].between(1, n).all() and sens["weight_rank_corr"].dropna().between(-1, 1).all()
    assert (sens["pillar_rank_p5"] <= sens["pillar_rank_p95"]).all()
    top = unc.set_index("iso3")
    moved = sens.dropna(subset=["weight_rank_corr"])
    best = moved.loc[moved.groupby("iso3")["weight_rank_corr"].apply(lambda s: s.abs().idxmax())].set_index("iso3")
    assert (best["pillar"] == top.loc[best.index, "most_influential_pillar"]).all()


def test_coherence(db: read.Warehouse) -> None:
    coh = read.index_coherence(db=db)
    ind = coh[coh["level"] == "indicator"]
    assert list(ind["id"]) == CFG.codes
    assert not ind["wrong_direction"].any(), "a configured indicator points the wrong way"
    assert ind["r_pillar"].notna().all() and ind["r_index"].between(-1, 1).all()
    alpha = coh[coh["level"] != "indicator"]
    assert set(alpha["id"]) == {*CFG.pillar_ids, "index", "all_indicators"}
    assert alpha["cronbach_alpha"].between(-10, 1).all()
    corr = read.index_correlations(db=db)
    items = CFG.codes + CFG.pillar_ids + ["index"]
    assert len(corr) == len(items) ** 2
    matrix = corr.pivot(index="a", columns="b", values="r").loc[items, items]
    np.testing.assert_allclose(matrix.to_numpy(), matrix.to_numpy().T, atol=1e-12)
    np.testing.assert_allclose(np.diag(matrix.to_numpy()), 1.0)


def test_rescore_reproduces_the_default_ranking(db: read.Warehouse, latest: int) -> None:
    scores = read.index_scores(db=db)
    pre = precompute(read.index_pillar_scores(db=db), scores)
    assert pre.year == latest
    default = rescore(pre).set_index("iso3")
    stored = scores[scores["ranked"]].set_index("iso3").loc[default.index]
    np.testing.assert_allclose(default["score"], stored["score"], atol=1e-9)
    assert (default["rank"] == stored["rank"]).all() and (default["rank_change"] == 0).all()
    rng = np.random.default_rng(20261129)
    for _ in range(50):     # its latency is measured in bench/index.py, not here
        weights = dict(zip(CFG.pillar_ids, rng.uniform(0, 1, len(CFG.pillar_ids)), strict=True))
        out = rescore(pre, weights, str(rng.choice(["minmax", "zscore"])),
                      str(rng.choice(["arithmetic", "geometric"])))
        assert len(out) == len(pre.iso3) and out["rank"].min() == 1


def test_read_functions(db: read.Warehouse, latest: int) -> None:
    wic = read.index_scores(group="WIC", db=db)
    assert set(wic["iso3"]) == set(read.group_members("WIC", db=db)) and wic["name_zh"].notna().all()
    assert set(read.index_uncertainty(group="EAS", db=db)["iso3"]) <= set(read.group_members("EAS", db=db))
    with pytest.raises(read.UnknownCode):
        read.index_scores(group="NOPE", db=db)
    with pytest.raises(read.UnknownCode):
        read.index_indicator_scores("XXX", db=db)
    chn = read.index_indicator_scores("CHN", db=db)
    assert (chn["year"] == latest).all() and set(chn["pillar"]) == set(CFG.pillar_ids) and chn["name_en"].notna().all()
    hist = read.index_history(["CHN", "USA"], db=db)
    assert set(hist["iso3"]) == {"CHN", "USA"} and hist["year"].max() == latest
    earlier = read.index_scores(latest - 5, db=db)
    assert (earlier["year"] == latest - 5).all() and earlier["ranked"].sum() >= 100
    pillars = read.index_pillars(db=db)
    assert list(pillars["id"]) == CFG.pillar_ids and pillars["weight"].sum() == pytest.approx(1)
    assert pillars["name_zh"].notna().all()
    ps = read.index_pillar_scores(normalization="zscore", countries="CHN", db=db)
    assert set(ps["normalization"]) == {"zscore"} and len(ps) == len(CFG.pillar_ids)
    method = read.index_method(db=db)
    assert method["latest_year"] == latest and method["config"]["monte_carlo"]["seed"] == CFG.monte_carlo.seed
    assert {"Cybersecurity", "Cyberspace governance"} <= {d["dimension_en"] for d in method["not_covered"]}
    indicators = read.index_indicators(db=db)
    assert list(indicators["code"]) == CFG.codes and (indicators["upper"] > indicators["lower"]).all()
    assert isinstance(indicators, pd.DataFrame) and indicators["name_en"].notna().all()
