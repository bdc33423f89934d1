"""Members step: the WIC membership register (CSV or Excel) and the official membership counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from etl.errors import InputError
from etl.inputs import FIELD_SIZE_LIMIT, check_year
from etl.steps import ALL_MODES, Context, columns_relation, read_csv_records, step_meta

NAME = "members"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("members", None), ("membership_counts", None))
MODES: tuple[str, ...] = ALL_MODES
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def inputs(ctx: Context) -> list[Path]:
    """Files this step reads."""
    return [ctx.members_file, ctx.counts_file]


def codes(ctx: Context) -> dict[str, Path]:
    """No indicator: this step loads the register and the official counts."""
    return {}


def _date(path: Path, rec: dict[str, str], fld: str) -> dt.date:
    text = rec[fld]
    try:
        date = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(path, "not a date in YYYY-MM-DD form", row=int(rec["_line"]), field=fld,
                         value=text) from exc
    check_year(path, date.year, row=int(rec["_line"]), field=fld)
    return date


def _int(path: Path, rec: dict[str, str], fld: str, *, required: bool) -> int | None:
    text = rec[fld]
    if not text and not required:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise InputError(path, "not a whole number", row=int(rec["_line"]), field=fld, value=text) from exc


def _choice(path: Path, rec: dict[str, str], fld: str, allowed: list[str], *, required: bool = True) -> str:
    text = rec[fld]
    if (text or required) and text not in allowed:
        raise InputError(path, f"must be one of {allowed}", row=int(rec["_line"]), field=fld, value=text)
    return text


def read_register(path: Path) -> list[dict[str, str]]:
    """Records of a register file in CSV (UTF-8, a BOM is accepted) or Excel (first sheet)."""
    columns = step_meta(NAME)["member_columns"]
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return read_csv_records(path, columns, exact=False, allow_bom=True)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        import pandas as pd

        sheet = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(path, f"cannot read the workbook: {exc}") from exc
    sheet.columns = [str(c).strip() for c in sheet.columns]
    missing = [c for c in columns if c not in sheet.columns]
    if missing:
        raise InputError(path, f"missing column(s) {missing}", row=1, field=missing[0])
    if sheet.empty:
        raise InputError(path, "the first sheet has a header but no data rows", row=2)
    records = []
    for n, rec in enumerate(sheet[columns].to_dict("records"), start=2):
        clean = {k: ("" if v is None else str(v)).strip() for k, v in rec.items()}
        long = next((k for k, v in clean.items() if len(v) > FIELD_SIZE_LIMIT), None)
        if long is not None:
            raise InputError(path, f"field longer than {FIELD_SIZE_LIMIT:,} characters", row=n, field=long)
        if clean["first_reported"].endswith(" 00:00:00"):  # Excel date cells arrive as timestamps
            clean["first_reported"] = clean["first_reported"][:10]
        clean["_line"] = str(n)
        records.append(clean)
    return records


def extract(ctx: Context) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Read the register and the counts."""
    meta = step_meta(NAME)
    return read_register(ctx.members_file), read_csv_records(ctx.counts_file, meta["count_columns"])


def transform(ctx: Context, con: duckdb.DuckDBPyConnection, register: list[dict[str, str]],
              counts: list[dict[str, str]]) -> tuple[list[dict], list[dict]]:
    """Validate categories, dates, countries and qualifiers; one row per member and per count."""
    meta = step_meta(NAME)
    known = {r[0] for r in con.execute("SELECT iso3 FROM countries WHERE NOT is_aggregate").fetchall()}
    path = ctx.members_file
    members, names = [], set()
    for i, rec in enumerate(register, start=1):
        line = int(rec["_line"])
        if not rec["name"]:
            raise InputError(path, "member name is empty", row=line, field="name")
        if rec["name"].casefold() in names:
            raise InputError(path, "duplicate member", row=line, field="name", value=rec["name"])
        names.add(rec["name"].casefold())
        country = rec["country_iso3"].upper()
        if country and country not in known:
            raise InputError(path, "unknown country code (use ISO 3166-1 alpha-3, e.g. CHN)", row=line,
                             field="country_iso3", value=rec["country_iso3"])
        members.append({
            "member_id": i, "name": rec["name"],
            "category": _choice(path, rec, "category", meta["categories"]),
            "country_iso3": country or None, "evidence": rec["evidence"] or None,
            "first_reported": _date(path, rec, "first_reported"),
            "source_url": rec["source_url"] or None, "source_title": rec["source_title"] or None,
            "confidence": _choice(path, rec, "confidence", meta["confidence"]), "note": rec["note"] or None,
            "country_basis": (meta["country_basis"].get(rec["category"], meta["country_basis"]["default"])
                              if country else None),
        })
    cpath, rows, dates = ctx.counts_file, [], set()
    for rec in counts:
        as_of = _date(cpath, rec, "as_of")
        if as_of in dates:
            raise InputError(cpath, "duplicate date", row=int(rec["_line"]), field="as_of", value=rec["as_of"])
        dates.add(as_of)
        rows.append({
            "as_of": as_of, "members": _int(cpath, rec, "members", required=True),
            "members_qualifier": _choice(cpath, rec, "members_qualifier", meta["qualifiers"]),
            "countries_and_regions": _int(cpath, rec, "countries_and_regions", required=False),
            "countries_qualifier": _choice(cpath, rec, "countries_qualifier", meta["qualifiers"],
                                           required=False) or None,
            "continents": _int(cpath, rec, "continents", required=False),
            "occasion": rec["occasion"] or None, "source_url": rec["source_url"] or None,
            "source_title": rec["source_title"] or None, "confidence": rec["confidence"] or None,
        })
    return members, rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> None:
    """Insert ``records`` (dicts whose keys are the table's columns, in its order) into ``table``."""
    if not records:
        return
    relation, params = columns_relation({key: [r[key] for r in records] for key in records[0]})
    con.execute(f"INSERT INTO {table} SELECT * FROM {relation}", params)


def load(con: duckdb.DuckDBPyConnection, members: list[dict], counts: list[dict]) -> None:
    """Insert members and counts."""
    _insert(con, "members", members)
    _insert(con, "membership_counts", counts)


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the membership register and counts."""
    register, counts = extract(ctx)
    load(con, *transform(ctx, con, register, counts))
