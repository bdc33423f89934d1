"""Non-finite results are never stored: group values, derived indicators and every table of the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl import aggregates, catalog, derived
from etl.errors import InputError
from etl.inputs import check_finite


def test_the_real_warehouse_is_finite(warehouse_path: Path) -> None:
    check_finite(duckdb.connect(str(warehouse_path), read_only=True))


def test_an_overflowing_group_value_is_an_error(own_warehouse: Path) -> None:
    con = duckdb.connect(str(own_warehouse))
    con.execute("DELETE FROM observations WHERE computed AND source = 'computed'")
    con.execute("DELETE FROM aggregate_coverage")
    # bypass the loader's bounds, as a future step without them would
    con.execute("UPDATE observations SET value = 1e300 WHERE indicator = 'IT.NET.USER.ZS' AND iso3 = 'CHN'")
    before = con.execute("SELECT count(*) FROM observations").fetchone()
    with pytest.raises(InputError, match="not finite") as info:
        aggregates.compute(con, catalog.load_catalog().min_coverage)
    assert "IT.NET.USER.ZS" in str(info.value)
    assert con.execute("SELECT count(*) FROM observations").fetchone() == before


def test_an_overflowing_derived_value_is_an_error(own_warehouse: Path) -> None:
    con = duckdb.connect(str(own_warehouse))
    huge = derived.Derived(code="TEST.OVERFLOW", name_en="overflow", name_zh="溢出", unit="x", unit_zh=None,
                           numerator="NY.GDP.MKTP.CD", denominator="SP.POP.TOTL", multiplier=1e308,
                           higher_is_better=None, log_scale=False, note=None)
    with pytest.raises(InputError, match="TEST.OVERFLOW for .* is not finite"):
        derived.compute(con, definitions=[huge])


def test_check_finite_names_the_table_and_column(own_warehouse: Path) -> None:
    con = duckdb.connect(str(own_warehouse))
    table, column = con.execute("""SELECT table_name, column_name FROM information_schema.columns
        WHERE table_name LIKE 'index_%' AND data_type = 'DOUBLE' ORDER BY 1, 2 LIMIT 1""").fetchone() or ("", "")
    assert table
    con.execute(f'UPDATE "{table}" SET "{column}" = \'inf\'::DOUBLE WHERE rowid = (SELECT min(rowid) FROM "{table}")')
    with pytest.raises(InputError) as info:
        check_finite(con)
    assert info.value.field == column and table in str(info.value)
