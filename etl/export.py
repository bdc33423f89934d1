"""Data bundles: the warehouse's tables as CSV or Parquet files with a Frictionless ``datapackage.json``."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from etl import citation, config, read
from etl.atomic import atomic_path

FORMATS = ("csv", "parquet")
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
LICENSE_PATHS = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                 "PDDL": "https://opendatacommons.org/licenses/pddl/1-0/"}
TYPES = {"VARCHAR": "string", "DOUBLE": "number", "FLOAT": "number", "BOOLEAN": "boolean", "DATE": "date",
         "TIMESTAMP WITH TIME ZONE": "datetime", "TIMESTAMP": "datetime", "JSON": "string"}
INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
PRIMARY_KEYS = {"observations": ["iso3", "indicator", "year"], "indicators": ["code"], "countries": ["iso3"],
                "pillars": ["id"], "group_members": ["group_code", "iso3"], "members": ["member_id"],
                "aggregate_coverage": ["iso3", "indicator", "year"], "membership_counts": ["as_of"],
                "sources": ["id"], "etl_runs": ["run_id"]}
# Which sources' data each table carries (the rest, made here from all of them, carry every source's licence).
TABLE_SOURCES = {"countries": ["classifications"], "group_members": ["classifications", "members"],
                 "members": ["members"], "membership_counts": ["members"]}
FLAG_FIELDS = {"computed": "true for a value computed here, not published by the source: a group value (source "
                           "'computed') or a derived per-capita or share indicator",
               "n_reporting": "computed group values: member countries with a value",
               "n_members": "computed group values: member countries of the group",
               "coverage": "computed group values: share of the group's weight that reports (published from 2/3)"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SQL = "(" + ", ".join(f"chr({ord(c)})" for c in FORMULA_START) + ")"   # the same characters, in SQL


def _licenses(source: dict[str, Any]) -> list[dict[str, str]]:
    """A source's licences in Frictionless form; each title quotes the source's licence in its own words."""
    text = str(source.get("license") or "")
    found = [name for name in LICENSE_PATHS if name in text]
    if not found:
        return [{"name": "other-attribution", "title": text or "not stated", **({"path": source["url"]}
                                                                                 if source.get("url") else {})}]
    return [{"name": name, "path": LICENSE_PATHS[name], "title": text} for name in found]


def _unique(items: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for item in items:
        seen.setdefault(json.dumps(item, sort_keys=True), item)
    return list(seen.values())


def _source_refs(sources: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"title": f"{s['title']} ({s['publisher']}), vintage {s['vintage']}",
             **({"path": s["url"]} if s.get("url") else {})} for s in sources]


def _schema(table: str, columns: list[tuple[str, str, bool]], frame: pd.DataFrame) -> dict[str, Any]:
    fields = []
    for name, kind, nullable in columns:
        field: dict[str, Any] = {"name": name, "type": "integer" if kind in INTEGERS else TYPES.get(kind, "string")}
        if kind == "JSON":
            field["description"] = "JSON text"
        if name in FLAG_FIELDS and table == "observations":
            field["description"] = FLAG_FIELDS[name]
        if not nullable:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table in PRIMARY_KEYS:
        schema["primaryKey"] = PRIMARY_KEYS[table]
    assert [f["name"] for f in fields] == list(frame.columns)
    return schema


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_csv(frame: pd.DataFrame, columns: list[tuple[str, str, bool]], target: Path) -> None:
    """``frame`` as CSV (header, LF line ends, empty for null), written by DuckDB: text cells that a spreadsheet
    would run as formulas get a leading apostrophe (OWASP's CSV-injection rule); dates and times in ISO 8601."""
    import duckdb

    kinds = {name: kind for name, kind, _ in columns}
    out = frame.copy(deep=False)
    exprs = []
    for column in out.columns:
        name, kind = _sql_name(column), kinds[column]
        if kind == "DATE":
            out[column] = out[column].map(lambda v: pd.Timestamp(v).strftime("%Y-%m-%d") if pd.notna(v) else None)
        elif kind.startswith("TIMESTAMP"):
            out[column] = out[column].map(lambda v: pd.Timestamp(v).isoformat() if pd.notna(v) else None)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = f"CAST({name} AS VARCHAR)"
            exprs.append(f"CASE WHEN left({text}, 1) IN {FORMULA_SQL} THEN chr(39) || {text} ELSE {text} END AS {name}")
            continue
        exprs.append(name)
    con = duckdb.connect()   # in memory, only to write the file fast (2 M rows in about a second)
    try:
        con.register("frame", out)
        con.sql(f"SELECT {', '.join(exprs)} FROM frame").write_csv(str(target), header=True)
    finally:
        con.close()


def _frames(db: read.Warehouse) -> tuple[dict[str, list[tuple[str, str, bool]]], dict[str, pd.DataFrame]]:
    columns = read.table_columns(db=db)
    frames: dict[str, pd.DataFrame] = {}
    flags = read.observation_flags(db=db)
    extra = [("n_reporting", "INTEGER", True), ("n_members", "INTEGER", True), ("coverage", "DOUBLE", True)]
    columns["observations"] = columns["observations"] + extra
    frames["observations"] = flags
    for table in columns:
        if table != "observations":
            frames[table] = read.table_rows(table, db=db)
    return columns, frames


def describe(db: read.Warehouse, fmt: str, frames: dict[str, pd.DataFrame],
             columns: dict[str, list[tuple[str, str, bool]]]) -> dict[str, Any]:
    """The Frictionless data package descriptor of a bundle."""
    vintage = read.data_vintage(db=db)
    table = read.sources(db=db)
    sources = table.astype(object).where(table.notna(), None).to_dict("records")
    by_id = {s["id"]: s for s in sources}
    built = pd.Timestamp(vintage["built_at"]).isoformat() if vintage["built_at"] is not None else None
    cite = (f"WIC Digital Economy Observatory, data bundle of ETL run {vintage['run_id']} (built {built}). "
            "Data: " + "; ".join(f"{s['title']}, {s['publisher']}, vintage {s['vintage']}, licence: {s['license']}"
                                 for s in sources) + ". " + citation.vintage_text(vintage, "en"))
    resources = []
    for table, frame in frames.items():
        own = [by_id[i] for i in TABLE_SOURCES.get(table, []) if i in by_id] or sources
        resources.append({
            "name": table, "path": f"data/{table}.{fmt}", "profile": "tabular-data-resource", "format": fmt,
            "mediatype": MEDIA_TYPES[fmt], **({"encoding": "utf-8"} if fmt == "csv" else {}),
            "schema": _schema(table, columns[table], frame),
            "licenses": _unique([lic for s in own for lic in _licenses(s)]), "sources": _source_refs(own),
        })
    return {
        "profile": "tabular-data-package", "name": "wic-digital-economy-observatory",
        "title": "WIC Digital Economy Observatory: warehouse tables",
        "description": ("Every table of the observatory's warehouse as built by one ETL run. Observations carry "
                        "their flags: `computed` group values with the coverage of reporting countries. "
                        + ("Text cells beginning with = + - @, a tab or a carriage return carry a leading "
                           "apostrophe so that spreadsheets do not run them; the Parquet bundle holds them verbatim."
                           if fmt == "csv" else "")),
        "created": built, "vintage": {k: (str(v) if v is not None else None) for k, v in vintage.items()},
        "citation": cite, "licenses": _unique([lic for s in sources for lic in _licenses(s)]),
        "sources": _source_refs(sources), "resources": resources,
    }


def export(out: Path, fmt: str = "csv", *, db: read.Warehouse | None = None) -> Path:
    """Write the bundle into the new or empty folder ``out``, all at once (a temp folder renamed at the end)."""
    if fmt not in FORMATS:
        raise RuntimeError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RuntimeError(f"{out} exists and is not an empty folder: give a new one")
    db = db or read.open_warehouse()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    try:
        columns, frames = _frames(db)
        for table, frame in frames.items():
            target = tmp / "data" / f"{table}.{fmt}"
            if fmt == "csv":
                write_csv(frame, columns[table], target)
            else:
                frame.to_parquet(target, index=False)
        descriptor = describe(db, fmt, frames, columns)
        (tmp / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def bundle_dir() -> Path:
    """Where the zipped bundles of the current vintage are kept (under ``WIC_CACHE``)."""
    return config.cache_dir() / "bundles"


def bundle_zip(db: read.Warehouse | None = None) -> Path:
    """The CSV bundle of the warehouse's current run as one zip: built once per run (under a lock), then reused."""
    db = db or read.open_warehouse()
    run_id = str(read.data_vintage(db=db)["run_id"])
    folder = bundle_dir()
    target = folder / f"wic-observatory-{re.sub(r'[^A-Za-z0-9._-]', '_', run_id)}-csv.zip"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one builder per run, across workers; the others wait and reuse it
        if target.exists():
            return target
        work = folder / f".build-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            export(work / "bundle", "csv", db=db)
            with atomic_path(target) as tmp, \
                    zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                for path in sorted((work / "bundle").rglob("*")):
                    if path.is_file():
                        zf.write(path, path.relative_to(work / "bundle").as_posix())
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for old in folder.glob("wic-observatory-*-csv.zip"):
            if old != target:
                old.unlink(missing_ok=True)   # only the current vintage is offered
    return target
