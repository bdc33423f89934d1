"""Tables as numpy columns (name -> array, all of one length): what the index computes and the ETL writes.

DuckDB scans such a dict without a copy, so the ETL computes and stores the index without importing pandas (0.2 s
of a run); :func:`frame` makes a pandas DataFrame of one for notebooks and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from etl.index.transform import FloatArray

if TYPE_CHECKING:
    import pandas as pd

Columns = dict[str, np.ndarray]


def text(values: Iterable[Any]) -> np.ndarray:
    """Texts (or None) as an object array, the numpy form DuckDB reads as VARCHAR."""
    return np.array(list(values), dtype=object)


def labels(at: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The names at positions ``at`` (an object array)."""
    return text(names)[np.asarray(at, dtype=np.int64)]


def full(value: Any, n: int) -> np.ndarray:
    """One value repeated ``n`` times (a text as an object array)."""
    return np.full(n, value, dtype=object if isinstance(value, str) or value is None else None)


def length(columns: Mapping[str, np.ndarray]) -> int:
    """The number of rows."""
    return len(next(iter(columns.values()))) if columns else 0


def concat(tables: Sequence[Columns]) -> Columns:
    """The rows of tables with the same columns, one after the other."""
    return {name: np.concatenate([t[name] for t in tables]) for name in tables[0]}


def from_rows(rows: Sequence[Mapping[str, Any]]) -> Columns:
    """Columns of records that all have the same keys; a column holding a text or None is an object array."""
    out: Columns = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        out[name] = text(values) if any(isinstance(v, str) or v is None for v in values) else np.array(values)
    return out


def positions(values: Any, axis: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Each value's position in ``axis`` (-1 where it is not on it), by a hash lookup (as pandas' get_indexer)."""
    items = np.asarray(values).tolist()
    where = {v: n for n, v in enumerate(axis.tolist() if isinstance(axis, np.ndarray) else axis)}
    return np.fromiter(map(where.get, items, repeat(-1)), dtype=np.int64, count=len(items))


def pivot(rows: Mapping[str, np.ndarray], index: str, columns: str, values: str,
          index_axis: Sequence[Any] | np.ndarray, column_axis: Sequence[Any] | np.ndarray) -> FloatArray:
    """The (index_axis x column_axis) matrix of ``rows[values]``, NaN where no row gives a cell; rows off the
    axes are ignored."""
    out = np.full((len(index_axis), len(column_axis)), np.nan)
    r, c = positions(rows[index], index_axis), positions(rows[columns], column_axis)
    keep = (r >= 0) & (c >= 0)
    out[r[keep], c[keep]] = np.asarray(rows[values], dtype=float)[keep]
    return out


def frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A pandas DataFrame of the columns (pandas is imported here)."""
    import pandas as pd

    return pd.DataFrame(dict(columns))


def frame_of(name: str) -> cached_property[pd.DataFrame]:
    """A class attribute: the instance's numpy columns ``name`` as a pandas DataFrame, made when first read."""
    def get(self: Any) -> pd.DataFrame:
        return frame(getattr(self, name))

    get.__doc__ = f":attr:`{name}` as a pandas DataFrame."
    return cached_property(get)
