"""The step protocol, the discovery of steps in dependency order, the run context and step metadata."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from etl import config
from etl.errors import InputError
from etl.inputs import check_header, csv_records, decode_csv, load_yaml, read_bytes, record_count

if TYPE_CHECKING:
    import duckdb

SOURCES_DIR = Path(__file__).resolve().parent / "sources"


@dataclass
class Context:
    """Inputs of one ETL run."""

    raw: Path
    members_file: Path
    counts_file: Path
    iso_raw: Path | None = None   # folder holding country-codes/ (default: raw)
    dataset: str = "wdi"          # the tag written to observations from the WDI-shaped folder
    loaded_from: str = ""
    progress: bool = False
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def default(cls, **overrides: object) -> Context:
        """A context from the configured paths."""
        members = config.members_dir()
        ctx = cls(raw=config.raw_dir(), members_file=members / "members.csv",
                  counts_file=members / "membership_counts.csv")
        for key, value in overrides.items():
            setattr(ctx, key, value)
        if not ctx.loaded_from:
            ctx.loaded_from = str(ctx.raw)
        if ctx.iso_raw is None:
            ctx.iso_raw = ctx.raw
        return ctx


# Attributes every step module declares (see Step).
STEP_ATTRIBUTES = ("NAME", "DEPENDS", "OWNS", "MODES", "inputs", "codes", "run")
ALL_MODES = ("mirror", "worldbank")


class Step(Protocol):
    """One source step: a module ``etl/sources/<NAME>.py`` with ``<NAME>.meta.yaml`` beside it.

    ``OWNS`` lists the (table, WHERE clause or None) rows the step writes, so that an unchanged step's rows can
    be copied from the previous warehouse; ``DEPENDS`` the steps whose tables it reads; ``MODES`` the
    ``wic etl --source`` values it runs for; ``codes`` the indicator codes it loads, known before any row is read
    (no two steps may load one code). ``run`` is extract -> transform -> load.
    """

    NAME: str
    DEPENDS: tuple[str, ...]
    OWNS: tuple[tuple[str, str | None], ...]
    MODES: tuple[str, ...]

    def inputs(self, ctx: Context) -> list[Path]: ...

    def codes(self, ctx: Context) -> dict[str, Path]: ...

    def run(self, con: duckdb.DuckDBPyConnection, ctx: Context) -> None: ...


def _load_step(name: str) -> Step:
    module = importlib.import_module(f"etl.sources.{name}")
    missing = [a for a in STEP_ATTRIBUTES if not hasattr(module, a)]
    if missing:
        raise InputError(SOURCES_DIR / f"{name}.py", f"step module lacks {missing}", field=missing[0])
    if name != module.NAME:
        raise InputError(SOURCES_DIR / f"{name}.py", "NAME must match the module name", field="NAME",
                         value=module.NAME)
    return cast(Step, module)


def discover(source: str = "mirror") -> list[Step]:
    """Every step (a module with a ``.meta.yaml`` beside it) that runs for ``source``, in dependency order.

    Among steps whose dependencies are met, the alphabetical one comes first, so the order is stable.
    """
    names = sorted(p.name[: -len(".meta.yaml")] for p in SOURCES_DIR.glob("*.meta.yaml"))
    steps = {name: _load_step(name) for name in names}
    for step in steps.values():
        unknown = [d for d in step.DEPENDS if d not in steps]
        if unknown:
            raise InputError(SOURCES_DIR / f"{step.NAME}.py", "depends on an unknown step", field="DEPENDS",
                             value=unknown[0])
    order: list[str] = []
    while len(order) < len(steps):
        ready = [n for n in names if n not in order and all(d in order for d in steps[n].DEPENDS)]
        if not ready:
            cycle = sorted(n for n in names if n not in order)
            raise InputError(SOURCES_DIR, "steps depend on each other in a cycle", value=", ".join(cycle))
        order.append(ready[0])
    return [steps[n] for n in order if source in steps[n].MODES]


def first_clash(declared: dict[str, dict[str, Path]]) -> tuple[str, tuple[str, Path], tuple[str, Path]] | None:
    """The first indicator code two steps declare (step -> code -> file), with the first step and file that
    declares it and the second, in step order; None if every code has one step."""
    owner: dict[str, tuple[str, Path]] = {}
    for step, codes in declared.items():
        for code, path in codes.items():
            if code in owner:
                return code, owner[code], (step, path)
            owner[code] = (step, path)
    return None


def check_codes(steps: list[Step], ctx: Context) -> None:
    """Stop the run before anything is written if two steps load one indicator code, naming the code, both steps
    and the files they take it from (else the two steps' rows would meet only at the warehouse's primary key)."""
    clash = first_clash({s.NAME: s.codes(ctx) for s in steps})
    if clash:
        code, (first, first_path), (second, _) = clash
        raise InputError(clash[2][1], f"indicator {code} is loaded by two steps: {second} (from this file) and "
                                      f"{first} (from {first_path}); an indicator code must come from one step")


def mirror_raw(ctx: Context) -> Path:
    """The mirror's raw folder, also under ``--source worldbank`` (for sources the API does not serve)."""
    return ctx.iso_raw or ctx.raw


def copy_owned(con: duckdb.DuckDBPyConnection, owns: tuple[tuple[str, str | None], ...]) -> None:
    """Copy the rows ``owns`` names (table, WHERE clause or None) from the attached ``old`` warehouse: the rows of
    a reused step or a carried computed phase."""
    for table, where in owns:
        con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}" + (f" WHERE {where}" if where else ""))


_META: dict[Path, tuple[tuple[int, int, int], dict]] = {}


def step_meta(name: str) -> dict:
    """The metadata file beside a step (``etl/sources/<name>.meta.yaml``), parsed again only when the file changes
    (a step reads it in each of its parts); callers must not modify it."""
    path = SOURCES_DIR / f"{name}.meta.yaml"
    try:
        st = path.stat()
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        return load_yaml(path)   # names the missing file
    cached = _META.get(path)
    if cached is None or cached[0] != key:
        cached = _META[path] = (key, load_yaml(path))
    return cached[1]


def meta_codes(name: str, path: Path | None = None) -> dict[str, Path]:
    """The indicators a step's metadata declares (``indicators:``), each with the file its rows come from
    (``path``), or the metadata file itself when several files hold them."""
    return dict.fromkeys(step_meta(name).get("indicators") or {}, path or SOURCES_DIR / f"{name}.meta.yaml")


def columns_relation(columns: dict[str, list]) -> tuple[str, list[list]]:
    """A relation over Python columns (name -> values, all of one length) for one SQL statement, and its
    parameters: ``(SELECT unnest(?) AS name, ...)``. Small tables are loaded this way, without pandas."""
    select = ", ".join(f'unnest(?) AS "{name}"' for name in columns)
    return f"(SELECT {select})", list(columns.values())


def insert_observations(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int, float]], source: str,
                        computed: set[str] | frozenset[str] = frozenset()) -> None:
    """Insert a step's (iso3, indicator, year, value) rows into ``observations``, sorted as the table is, through
    numpy columns (DuckDB scans them without a copy; pandas is not needed)."""
    import numpy as np

    iso3, indicator, year, value = zip(*rows, strict=True) if rows else ((), (), (), ())
    frame = {"iso3": np.array(iso3, dtype=object), "indicator": np.array(indicator, dtype=object),
             "year": np.array(year, dtype=np.int16), "value": np.array(value, dtype=np.float64),
             "computed": np.array([code in computed for code in indicator], dtype=bool)}
    con.register("step_obs", frame)
    try:
        con.execute("""INSERT INTO observations SELECT iso3, indicator, year, value, ?, computed
                       FROM step_obs ORDER BY indicator, iso3, year""", [source])
    finally:
        con.unregister("step_obs")


def read_csv_records(path: Path, columns: list[str], *, exact: bool = True,
                     allow_bom: bool = False) -> list[dict[str, str]]:
    """Read a small CSV into records after the encoding, header and completeness checks; rows carry ``_line``.

    The reader is strict (a stray quote is an error), no field may exceed :data:`FIELD_SIZE_LIMIT`
    characters, and the records read must be all the records the file's bytes hold.
    """
    data = read_bytes(path)
    text = decode_csv(path, data, allow_bom=allow_bom)
    expected = record_count(path, data, final_newline=False)
    check_header(path, text, columns, exact=exact)
    records = csv_records(path, text, strict=True)
    if len(records) != expected:
        last = records[-1]["_line"] if records else "1 (the header)"
        raise InputError(path, f"{len(records)} records read but the file holds {expected}; the last good row "
                               f"is {last}", row=int(records[-1]["_line"]) + 1 if records else 2)
    return records
