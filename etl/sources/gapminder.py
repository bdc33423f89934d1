"""Gapminder step: Internet users and GDP per capita (PPP, constant) for countries, mapped to ISO3."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.errors import InputError
from etl.inputs import bounds_for, check_value, check_year
from etl.steps import Context, insert_observations, read_csv_records, step_meta

NAME = "gapminder"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'gapminder'"),
                                            ("indicators", "dataset = 'gapminder'"))
MODES: tuple[str, ...] = ("mirror",)   # the World Bank API serves IT.NET.USER.ZS itself
FOLDER = "gapminder-systema-globalis"


def _datapoints(concept: str) -> str:
    return f"ddf--datapoints--{concept}--by--geo--time.csv"


def _unit(title: str) -> str | None:
    """The unit a series title ends with in parentheses."""
    return title[title.rfind("(") + 1: -1] if title.endswith(")") else None


def inputs(ctx: Context) -> list[Path]:
    """Files this step reads: the entity file and one datapoints file per series."""
    meta = step_meta(NAME)
    folder = ctx.raw / FOLDER
    return [folder / meta["entities"]] + [folder / _datapoints(c) for c in meta["series"]]


def codes(ctx: Context) -> dict[str, Path]:
    """Each configured series' code, with its datapoints file."""
    series = step_meta(NAME)["series"]
    return {spec["code"]: ctx.raw / FOLDER / _datapoints(concept) for concept, spec in series.items()}


def extract(ctx: Context) -> tuple[dict[str, str | None], dict[str, list[dict[str, str]]]]:
    """Read the geo entity mapping and the datapoints of each configured series."""
    meta = step_meta(NAME)
    folder = ctx.raw / FOLDER
    entity_path = folder / meta["entities"]
    entities = read_csv_records(entity_path, ["country", "iso3166_1_alpha3"], exact=False)
    geo_iso3 = {r["country"]: (r["iso3166_1_alpha3"].upper() or None) for r in entities}
    geo_iso3.update({geo: code for geo, code in (meta.get("geo_codes") or {}).items() if geo in geo_iso3})
    series = {concept: read_csv_records(folder / _datapoints(concept), ["geo", "time", concept])
              for concept in meta["series"]}
    return geo_iso3, series


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, geo_iso3: dict[str, str | None],
              series: dict[str, list[dict[str, str]]]) -> list[tuple[str, str, int, float]]:
    """Tidy rows (iso3, indicator, year, value); geos without an ISO3 code are dropped with a warning."""
    meta = step_meta(NAME)
    known = {r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
    out: list[tuple[str, str, int, float]] = []
    seen: set[tuple[str, int, str]] = set()
    for concept, records in series.items():
        path = ctx.raw / FOLDER / _datapoints(concept)
        code = meta["series"][concept]["code"]
        title = meta["series"][concept]["title"]
        bounds = bounds_for(code, _unit(title))
        dropped: set[str] = set()
        for rec in records:
            line = int(rec["_line"])
            geo = rec["geo"]
            if geo not in geo_iso3:
                raise InputError(path, "geo id not in the entity file", row=line, field="geo", value=geo)
            iso3 = geo_iso3[geo]
            if iso3 is None:
                dropped.add(geo)
                continue
            if iso3 not in known:
                raise InputError(path, f"ISO3 {iso3} of geo {geo!r} is not a known country", row=line,
                                 field="geo", value=geo)
            year = check_year(path, rec["time"], row=line, field="time")
            value = check_value(path, rec[concept], bounds, row=line, field=concept)
            if (iso3, year, concept) in seen:
                raise InputError(path, f"duplicate key ({geo}, {year})", row=line, field="geo", value=geo)
            seen.add((iso3, year, concept))
            out.append((iso3, code, year, value))
        if dropped:
            ctx.warnings.append(f"{path.name}: {len(dropped)} geos without an ISO3 code left out "
                                f"({', '.join(sorted(dropped))})")
    return out


def load(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int, float]]) -> None:
    """Insert the observations and the two series' metadata."""
    meta = step_meta(NAME)
    insert_observations(con, rows, NAME)
    for spec in meta["series"].values():
        title = spec["title"]
        unit = _unit(title)
        con.execute("""
            INSERT INTO indicators (code, name_en, title, unit, topic, definition, dataset, license,
                                    last_updated, in_catalog)
            VALUES (?, ?, ?, ?, ?, ?, 'gapminder', ?, CAST(? AS DATE), false)""",
                    [spec["code"], title, title, unit, spec["topic"], spec["definition"].strip(),
                     meta["license"], meta["vintage"]])


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the Gapminder series."""
    geo_iso3, series = extract(ctx)
    load(con, transform(ctx, con, geo_iso3, series))
