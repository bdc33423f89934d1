"""What every source step shares: the run context, the step report, and where step metadata lives."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from etl import config
from etl.errors import InputError
from etl.inputs import FIELD_SIZE_LIMIT, check_header, decode_csv, load_yaml, read_bytes, record_count

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
    """Read a small CSV into records after the encoding, header and completeness checks; rows carry ``_line``.

    The reader is strict (a stray quote is an error), no field may exceed :data:`FIELD_SIZE_LIMIT`
    characters, and the records read must be all the records the file's bytes hold.
    """
    data = read_bytes(path)
    text = decode_csv(path, data, allow_bom=allow_bom)
    expected = record_count(path, data, final_newline=False)
    check_header(path, text, columns, exact=exact)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    records = []
    old_limit = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        for record in reader:
            if None in record or any(v is None for v in record.values()):
                raise InputError(path, f"expected {len(reader.fieldnames or [])} fields", row=reader.line_num)
            record = {k: v.strip() for k, v in record.items()}
            record["_line"] = str(reader.line_num)
            records.append(record)
    except csv.Error as exc:
        line = reader.line_num + 1   # the reader counts the lines of complete records only
        message = (f"field longer than {FIELD_SIZE_LIMIT:,} characters" if "field larger" in str(exc)
                   else f"malformed CSV: {exc}")
        raise InputError(path, message, row=line) from exc
    finally:
        csv.field_size_limit(old_limit)
    if len(records) != expected:
        last = records[-1]["_line"] if records else "1 (the header)"
        raise InputError(path, f"{len(records)} records read but the file holds {expected}; the last good row "
                               f"is {last}", row=int(records[-1]["_line"]) + 1 if records else 2)
    return records
