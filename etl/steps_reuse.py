"""Carrying the computed tables (group values, derived indicators, the index) over from the served warehouse.

Each computed phase reads the rows of some steps: group values the catalog indicators and their weights, the
countries and groups (``classifications``, and ``members`` for the WIC group); derived indicators their numerators
and denominators and the countries; the index its indicators (derived ones through ``derived``) and the countries.
Which step loads an indicator is read from the new warehouse through the steps' own ``OWNS`` clauses. A phase whose
steps were all reused (copied unchanged, same code version, which covers every metadata file under ``etl/``) gives
the rows it gave last time, so they are copied instead of computed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from etl.derived import DATASET as DERIVED
from etl.index.config import INDEX_SQL
from etl.steps import Step, copy_owned

if TYPE_CHECKING:
    import duckdb

    from etl.catalog import Catalog
    from etl.derived import Derived
    from etl.index.config import IndexConfig

PHASES = ("aggregates", "derived", "index")
OWNS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "aggregates": (("aggregate_coverage", None), ("observations", "source = 'computed'")),
    "derived": (("indicators", f"dataset = '{DERIVED}'"), ("observations", f"source = '{DERIVED}'")),
    "index": tuple((t, None) for t in re.findall(r"CREATE TABLE (\w+)", INDEX_SQL.read_text())),
}
# the warnings each phase adds to a run, carried over with its rows
WARNINGS = {"aggregates": (), "derived": ("derived indicator ",), "index": ("index",)}
UNKNOWN = "?"   # an indicator no step owns: its phase is computed


def owners(con: duckdb.DuckDBPyConnection, steps: list[Step]) -> dict[str, str]:
    """Which step loaded each indicator of the new warehouse."""
    out: dict[str, str] = {}
    for step in steps:
        for table, where in step.OWNS:
            if table == "indicators":
                rows = con.execute("SELECT code FROM indicators" + (f" WHERE {where}" if where else "")).fetchall()
                out.update((r[0], step.NAME) for r in rows)
    return out


def inputs(con: duckdb.DuckDBPyConnection, steps: list[Step], catalog: Catalog, derived: list[Derived],
           index_config: IndexConfig) -> dict[str, set[str]]:
    """The steps (and computed phases) each computed phase reads, from the configurations the run parsed."""
    own = owners(con, steps)
    derived_codes = {d.code for d in derived}

    def of(codes: set[str]) -> set[str]:
        return {own.get(c, UNKNOWN) for c in codes}

    agg_codes = {i.code for i in catalog.indicators} | {i.agg_weight for i in catalog.indicators if i.agg_weight}
    index_codes = set(index_config.codes)
    return {
        "aggregates": {"classifications", "members"} | of(agg_codes),
        "derived": {"classifications"} | of({c for d in derived for c in (d.numerator, d.denominator)}),
        "index": {"classifications"} | of(index_codes - derived_codes)
                 | ({"derived"} if index_codes & derived_codes else set()),
    }


def reusable(needs: dict[str, set[str]], reused_steps: set[str]) -> set[str]:
    """The computed phases all of whose inputs were reused, in order (a phase read by a later one counts)."""
    done: set[str] = set()
    for phase in PHASES:
        if needs[phase] <= reused_steps | done:
            done.add(phase)
    return done


def copy(con: duckdb.DuckDBPyConnection, phase: str) -> None:
    """Copy a phase's rows from the attached ``old`` warehouse."""
    if phase == "index":
        con.execute(INDEX_SQL.read_text())
    copy_owned(con, OWNS[phase])


def carried_warnings(phases: set[str], previous: list[str]) -> list[str]:
    """The previous run's warnings of the carried phases."""
    prefixes = tuple(p for phase in phases for p in WARNINGS[phase])
    return [w for w in previous if prefixes and w.startswith(prefixes)]
