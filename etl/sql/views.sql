-- Views the read API builds on.

CREATE VIEW latest_values AS
SELECT iso3, indicator, year, value, source, computed
FROM (
    SELECT *, row_number() OVER (PARTITION BY iso3, indicator ORDER BY year DESC) AS rn
    FROM observations
) WHERE rn = 1;

CREATE VIEW coverage AS
SELECT o.indicator, o.year,
       count(*) FILTER (WHERE NOT c.is_aggregate) AS n_countries,
       count(*) FILTER (WHERE c.is_aggregate)     AS n_aggregates
FROM observations o JOIN countries c USING (iso3)
GROUP BY o.indicator, o.year;

CREATE VIEW member_countries AS
SELECT c.iso3, c.name_en, c.name_zh, count(*) AS n_members,
       min(m.first_reported) AS first_reported
FROM members m JOIN countries c ON c.iso3 = m.country_iso3
GROUP BY c.iso3, c.name_en, c.name_zh;
