"""GTMI step: the World Bank GovTech Maturity Index, its four sub-indices and group, 2020 and 2022."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.steps import ALL_MODES, Context, meta_codes, mirror_raw, step_meta

NAME = "gtmi"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'gtmi'"), ("indicators", "dataset = 'gtmi'"))
MODES: tuple[str, ...] = ALL_MODES
GROUP = "WB.GTMI.GROUP"


def inputs(ctx: Context) -> list[Path]:
    """The one file this step reads."""
    return [mirror_raw(ctx) / step_meta(NAME)["file"]]


def codes(ctx: Context) -> dict[str, Path]:
    """The indicators the metadata declares, all from the one file."""
    return meta_codes(NAME, inputs(ctx)[0])


def extract(ctx: Context) -> list[dict[str, str]]:
    """The rows of the GTMI export (only the key, group and score columns are used)."""
    meta = step_meta(NAME)
    columns = list(meta["columns"].values()) + list(meta["scores"].values())
    return series.read_records(mirror_raw(ctx) / meta["file"], columns, exact=False)


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, records: list[dict[str, str]]) -> series.Rows:
    """One observation per economy, year and indicator; codes are stripped and KSV/WBG mapped."""
    meta = step_meta(NAME)
    path = mirror_raw(ctx) / meta["file"]
    col = meta["columns"]
    known = {r[0]: r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
    mapping = {**known, **meta["codes"]}
    rows = series.Rows(NAME)
    for rec in records:
        line = int(rec["_line"])
        iso3 = series.match_country(mapping, path, rec, col["code"], "World Bank economy code")
        yr = series.year(path, rec, col["year"])
        for code, column in meta["scores"].items():
            rows.add(path, line, iso3, code, yr, series.number(path, rec, column, 0.0, 1.0), col["code"],
                     rec[col["code"]])
        letter = rec[col["group"]]
        if letter not in meta["groups"]:
            raise InputError(path, f"group must be one of {sorted(meta['groups'])}", row=line, field=col["group"],
                             value=letter)
        rows.add(path, line, iso3, GROUP, yr, float(meta["groups"][letter]), col["code"], rec[col["code"]])
    return rows


def load(con: duckdb.DuckDBPyConnection, rows: series.Rows) -> None:
    """Insert the observations and the indicators."""
    series.load_step(con, rows, NAME)


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the GTMI file."""
    load(con, transform(ctx, con, extract(ctx)))
