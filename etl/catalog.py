"""The curated digital-economy catalog (``etl/meta/catalog.yaml``): pillars and indicators."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.config import META_DIR
from etl.errors import InputError
from etl.inputs import load_yaml
from etl.steps import columns_relation

CATALOG_FILE = META_DIR / "catalog.yaml"
PILLAR_KEYS = ("id", "name_en", "name_zh")
INDICATOR_KEYS = ("code", "pillar", "name_en", "name_zh", "unit", "higher_is_better", "dataset", "aggregate")
AGG_METHODS = ("weighted_mean", "sum", "none")
DEFAULT_MIN_COVERAGE = 2 / 3


@dataclass(frozen=True)
class CatalogIndicator:
    """One curated indicator."""

    code: str
    pillar: str
    name_en: str
    name_zh: str
    unit: str
    unit_zh: str | None
    higher_is_better: bool | None
    source_org: str | None
    dataset: str
    agg_method: str
    agg_weight: str | None
    log_scale: bool
    note: str | None


@dataclass(frozen=True)
class Catalog:
    """Pillars (in order) and indicators (in order)."""

    pillars: list[dict]
    indicators: list[CatalogIndicator]
    min_coverage: float


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Parse and check the catalog file; errors name the entry and key."""
    data = load_yaml(path)
    pillars = data.get("pillars") or []
    ids = []
    for i, pillar in enumerate(pillars):
        for key in PILLAR_KEYS:
            if not pillar.get(key):
                raise InputError(path, f"pillar #{i + 1} lacks {key!r}", field=f"pillars[{i}].{key}")
        ids.append(pillar["id"])
    indicators, seen = [], set()
    for i, entry in enumerate(data.get("indicators") or []):
        where = f"indicators[{i}]"
        for key in INDICATOR_KEYS:
            if key not in entry:
                raise InputError(path, f"{entry.get('code', where)} lacks {key!r}", field=f"{where}.{key}")
        code = entry["code"]
        if code in seen:
            raise InputError(path, f"{code} is listed twice", field=f"{where}.code", value=code)
        seen.add(code)
        if entry["pillar"] not in ids:
            raise InputError(path, f"{code}: unknown pillar", field=f"{where}.pillar", value=entry["pillar"])
        agg = entry["aggregate"] or {}
        method = agg.get("method", "none")
        if method not in AGG_METHODS:
            raise InputError(path, f"{code}: aggregate method must be one of {AGG_METHODS}",
                             field=f"{where}.aggregate.method", value=method)
        if method == "weighted_mean" and not agg.get("weight"):
            raise InputError(path, f"{code}: weighted_mean needs a weight", field=f"{where}.aggregate.weight")
        if entry["higher_is_better"] not in (True, False, None):
            raise InputError(path, f"{code}: higher_is_better must be true, false or null",
                             field=f"{where}.higher_is_better", value=str(entry["higher_is_better"]))
        indicators.append(CatalogIndicator(
            code=code, pillar=entry["pillar"], name_en=entry["name_en"], name_zh=entry["name_zh"],
            unit=entry["unit"], unit_zh=entry.get("unit_zh"), higher_is_better=entry["higher_is_better"],
            source_org=entry.get("source_org"), dataset=entry["dataset"], agg_method=method,
            agg_weight=agg.get("weight") if method == "weighted_mean" else None,
            log_scale=bool(entry.get("log_scale", False)), note=entry.get("note"),
        ))
    if not indicators:
        raise InputError(path, "the catalog lists no indicators", field="indicators")
    return Catalog(pillars, indicators, float(data.get("min_coverage", DEFAULT_MIN_COVERAGE)))


def apply(con: duckdb.DuckDBPyConnection, catalog: Catalog, *, strict: bool = True) -> list[str]:
    """Write pillars and mark catalog indicators with their curated names, pillar and direction.

    With ``strict`` (a full load) every catalog code must be in the data; otherwise (a partial API load)
    missing ones are skipped and returned as warnings.
    """
    known = {r[0] for r in con.execute("SELECT code FROM indicators").fetchall()}
    warnings = []
    for ind in catalog.indicators:
        for code in filter(None, (ind.code, ind.agg_weight)):
            if code not in known:
                if strict:
                    raise InputError(CATALOG_FILE, "indicator is not in the loaded data", field="code",
                                     value=code)
                warnings.append(f"catalog indicator {code} was not loaded")
    for pos, pillar in enumerate(catalog.pillars, start=1):
        con.execute("INSERT INTO pillars VALUES (?, ?, ?, ?, ?, ?)",
                    [pillar["id"], pos, pillar["name_en"], pillar["name_zh"], pillar.get("description_en"),
                     pillar.get("description_zh")])
    con.execute("""UPDATE indicators SET in_catalog = false, catalog_order = NULL, pillar = NULL, name_zh = NULL,
                   unit_zh = NULL, higher_is_better = NULL, log_scale = false, agg_method = NULL,
                   agg_weight = NULL, note = NULL, name_en = title
                   WHERE in_catalog""")   # rows a previous catalog marked; others keep their step's names
    rows = [[order, ind.pillar, ind.name_en, ind.name_zh, ind.unit, ind.unit_zh, ind.higher_is_better,
             ind.source_org, ind.log_scale, ind.agg_method, ind.agg_weight if ind.agg_weight in known else None,
             ind.note, ind.code] for order, ind in enumerate(catalog.indicators, start=1)]
    names = ["catalog_order", "pillar", "name_en", "name_zh", "unit", "unit_zh", "higher_is_better", "source_org",
             "log_scale", "agg_method", "agg_weight", "note", "code"]
    marks, marks_params = columns_relation({n: [r[k] for r in rows] for k, n in enumerate(names)})
    table = load_yaml(META_DIR / "names_zh.yaml") or {}
    zh_names = sorted((str(code), str(name)) for code, name in (table.get("indicators") or {}).items())
    zh, zh_params = columns_relation({"code": [c for c, _ in zh_names], "name_zh": [n for _, n in zh_names]})
    units = sorted((str(u), str(z)) for u, z in (table.get("units") or {}).items())
    unit_zh, unit_params = columns_relation({"unit": [u for u, _ in units], "unit_zh": [z for _, z in units]})
    # one statement each, not one per indicator
    con.execute(f"""
        UPDATE indicators i SET in_catalog = true, catalog_order = m.catalog_order, pillar = m.pillar,
               name_en = m.name_en, name_zh = m.name_zh, unit = m.unit, unit_zh = m.unit_zh,
               higher_is_better = m.higher_is_better, source_org = coalesce(m.source_org, i.source_org),
               log_scale = m.log_scale, agg_method = m.agg_method, agg_weight = m.agg_weight, note = m.note
        FROM {marks} m WHERE i.code = m.code""", marks_params)
    if zh_names:   # WDI names in Chinese
        con.execute(f"""UPDATE indicators i SET name_zh = z.name_zh FROM {zh} z
                        WHERE i.code = z.code AND i.name_zh IS NULL""", zh_params)
    if units:   # their units
        con.execute(f"""UPDATE indicators i SET unit_zh = z.unit_zh FROM {unit_zh} z
                        WHERE i.unit = z.unit AND i.unit_zh IS NULL""", unit_params)
    return warnings
