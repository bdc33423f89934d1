"""Errors the ETL reports to people: each names the file, row and field it is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """Bad input: a file (or URL), and where known the 1-based line, the field and the offending value."""

    source: str | Path
    message: str
    row: int | None = None
    field: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = str(self.source)
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field {self.field!r}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        return text


class SourceError(Exception):
    """A remote source failed in a way retries could not fix (HTTP errors, API error messages)."""
