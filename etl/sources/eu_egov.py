"""EU step: the European Commission eGovernment Benchmark (overall and four pillars), from the derived CSV."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.steps import ALL_MODES, Context, meta_codes, mirror_raw, step_meta

NAME = "eu_egov"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'eu_egov'"),
                                            ("indicators", "dataset = 'eu_egov'"))
MODES: tuple[str, ...] = ALL_MODES


def inputs(ctx: Context) -> list[Path]:
    """The derived CSV."""
    return [mirror_raw(ctx) / step_meta(NAME)["file"]]


def codes(ctx: Context) -> dict[str, Path]:
    """The indicators the metadata declares, all from the derived CSV."""
    return meta_codes(NAME, inputs(ctx)[0])


def extract(ctx: Context) -> list[dict[str, str]]:
    """The long rows of the derived CSV."""
    meta = step_meta(NAME)
    return series.read_records(mirror_raw(ctx) / meta["file"], meta["columns"])


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, records: list[dict[str, str]]) -> series.Rows:
    """Overall and pillar scores over all life events; unlabelled and deliberately unloaded rows are counted."""
    meta = step_meta(NAME)
    path = mirror_raw(ctx) / meta["file"]
    iso2 = {r[0]: r[1] for r in con.execute(
        "SELECT iso2, iso3 FROM countries WHERE iso2 IS NOT NULL AND NOT is_aggregate").fetchall()}
    mapping = {**iso2, **meta["codes"]}
    skipped: Counter[str] = Counter()
    rows = series.Rows(NAME)
    for rec in records:
        line = int(rec["_line"])
        if rec["unit"] != meta["unit"]:
            raise InputError(path, f"unit must be {meta['unit']}", row=line, field="unit", value=rec["unit"])
        if rec["Country"] in meta["not_loaded_codes"]:
            skipped[f"{rec['Country']} rows"] += 1
            continue
        iso3 = series.match_country(mapping, path, rec, "Country", "Eurostat country code")
        variable = rec["variable"]
        if not variable:
            skipped["rows without a variable label (2012-2019)"] += 1
            continue
        if variable not in meta["variables"]:
            if variable not in meta["not_loaded_variables"]:
                raise InputError(path, "unknown variable", row=line, field="variable", value=variable)
            skipped["sub-indicator rows"] += 1
            continue
        if rec["brkdown"] != meta["breakdown"]:
            skipped["single life-event rows"] += 1
            continue
        rows.add(path, line, iso3, meta["variables"][variable], series.year(path, rec, "year"),
                 series.number(path, rec, "Value", 0.0, 100.0), "Country", rec["Country"])
    if skipped:
        ctx.warnings.append("eu_egov: rows not loaded: "
                            + ", ".join(f"{n} {what}" for what, n in sorted(skipped.items())))
    return rows


def load(con: duckdb.DuckDBPyConnection, rows: series.Rows) -> None:
    """Insert the observations and the indicators."""
    series.load_step(con, rows, NAME)


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the benchmark."""
    load(con, transform(ctx, con, extract(ctx)))
