"""OECD step: the Digital Government Index 2023 and the OURdata Index 2023, as extracted from the OECD papers."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.steps import ALL_MODES, SOURCES_DIR, Context, meta_codes, mirror_raw, step_meta

NAME = "oecd_dgi"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'oecd_dgi'"),
                                            ("indicators", "dataset = 'oecd_dgi'"))
MODES: tuple[str, ...] = ALL_MODES


def inputs(ctx: Context) -> list[Path]:
    """The two extracted files."""
    return [mirror_raw(ctx) / f for f in step_meta(NAME)["files"].values()]


def codes(ctx: Context) -> dict[str, Path]:
    """The indicators the metadata declares (from either file, as its variable says)."""
    return meta_codes(NAME)


def extract(ctx: Context) -> dict[Path, list[dict[str, str]]]:
    """The long rows of each file."""
    meta = step_meta(NAME)
    return {mirror_raw(ctx) / f: series.read_records(mirror_raw(ctx) / f, meta["columns"], allow_bom=True)
            for f in meta["files"].values()}


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, files: dict[Path, list[dict[str, str]]]) -> series.Rows:
    """One observation per country, year and variable, plus the OURdata composite (mean of its three pillars)."""
    meta = step_meta(NAME)
    known = {r[0]: r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
    ranks = set(meta["ranks"])
    rows = series.Rows(NAME)
    for path, records in files.items():
        for rec in records:
            line = int(rec["_line"])
            iso3 = series.match_country(known, path, rec, "cc_iso3c", "ISO3 code")
            code = meta["variables"].get(rec["variable"])
            if code is None:
                raise InputError(path, "unknown variable", row=line, field="variable", value=rec["variable"])
            value = series.number(path, rec, "value", *((1.0, 100.0) if code in ranks else (0.0, 1.0)))
            rows.add(path, line, iso3, code, series.year(path, rec, "ref_year"), value, "cc_iso3c", rec["cc_iso3c"])
    spec = meta["ourdata_composite"]
    parts: dict[tuple[str, int], list[float]] = {}
    for iso3, code, yr, value in rows.rows:
        if code in spec["of"]:
            parts.setdefault((iso3, yr), []).append(value)
    for (iso3, yr), values in sorted(parts.items()):
        if len(values) == len(spec["of"]):
            rows.rows.append((iso3, spec["code"], yr, sum(values) / len(values)))
    return rows


def load(con: duckdb.DuckDBPyConnection, rows: series.Rows) -> None:
    """Insert the observations (the OURdata composite flagged computed) and the indicators."""
    meta = step_meta(NAME)
    series.load(con, rows, meta, series.check_indicators(SOURCES_DIR / f"{NAME}.meta.yaml", meta),
                computed={meta["ourdata_composite"]["code"]})


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the OECD files."""
    load(con, transform(ctx, con, extract(ctx)))
