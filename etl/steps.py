"""What every source step shares: the run context, the step report, and where step metadata lives."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from etl import config
from etl.errors import InputError
from etl.inputs import check_header, decode_csv, load_yaml, read_bytes

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


def step_meta(name: str) -> dict:
    """The metadata file beside a step (``etl/sources/<name>.meta.yaml``)."""
    return load_yaml(SOURCES_DIR / f"{name}.meta.yaml")


def read_csv_records(path: Path, columns: list[str], *, exact: bool = True,
                     allow_bom: bool = False) -> list[dict[str, str]]:
    """Read a small CSV into records after the encoding and header checks; rows carry ``_line``."""
    text = decode_csv(path, read_bytes(path), allow_bom=allow_bom)
    check_header(path, text, columns, exact=exact)
    reader = csv.DictReader(io.StringIO(text))
    records = []
    for record in reader:
        if None in record or any(v is None for v in record.values()):
            raise InputError(path, f"expected {len(reader.fieldnames or [])} fields", row=reader.line_num)
        record = {k: v.strip() for k, v in record.items()}
        record["_line"] = str(reader.line_num)
        records.append(record)
    return records
