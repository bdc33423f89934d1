"""Classifications step: World Bank economies and aggregates, UN M49 / ISO codes and Chinese names."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.config import META_DIR
from etl.errors import InputError
from etl.inputs import load_yaml
from etl.steps import ALL_MODES, Context, columns_relation, read_csv_records, step_meta

NAME = "classifications"
DEPENDS: tuple[str, ...] = ()
OWNS: tuple[tuple[str, str | None], ...] = (("countries", None), ("group_members", "kind <> 'wic'"))
MODES: tuple[str, ...] = ALL_MODES
WB_FILE = "wb-country-metadata/wb_api_country_list_2024-06.csv"
ISO_FILE = "country-codes/country-codes.csv"
WIC_GROUP = "WIC"
GROUP_KINDS = {"region": "region_id", "income": "income_level_id", "lending": "lending_type_id"}


def inputs(ctx: Context) -> list:
    """Files this step reads."""
    return [ctx.raw / WB_FILE, (ctx.iso_raw or ctx.raw) / ISO_FILE, META_DIR / "names_zh.yaml"]


def codes(ctx: Context) -> dict[str, Path]:
    """No indicator: this step loads countries and groups."""
    return {}


def _float(path, rec: dict[str, str], fld: str) -> float | None:
    text = rec[fld]
    if text in ("", "NA"):
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise InputError(path, "not a number", row=int(rec["_line"]), field=fld, value=text) from exc


def _none(text: str) -> str | None:
    return None if text in ("", "NA") else text


def _code(text: str) -> str | None:
    """A code kept as written: 'NA' is Namibia's ISO2 code, not a missing value."""
    return text or None


def extract(ctx: Context) -> tuple[list[dict[str, str]], list[dict[str, str]], dict]:
    """Read the two classification files and the Chinese-name overrides."""
    meta = step_meta(NAME)
    wb = read_csv_records(ctx.raw / WB_FILE, meta["wb_columns"])
    iso = read_csv_records((ctx.iso_raw or ctx.raw) / ISO_FILE, meta["iso_columns"], exact=False)
    names = load_yaml(META_DIR / "names_zh.yaml")
    return wb, iso, names


def transform(ctx: Context, wb: list[dict[str, str]], iso: list[dict[str, str]], names: dict) -> list[dict]:
    """One row per economy, aggregate and ISO territory, with names in English and Chinese, by code."""
    wb_path, iso_path = ctx.raw / WB_FILE, (ctx.iso_raw or ctx.raw) / ISO_FILE
    zh_over = {**(names.get("countries") or {}), **(names.get("aggregates") or {})}
    rows: dict[str, dict] = {}
    for rec in wb:
        code = rec["iso3"]
        if len(code) != 3 or not code.isalnum():
            raise InputError(wb_path, "not a 3-character code", row=int(rec["_line"]), field="iso3", value=code)
        if code in rows:
            raise InputError(wb_path, "duplicate economy code", row=int(rec["_line"]), field="iso3", value=code)
        if rec["is_aggregate"] not in ("true", "false"):
            raise InputError(wb_path, "expected true or false", row=int(rec["_line"]), field="is_aggregate",
                             value=rec["is_aggregate"])
        agg = rec["is_aggregate"] == "true"
        rows[code] = {
            "iso3": code, "iso2": _code(rec["iso2"]), "name_en": rec["name"], "is_aggregate": agg,
            "is_computed": False, "in_wb_list": True,
            "wb_region_id": None if agg else _none(rec["region_id"]),
            "wb_region": None if agg else _none(rec["region"]),
            "wb_admin_region": _none(rec["adminregion"]),
            "income_id": None if agg else _none(rec["income_level_id"]),
            "income": None if agg else _none(rec["income_level"]),
            "lending_id": None if agg else _none(rec["lending_type_id"]),
            "lending": None if agg else _none(rec["lending_type"]),
            "capital": _none(rec["capital_city"]),
            "longitude": _float(wb_path, rec, "longitude"), "latitude": _float(wb_path, rec, "latitude"),
        }
    seen_iso: set[str] = set()
    for rec in iso:
        code = rec["ISO3166-1-Alpha-3"]
        if not code:
            continue
        if code in seen_iso:
            raise InputError(iso_path, "duplicate ISO3 code", row=int(rec["_line"]),
                             field="ISO3166-1-Alpha-3", value=code)
        seen_iso.add(code)
        row = rows.setdefault(code, {
            "iso3": code, "iso2": _code(rec["ISO3166-1-Alpha-2"]),
            "name_en": rec["CLDR display name"] or rec["official_name_en"] or code,
            "is_aggregate": False, "is_computed": False, "in_wb_list": False,
        })
        row.update({
            "iso_numeric": _none(rec["ISO3166-1-numeric"]), "m49": _none(rec["M49"]),
            "un_region": _none(rec["Region Name"]), "un_subregion": _none(rec["Sub-region Name"]),
            "un_intermediate": _none(rec["Intermediate Region Name"]), "continent": _none(rec["Continent"]),
            "ldc": rec["Least Developed Countries (LDC)"] == "x",
            "lldc": rec["Land Locked Developing Countries (LLDC)"] == "x",
            "sids": rec["Small Island Developing States (SIDS)"] == "x",
            "is_independent": _none(rec["is_independent"]),
            "name_zh": rec["official_name_cn"] or rec["UNTERM Chinese Short"] or None,
        })
        if row["iso2"] is None:
            row["iso2"] = _code(rec["ISO3166-1-Alpha-2"])
    rows[WIC_GROUP] = {"iso3": WIC_GROUP, "name_en": "WIC member countries", "is_aggregate": True,
                       "is_computed": True, "in_wb_list": False}
    for code, name in zh_over.items():
        if code in rows:
            rows[code]["name_zh"] = name
    missing_zh = sorted(c for c, r in rows.items() if not r.get("name_zh") and r["in_wb_list"])
    if missing_zh:
        ctx.warnings.append(f"no Chinese name for {len(missing_zh)} World Bank codes: {', '.join(missing_zh)}")
    return [rows[code] for code in sorted(rows)]


def load(con: duckdb.DuckDBPyConnection, countries: list[dict]) -> None:
    """Insert countries and the standard group memberships (WIC members are added by the members step)."""
    cols = [r[0] for r in con.execute("SELECT name FROM pragma_table_info('countries')").fetchall()]
    given = [c for c in cols if any(c in row for row in countries)]
    relation, params = columns_relation({c: [row.get(c) for row in countries] for c in given})
    select = ", ".join(c if c in given else f"NULL AS {c}" for c in cols)
    con.execute(f"INSERT INTO countries SELECT {select} FROM {relation}", params)
    economies = "FROM countries WHERE in_wb_list AND NOT is_aggregate"
    con.execute(f"INSERT INTO group_members SELECT 'WLD', 'world', iso3 {economies}")
    for kind, _ in GROUP_KINDS.items():
        column = {"region": "wb_region_id", "income": "income_id", "lending": "lending_id"}[kind]
        con.execute(f"INSERT INTO group_members SELECT {column}, ?, iso3 {economies} AND {column} IS NOT NULL",
                    [kind])
    # Middle income and low & middle income, as the World Bank defines them.
    con.execute(f"INSERT INTO group_members SELECT 'MIC', 'income', iso3 {economies} "
                "AND income_id IN ('LMC', 'UMC')")
    con.execute(f"INSERT INTO group_members SELECT 'LMY', 'income', iso3 {economies} "
                "AND income_id IN ('LIC', 'LMC', 'UMC')")


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the classifications."""
    wb, iso, names = extract(ctx)
    load(con, transform(ctx, wb, iso, names))
