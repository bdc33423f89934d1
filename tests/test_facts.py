"""One set of facts: the profile, the brief (table and narrative, both languages), `wic facts` and the API state the
same value, year, rank, number ranked and change; every computed or carried value carries its label."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from conftest import build_warehouse, replace_file
from flask.testing import FlaskClient

from dashboard.briefing import build, narrative, render
from etl import cli, facts, read
from etl.errors import InputError
from etl.locale import t


@pytest.fixture(scope="module")
def P(app: Any) -> SimpleNamespace:
    """The page modules as the app loaded them."""
    return SimpleNamespace(**{n: sys.modules[f"pages.{n}"] for n in ("country", "overview", "map", "explorer")})


SAMPLE = ["KEN", "NAM", "PRK", "SOM", "BRA", "IND", "XKX", "NGA"]
NUM = r"[\d,]+(?:\.\d+)?(?: million| billion| trillion|万|亿)?"


def _n(text: str) -> float:
    return float(text.replace(",", ""))


def _countries(db: read.Warehouse) -> list[str]:
    return sorted(read.group_members("WIC", db=db)) + SAMPLE


def _strip(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()


def _texts(component: Any) -> str:
    """All the text of a Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return " ".join(_texts(c) for c in component)
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else ""


def _find(component: Any, wanted: str) -> Any:
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        hit = _find(child, wanted)
        if hit is not None:
            return hit
    return None


def _parse(text: str, lang: str) -> dict[str, Any]:
    """Rank, number ranked, window, member rank and change as a surface printed them."""
    out: dict[str, Any] = {}
    if lang == "en":
        m = re.search(r"(\d+)(?:st|nd|rd|th) of (\d+) (?:\((\d{4})–(\d{4}) values\)|economies with a value for "
                      r"(\d{4})–(\d{4}))", text)
        mm = re.search(r"(\d+)(?:st|nd|rd|th) of (\d+) member countries", text)
        ch = re.search(rf"([+−])({NUM}) since (\d{{4}})|up ({NUM}) percentage points since (\d{{4}})|down ({NUM}) "
                       rf"percentage points since (\d{{4}})|unchanged since (\d{{4}})", text)
    else:
        m = re.search(r"(\d+)个经济体中居第(\d+)位（(\d{4})–(\d{4})年数值）"
                      r"|在(\d{4})–(\d{4})年有数据的(\d+)个经济体中居第(\d+)位", text)
        mm = re.search(r"(\d+)个会员所在国家中居第(\d+)位", text)
        ch = re.search(rf"较(\d{{4}})年(增加|减少|上升|下降)({NUM})|与(\d{{4}})年持平", text)
    if m:
        g = m.groups()
        if lang == "en":
            out["rank"] = (int(g[0]), int(g[1]), int(g[2] or g[4]), int(g[3] or g[5]))
        else:
            out["rank"] = ((int(g[1]), int(g[0]), int(g[2]), int(g[3])) if g[0] else
                           (int(g[7]), int(g[6]), int(g[4]), int(g[5])))
    if mm:
        out["member"] = (int(mm.group(1)), int(mm.group(2))) if lang == "en" else (int(mm.group(2)), int(mm.group(1)))
    if ch:
        g = ch.groups()
        if lang == "en":
            if g[0]:
                out["change"] = ("+" if g[0] == "+" else "−", g[1], int(g[2]))
            elif g[3]:
                out["change"] = ("+", g[3], int(g[4]))
            elif g[5]:
                out["change"] = ("−", g[5], int(g[6]))
            else:
                out["change"] = ("", "0", int(g[7]))
        else:
            out["change"] = ("+" if g[1] in ("增加", "上升") else "−", g[2], int(g[0])) if g[0] else \
                ("", "0", int(g[3]))
    return out


def _expected(f: facts.Fact, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.rank:
        out["rank"] = (f.rank.rank, f.rank.n, f.rank.first, f.rank.last)
    if f.member_rank:
        out["member"] = (f.member_rank.rank, f.member_rank.n)
    if f.change:
        printed = facts.fmt_delta(f.change.delta, lang)
        out["change"] = (printed[0] if printed != "0" else "", printed.lstrip("+−"), f.change.base_year)
    return out


def _same(shown: dict[str, Any], want: dict[str, Any], where: str) -> None:
    assert set(shown) == set(want), (where, shown, want)
    for key, value in want.items():
        assert shown[key] == value, (where, key, shown[key], value)


def test_every_surface_states_the_same_facts(P: SimpleNamespace, db: read.Warehouse,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    checked = 0
    for iso3 in _countries(db):
        want = {f.indicator: f for f in facts.facts(iso3, db=db)}
        assert cli.main(["facts", iso3, "--format", "json"]) == 0
        cli_rows = {r["indicator"]: r for r in json.loads(capsys.readouterr().out)}
        brief = build(iso3)
        for lang in ("en", "zh"):
            page = P.country.layout(iso3=iso3, lang=lang)
            table = re.search(r'<table class="key">(.*?)</table>', render(brief, lang), re.S)
            assert table is not None
            rows = {" ".join(_strip(cells[0])): cells for cells in
                    (re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in re.findall(r"<tr>(.*?)</tr>", table.group(1)))
                    if cells}
            sentences = {s.key: s.text(lang) for s in narrative.summary(brief)}
            for code, f in want.items():
                meta = read.indicator_meta(code, db=db)
                name = str(meta["name_zh"] if lang == "zh" and meta["name_zh"] else meta["name_en"])
                card = _find(page, "fact-" + code.replace(".", "-"))
                row = rows[" ".join(name.split())]
                if f.value is None:
                    assert card is None and "—" in row[2]
                    continue
                expected = _expected(f, lang)
                # the profile's card
                text = _texts(card)
                assert re.search(rf"(^|\s){re.escape(str(f.year))}(\s|$)", text.split("·")[0].split("\n")[-1] + " "
                                 + text), (iso3, code, text)
                _same(_parse(text, lang), expected, f"profile {iso3} {code} {lang}")
                # the brief's table: value, year, ranks, change
                assert " ".join(_strip(row[1]))[:len(facts.fmt(f.value, lang))] == facts.fmt(f.value, lang)
                assert " ".join(_strip(row[2])) == str(f.year)
                rank = re.match(r"(\d+) / (\d+) (\d{4})–(\d{4})", " ".join(_strip(row[3])))
                assert (tuple(int(x) for x in rank.groups()) if rank else None) == expected.get("rank"), (iso3, code)
                member = re.match(r"(\d+) / (\d+)", " ".join(_strip(row[4])))
                assert (tuple(int(x) for x in member.groups()) if member else None) == expected.get("member")
                _same({k: v for k, v in _parse(" ".join(_strip(row[5])), lang).items() if k == "change"},
                      {k: v for k, v in expected.items() if k == "change"}, f"brief table {iso3} {code}")
                # the narrative (percentage units state the same change in points)
                sentence = sentences.get(f"headline.{code}")
                if sentence is not None:
                    assert facts.fmt(f.value, lang) in sentence and str(f.year) in sentence
                    shown = _parse(sentence, lang)
                    if not narrative.is_percent(meta):
                        shown.pop("change", None)
                        expected = {k: v for k, v in expected.items() if k != "change"}
                    _same(shown, expected, f"narrative {iso3} {code} {lang}")
                # wic facts and the API's flat rows
                r = cli_rows[code]
                assert (r["value"], r["year"], r["rank"], r["n_ranked"], r["member_rank"], r["change_base_year"]) == (
                    f.value, f.year, f.rank.rank if f.rank else None, f.rank.n if f.rank else None,
                    f.member_rank.rank if f.member_rank else None, f.change.base_year if f.change else None)
                _same(_parse(r[f"text_{lang}"], lang), _expected(f, lang), f"wic facts {iso3} {code}")
                checked += 1
    assert checked > 300


def test_the_facts_follow_their_definitions(db: read.Warehouse) -> None:
    """Latest value, windowed rank and 5-year change, recomputed here from the observations."""
    for iso3, code in [("CHN", "IT.NET.USER.ZS"), ("KEN", "GB.XPD.RSDV.GD.ZS"), ("USA", "SE.TER.ENRR"),
                       ("DEU", "IT.NET.BBND.P2")]:
        f = facts.fact(iso3, code, db=db)
        rows = read.observations(code, db=db)
        economies = set(read.countries(db=db)["iso3"])
        mine = rows[rows["iso3"] == iso3]
        assert (f.year, f.value) == (int(mine["year"].max()), float(mine.iloc[-1]["value"]))
        counts = rows[rows["iso3"].isin(economies)].groupby("year").size()
        lo, hi = int(counts[counts >= counts.max() / 2].index.max()) - 3, int(counts.index.max())
        latest = rows[rows["iso3"].isin(economies)].sort_values("year").groupby("iso3").tail(1)
        pool = latest[latest["year"].between(lo, hi)]
        assert f.rank is not None and (f.rank.first, f.rank.last, f.rank.n) == (lo, hi, len(pool))
        assert f.rank.rank == 1 + int((pool["value"] > f.value).sum())
        by_year = dict(zip(mine["year"], mine["value"], strict=True))
        base = next((y for y in (f.year - 5, f.year - 6, f.year - 4) if y in by_year), None)
        if base is None:
            assert f.change is None and facts.change_text(f, "en") == f"no value around {f.year - 5}"
            continue
        assert f.change is not None and f.change.base_year == base
        assert f.change.delta == pytest.approx(f.value - by_year[base])


def test_an_old_value_is_shown_with_its_year_and_not_ranked(db: read.Warehouse) -> None:
    f = facts.fact("PRK", "IT.NET.USER.ZS", db=db)
    assert f.year == 2012 and f.rank is None and f.not_ranked == "stale"
    assert facts.rank_text(f, "en") == "not ranked: latest value 2012"
    som = facts.fact("SOM", "SE.TER.ENRR", db=db)
    assert som.year == 1987 and som.rank is None


def _label_needed(f: facts.Fact) -> bool:
    return f.computed and f.coverage is not None


def test_no_computed_or_carried_value_without_its_label(P: SimpleNamespace, db: read.Warehouse, client: FlaskClient,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    wld = facts.fact("WLD", "IT.NET.USER.ZS", db=db)
    assert wld.computed and wld.carried and wld.coverage is not None and wld.coverage.weight == "SP.POP.TOTL"
    labels = facts.labels(wld, "en")
    assert labels[0] == "computed here, population-weighted" and "carried forward" in labels[1]
    rd = facts.fact("WIC", "GB.XPD.RSDV.GD.ZS", db=db)
    assert facts.labels(rd, "en")[0] == "computed here, GDP-weighted"      # not "population-weighted"
    # the brief of a group: every computed headline starred and explained
    for code in ("WIC", "WLD"):
        brief = build(code)
        for lang in ("en", "zh"):
            text = " ".join(_strip(render(brief, lang)))
            for h in brief.headlines:
                if h.fact is not None and _label_needed(h.fact):
                    assert facts.fmt(h.fact.value, lang) + "*" in text.replace(" ", "")  or \
                        facts.fmt(h.fact.value, lang) + "*" in text
                    for label in facts.short_labels(h.fact, lang):
                        assert " ".join(label.split()) in text, (code, lang, label)
    # the overview: starred World, income-group and WIC values with their weighting in the notes
    for lang in ("en", "zh"):
        frame = P.overview.headline_table(lang)
        notes = " ".join(frame.attrs["notes"])
        for row in frame.to_dict("records"):
            for g in P.overview.GROUPS:
                f = facts.fact(g, row["code"], year=row["year"], db=db)
                if f.value is None:
                    continue
                assert row[g].endswith("*") == f.computed, (g, row["code"], row[g])
                if _label_needed(f):
                    assert all(label in notes for label in facts.labels(f, lang)), (g, row["code"])
    # the map: the WIC value with its label, derived indicators starred
    rows = P.map.map_rows([("CHN", 1.0)], {"CHN": "China"}, "%", 2020, "en", "*")
    assert "1.00*" in rows[0][2]
    summary = P.map.summary_text(rows, read.indicator_meta("IT.NET.USER.ZS", db=db), 2023, "en",
                               facts.fact("WIC", "IT.NET.USER.ZS", year=2023, db=db))
    assert "* (computed here, population-weighted" in summary
    # the API (JSON and CSV) and the CLI: computed and carried always there, no opt-in
    body = client.get("/api/v1/observations?indicator=IT.NET.USER.ZS&country=WLD,CHN&year_from=2022").get_json()
    flags = {(r["iso3"], r["year"]): (r["computed"], r["carried"], r["source"]) for r in body["data"]}
    assert flags[("WLD", 2023)] == (True, True, "computed") and flags[("CHN", 2023)] == (False, False, "gapminder")
    csv = client.get("/api/v1/observations?indicator=IT.NET.USER.ZS&country=WLD&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0].endswith("source,computed,carried")
    assert cli.main(["query", "--indicator", "IT.NET.USER.ZS", "--country", "WLD", "--from", "2023"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame["computed"].all() and frame["carried"].all()
    api = client.get("/api/v1/facts?country=WLD&indicator=IT.NET.USER.ZS").get_json()["data"][0]
    assert api["carried"] and api["n_carried"] == wld.coverage.n_carried and "carried forward" in api["text_en"]


def test_the_explorer_downloads_keep_the_flags(P: SimpleNamespace, db: read.Warehouse) -> None:
    obs = read.observations("IT.NET.USER.ZS", ["WLD", "CHN"], year_from=2022, with_flags=True, db=db)
    frame = P.explorer.tidy_rows(obs, read.indicator_table(db=db), read.country_table(db=db), "en")
    assert {"computed", "carried"} <= set(frame.columns)
    wld = frame[frame["iso3"] == "WLD"]
    assert wld["computed"].all() and wld["carried"].all() and wld["source"].str.startswith("computed here").all()
    assert not frame[frame["iso3"] == "CHN"][["computed", "carried"]].any().any()


def test_index_scores_say_how_many_inputs_are_carried(P: SimpleNamespace, db: read.Warehouse,
                                                      client: FlaskClient) -> None:
    chn = facts.index_fact("CHN", db=db)
    assert chn is not None and chn.ranked
    rows = db.rows("""SELECT count(*) FILTER (WHERE imputed), count(*), min(source_year) FILTER (WHERE imputed)
                      FROM index_indicator_scores WHERE iso3 = 'CHN' AND year = ?""", [chn.year])
    assert (chn.n_carried, chn.n_inputs, chn.oldest_carried) == rows[0] and chn.n_carried > 0
    api = client.get("/api/v1/index-scores?country=CHN").get_json()["data"][0]
    assert (api["n_carried"], api["n_inputs"], api["oldest_carried"]) == rows[0]
    assert facts.index_text(chn, "en") in _texts(P.country.layout(iso3="CHN", lang="en"))
    for lang in ("en", "zh"):
        assert facts.index_text(chn, lang) in " ".join(_strip(render(build("CHN"), lang)))


def test_codes_that_parsers_take_for_missing_survive(mirror_copy: Path, tmp_path: Path) -> None:
    """Namibia's ISO2 `NA` and codes such as `NULL`, `N/A`, `None`, `nan` are kept as written by the ETL."""
    wb = mirror_copy / "wb-country-metadata" / "wb_api_country_list_2024-06.csv"
    odd = {"TUV": "NULL", "NRU": "N/A", "PLW": "None", "KIR": "nan"}
    lines = wb.read_text(encoding="utf-8").splitlines(keepends=True)
    out = [ln if ln.split(",")[0] not in odd else ",".join([ln.split(",")[0], odd[ln.split(",")[0]],
                                                            *ln.split(",")[2:]]) for ln in lines]
    replace_file(wb, "".join(out).encode("utf-8"))
    target = tmp_path / "wh" / "warehouse.duckdb"
    build_warehouse(target, raw=mirror_copy)
    got = dict(read.Warehouse(target).rows("SELECT iso3, iso2 FROM countries WHERE iso3 IN ('NAM', 'TUV', 'NRU', "
                                           "'PLW', 'KIR')"))
    assert got == {"NAM": "NA", **odd}


def test_namibia_keeps_its_iso2_in_the_api(client: FlaskClient) -> None:
    assert client.get("/api/v1/countries/NAM").get_json()["data"]["iso2"] == "NA"


def test_readme_names_what_is_computed_for_world_bank_groups(P: SimpleNamespace, db: read.Warehouse) -> None:
    computed = {r[0] for r in db.rows("""SELECT DISTINCT indicator FROM aggregate_coverage
                                          WHERE iso3 IN ('WLD', 'EAS', 'HIC')""")}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Group values.**", 1)[1].split("**One set of facts**", 1)[0]
    named = {"IT.NET.USER.ZS", "NY.GDP.PCAP.PP.KD"} | set(re.findall(r"`([A-Z]{2}\.[A-Z0-9.]+)`", section))
    assert computed == named


def test_the_register_says_what_its_country_is(P: SimpleNamespace, db: read.Warehouse) -> None:
    members = read.members(db=db)
    placed = members[members["country_iso3"].notna()]
    assert set(placed.loc[placed["category"] == "individual", "country_basis"]) == {"nationality_or_base"}
    assert set(placed.loc[placed["category"] != "individual", "country_basis"]) == {"headquarters"}
    assert members.loc[members["country_iso3"].isna(), "country_basis"].isna().all()
    orgs, org_places, people, people_places = facts.member_counts(members)
    assert orgs + people == len(members) and people == 7
    for iso3 in ("GHA", "JPN", "KOR"):       # member countries only through individuals
        text = _texts(P.country.layout(iso3=iso3, lang="en"))
        assert "individual member" in text and "headquartered" not in text.split("Publicly named")[-1]
        zh = " ".join(_strip(render(build(iso3), "zh")))
        assert "位个人会员" in zh and "家会员机构" not in zh
    card = _texts(P.overview.membership_cards("en"))
    assert f"{orgs} member organizations headquartered in {org_places} countries" in card
    assert f"{people} individual members who are nationals of or based in {people_places} countries" in card


def test_the_index_names_every_source_it_is_computed_from(P: SimpleNamespace, db: read.Warehouse) -> None:
    """Profile and brief name the index's sources from one function (the profile with their licences), and it
    names the non-WDI ones too."""
    datasets = set(read.index_indicators(db=db)["dataset"]) - {"derived"}
    titles = read.sources(db=db).set_index("id")
    for lang in ("en", "zh"):
        named = facts.index_sources(lang, db=db)
        column = "title_zh" if lang == "zh" else "title"
        assert all(str(titles.loc[d, column] or titles.loc[d, "title"]) in named for d in datasets), named
        assert named in " ".join(_strip(render(build("CHN"), lang)))
        # the profile's index caption (embedded with its chart) quotes each licence too
        profile = _texts(P.country.layout(iso3="CHN", lang=lang))
        assert facts.index_credits(lang, db=db) in profile
        assert all(str(titles.loc[d, "license"]) in profile for d in datasets)
    assert {"egdi", "gtmi"} <= datasets


def test_a_chart_credits_the_sources_of_what_it_draws_with_their_licences(P: SimpleNamespace,
                                                                         db: read.Warehouse) -> None:
    """The overview's members-against-the-world chart names the source of each indicator it draws (Internet use
    comes through Gapminder, the others through the WDI) with its licence, as the sources table states it."""
    meta, table = read.indicator_table(db=db), read.sources(db=db).set_index("id")
    for lang in ("en", "zh"):
        frame = P.overview.headline_table(lang)
        drawn = frame.dropna(subset=["gap"])["code"]
        used = set(meta.loc[drawn, "dataset"])
        assert {"wdi", "gapminder"} <= used
        fig, note = P.overview.gap_figure(frame, lang)
        assert note == t("overview.wic_member_countries_computed_he", lang,
                         sources=facts.source_credits(drawn, lang, db=db))
        for d in used:
            title = str(table.loc[d, "title_zh"] or table.loc[d, "title"]) if lang == "zh" else table.loc[d, "title"]
            assert title in note and str(table.loc[d, "license"]) in note, (d, note)


# --- values for a year: the nearest earlier edition within the source's window --------------------------

def _brute_values_for_year(db: read.Warehouse, indicator: str, year: int, window: int) -> dict[str, tuple[float, int]]:
    """What values_for_year must return, computed from the observations table directly."""
    obs = db.frame("SELECT iso3, year, value FROM observations WHERE indicator = ? AND year BETWEEN ? AND ?",
                   [indicator, year - window, year])
    out: dict[str, tuple[float, int]] = {}
    for iso3, y, v in sorted(obs.itertuples(index=False), key=lambda r: (r[0], r[1])):
        out[iso3] = (float(v), int(y))
    return out


@pytest.mark.parametrize(("meta", "field"), [({"edition_window": -1}, "edition_window"),
                                             ({"edition_window": 2.5}, "edition_window"),
                                             ({"edition_window": True}, "edition_window"),
                                             ({"edition_window": 11}, "edition_window"),
                                             ({"history_only": "yes"}, "history_only")])
def test_a_bad_source_rule_is_a_one_line_error(meta: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        facts.parse_rules(meta, "etl/sources/x.meta.yaml")
    assert err.value.field == field and "x.meta.yaml" in str(err.value) and "\n" not in str(err.value)
    assert facts.parse_rules({}, "x") == (0, False)
    assert facts.parse_rules({"edition_window": 2, "history_only": True}, "x") == (2, True)


def test_edition_sources_declare_their_window_and_yearly_ones_none(db: read.Warehouse) -> None:
    assert facts.edition_window("UNDESA.EGDI", db=db) == 2 and facts.edition_window("WB.GTMI", db=db) == 2
    assert facts.edition_window("OECD.DGI", db=db) == 1 and facts.edition_window("EC.EGOV", db=db) == 2
    assert facts.edition_window("IT.NET.USER.ZS", db=db) == 0 and facts.edition_window("IT_MOB_3GNTWK", db=db) == 0


@pytest.mark.parametrize(("indicator", "years"), [("UNDESA.EGDI", range(2003, 2026)), ("WB.GTMI", range(2020, 2024)),
                                                  ("EC.EGOV", range(2020, 2024)), ("IT.NET.USER.ZS", (2019, 2023))])
def test_values_for_year_are_the_own_year_else_the_nearest_earlier_edition(db: read.Warehouse, indicator: str,
                                                                           years: range) -> None:
    window = facts.edition_window(indicator, db=db)
    for year in years:
        got = {e.iso3: (e.value, e.year) for e in facts.values_for_year(indicator, year, db=db)}
        assert got == _brute_values_for_year(db, indicator, year, window), (indicator, year)
        for e in facts.values_for_year(indicator, year, db=db):
            assert e.carried == (e.year != year) and year - window <= e.year <= year


def test_egdi_off_years_are_drawn_from_the_last_edition_never_as_no_data(db: read.Warehouse) -> None:
    own_2022 = dict(read.year_values("UNDESA.EGDI", 2022, db=db))
    drawn_2023 = facts.values_for_year("UNDESA.EGDI", 2023, db=db)
    assert len(own_2022) >= 193 and {e.iso3: e.value for e in drawn_2023} == own_2022
    assert all(e.carried and e.year == 2022 for e in drawn_2023)
    assert {e.iso3 for e in facts.values_for_year("UNDESA.EGDI", 2007, db=db)} == \
        set(dict(read.year_values("UNDESA.EGDI", 2005, db=db)))   # 2006 and 2007: no edition; 2005 within 2 years
    assert facts.values_for_year("UNDESA.EGDI", 2023, window=0, db=db) == []   # no window: nothing carried
    assert facts.values_for_year("UNDESA.EGDI", 2027, db=db) == []   # beyond the window: no data, said so
    note = facts.editions_note(drawn_2023, 2, "en")
    assert note.startswith(f"{len(drawn_2023)} of {len(drawn_2023)} drawn from an earlier edition (2022; within 2")
    assert facts.editions_note(facts.values_for_year("UNDESA.EGDI", 2022, db=db), 2, "en") == ""
    assert "2022" in facts.editions_note(drawn_2023, 2, "zh")
    assert facts.edition_text(2022, "en") == "2022 edition, carried"


# --- history-only series: latest year stated, never ranked as current ------------------------------------

def test_a_history_only_series_states_its_last_year_and_is_not_ranked(db: read.Warehouse) -> None:
    assert facts.history_only("IT_MOB_3GNTWK", db=db) and not facts.history_only("UNDESA.EGDI", db=db)
    newest = int(read.country_years("IT_MOB_3GNTWK", db=db)["year"].max())
    assert newest == 2018
    ken = facts.fact("KEN", "IT_MOB_3GNTWK", db=db)
    assert ken.value is not None and ken.year == 2018   # a 2018 value: inside the rank window, yet not ranked
    window = facts.window("IT_MOB_3GNTWK", db=db)
    assert window is not None and window[0] <= 2018 <= window[1]
    assert ken.rank is None and ken.member_rank is None and ken.not_ranked == "history_only"
    assert facts.rank_text(ken, "en") == "not ranked: latest 2018, no newer data"
    assert "history only: latest 2018, no newer data" in facts.labels(ken, "en")
    assert "2018" in facts.rank_text(ken, "zh") and any("2018" in x for x in facts.labels(ken, "zh"))
    assert facts.flat(ken)["not_ranked"] == "history_only" and facts.flat(ken)["rank"] is None
    egdi = facts.fact("KEN", "UNDESA.EGDI", db=db)   # a current digital-government series is still ranked
    assert egdi.rank is not None and egdi.not_ranked is None
