"""The warehouse's schema version: a digest of the DDL the ETL runs and the read API expects."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
DDL = ("schema.sql", "views.sql", "index.sql")


@functools.cache
def version() -> str:
    """Changes whenever a table, column or view of the warehouse changes (recorded in each run's ``etl_runs`` row)."""
    h = hashlib.sha256()
    for name in DDL:
        h.update(name.encode())
        h.update((SQL_DIR / name).read_bytes())
    return h.hexdigest()[:12]
