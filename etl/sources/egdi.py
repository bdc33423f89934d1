"""EGDI step: the UN E-Government Development Index and its components, one CSV per survey edition."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from etl import series
from etl.errors import InputError
from etl.steps import ALL_MODES, Context, meta_codes, mirror_raw, step_meta

NAME = "egdi"
DEPENDS: tuple[str, ...] = ("classifications",)
OWNS: tuple[tuple[str, str | None], ...] = (("observations", "source = 'egdi'"), ("indicators", "dataset = 'egdi'"))
MODES: tuple[str, ...] = ALL_MODES
RANK = "UNDESA.EGDI.RANK"
SCORES = ("UNDESA.EGDI", "UNDESA.EPART", "UNDESA.EGDI.OSI", "UNDESA.EGDI.HCI", "UNDESA.EGDI.TII")


def _editions(ctx: Context, meta: dict) -> list[tuple[Path, str]]:
    folder = mirror_raw(ctx) / meta["folder"]
    files = [(p, "un") for p in sorted(folder.glob(meta["editions"]))]
    return files + [(folder / meta["edition_2024"], "relabelled")]


def inputs(ctx: Context) -> list[Path]:
    """Files this step reads: every edition, the 2024 copy and the UNU-EGOV name lists."""
    meta = step_meta(NAME)
    folder = mirror_raw(ctx) / meta["folder"]
    return [p for p, _ in _editions(ctx, meta)] + [folder / meta["names_file"]] + sorted(
        folder.glob(meta["unu_files"]))


def codes(ctx: Context) -> dict[str, Path]:
    """The indicators the metadata declares (every edition holds them all)."""
    return meta_codes(NAME)


def names(ctx: Context, meta: dict) -> dict[str, str]:
    """UN country name -> ISO3, from the UNU-EGOV lists and the metadata's aliases."""
    folder = mirror_raw(ctx) / meta["folder"]
    mapping: dict[str, str] = {}
    path = folder / meta["names_file"]
    for rec in series.read_records(path, ["COUNTRY CODE", "COMMON NAME", "OFFICIAL NAME"], allow_bom=True,
                                   delimiter=";"):
        for fld in ("COMMON NAME", "OFFICIAL NAME"):
            mapping[rec[fld]] = rec["COUNTRY CODE"]
    for path in sorted(folder.glob(meta["unu_files"])):
        for rec in series.read_records(path, ["country-code", "country-name"], exact=False):
            mapping.setdefault(rec["country-name"], rec["country-code"])
    mapping.update(meta.get("aliases") or {})
    return mapping


def extract(ctx: Context) -> list[tuple[Path, int, dict[str, str], list[dict[str, str]]]]:
    """Each edition's file, survey year, column layout and records (names stripped of their trailing spaces)."""
    meta = step_meta(NAME)
    out = []
    for path, layout in _editions(ctx, meta):
        columns = meta["columns"][layout]
        match = re.search(r"(\d{4})\.csv$", path.name)
        if not match:
            raise InputError(path, "file name does not end in the survey year, e.g. EGOV_DATA_2022.csv")
        records = series.read_records(path, list(columns.values()), exact=False)
        out.append((path, int(match.group(1)), columns, records))
    return out


def transform(ctx: Context, con: duckdb.DuckDBPyConnection,
              editions: list[tuple[Path, int, dict[str, str], list[dict[str, str]]]]) -> series.Rows:
    """One observation per country, edition and indicator; a country not assessed is left out, not zero."""
    meta = step_meta(NAME)
    mapping = names(ctx, meta)
    known = {r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
    rows = series.Rows(NAME)
    not_assessed: list[str] = []
    off_scale = {(int(o["edition"]), o["country"], o["column"]): str(o["value"]) for o in meta.get("off_scale") or []}
    left_out: list[str] = []
    for path, edition, col, records in editions:
        for rec in records:
            line = int(rec["_line"])
            iso3 = series.match_country(mapping, path, rec, col["country"], "UN country name")
            if iso3 not in known:
                raise InputError(path, f"{iso3} is not a known country", row=line, field=col["country"],
                                 value=rec[col["country"]])
            yr = series.year(path, rec, col["year"])
            if yr != edition:
                raise InputError(path, f"survey year differs from the file's edition {edition}", row=line,
                                 field=col["year"], value=rec[col["year"]])
            scores: dict[str, float | None] = {}
            for code in SCORES:
                if off_scale.get((edition, rec[col["country"]], col[code])) == rec[col[code]]:
                    scores[code] = None
                    left_out.append(f"{rec[col['country']]} {edition} {col[code]} = {rec[col[code]]}")
                else:
                    scores[code] = series.number(path, rec, col[code], 0.0, 1.0)
            rank_text = rec[col["rank"]]
            if not rank_text:
                if any(scores.values()):
                    raise InputError(path, "empty rank but non-zero scores", row=line, field=col["rank"])
                not_assessed.append(f"{rec[col['country']]} {edition}")
                continue
            rank = series.number(path, rec, col["rank"], 1.0, float(len(records)))
            if not rank.is_integer():
                raise InputError(path, "rank is not a whole number", row=line, field=col["rank"], value=rank_text)
            for code, value in {**scores, RANK: rank}.items():
                if value is not None:
                    rows.add(path, line, iso3, code, yr, value, col["country"], rec[col["country"]])
    if not_assessed:
        ctx.warnings.append(f"egdi: {len(not_assessed)} country-editions not assessed (empty rank, all zeros) "
                            f"left out as missing: {', '.join(not_assessed)}")
    if left_out:
        ctx.warnings.append(f"egdi: {len(left_out)} published values off the 0-1 scale left out: "
                            f"{'; '.join(left_out)}")
    return rows


def load(con: duckdb.DuckDBPyConnection, rows: series.Rows) -> None:
    """Insert the observations and the indicators."""
    series.load_step(con, rows, NAME)


def run(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """Extract, transform and load the EGDI editions."""
    load(con, transform(ctx, con, extract(ctx)))
