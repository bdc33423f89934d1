"""The new steps (EGDI, GTMI, OECD DGI/OURdata, EC eGovernment Benchmark, SDG ICT series) against the raw files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import replace_file

from etl import build, config, read
from etl.errors import InputError
from etl.sources import classifications, egdi, eu_egov, gtmi, oecd_dgi, sdg_ict
from etl.steps import Context, discover

RAW = config.raw_dir()
EGDI_2022 = "un-egdi/EGOV_DATA_2022.csv"
EGDI_2024 = "un-egdi/from-MaryliaCruzS/EGOV_DATA_2024.csv"
GTMI = "wb-gtmi/e_gov.csv"
DGI = "oecd-digital-government/oecd_dgi_2023.csv"
EU = "eu-egov-benchmark/egov_benchmark_2023_machine_readable.derived.csv"
SDG_3G = "un-sdg-ict-2020/ddf--datapoints--it_mob_3gntwk--by--geo_area--nature--units--year.csv"


def _raw(rel: str, **kwargs: str) -> list[dict[str, str]]:
    text = (RAW / rel).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), **kwargs))  # type: ignore[arg-type]


def _value(db: read.Warehouse, iso3: str, code: str, year: int) -> float | None:
    rows = db.rows("SELECT value FROM observations WHERE iso3 = ? AND indicator = ? AND year = ?", [iso3, code, year])
    return rows[0][0] if rows else None


def test_steps_are_discovered_in_dependency_order() -> None:
    names = [s.NAME for s in discover("mirror")]
    assert names[0] == "classifications"
    assert set(names) == {"classifications", "egdi", "eu_egov", "gapminder", "gtmi", "members", "oecd_dgi", "sdg_ict",
                          "wdi"}
    assert "gapminder" not in [s.NAME for s in discover("worldbank")]
    for step in discover("mirror"):
        assert all(names.index(d) < names.index(step.NAME) for d in step.DEPENDS)
        assert (build.PACKAGE_DIR / "sources" / f"{step.NAME}.meta.yaml").exists()
    phases = build.phases()
    steps = [p for p in phases if p.startswith("step:")]
    assert sorted(steps) == sorted(f"step:{n}:{e}" for n in names for e in ("start", "done"))
    for step in discover("mirror"):   # a background step may end after others start, never before it starts
        assert steps.index(f"step:{step.NAME}:start") < steps.index(f"step:{step.NAME}:done")
        assert all(steps.index(f"step:{d}:done") < steps.index(f"step:{step.NAME}:start") for d in step.DEPENDS)


def test_every_step_declares_the_indicators_it_loads(db: read.Warehouse) -> None:
    """``codes`` (checked for clashes before a run writes anything) covers every indicator a step loaded."""
    ctx = Context.default()
    loaded: dict[str, set[str]] = {}
    for code, dataset in db.rows("SELECT code, dataset FROM indicators WHERE dataset <> 'derived'"):
        loaded.setdefault(dataset, set()).add(code)
    declared = {s.NAME: set(s.codes(ctx)) for s in discover("mirror")}
    assert set(loaded) <= set(declared)
    for step, codes in loaded.items():
        assert codes <= declared[step], (step, sorted(codes - declared[step])[:5])
    assert declared["classifications"] == declared["members"] == set()


def test_rows_per_source(db: read.Warehouse) -> None:
    counts = dict(db.rows("SELECT source, count(*) FROM observations WHERE source IN "
                          "('egdi', 'gtmi', 'oecd_dgi', 'eu_egov', 'sdg_ict') GROUP BY 1"))
    # EGDI: 12 editions x 193 countries, less 8 country-editions not assessed, times 6 series, less 2 values
    # off the scale; GTMI: 396 rows x 6; OECD: 299 + 480 rows plus 40 OURdata composites; EU: 5 series x 108;
    # SDG: the 19,675 rows of the seven files less 833 rows of UN regions and 6 percentages above 100.
    raw_sdg = sum(len(_raw(f"un-sdg-ict-2020/{p.name}")) for p in (RAW / "un-sdg-ict-2020").glob("ddf--datapoints--*"))
    assert raw_sdg == 19_675
    assert counts == {"egdi": (12 * 193 - 8) * 6 - 2, "gtmi": 396 * 6, "oecd_dgi": 299 + 480 + 40, "eu_egov": 5 * 108,
                      "sdg_ict": raw_sdg - 833 - 6}


def test_egdi_values_against_the_raw_files(db: read.Warehouse) -> None:
    for rec in _raw(EGDI_2022):
        if rec["Country Name"].strip() in ("Iraq", "Türkiye", "Georgia (Country)"):
            iso3 = {"Iraq": "IRQ", "Türkiye": "TUR", "Georgia (Country)": "GEO"}[rec["Country Name"].strip()]
            assert _value(db, iso3, "UNDESA.EGDI", 2022) == float(rec["E-Government Index"])
            assert _value(db, iso3, "UNDESA.EGDI.RANK", 2022) == float(rec["E-Government Rank"])
            assert _value(db, iso3, "UNDESA.EGDI.OSI", 2022) == float(rec["Online Service Index"])
    # Türkiye in the UN files is "Turkey" in the UNU-EGOV copy of 2018: the same country and values.
    unu = {r["country-name"]: r for r in _raw("un-egdi/from-UNU-EGOV/egdi-2018.csv")}
    assert abs(_value(db, "TUR", "UNDESA.EGDI", 2018) - float(unu["Turkey"]["e-gov-index"])) < 1e-9  # type: ignore[operator]
    assert _value(db, "MKD", "UNDESA.EGDI", 2018) == pytest.approx(
        float(unu["The former Yugoslav Republic of Macedonia"]["e-gov-index"]))
    # Every UNU-EGOV value of 2010-2018 (keyed by ISO3) agrees with the name-matched survey files.
    for year in (2010, 2012, 2014, 2016, 2018):
        for r in _raw(f"un-egdi/from-UNU-EGOV/egdi-{year}.csv"):
            if r["e-gov-rank"]:
                assert _value(db, r["country-code"], "UNDESA.EGDI", year) == pytest.approx(float(r["e-gov-index"]))


def test_a_country_named_otherwise_in_each_copy_has_one_series(db: read.Warehouse) -> None:
    """Czechia is "Czech Republic " in the survey files and "Czech Republic" in the UNU-EGOV copies, whose name
    list says "Czechia"; North Macedonia is "The former Yugoslav Republic of Macedonia" there until 2018."""
    un = {r["Country Name"].strip(): r for r in _raw("un-egdi/EGOV_DATA_2018.csv")}
    assert "Czech Republic" in un and _value(db, "CZE", "UNDESA.EGDI", 2018) == float(
        un["Czech Republic"]["E-Government Index"])
    for year in (2010, 2012, 2014, 2016, 2018):
        unu = {r["country-name"]: r for r in _raw(f"un-egdi/from-UNU-EGOV/egdi-{year}.csv")}
        assert _value(db, "CZE", "UNDESA.EGDI", year) == pytest.approx(float(unu["Czech Republic"]["e-gov-index"]))
    years = [r[0] for r in db.rows("SELECT year FROM observations WHERE iso3 = 'MKD' AND indicator = 'UNDESA.EGDI' "
                                   "ORDER BY year")]
    assert years == [2003, 2004, 2005, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022, 2024]


def test_oecd_and_eu_no_country_dropped(db: read.Warehouse) -> None:
    dgi = {r["\ufeffcc_iso3c" if "\ufeffcc_iso3c" in r else "cc_iso3c"] for r in _raw(DGI)}
    got = {r[0] for r in db.rows("SELECT DISTINCT iso3 FROM observations WHERE source = 'oecd_dgi' "
                                 "AND indicator LIKE 'OECD.DGI%'")}
    assert got == dgi and len(dgi) == 38
    eu_codes = {r["Country"] for r in _raw(EU) if r["variable"] and 2020 <= int(r["year"]) <= 2022}
    two_letter = {"EL": "GRC", "UK": "GBR"}
    iso2 = dict(db.rows("SELECT iso2, iso3 FROM countries WHERE iso2 IS NOT NULL"))
    want = {two_letter.get(c) or iso2.get(c, "EUU" if c.startswith("EU") else c) for c in eu_codes}
    got_eu = {r[0] for r in db.rows("SELECT DISTINCT iso3 FROM observations WHERE source = 'eu_egov'")}
    assert got_eu == want, sorted(got_eu ^ want)


def test_egdi_2024_leaders_held_out(db: read.Warehouse) -> None:
    """Published: Denmark 0.9847 rank 1, Kyrgyzstan 0.7316 rank 78, Central African Republic last (193)."""
    raw = sorted(_raw(EGDI_2024), key=lambda r: -float(r["E_Index"]))
    assert raw[0]["Country"].strip() == "Denmark" and float(raw[0]["E_Index"]) == 0.98474
    top = db.rows("SELECT iso3, value FROM observations WHERE indicator = 'UNDESA.EGDI' AND year = 2024 "
                  "ORDER BY value DESC LIMIT 1")
    assert top == [("DNK", 0.98474)]
    assert _value(db, "DNK", "UNDESA.EGDI.RANK", 2024) == 1
    assert _value(db, "KGZ", "UNDESA.EGDI.RANK", 2024) == 78 and _value(db, "KGZ", "UNDESA.EGDI", 2024) == 0.7316
    assert _value(db, "CAF", "UNDESA.EGDI.RANK", 2024) == 193


def test_egdi_no_country_dropped_and_not_assessed_is_missing(db: read.Warehouse) -> None:
    for year in (2003, 2010, 2022, 2024):
        n = db.rows("SELECT count(DISTINCT iso3) FROM observations WHERE indicator = 'UNDESA.EGDI' AND year = ?",
                    [year])[0][0]
        assert n == {2003: 191, 2010: 192, 2022: 193, 2024: 193}[year]
    assert _value(db, "MNE", "UNDESA.EGDI", 2003) is None and _value(db, "SSD", "UNDESA.EGDI", 2010) is None
    assert _value(db, "SSD", "UNDESA.EGDI", 2012) is not None
    assert _value(db, "IRQ", "UNDESA.EGDI", 2003) == 0.0   # published as 0 with rank 174: kept
    assert db.rows("SELECT count(*) FROM observations WHERE source = 'egdi' AND indicator <> 'UNDESA.EGDI.RANK' "
                   "AND (value < 0 OR value > 1)") == [(0,)]


def test_gtmi_values_and_held_out_averages(db: read.Warehouse) -> None:
    raw = _raw(GTMI)
    assert len(raw) == 396 and {r["Year"] for r in raw} == {"2020.0", "2022.0"}
    published = {"WB.GTMI": 0.552, "WB.GTMI.CGSI": 0.575, "WB.GTMI.PSDI": 0.649, "WB.GTMI.DCEI": 0.449,
                 "WB.GTMI.GTEI": 0.536}
    for code, avg in published.items():
        column = code.split(".")[-1] if code != "WB.GTMI" else "GTMI"
        from_file = sum(float(r[column]) for r in raw if r["Year"] == "2022.0") / 198
        assert round(from_file, 3) == avg
        n, mean = db.rows("SELECT count(*), avg(value) FROM observations WHERE indicator = ? AND year = 2022",
                          [code])[0]
        assert n == 198 and round(mean, 3) == avg
    afg_2020 = next(r for r in raw if r["Code"] == " AFG ")
    assert _value(db, "AFG", "WB.GTMI", 2020) == float(afg_2020["GTMI"])
    assert _value(db, "XKX", "WB.GTMI", 2022) is not None and _value(db, "PSE", "WB.GTMI", 2022) is not None
    groups = dict(db.rows("SELECT value, count(*) FROM observations WHERE indicator = 'WB.GTMI.GROUP' "
                          "AND year = 2022 GROUP BY 1"))
    assert groups == {4.0: 69, 3.0: 46, 2.0: 53, 1.0: 30}   # A 35 %, B 23 %, C 27 %, D 15 % of 198


def test_oecd_and_eu_values(db: read.Warehouse) -> None:
    assert _value(db, "KOR", "OECD.DGI", 2023) == 0.935 and _value(db, "KOR", "OECD.DGI.RANK", 2023) == 1
    assert _value(db, "DEU", "OECD.DGI", 2023) is None
    assert round(_value(db, "KOR", "OECD.OURDATA", 2022), 3) == 0.913   # type: ignore[arg-type]
    mean = db.rows("SELECT avg(value) FROM observations WHERE indicator = 'OECD.OURDATA'")[0][0]
    assert round(mean, 2) == 0.48
    assert db.rows("SELECT DISTINCT computed FROM observations WHERE indicator = 'OECD.OURDATA'") == [(True,)]
    top = db.rows("SELECT iso3 FROM observations WHERE indicator = 'EC.EGOV' AND year = 2022 AND iso3 <> 'EUU' "
                  "ORDER BY value DESC LIMIT 5")
    assert [r[0] for r in top] == ["MLT", "EST", "LUX", "ISL", "FIN"]
    greece = next(r for r in _raw(EU) if r["Country"] == "EL" and r["year"] == "2022"
                  and r["variable"] == "e_gov_0_score" and r["brkdown"] == "EGOV_LIFE_EVENTS")
    assert _value(db, "GRC", "EC.EGOV", 2022) == float(greece["Value"])
    unlabelled = sum(1 for r in _raw(EU) if not r["variable"])
    warnings = read.runs(db=db).iloc[0]["warnings"]
    assert f"{unlabelled} rows without a variable label" in warnings and unlabelled == 23_910


def test_sdg_series_against_the_raw_files_and_stale(db: read.Warehouse) -> None:
    m49 = {r["M49"].lstrip("0"): r["ISO3166-1-Alpha-3"] for r in _raw("country-codes/country-codes.csv") if r["M49"]}
    raw = _raw(SDG_3G)
    countries = {r["geo_area"] for r in raw if r["geo_area"] in m49}
    n = db.rows("SELECT count(DISTINCT iso3) FROM observations WHERE indicator = 'IT_MOB_3GNTWK' AND iso3 <> 'WLD'")
    assert n == [(len(countries),)] and len(countries) == 223      # no country dropped
    rows = db.rows("SELECT count(*) FROM observations WHERE indicator = 'IT_MOB_3GNTWK'")[0][0]
    assert rows == sum(1 for r in raw if r["geo_area"] in m49 or r["geo_area"] == "1")
    assert _value(db, "WLD", "IT_MOB_3GNTWK", 2016) == pytest.approx(84.8, abs=0.05)   # ITU Facts and Figures: 84 %
    assert [_value(db, "WLD", "FB_BNK_ACCSS", y) for y in (2011, 2014, 2017)] == [50.63, 62.0, 68.52]
    assert _value(db, "IND", "FB_BNK_ACCSS", 2017) == 79.88
    assert _value(db, "CRI", "IT_MOB_OWN", 2016) is None   # published as 111 %: left out, with a warning
    assert "6 published percentages above 100 left out" in read.runs(db=db).iloc[0]["warnings"]
    stale = db.rows("SELECT code, note, in_catalog FROM indicators WHERE dataset = 'sdg_ict'")
    assert len(stale) == 40
    assert all(n.startswith("Stale: latest 20") and "no newer data" in n and not c for _, n, c in stale)
    last = db.rows("SELECT max(year) FROM observations WHERE source = 'sdg_ict' AND indicator NOT LIKE 'SE_ADT%'")
    assert last == [(2018,)]
    assert "STALE" in read.sources(db=db).set_index("id").loc["sdg_ict", "description"]
    index_codes = {r[0] for r in db.rows("SELECT code FROM index_indicators")}
    assert not any(c.startswith(("IT_", "SE_ADT", "FB_")) for c in index_codes)   # never ranked as current


def test_licences_in_their_own_words(db: read.Warehouse) -> None:
    src = read.sources(db=db).set_index("id")
    assert "for research, education and planning purposes" in src.loc["egdi", "license"]
    assert "CC BY" not in src.loc["egdi", "license"] and "CC-BY" not in src.loc["egdi", "license"]
    assert "Creative Commons Attribution 4.0" in src.loc["gtmi", "license"]
    assert "EXTRACTION" in src.loc["oecd_dgi", "description"] and "DERIVED" in src.loc["eu_egov", "description"]
    lic = dict(db.rows("SELECT code, license FROM indicators WHERE code IN ('UNDESA.EGDI', 'WB.GTMI')"))
    assert lic["UNDESA.EGDI"] == src.loc["egdi", "license"] and lic["WB.GTMI"] == src.loc["gtmi", "license"]
    zh = db.rows("SELECT count(*) FROM indicators WHERE dataset IN ('egdi', 'gtmi', 'oecd_dgi', 'eu_egov') "
                 "AND (name_zh IS NULL OR unit IS NULL OR definition IS NULL OR higher_is_better IS NULL)")
    assert zh == [(0,)]


# --- bad input: each step run on the real classifications, then the whole build leaves the warehouse as it was

def _step_con(raw: Path) -> tuple[duckdb.DuckDBPyConnection, Context]:
    ctx = Context.default(raw=raw)
    con = duckdb.connect()
    con.execute((build.SQL_DIR / "schema.sql").read_text())
    classifications.run(con, ctx)
    return con, ctx


def _edit(rel: str, old: str, new: str, *, count: int = 1) -> Callable[[Path], tuple[str, bytes]]:
    def breaker(mirror: Path) -> tuple[str, bytes]:
        text = (mirror / rel).read_bytes().decode("utf-8")
        assert old in text, old
        return rel, text.replace(old, new, count).encode("utf-8")
    return breaker


def _dup_line(rel: str, line: int) -> Callable[[Path], tuple[str, bytes]]:
    def breaker(mirror: Path) -> tuple[str, bytes]:
        data = (mirror / rel).read_bytes()
        lines = data.split(b"\n")
        return rel, b"\n".join(lines[:line] + [lines[line - 1]] + lines[line:])
    return breaker


STEPS = {"egdi": egdi, "gtmi": gtmi, "oecd_dgi": oecd_dgi, "eu_egov": eu_egov, "sdg_ict": sdg_ict}
# (case, step, breaker, (file, row, field, words))
CASES: list[tuple[str, str, Callable[[Path], tuple[str, bytes]], tuple[str, int | None, str | None, str]]] = [
    ("egdi renamed column", "egdi", _edit(EGDI_2022, "E-Government Index", "EGDI"),
     (EGDI_2022, 1, "E-Government Index", "missing column")),
    ("egdi unknown name", "egdi", _edit(EGDI_2022, '"Iraq "', '"Irak "'),
     (EGDI_2022, 2, "Country Name", "matches no country")),
    ("egdi non-numeric", "egdi", _edit(EGDI_2022, "0.43830", "n/a"),
     (EGDI_2022, 2, "E-Government Index", "not a number")),
    ("egdi off the 0-1 scale", "egdi", _edit(EGDI_2022, "0.43830", "43.830"),
     (EGDI_2022, 2, "E-Government Index", "outside the scale 0 to 1")),
    ("egdi duplicate country-year", "egdi", _dup_line(EGDI_2022, 2),
     (EGDI_2022, 3, "Country Name", "duplicate country-year")),
    ("egdi 2024 relabelled header renamed", "egdi", _edit(EGDI_2024, "Tele_Infra", "Telecom"),
     (EGDI_2024, 1, "Tele_Infra", "missing column")),
    ("gtmi renamed column", "gtmi", _edit(GTMI, ",GTEI", ",GTE", count=1),
     (GTMI, 1, "GTEI", "missing column")),
    ("gtmi unknown code", "gtmi", _edit(GTMI, '2022.0,AFG,', "2022.0,AFX,"),
     (GTMI, None, "Code", "matches no country")),
    ("gtmi off the scale", "gtmi", _edit(GTMI, "0.35360839182572645", "35.36"),
     (GTMI, None, "GTMI", "outside the scale 0 to 1")),
    ("gtmi non-numeric", "gtmi", _edit(GTMI, "0.35360839182572645", "n.a."), (GTMI, None, "GTMI", "not a number")),
    ("gtmi duplicate country-year", "gtmi", _dup_line(GTMI, 3), (GTMI, 4, None, "duplicate country-year")),
    ("oecd renamed column", "oecd_dgi", _edit(DGI, '"variable","value"', '"variable","score"'),
     (DGI, 1, None, "missing column")),
    ("oecd off the 0-1 scale", "oecd_dgi",
     _edit(DGI, '"KOR",2023,"digital_design",0.971', '"KOR",2023,"digital_design",97.1'),
     (DGI, 2, "value", "outside the scale 0 to 1")),
    ("oecd unknown code", "oecd_dgi", _edit(DGI, '"KOR",2023,"digital_design"', '"KOX",2023,"digital_design"'),
     (DGI, 2, "cc_iso3c", "matches no country")),
    ("oecd non-numeric", "oecd_dgi", _edit(DGI, '"KOR",2023,"digital_design",0.971', '"KOR",2023,"digital_design",x'),
     (DGI, 2, "value", "not a number")),
    ("oecd duplicate", "oecd_dgi", _dup_line(DGI, 2), (DGI, 3, "cc_iso3c", "duplicate country-year")),
    ("eu renamed column", "eu_egov", _edit(EU, "year,Country,", "year,Geo,"), (EU, 1, None, "missing column")),
    ("eu off the 0-100 scale", "eu_egov", _edit(EU, "2022,AT,e_gov_0_score,EGOV_LIFE_EVENTS,eGov_score,",
                                                "2022,AT,e_gov_0_score,EGOV_LIFE_EVENTS,eGov_score,1"),
     (EU, None, "Value", "outside the scale 0 to 100")),
    ("eu unknown code", "eu_egov", _edit(EU, "2022,AT,e_gov_0_score", "2022,XX,e_gov_0_score"),
     (EU, None, "Country", "matches no country")),
    ("eu non-numeric", "eu_egov", _edit(EU, "EGOV_LIFE_EVENTS,eGov_score,77.75286615411174",
                                        "EGOV_LIFE_EVENTS,eGov_score,n/a"), (EU, 34984, "Value", "not a number")),
    ("eu duplicate country-year", "eu_egov", _dup_line(EU, 34984), (EU, 34985, None, "duplicate country-year")),
    ("sdg renamed column", "sdg_ict", _edit(SDG_3G, "year,it_mob_3gntwk\n", "year,value\n"),
     (SDG_3G, 1, None, "missing column")),
    ("sdg unknown M49 code", "sdg_ict", _edit(SDG_3G, "\n4,notspec", "\n9999,notspec"),
     (SDG_3G, None, "geo_area", "matches no country")),
    ("sdg non-numeric", "sdg_ict", _edit(SDG_3G, "1,notspec,percent,2014,63.13882", "1,notspec,percent,2014,x"),
     (SDG_3G, 2, "it_mob_3gntwk", "not a number")),
    ("sdg over 100 %", "sdg_ict", _edit(SDG_3G, "1,notspec,percent,2014,63.13882", "1,notspec,percent,2014,163"),
     (SDG_3G, 2, "it_mob_3gntwk", "outside the scale 0 to 100")),
    ("sdg duplicate", "sdg_ict", _dup_line(SDG_3G, 2), (SDG_3G, 3, "geo_area", "duplicate country-year")),
]


@pytest.mark.parametrize(("case", "step", "breaker", "expect"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_file_row_and_field(case: str, step: str, breaker: Callable[[Path], tuple[str, bytes]],
                                            expect: tuple[str, int | None, str | None, str],
                                            mirror_copy: Path) -> None:
    rel, content = breaker(mirror_copy)
    replace_file(mirror_copy / rel, content)
    con, ctx = _step_con(mirror_copy)
    with pytest.raises(InputError) as err:
        STEPS[step].run(con, ctx)
    file, row, field, words = expect
    assert str(err.value.source).endswith(file) and words in err.value.message, str(err.value)
    if row is not None:
        assert err.value.row == row, str(err.value)
    else:
        assert err.value.row is not None and err.value.row > 1
    if field is not None:
        assert err.value.field == field, str(err.value)
    if words != "missing column":
        assert err.value.value, str(err.value)   # the offending value is named
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("rel", [EGDI_2022, GTMI])
def test_bad_input_leaves_the_warehouse_as_it_was(rel: str, mirror_copy: Path, own_warehouse: Path) -> None:
    text = (mirror_copy / rel).read_bytes().decode("utf-8")
    replace_file(mirror_copy / rel, text.replace('"Iraq "', '"Irak "').replace("2022.0,AFG,", "2022.0,AFX,")
                 .encode("utf-8"))
    before = own_warehouse.read_bytes()
    with pytest.raises(InputError, match="matches no country"):
        build.run(Context.default(raw=mirror_copy), target=own_warehouse, force=True)
    assert own_warehouse.read_bytes() == before
    assert list(own_warehouse.parent.glob("*.tmp*")) == []
