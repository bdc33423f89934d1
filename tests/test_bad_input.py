"""Bad input: a clear error naming file, row and field, a non-zero exit, and the warehouse left as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import replace_file

from etl import build, cli, read
from etl.errors import InputError
from etl.steps import Context

WDI_FILE = "datahub-wdi/IT.NET.BBND.P2.csv"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_line(text: str, line: int, old: str, new: str) -> str:
    lines = text.split("\r\n")
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\r\n".join(lines)


def _wdi(mirror: Path) -> str:
    return (mirror / WDI_FILE).read_bytes().decode("utf-8")


# (case id, how to break the mirror, what the error must say: (file suffix, row, field, words))
WDI_CASES: list[tuple[str, Callable[[Path], tuple[str, bytes]], tuple[str, int | None, str | None, str]]] = [
    ("renamed column", lambda m: (WDI_FILE, _wdi(m).replace("Country Code", "ISO", 1).encode()),
     (WDI_FILE, 1, "Country Code", "missing column")),
    ("missing column", lambda m: (WDI_FILE, "\r\n".join(
        ",".join(ln.split(",")[:-1]) for ln in _wdi(m).split("\r\n")).encode()),
     (WDI_FILE, 1, "Value", "missing column")),
    ("non-numeric value", lambda m: (WDI_FILE, _edit_line(_wdi(m), 4, "13.0255757189855", "n/a").encode()),
     (WDI_FILE, 4, "Value", "not a finite number")),
    ("unknown country", lambda m: (WDI_FILE, _edit_line(_wdi(m), 3, "ABW", "ZZZ").encode()),
     (WDI_FILE, 3, "Country Code", "unknown country")),
    ("duplicate key", lambda m: (WDI_FILE, _edit_line(_wdi(m), 3, "2004", "2003").encode()),
     (WDI_FILE, 3, "Country Code", "duplicate key (ABW, 2003)")),
    ("bad year", lambda m: (WDI_FILE, _edit_line(_wdi(m), 5, "2006", "20x6").encode()),
     (WDI_FILE, 5, "Year", "not a year")),
    ("byte-order mark", lambda m: (WDI_FILE, b"\xef\xbb\xbf" + _wdi(m).encode()),
     (WDI_FILE, 1, None, "byte-order mark")),
    ("latin-1", lambda m: (WDI_FILE, _wdi(m).replace("Aruba", "Arub\u00e1").encode("latin-1")),
     (WDI_FILE, 2, None, "not valid UTF-8")),
    ("empty file", lambda m: (WDI_FILE, b""), (WDI_FILE, None, None, "file is empty")),
    ("header only", lambda m: (WDI_FILE, b"Country Name,Country Code,Year,Value\r\n"),
     (WDI_FILE, 2, None, "no data rows")),
    ("ragged row", lambda m: (WDI_FILE, _edit_line(_wdi(m), 6, "ABW,2007", "ABW,2007,1").encode()),
     (WDI_FILE, 6, None, "expected 4 fields, found 5")),
    ("gapminder value", lambda m: (
        "gapminder-systema-globalis/ddf--datapoints--internet_users--by--geo--time.csv",
        (m / "gapminder-systema-globalis/ddf--datapoints--internet_users--by--geo--time.csv").read_text()
        .replace("abw,1996,2.77", "abw,1996,lots").encode()),
     ("internet_users--by--geo--time.csv", 3, "internet_users", "not a number")),
    ("country list", lambda m: (
        "wb-country-metadata/wb_api_country_list_2024-06.csv",
        (m / "wb-country-metadata/wb_api_country_list_2024-06.csv").read_text()
        .replace("-70.0167", "west").encode()),
     ("wb_api_country_list_2024-06.csv", 2, "longitude", "not a number")),
]


@pytest.mark.parametrize(("case", "breaker", "expect"), WDI_CASES, ids=[c[0] for c in WDI_CASES])
def test_bad_mirror_file(case: str, breaker: Callable[[Path], tuple[str, bytes]],
                         expect: tuple[str, int | None, str | None, str], mirror_copy: Path,
                         own_warehouse: Path) -> None:
    rel, content = breaker(mirror_copy)
    replace_file(mirror_copy / rel, content)
    before = _digest(own_warehouse)
    with pytest.raises(InputError) as info:
        build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True)
    err = info.value
    suffix, row, field, words = expect
    assert str(err.source).endswith(suffix), str(err)
    assert err.row == row, str(err)
    assert err.field == field, str(err)
    assert words in str(err)
    assert _digest(own_warehouse) == before
    assert read.runs(db=read.Warehouse(own_warehouse)).iloc[0]["status"] == "ok"
    assert list(own_warehouse.parent.glob("*.tmp*")) == []
    assert '"status": "failed"' in build.runs_log_path(own_warehouse).read_text()


REGISTER_CASES = [
    ("bad date", "2023-10-20,,", "2023-13-40,,", "first_reported", "not a date"),
    ("bad category", "Tesla,enterprise,", "Tesla,spaceship,", "category", "must be one of"),
    ("unknown country", "Tesla,enterprise,USA", "Tesla,enterprise,XYZ", "country_iso3", "unknown country"),
    ("bad confidence", ",medium-high,", ",very high,", "confidence", "must be one of"),  # Tesla's is the first
]


@pytest.mark.parametrize(("case", "old", "new", "field", "words"), REGISTER_CASES,
                         ids=[c[0] for c in REGISTER_CASES])
def test_bad_register(case: str, old: str, new: str, field: str, words: str, members_copy: Path,
                      own_warehouse: Path) -> None:
    register = members_copy / "members.csv"
    text = register.read_text(encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("Tesla,"))
    register.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = _digest(own_warehouse)
    with pytest.raises(InputError) as info:
        build.run(Context.default(members_file=register), target=own_warehouse)
    assert info.value.row == line and info.value.field == field and words in str(info.value)
    assert _digest(own_warehouse) == before


def test_register_duplicate_and_counts_qualifier(members_copy: Path, own_warehouse: Path) -> None:
    register = members_copy / "members.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    register.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate member") as info:
        build.run(Context.default(members_file=register), target=own_warehouse)
    assert info.value.row == len(lines) + 1
    counts = members_copy / "membership_counts.csv"
    counts.write_text(counts.read_text(encoding="utf-8").replace(",about,", ",roughly,", 1), encoding="utf-8")
    with pytest.raises(InputError, match="must be one of") as info:
        build.run(Context.default(counts_file=counts), target=own_warehouse)
    assert info.value.row == 2 and info.value.field == "members_qualifier"


def _excel_from_csv(csv_path: Path, dest: Path, edit: Callable[[list[list[str]]], None] | None = None) -> None:
    import csv

    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if edit:
        edit(rows)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(dest)


def test_register_from_excel_via_cli(members_copy: Path, own_warehouse: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    monkeypatch.setenv("WIC_MEMBERS_DIR", str(members_copy))
    book = tmp_path / "register.xlsx"

    def add_member(rows: list[list[str]]) -> None:
        rows.append(["Example Networks", "enterprise", "BRA", "listed in the full register", "2025-03-01",
                     "", "Secretariat register", "high", ""])

    _excel_from_csv(members_copy / "members.csv", book, add_member)
    assert cli.main(["etl", "members", str(book), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "members loaded" in out and "wdi reused" in out
    db = read.Warehouse(own_warehouse)
    assert len(read.members(db=db)) == 52 and "BRA" in read.group_members("WIC", db=db)
    assert "Example Networks" in (members_copy / "members.csv").read_text(encoding="utf-8")
    assert cli.main(["etl", "--quiet"]) == 0                       # the loaded register is kept
    assert "up to date" in capsys.readouterr().out or len(read.members(db=db)) == 52
    assert len(read.members(db=read.Warehouse(own_warehouse))) == 52

    def bad_date(rows: list[list[str]]) -> None:
        rows[5][4] = "5 March"

    _excel_from_csv(members_copy / "members.csv", book, bad_date)
    before = _digest(own_warehouse)
    assert cli.main(["etl", "members", str(book), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "register.xlsx, row 6, field 'first_reported': not a date" in err
    assert _digest(own_warehouse) == before


def test_cli_reports_bad_input_with_nonzero_exit(mirror_copy: Path, own_warehouse: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    replace_file(mirror_copy / WDI_FILE, _edit_line(_wdi(mirror_copy), 4, "13.0255757189855", "n/a").encode())
    monkeypatch.setenv("WIC_MIRROR", str(mirror_copy.parent))
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    assert cli.main(["etl", "--check", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wic etl: error: ") and "IT.NET.BBND.P2.csv, row 4, field 'Value'" in err
    assert "'n/a'" in err
