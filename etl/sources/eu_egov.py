"""EU step: the European Commission eGovernment Benchmark (overall and four pillars), from the derived CSV."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.inputs import record
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


def extract(ctx: Context) -> tuple[list[str], list[list[str]]]:
    """The header and long rows of the derived CSV (each row's line last)."""
    meta = step_meta(NAME)
    return series.read_rows(mirror_raw(ctx) / meta["file"], meta["columns"])


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, table: tuple[list[str], list[list[str]]]) -> series.Rows:
    """Overall and pillar scores over all life events; unlabelled and deliberately unloaded rows are counted.

    Two rows in three carry no variable label and most others a sub-indicator or one life event: each row is
    checked by position and only the kept ones become records."""
    meta = step_meta(NAME)
    path = mirror_raw(ctx) / meta["file"]
    iso2 = {r[0]: r[1] for r in con.execute(
        "SELECT iso2, iso3 FROM countries WHERE iso2 IS NOT NULL AND NOT is_aggregate").fetchall()}
    mapping = {**iso2, **meta["codes"]}
    header, table_rows = table
    at_unit, at_country, at_variable, at_breakdown = (header.index(c) for c in ("unit", "Country", "variable",
                                                                                 "brkdown"))
    unit, breakdown, variables = meta["unit"], meta["breakdown"], meta["variables"]
    not_loaded_codes, not_loaded_variables = set(meta["not_loaded_codes"]), set(meta["not_loaded_variables"])
    skipped: Counter[str] = Counter()
    rows = series.Rows(NAME)
    for row in table_rows:
        if row[at_unit] != unit:
            raise InputError(path, f"unit must be {unit}", row=int(row[-1]), field="unit", value=row[at_unit])
        country = row[at_country]
        if country in not_loaded_codes:
            skipped[f"{country} rows"] += 1
            continue
        if country not in mapping:
            series.match_country(mapping, path, record(header, row), "Country", "Eurostat country code")
        variable = row[at_variable]
        if not variable:
            skipped["rows without a variable label (2012-2019)"] += 1
            continue
        if variable not in variables:
            if variable not in not_loaded_variables:
                raise InputError(path, "unknown variable", row=int(row[-1]), field="variable", value=variable)
            skipped["sub-indicator rows"] += 1
            continue
        if row[at_breakdown] != breakdown:
            skipped["single life-event rows"] += 1
            continue
        rec = record(header, row)
        rows.add(path, int(row[-1]), mapping[country], variables[variable], series.year(path, rec, "year"),
                 series.number(path, rec, "Value", 0.0, 100.0), "Country", country)
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
