"""Bad input: a clear error naming file, row and field, a non-zero exit, and the warehouse left as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import replace_file

from etl import build, cli, config, phases, read
from etl.errors import InputError
from etl.steps import Context

WDI_FILE = "datahub-wdi/IT.NET.BBND.P2.csv"
GTMI_FILE = "wb-gtmi/e_gov.csv"


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


# Issue 15, items 1-4: truncated files, the year rule, plausibility bounds and tracebacks turned into errors.
GDP_FILE = "datahub-wdi/NY.GDP.MKTP.CD.csv"
GM_FILE = "gapminder-systema-globalis/ddf--datapoints--internet_users--by--geo--time.csv"
PKG_FILE = "datahub-wdi/IT.NET.BBND.P2.datapackage.json"


def _cut_after(mirror: Path, rel: str, marker: bytes) -> bytes:
    data = (mirror / rel).read_bytes()
    return data[: data.index(marker) + len(marker)]


def _gm_year(year: str) -> Callable[[Path], tuple[str, bytes]]:
    return lambda m: (GM_FILE, (m / GM_FILE).read_text().replace("abw,1996,2.77", f"abw,{year},2.77").encode())


def _pkg(edit: Callable[[dict], object]) -> Callable[[Path], tuple[str, bytes]]:
    import json

    def breaker(m: Path) -> tuple[str, bytes]:
        return PKG_FILE, json.dumps(edit(json.loads((m / PKG_FILE).read_text()))).encode()
    return breaker


ROBUSTNESS_CASES: list[tuple[str, Callable[[Path], tuple[str, bytes]], tuple[str, int | None, str | None, str]]] = [
    ("cut inside a quoted field", lambda m: (GDP_FILE, _cut_after(m, GDP_FILE, b'"Bahamas, Th')),
     (GDP_FILE, 1238, None, "the last good row is 1237")),
    ("cut inside the last row", lambda m: (WDI_FILE, _wdi(m).encode()[:-9]),
     (WDI_FILE, _wdi(config.raw_dir()).count("\n"), None, "does not end with a line break")),
    ("cut in a gapminder row", lambda m: (GM_FILE, _cut_after(m, GM_FILE, b"abw,1996,2.")[:-1].replace(
        b"abw,1996,2", b'abw,1996,"2')), (GM_FILE, 3, None, "the last good row is 2")),
    ("CR-only line endings", lambda m: (WDI_FILE, _wdi(m).replace("\r\n", "\r").encode()),
     (WDI_FILE, 1, None, "bare CR")),
    ("CR-only gapminder", lambda m: (GM_FILE, (m / GM_FILE).read_bytes().replace(b"\n", b"\r")),
     (GM_FILE, 1, None, "bare CR")),
    ("year 20231", _gm_year("20231"), (GM_FILE, 3, "time", "year out of the plausible range")),
    ("year -5", _gm_year("-5"), (GM_FILE, 3, "time", "year out of the plausible range")),
    ("year 32000", _gm_year("32000"), (GM_FILE, 3, "time", "year out of the plausible range")),
    ("year 40000", _gm_year("40000"), (GM_FILE, 3, "time", "year out of the plausible range")),
    ("year 1996.5", _gm_year("1996.5"), (GM_FILE, 3, "time", "not a year")),
    ("wdi year 2999", lambda m: (WDI_FILE, _edit_line(_wdi(m), 5, "2006", "2999").encode()),
     (WDI_FILE, 5, "Year", "year out of the plausible range 1800-")),
    ("wdi 1e308", lambda m: (WDI_FILE, _edit_line(_wdi(m), 4, "13.0255757189855", "1e308").encode()),
     (WDI_FILE, 4, "Value", "implausible value: must be at least 0")),
    ("negative per 100 people", lambda m: (WDI_FILE, _edit_line(_wdi(m), 4, "13.0255757189855", "-3").encode()),
     (WDI_FILE, 4, "Value", "never negative")),
    ("GDP 1e300", lambda m: (GDP_FILE, (m / GDP_FILE).read_bytes().replace(b"405586592.178771", b"1e300", 1)),
     (GDP_FILE, 2, "Value", "implausible value")),
    ("internet users 150 %", lambda m: (GM_FILE, (m / GM_FILE).read_text().replace(
        "abw,1996,2.77", "abw,1996,150").encode()), (GM_FILE, 3, "internet_users", "between 0 and 100")),
    ("datapackage array", lambda m: (PKG_FILE, b'[{"title": "x"}]'), (PKG_FILE, None, None, "JSON object")),
    ("numeric title", _pkg(lambda p: {**p, "title": 42}), (PKG_FILE, None, "title", "must be a text")),
    ("string licences", _pkg(lambda p: {**p, "licenses": "CC-BY-4.0"}), (PKG_FILE, None, "licenses",
                                                                         "must be a list of objects")),
    ("licence names not text", _pkg(lambda p: {**p, "licenses": [{"name": 4}]}), (PKG_FILE, None, "name",
                                                                                    "must be a text")),
    ("keywords not a list", _pkg(lambda p: {**p, "keywords": 7}), (PKG_FILE, None, "keywords", "list of texts")),
    ("worldbank not an object", _pkg(lambda p: {**p, "worldbank": "x"}), (PKG_FILE, None, "worldbank",
                                                                          "must be an object")),
]


@pytest.mark.parametrize(("case", "breaker", "expect"), ROBUSTNESS_CASES, ids=[c[0] for c in ROBUSTNESS_CASES])
def test_bad_mirror_file_robustness(case: str, breaker: Callable[[Path], tuple[str, bytes]],
                                    expect: tuple[str, int | None, str | None, str], mirror_copy: Path,
                                    own_warehouse: Path) -> None:
    test_bad_mirror_file(case, breaker, expect, mirror_copy, own_warehouse)


def test_truncated_gdp_file_through_the_cli(mirror_copy: Path, own_warehouse: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    replace_file(mirror_copy / GDP_FILE, _cut_after(mirror_copy, GDP_FILE, b'"Bahamas, Th'))
    monkeypatch.setenv("WIC_MIRROR", str(mirror_copy.parent))
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    before = _digest(own_warehouse)
    assert cli.main(["etl", "--force", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "NY.GDP.MKTP.CD.csv, row 1238" in err and "last good row is 1237" in err
    assert _digest(own_warehouse) == before


REGISTER_ROBUSTNESS = [
    ("1 MB field", lambda t: t.replace("co-initiator of the international organization", "x" * 1_000_000, 1),
     2, "field longer than 10,000 characters"),
    ("cut inside a quoted field", lambda t: t[: t.index('"country is headquarters') + 10], 2,
     "the last good row is 1"),
    ("stray quote", lambda t: t.replace(",high,", ',hi"gh,', 1), 2, "a stray quote"),
    ("CR-only line endings", lambda t: t.replace("\r\n", "\n").replace("\n", "\r"), 1, "bare CR"),
    ("first reported in year 202", lambda t: t.replace("2022-07-12", "0202-07-12", 1), 2, "plausible range"),
]


@pytest.mark.parametrize(("case", "edit", "row", "words"), REGISTER_ROBUSTNESS, ids=[c[0] for c in REGISTER_ROBUSTNESS])
def test_bad_register_robustness(case: str, edit: Callable[[str], str], row: int, words: str, members_copy: Path,
                                 own_warehouse: Path) -> None:
    register = members_copy / "members.csv"
    register.write_bytes(edit(register.read_bytes().decode("utf-8")).encode("utf-8"))
    before = _digest(own_warehouse)
    with pytest.raises(InputError) as info:
        build.run(Context.default(members_file=register), target=own_warehouse)
    assert info.value.row == row and words in str(info.value), str(info.value)
    assert len(str(info.value)) < 400 and "\n" not in str(info.value)
    assert _digest(own_warehouse) == before


def test_register_from_excel_with_a_huge_cell(members_copy: Path, own_warehouse: Path, tmp_path: Path) -> None:
    book = tmp_path / "register.xlsx"

    def huge(rows: list[list[str]]) -> None:
        rows[3][3] = "y" * 20_000
    _excel_from_csv(members_copy / "members.csv", book, huge)
    with pytest.raises(InputError, match="field longer than") as info:
        build.run(Context.default(members_file=book), target=own_warehouse)
    assert info.value.row == 4 and info.value.field == "evidence"


def test_every_value_of_the_real_mirror_is_plausible(warehouse_path: Path) -> None:
    """The bounds reject nothing real: every stored source value lies inside its indicator's bounds."""
    import duckdb

    from etl.inputs import bounds_for

    con = duckdb.connect(str(warehouse_path), read_only=True)
    rows = con.execute("""SELECT o.indicator, i.unit, min(o.value), max(o.value) FROM observations o
                             JOIN indicators i ON i.code = o.indicator WHERE NOT o.computed
                             GROUP BY ALL""").fetchall()
    assert len(rows) > 300
    outside = [r for r in rows if not (bounds_for(r[0], r[1]).allows(r[2]) and bounds_for(r[0], r[1]).allows(r[3]))]
    assert outside == []
    assert bounds_for("IT.NET.USER.ZS", "% of population").high == 100
    assert bounds_for("IQ.CPA.PUBS.XQ", "1=low to 6=high").high == 6


def test_an_oversized_field_in_an_index_source_names_its_file_and_row(mirror_copy: Path, own_warehouse: Path) -> None:
    from etl.steps import step_meta

    path = mirror_copy / step_meta("eu_egov")["file"]
    lines = path.read_bytes().decode("utf-8").split("\n")
    lines[2] = lines[2].replace(",", ',"' + "x" * 200_000 + '",', 1)   # past the csv module's own limit too
    replace_file(path, "\n".join(lines).encode("utf-8"))   # the copy's file is a link to the mirror's: replaced
    before = _digest(own_warehouse)
    with pytest.raises(InputError, match="field longer than 10,000 characters") as info:
        build.run(Context.default(raw=mirror_copy), target=own_warehouse)
    assert info.value.row == 3 and path.name in str(info.value) and "\n" not in str(info.value)
    assert _digest(own_warehouse) == before


def test_an_indicator_two_steps_load_stops_the_run_before_anything_is_written(
        mirror_copy: Path, own_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A WDI file named for a Gapminder series: one line naming the code, both steps and both files, before the
    new warehouse file is even created (it used to fail at commit with DuckDB's bare primary-key message)."""
    wdi = mirror_copy / "datahub-wdi"
    for suffix in (".csv", ".datapackage.json"):   # new links to real files: no file of the mirror is written
        (wdi / f"IT.NET.USER.ZS{suffix}").symlink_to((wdi / f"IT.NET.BBND.P2{suffix}").resolve())
    trace = tmp_path / "trace"
    monkeypatch.setenv(phases.TRACE_ENV, str(trace))
    before = _digest(own_warehouse)
    with pytest.raises(InputError) as info:
        build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True)
    gapminder = mirror_copy / "gapminder-systema-globalis/ddf--datapoints--internet_users--by--geo--time.csv"
    assert str(info.value) == (f"{wdi / 'IT.NET.USER.ZS.csv'}: indicator IT.NET.USER.ZS is loaded by two steps: "
                               f"wdi (from this file) and gapminder (from {gapminder}); an indicator code must "
                               "come from one step")
    assert trace.read_text().split() == ["locked"]   # no checksum, no new file, no step
    assert _digest(own_warehouse) == before
    assert list(own_warehouse.parent.glob("*.tmp*")) == []
    assert '"status": "failed"' in build.runs_log_path(own_warehouse).read_text().splitlines()[-1]


def test_two_index_sources_declaring_one_code_are_named() -> None:
    """The check itself, on the real declarations of two index-style sources and one code given to both."""
    from etl.sources import egdi, gtmi
    from etl.steps import check_codes, discover, first_clash

    ctx = Context.default()
    declared = {"egdi": egdi.codes(ctx), "gtmi": {**gtmi.codes(ctx), "UNDESA.EGDI": ctx.raw / GTMI_FILE}}
    assert first_clash(declared) == ("UNDESA.EGDI", ("egdi", build.PACKAGE_DIR / "sources" / "egdi.meta.yaml"),
                                     ("gtmi", ctx.raw / GTMI_FILE))
    assert first_clash({"egdi": egdi.codes(ctx), "gtmi": gtmi.codes(ctx)}) is None
    check_codes(discover(), ctx)   # the real mirror: every code has one step


LARGE_TEXTS = {   # each over etl.inputs.LARGE bytes, so that the numpy scans are the ones used
    "CRLF": b"h,v\r\n" + b'"a, b",1\r\n' * 20000,
    "LF with a quoted line break": b"h,v\n" + b'"a\nb",1\n' * 20000 + b'x,"y ""z"""\n',
    "blank CRLF line": b"h,v\r\n" + b"a,1\r\n" * 10000 + b"\r\n" + b"a,1\r\n" * 10000,
    "blank LF line at the end": b"h,v\n" + b"a,1\n" * 20000 + b"\n",
    "bare CR inside": b"h,v\r\n" + b"a,1\r\n" * 10000 + b"b,2\r" + b"a,1\r\n" * 10000,
    "bare CR last": b"h,v\r\n" + b"a,1\r\n" * 20000 + b"\r",
    "CR before a blank": b"h,v\n" + b"a,1\n" * 20000 + b"\r\r\n",
}


@pytest.mark.parametrize("name", LARGE_TEXTS)
def test_large_file_scans_agree_with_the_byte_scans(name: str) -> None:
    from etl import inputs

    data = LARGE_TEXTS[name]
    assert len(data) >= inputs.LARGE
    blank = inputs._BLANK_TEST.search(data) is not None
    assert inputs._scan(data) == (data.count(b'"'), data.count(b"\n"), blank)
    bare = inputs._BARE_CR.search(data)
    assert inputs._bare_cr(data) == (bare.start() if bare else None)
