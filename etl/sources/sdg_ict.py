"""SDG ICT step: ITU coverage, broadband, mobile ownership, ICT skills and Findex account series (stale: to 2018)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.steps import ALL_MODES, Context, mirror_raw, step_meta

NAME = "sdg_ict"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'sdg_ict'"),
                                            ("indicators", "dataset = 'sdg_ict'"))
MODES: tuple[str, ...] = ALL_MODES
UNITS = {"percent": ("%", "%", 0.0, 100.0), "number": ("number", "个", 0.0, None)}


def inputs(ctx: Context) -> list[Path]:
    """The datapoint files, the geo entities and the M49 list."""
    meta = step_meta(NAME)
    folder = mirror_raw(ctx) / meta["folder"]
    files = [folder / s["file"] for s in meta["series"]]
    return files + [folder / meta["geo_file"], mirror_raw(ctx) / meta["m49_file"]]


def _suffix(spec: dict, key: str, value: str) -> str:
    """The code suffix of a disaggregation's value (``key``: skill or split)."""
    return str(spec[key].get("suffixes", {}).get(value, "." + value.upper()))


def codes(ctx: Context) -> dict[str, Path]:
    """Every code a series' disaggregations can give (the metadata lists their values), with its file."""
    meta = step_meta(NAME)
    folder = mirror_raw(ctx) / meta["folder"]
    out: dict[str, Path] = {}
    for spec in meta["series"]:
        variants = [""]
        for key in ("skill", "split"):
            if key in spec:
                variants = [v + _suffix(spec, key, value) for v in variants for value in spec[key]["labels"]]
        out.update(dict.fromkeys((spec["code"] + v for v in variants), folder / spec["file"]))
    return out


def extract(ctx: Context) -> tuple[dict[str, str], dict[str, str], list[list[dict[str, str]]]]:
    """M49 -> ISO3 of countries, the export's geo names, and each series' records."""
    meta = step_meta(NAME)
    folder = mirror_raw(ctx) / meta["folder"]
    m49 = {r["M49"].lstrip("0"): r["ISO3166-1-Alpha-3"]
           for r in series.read_records(mirror_raw(ctx) / meta["m49_file"], ["M49", "ISO3166-1-Alpha-3"],
                                        exact=False) if r["M49"] and r["ISO3166-1-Alpha-3"]}
    geos = {r["geo_area"]: r["name"] for r in series.read_records(folder / meta["geo_file"], ["geo_area", "name"],
                                                                    exact=False)}
    records = []
    for spec in meta["series"]:
        columns = ["geo_area", "year", spec["value"]] + [spec[k]["column"] for k in ("split", "skill") if k in spec]
        records.append(series.read_records(folder / spec["file"], columns, exact=False))
    return {**m49, **meta["world"]}, geos, records


def _variant(path: Path, rec: dict[str, str], spec: dict) -> tuple[str, str, str]:
    """Code suffix, English and Chinese labels of a record's disaggregation."""
    suffix, labels, labels_zh = "", [], []
    for key in ("skill", "split"):
        if key not in spec:
            continue
        col, value = spec[key]["column"], rec[spec[key]["column"]]
        if value not in spec[key]["labels"]:
            raise InputError(path, f"unknown {col}", row=int(rec["_line"]), field=col, value=value)
        suffix += _suffix(spec, key, value)
        if spec[key]["labels"][value]:
            labels.append(spec[key]["labels"][value])
            labels_zh.append((spec[key].get("labels_zh") or {}).get(value) or spec[key]["labels"][value])
    label, label_zh = ", ".join(labels), "，".join(labels_zh)
    return suffix, f" ({label})" if label else "", f"（{label_zh}）" if label_zh else ""


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, m49: dict[str, str], geos: dict[str, str],
              records: list[list[dict[str, str]]]) -> tuple[series.Rows, dict[str, dict]]:
    """Country rows of every series and disaggregation; UN regional aggregates are counted and left out."""
    meta = step_meta(NAME)
    folder = mirror_raw(ctx) / meta["folder"]
    known = {r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
    rows = series.Rows(NAME)
    specs: dict[str, dict] = {}
    regions: Counter[str] = Counter()
    off_scale = {(o["code"], str(o["geo_area"]), int(o["year"]), str(o["value"])) for o in meta.get("off_scale") or []}
    left_out: list[str] = []
    for spec, recs in zip(meta["series"], records, strict=True):
        path = folder / spec["file"]
        unit, unit_zh, lo, hi = UNITS[spec["units"]]
        last = spec.get("last_year", meta["last_year"])
        split_columns = [spec[k]["column"] for k in ("skill", "split") if k in spec]
        variants: dict[tuple[str, ...], tuple[str, str, str]] = {}   # a series has few disaggregations
        for rec in recs:
            line = int(rec["_line"])
            if rec.get("units", spec["units"]) != spec["units"]:
                raise InputError(path, f"units must be {spec['units']}", row=line, field="units", value=rec["units"])
            geo = rec["geo_area"]
            if geo not in m49:
                if geo not in geos:
                    raise InputError(path, "M49 code matches no country and no UN area of the export", row=line,
                                     field="geo_area", value=geo)
                regions[geos[geo]] += 1
                continue
            iso3 = m49[geo]
            if iso3 not in known:
                raise InputError(path, f"{iso3} is not a known country", row=line, field="geo_area", value=geo)
            values = tuple(rec[c] for c in split_columns)
            if values not in variants:
                variants[values] = _variant(path, rec, spec)
            suffix, label_en, label_zh = variants[values]
            code = spec["code"] + suffix
            if (code, geo, int(rec["year"] or 0), rec[spec["value"]]) in off_scale:
                left_out.append(f"{code} {iso3} {rec['year']} = {rec[spec['value']]}")
                continue
            rows.add(path, line, iso3, code, series.year(path, rec, "year"),
                     series.number(path, rec, spec["value"], lo, hi), "geo_area", geo)
            if code not in specs:
                specs[code] = {
                    "name_en": spec["name_en"] + label_en, "name_zh": spec["name_zh"] + label_zh, "unit": unit,
                    "unit_zh": unit_zh, "higher_is_better": True,
                    "note": f"Stale: latest {last}, no newer data (history only, never ranked as current).",
                    "definition": f"SDG series {spec['code']}{label_en}, UN SDG Global Database as exported in "
                                  f"October 2020 (data to {last}; revised since by the custodian).",
                }
    if regions:
        ctx.warnings.append(f"sdg_ict: {sum(regions.values())} rows of {len(regions)} UN regional aggregates "
                            "not loaded")
    if left_out:
        ctx.warnings.append(f"sdg_ict: {len(left_out)} published percentages above 100 left out: "
                            + "; ".join(left_out))
    return rows, dict(sorted(specs.items()))


def load(con: duckdb.DuckDBPyConnection, rows: series.Rows, specs: dict[str, dict]) -> None:
    """Insert the observations and the indicators."""
    series.load(con, rows, step_meta(NAME), specs)


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the SDG series."""
    m49, geos, records = extract(ctx)
    load(con, *transform(ctx, con, m49, geos, records))
