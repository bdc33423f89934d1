"""Derived indicators (``etl/meta/derived.yaml``): per-capita and share series computed in the warehouse.

Each derived value is ``numerator / denominator * multiplier`` for one country and year where both source
values are published (and the denominator is positive). Rows go to ``observations`` with
``source = 'derived'`` and ``computed = true``; the indicator's metadata says how it was computed and
inherits the license and last update of its inputs. Recomputed when an input step was rebuilt, like group values
(etl/steps_reuse.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.config import META_DIR
from etl.errors import InputError
from etl.inputs import load_yaml

DERIVED_FILE = META_DIR / "derived.yaml"
DATASET = "derived"
KEYS = ("code", "name_en", "name_zh", "unit", "numerator", "denominator", "multiplier")


@dataclass(frozen=True)
class Derived:
    """One derived indicator: ``numerator / denominator * multiplier``."""

    code: str
    name_en: str
    name_zh: str
    unit: str
    unit_zh: str | None
    numerator: str
    denominator: str
    multiplier: float
    higher_is_better: bool | None
    log_scale: bool
    note: str | None


def load_derived(path: Path = DERIVED_FILE) -> list[Derived]:
    """Parse and check the derived-indicator definitions; errors name the entry and key."""
    data = load_yaml(path)
    out: list[Derived] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("derived") or []):
        where = f"derived[{i}]"
        for key in KEYS:
            if entry.get(key) in (None, ""):
                raise InputError(path, f"{entry.get('code', where)} lacks {key!r}", field=f"{where}.{key}")
        code = str(entry["code"])
        if code in seen:
            raise InputError(path, f"{code} is listed twice", field=f"{where}.code", value=code)
        seen.add(code)
        try:
            multiplier = float(entry["multiplier"])
        except (TypeError, ValueError) as exc:
            raise InputError(path, f"{code}: multiplier must be a number", field=f"{where}.multiplier",
                             value=str(entry["multiplier"])) from exc
        if entry.get("higher_is_better") not in (True, False, None):
            raise InputError(path, f"{code}: higher_is_better must be true, false or null",
                             field=f"{where}.higher_is_better", value=str(entry.get("higher_is_better")))
        out.append(Derived(code=code, name_en=entry["name_en"], name_zh=entry["name_zh"], unit=entry["unit"],
                           unit_zh=entry.get("unit_zh"), numerator=entry["numerator"],
                           denominator=entry["denominator"], multiplier=multiplier,
                           higher_is_better=entry.get("higher_is_better"),
                           log_scale=bool(entry.get("log_scale", False)), note=entry.get("note")))
    if not out:
        raise InputError(path, "no derived indicators are defined", field="derived")
    return out


def definition(d: Derived, titles: dict[str, str]) -> str:
    """The human-readable recipe of a derived indicator, naming its inputs."""
    mult = f"{d.multiplier:,.0f}" if d.multiplier == int(d.multiplier) else f"{d.multiplier:g}"
    return (f"Computed in the warehouse: {d.numerator} ({titles.get(d.numerator, d.numerator)}) divided by "
            f"{d.denominator} ({titles.get(d.denominator, d.denominator)}), times {mult}, for each country "
            f"and year where both are published and the denominator is positive. Countries only; no group "
            f"values.")


def compute(con: duckdb.DuckDBPyConnection, *, strict: bool = True,
            definitions: list[Derived] | None = None) -> list[str]:
    """Insert derived indicators and their observations; return warnings.

    With ``strict`` (a full load) every input must be in the warehouse; otherwise (a partial API load) a
    derived indicator whose inputs are missing is skipped with a warning.
    """
    defs = definitions if definitions is not None else load_derived()
    meta = {r[0]: r[1:] for r in con.execute(
        "SELECT code, title, source_org, license, last_updated, topic FROM indicators").fetchall()}
    warnings: list[str] = []
    for d in defs:
        if d.code in meta:
            raise InputError(DERIVED_FILE, "derived code is already a loaded indicator", field="code",
                             value=d.code)
        missing = [c for c in (d.numerator, d.denominator) if c not in meta]
        if missing:
            if strict:
                raise InputError(DERIVED_FILE, f"{d.code}: input indicator is not in the loaded data",
                                 field="numerator" if missing[0] == d.numerator else "denominator",
                                 value=missing[0])
            warnings.append(f"derived indicator {d.code} skipped: {', '.join(missing)} not loaded")
            continue
        num, den = meta[d.numerator], meta[d.denominator]
        orgs = " and ".join(dict.fromkeys(o for o in (num[1], den[1]) if o))
        licenses = ", ".join(dict.fromkeys(lic for lic in (num[2], den[2]) if lic)) or None
        updated = max((u for u in (num[3], den[3]) if u is not None), default=None)
        titles = {d.numerator: num[0], d.denominator: den[0]}
        con.execute("""
            INSERT INTO indicators (code, name_en, name_zh, title, unit, unit_zh, topic, definition, source_org,
                                    dataset, license, last_updated, in_catalog, higher_is_better, log_scale, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?)""",
                    [d.code, d.name_en, d.name_zh, d.name_en, d.unit, d.unit_zh, num[4], definition(d, titles),
                     f"Computed by the observatory from {orgs}" if orgs else "Computed by the observatory",
                     DATASET, licenses, updated, d.higher_is_better, d.log_scale, d.note])
        con.execute("""
            INSERT INTO observations
            SELECT n.iso3, ?, n.year, n.value / d.value * ?, ?, true
            FROM observations n
            JOIN observations d ON d.iso3 = n.iso3 AND d.year = n.year AND d.indicator = ? AND NOT d.computed
            JOIN countries c ON c.iso3 = n.iso3 AND NOT c.is_aggregate
            WHERE n.indicator = ? AND NOT n.computed AND d.value > 0
            ORDER BY n.iso3, n.year""",
                    [d.code, d.multiplier, DATASET, d.denominator, d.numerator])
        bad = con.execute("SELECT iso3, year, value FROM observations WHERE indicator = ? AND NOT isfinite(value) "
                          "LIMIT 1", [d.code]).fetchone()
        if bad:   # a tiny denominator overflowed: never stored
            raise InputError(DERIVED_FILE, f"{d.code} for {bad[0]} in {bad[1]} is not finite "
                                           f"({d.numerator} / {d.denominator})", field="code", value=str(bad[2]))
    return warnings
