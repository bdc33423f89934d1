"""Computed group values: population- or weight-weighted means and sums over a group's countries.

The World Bank's own aggregates are kept wherever the source has them; a group value is computed only for
(indicator, group) pairs the source does not publish: every World Bank group for series that come without
aggregates (Internet users from Gapminder), and the WIC member-country group for every catalog indicator.
Like the World Bank, a group value is published only when the reporting countries cover enough of the
group (``min_coverage`` of the weight, or of population for sums).
"""

from __future__ import annotations

import duckdb

from etl.errors import InputError

POPULATION = "SP.POP.TOTL"
WB_GROUP_KINDS = ("world", "region", "income")


def compute(con: duckdb.DuckDBPyConnection, min_coverage: float) -> int:
    """Insert computed group observations and their coverage; return the number of values published."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE agg_rules AS
        WITH catalog AS (
            SELECT code AS indicator, agg_method AS method,
                   CASE WHEN agg_method = 'sum' THEN ? ELSE agg_weight END AS weight
            FROM indicators WHERE in_catalog AND (agg_method = 'sum' OR agg_weight IS NOT NULL)
        ),
        has_wb_aggregates AS (
            SELECT DISTINCT o.indicator FROM observations o
            JOIN countries c ON c.iso3 = o.iso3 AND c.is_aggregate AND c.in_wb_list
        ),
        targets AS (
            SELECT DISTINCT group_code, kind FROM group_members g
            WHERE kind = 'wic' OR (list_contains(?, kind) AND EXISTS (
                SELECT 1 FROM countries c WHERE c.iso3 = g.group_code AND c.is_aggregate))
        )
        SELECT r.indicator, r.method, r.weight, t.group_code
        FROM catalog r CROSS JOIN targets t
        WHERE t.kind = 'wic' OR r.indicator NOT IN (SELECT indicator FROM has_wb_aggregates)
    """, [POPULATION, list(WB_GROUP_KINDS)])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE agg_values AS
        WITH members AS (
            SELECT r.indicator, r.method, r.weight, r.group_code, g.iso3
            FROM agg_rules r JOIN group_members g USING (group_code)
        ),
        weighted AS (          -- every member-year with a weight; x is null where the member does not report
            SELECT m.indicator, m.method, m.group_code, w.year, m.iso3, w.value AS weight, x.value AS x
            FROM members m
            JOIN observations w ON w.iso3 = m.iso3 AND w.indicator = m.weight AND NOT w.computed
            LEFT JOIN observations x ON x.iso3 = m.iso3 AND x.indicator = m.indicator AND x.year = w.year
                                     AND NOT x.computed
        )
        -- Sums are ordered by country so that a rebuild gives the same floating-point result.
        SELECT group_code AS iso3, indicator, year,
               CASE WHEN any_value(method) = 'sum' THEN sum(x ORDER BY iso3)
                    ELSE sum(x * weight ORDER BY iso3) FILTER (WHERE x IS NOT NULL)
                         / sum(weight ORDER BY iso3) FILTER (WHERE x IS NOT NULL) END AS value,
               count(x) AS n_reporting,
               (SELECT count(*) FROM group_members g WHERE g.group_code = weighted.group_code) AS n_members,
               coalesce(sum(weight ORDER BY iso3) FILTER (WHERE x IS NOT NULL), 0)
                   / sum(weight ORDER BY iso3) AS coverage
        FROM weighted
        GROUP BY group_code, indicator, year
        HAVING count(x) > 0
    """)
    bad = con.execute("""SELECT iso3, indicator, year, value FROM agg_values
                             WHERE coverage >= ? AND NOT isfinite(value) LIMIT 1""", [min_coverage]).fetchone()
    if bad:   # an overflow of huge inputs: never stored (the plausibility bounds should prevent it)
        raise InputError("computed group values", f"the {bad[0]} value of {bad[1]} in {bad[2]} is not finite",
                         field="value", value=str(bad[3]))
    con.execute("""
        INSERT INTO aggregate_coverage
        SELECT iso3, indicator, year, n_reporting, n_members, coverage, coverage >= ? FROM agg_values
        ORDER BY indicator, iso3, year""", [min_coverage])
    con.execute("""
        INSERT INTO observations
        SELECT iso3, indicator, year, value, 'computed', true FROM agg_values
        WHERE coverage >= ? AND value IS NOT NULL
        ORDER BY indicator, iso3, year""", [min_coverage])
    published = con.execute("SELECT count(*) FROM agg_values WHERE coverage >= ?", [min_coverage]).fetchone()
    con.execute("DROP TABLE agg_values")
    con.execute("DROP TABLE agg_rules")
    return int(published[0]) if published else 0
