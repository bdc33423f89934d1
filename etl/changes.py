"""The change log: what each ETL run added, removed and revised against the warehouse it replaced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from etl.atomic import write_atomic

SCHEMA = """CREATE TABLE IF NOT EXISTS changes (
    run_id       VARCHAR NOT NULL,   -- the run that made the change
    previous_run VARCHAR,            -- the run that built the warehouse it replaced
    indicator    VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,   -- the new value's source (the old one's for a removal)
    iso3         VARCHAR NOT NULL,
    year         SMALLINT NOT NULL,
    change       VARCHAR NOT NULL,   -- added | removed | revised
    old_value    DOUBLE,
    new_value    DOUBLE
)"""

DIFF = """
    INSERT INTO changes
    SELECT ?, ?, coalesce(n.indicator, o.indicator), coalesce(n.source, o.source), coalesce(n.iso3, o.iso3),
           coalesce(n.year, o.year),
           CASE WHEN o.iso3 IS NULL THEN 'added' WHEN n.iso3 IS NULL THEN 'removed' ELSE 'revised' END,
           o.value, n.value
    FROM (SELECT * FROM main.observations WHERE {keep} AND indicator IN (SELECT indicator FROM changed_indicators)) n
    FULL OUTER JOIN (SELECT * FROM old.observations WHERE {keep}
                     AND indicator IN (SELECT indicator FROM changed_indicators)) o
      ON n.iso3 = o.iso3 AND n.indicator = o.indicator AND n.year = o.year
    WHERE o.iso3 IS NULL OR n.iso3 IS NULL OR n.value IS DISTINCT FROM o.value
    ORDER BY 3, 5, 6"""

# Per indicator: the row count and two sums of row hashes (as HUGEINT, so nothing wraps). An indicator with the
# same three figures on both sides has the same rows (two independent 64-bit hashes would have to collide), so
# only the others go through the row-by-row join.
FINGERPRINT = """SELECT indicator, count(*) AS n, sum(hash(iso3, year, value)::HUGEINT) AS a,
                        sum(hash(value, year, iso3)::HUGEINT) AS b
                 FROM {db}.observations WHERE {keep} GROUP BY indicator"""
CHANGED = f"""CREATE OR REPLACE TEMP TABLE changed_indicators AS
    SELECT indicator FROM ({FINGERPRINT.format(db="main", keep="{keep}")}) n
    FULL OUTER JOIN ({FINGERPRINT.format(db="old", keep="{keep}")}) o USING (indicator)
    WHERE n.n IS DISTINCT FROM o.n OR n.a IS DISTINCT FROM o.a OR n.b IS DISTINCT FROM o.b"""


def record(con: duckdb.DuckDBPyConnection, run_id: str, old: bool, copied: tuple[str, ...] = ()) -> dict[str, Any]:
    """Write this run's changes against the attached ``old`` warehouse (if any) and carry the older ones over.

    ``copied`` are the WHERE clauses (from the steps' ``OWNS``) of observations copied unchanged from ``old``:
    they cannot differ, and a key is never in two sources, so the diff leaves them out and stays exact.

    Returns the run's summary: counts per indicator and source, the previous run, and the largest revisions.
    """
    con.execute(SCHEMA)
    previous = None
    if old:
        row = con.execute("SELECT run_id FROM old.etl_runs ORDER BY started_at DESC LIMIT 1").fetchone()
        previous = row[0] if row else None
        carried = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'old' "
                              "AND table_name = 'changes'").fetchone()
        if carried and carried[0]:
            con.execute("INSERT INTO changes SELECT * FROM old.changes")
        keep = " AND ".join(f"NOT ({where})" for where in copied) or "true"
        con.execute(CHANGED.format(keep=keep))
        con.execute(DIFF.format(keep=keep), [run_id, previous])
        con.execute("DROP TABLE changed_indicators")
    counts = con.execute("""SELECT indicator, source, change, count(*) FROM changes WHERE run_id = ?
                            GROUP BY ALL ORDER BY 1, 2, 3""", [run_id]).fetchall()
    summary: dict[str, dict[str, dict[str, int]]] = {}
    for indicator, source, change, n in counts:
        summary.setdefault(indicator, {}).setdefault(source, {"added": 0, "removed": 0, "revised": 0})[change] = n
    largest = con.execute("""SELECT indicator, source, iso3, year, old_value, new_value FROM changes
                             WHERE run_id = ? AND change = 'revised'
                             ORDER BY abs(new_value - old_value) / greatest(abs(old_value), 1e-9) DESC,
                                      indicator, iso3, year
                             LIMIT 20""", [run_id]).fetchall()
    return {"run_id": run_id, "previous_run": previous,
            "totals": {k: sum(s[k] for ind in summary.values() for s in ind.values())
                       for k in ("added", "removed", "revised")},
            "by_indicator": summary,
            "largest_revisions": [dict(zip(["indicator", "source", "iso3", "year", "old_value", "new_value"], r,
                                           strict=True)) for r in largest]}


def log_dir(target: Path) -> Path:
    """The folder of one small change file per run, beside the warehouse."""
    return target.parent / f"{target.stem}.changes"


def write_summary(target: Path, summary: dict[str, Any]) -> Path:
    """Write a run's change summary as ``<warehouse>.changes/<run_id>.json`` (atomically)."""
    folder = log_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{summary['run_id']}.json"
    write_atomic(path, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return path
