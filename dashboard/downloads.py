"""Spreadsheet-safe downloads: no text cell of a CSV or Excel file can run as a formula.

OWASP's CSV-injection rule: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so a spreadsheet shows it as text. Numbers (negative ones included) are never
touched: only ``str`` values are. In Excel workbooks every text cell is stored as a string (never a formula), so
the text stays exactly as it is and no prefix is needed there.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from etl.export import FORMULA_START

BOM = "\ufeff"   # Excel reads a CSV as UTF-8 only when it starts with this mark


def risky(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutral(value: Any) -> Any:
    """``value`` with a leading single quote if it is risky text; anything else unchanged."""
    return "'" + value if risky(value) else value


def _csv_value(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(neutral(value)) if isinstance(value, str) else str(value)


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows (header included) as CSV text with ``\\n`` line ends; text cells neutralized, empty for null."""
    # The writer quotes a field only for the characters of its line terminator: with CRLF a lone CR or LF
    # inside a field is quoted too (with LF a bare CR would break the row); each row then ends in LF.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    lines = []
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([_csv_value(v) for v in row])
        lines.append(buf.getvalue()[:-2] + "\n")
    return "".join(lines)


def frame_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as CSV with a header line, text cells neutralized."""
    return csv_text([[str(c) for c in frame.columns], *frame.itertuples(index=False, name=None)])


def _cell_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):   # numpy scalars
        return value.item()
    return value


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell; text is stored as a string, never as a formula, and shown exactly as it is."""
    value = _cell_value(value)
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"        # openpyxl makes any text starting with '=' a formula; this one is text
        if risky(value):
            cell.quotePrefix = True   # Excel keeps it text even when the cell is edited
    elif isinstance(value, (bool, int, float, datetime, date)) or value is None:
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"
    return cell


def write_frame(sheet: Worksheet, frame: pd.DataFrame, start_row: int = 1) -> int:
    """Write a header line and the rows of ``frame`` from ``start_row``; the next free row."""
    for j, name in enumerate(frame.columns, 1):
        put(sheet, start_row, j, str(name))
    row = start_row + 1
    for values in frame.itertuples(index=False, name=None):
        for j, value in enumerate(values, 1):
            put(sheet, row, j, value)
        row += 1
    return row
