"""Computed group values: population- or weight-weighted means and sums over a group's countries.

The World Bank's own aggregates are kept wherever the source has them; a group value is computed only for
(indicator, group) pairs the source does not publish: every World Bank group for series that come without
aggregates (Internet users from Gapminder, the manufacturing series from UNIDO, ...), and the WIC
member-country group for every catalog indicator. A group of fewer than two countries (the World Bank's
"Not classified" income group, Venezuela alone) is not a group and gets no value.

The carry rule: for year Y, each member contributes its value for Y or, failing that, its latest value of the
``CARRY_YEARS`` previous years (carried forward, counted). Like the World Bank, a group value is published only
when the contributing countries cover at least ``min_coverage`` of the group's weight (of population, for sums),
and only for years in which at least one member reports. Each value's coverage, the members reporting and
carried, the share of the covered weight that is carried and the oldest year carried are stored in
``aggregate_coverage``.
"""

from __future__ import annotations

import duckdb

from etl.errors import InputError

POPULATION = "SP.POP.TOTL"
WB_GROUP_KINDS = ("world", "region", "income")
CARRY_YEARS = 3
MIN_GROUP_SIZE = 2


def compute(con: duckdb.DuckDBPyConnection, min_coverage: float, carry_years: int = CARRY_YEARS) -> int:
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
            SELECT group_code, any_value(kind) AS kind FROM group_members g
            WHERE kind = 'wic' OR (list_contains(?, kind) AND EXISTS (
                SELECT 1 FROM countries c WHERE c.iso3 = g.group_code AND c.is_aggregate))
            GROUP BY group_code HAVING count(*) >= ?
        )
        SELECT r.indicator, r.method, r.weight, t.group_code
        FROM catalog r CROSS JOIN targets t
        WHERE t.kind = 'wic' OR r.indicator NOT IN (SELECT indicator FROM has_wb_aggregates)
    """, [POPULATION, list(WB_GROUP_KINDS), MIN_GROUP_SIZE])
    # The years each member's value serves: its own and, until the member's next value, up to carry_years later
    # ones (an equality join on the year then finds each member-year's value, carried or not: cheaper than an
    # ASOF join over every member-year, most of which have no value).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE agg_inputs AS
        SELECT iso3, indicator, year AS x_year, value AS x,
               unnest(range(year, least(coalesce(next, 32767), year + ? + 1)))::SMALLINT AS year
        FROM (SELECT iso3, indicator, year, value,
                     lead(year) OVER (PARTITION BY iso3, indicator ORDER BY year) AS next
              FROM observations
              WHERE NOT computed AND indicator IN (SELECT DISTINCT indicator FROM agg_rules)
                AND iso3 IN (SELECT iso3 FROM group_members))
    """, [carry_years])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE agg_values AS
        WITH weights AS (      -- every member-year with a weight, once per group and weight
            SELECT p.group_code, p.weight AS weight_code, w.year, g.iso3, w.value AS weight
            FROM (SELECT DISTINCT group_code, weight FROM agg_rules) p
            JOIN group_members g USING (group_code)
            JOIN observations w ON w.iso3 = g.iso3 AND w.indicator = p.weight AND NOT w.computed
        ),
        totals AS (            -- the whole group's weight each year, members in country order
            SELECT group_code, weight_code, year, list_sum(list(weight ORDER BY iso3)) AS weight_all
            FROM weights GROUP BY ALL
        ),
        used AS (              -- the member-years with a value, their own or carried from an earlier year
            SELECT r.indicator, r.method, r.group_code, w.weight_code, w.year, w.iso3, w.weight, x.x,
                   x.x_year < w.year AS carried, x.x_year
            FROM agg_rules r
            JOIN weights w ON w.group_code = r.group_code AND w.weight_code = r.weight
            JOIN agg_inputs x ON x.iso3 = w.iso3 AND x.indicator = r.indicator AND x.year = w.year
        ),
        -- Each group-year's members in country order, once: the sums below add them in that order, so that a
        -- rebuild gives the same floating-point result (one ordered aggregate instead of one per sum).
        listed AS (
            SELECT group_code, indicator, year, any_value(method) AS method, any_value(weight_code) AS weight_code,
                   list({'x': x, 'w': weight, 'c': carried} ORDER BY iso3) AS members,
                   count(*) FILTER (WHERE NOT carried) AS n_reporting,
                   count(*) FILTER (WHERE carried) AS n_carried,
                   min(x_year) FILTER (WHERE carried) AS oldest_carried
            FROM used
            GROUP BY group_code, indicator, year
            HAVING count(*) FILTER (WHERE NOT carried) > 0
        ),
        sums AS (
            SELECT l.*, list_sum([m.x FOR m IN members]) AS sum_x,
                      list_sum([m.x * m.w FOR m IN members]) AS sum_xw,
                      list_sum([m.w FOR m IN members]) AS weight_covered,
                      t.weight_all,
                      list_sum([m.w FOR m IN members IF m.c]) AS weight_carried
            FROM listed l JOIN totals t USING (group_code, weight_code, year)
        )
        SELECT group_code AS iso3, indicator, year,
               CASE WHEN method = 'sum' THEN sum_x ELSE sum_xw / weight_covered END AS value,
               n_reporting, n_carried,
               (SELECT count(*) FROM group_members g WHERE g.group_code = sums.group_code) AS n_members,
               coalesce(weight_covered, 0) / weight_all AS coverage,
               coalesce(weight_carried, 0) / nullif(weight_covered, 0) AS carried_share,
               oldest_carried, method, weight_code AS weight
        FROM sums
    """)
    bad = con.execute("""SELECT iso3, indicator, year, value FROM agg_values
                             WHERE coverage >= ? AND NOT isfinite(value) LIMIT 1""", [min_coverage]).fetchone()
    if bad:   # an overflow of huge inputs: never stored (the plausibility bounds should prevent it)
        raise InputError("computed group values", f"the {bad[0]} value of {bad[1]} in {bad[2]} is not finite",
                         field="value", value=str(bad[3]))
    con.execute("""
        INSERT INTO aggregate_coverage
        SELECT iso3, indicator, year, n_reporting, n_members, coverage, coverage >= ? AND isfinite(value),
               n_carried, coalesce(carried_share, 0), oldest_carried, method, weight
        FROM agg_values ORDER BY indicator, iso3, year""", [min_coverage])
    con.execute("""
        INSERT INTO observations
        SELECT iso3, indicator, year, value, 'computed', true FROM agg_values
        WHERE coverage >= ? AND value IS NOT NULL AND isfinite(value)
        ORDER BY indicator, iso3, year""", [min_coverage])
    published = con.execute("SELECT count(*) FROM agg_values WHERE coverage >= ? AND isfinite(value)",
                            [min_coverage]).fetchone()
    for table in ("agg_values", "agg_inputs", "agg_rules"):
        con.execute(f"DROP TABLE {table}")
    return int(published[0]) if published else 0
