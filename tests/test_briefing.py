"""Council briefings: every number in the narrative maps back to its fact and the warehouse; sparse economies and
groups get sensible briefs; the page, its routes and the CLI reject bad input clearly."""

from __future__ import annotations

import html
import math
import re
import statistics
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dashboard import i18n
from dashboard.briefing import build, narrative, render
from dashboard.briefing.model import Label, Num, Sentence
from etl import cli, facts, read

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COUNTRIES = ["CHN", "USA", "GHA", "BRA", "KEN", "IND", "DEU"]
SPARSE = ["XKX", "TUV", "NRU", "KIR", "MAF", "CHI", "AIA"]          # small islands, Kosovo, territories
GROUPS = ["WIC", "WLD", "EAS", "SSF", "HIC", "LIC"]
NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s(?:million|billion|trillion)|万|亿)?")
SCALE = {"million": 1e6, "billion": 1e9, "trillion": 1e12, "万": 1e4, "亿": 1e8}


# --- the warehouse's answer for each kind of fact, computed here independently of the briefing code -------------

def _value(db: read.Warehouse, iso3: str, indicator: str, year: int) -> float:
    rows = read.observations(indicator, iso3, year_from=year, year_to=year, db=db)
    assert len(rows) == 1, f"no observation {iso3} {indicator} {year}"
    return float(rows["value"].iloc[0])


def _years(db: read.Warehouse, iso3: str, indicator: str) -> list[int]:
    return [int(y) for y in read.observations(indicator, iso3, db=db)["year"]]


def _countries_in(db: read.Warehouse, indicator: str, year: int, among: str | None) -> dict[str, float]:
    values = read.country_values(indicator, year, db=db)
    keep = set(read.group_members(among, db=db)) if among else set(values["iso3"])
    return {c: float(v) for c, v in zip(values["iso3"], values["value"], strict=True) if c in keep}


def _window(db: read.Warehouse, indicator: str) -> tuple[int, int]:
    """The ranking window, recomputed here: the latest year in which at least half as many countries report as in
    the best year, minus 3, to the newest year with country data."""
    rows = read.observations(indicator, db=db)
    economies = set(read.countries(db=db)["iso3"])
    counts = rows[rows["iso3"].isin(economies)].groupby("year").size()
    broad = int(counts[counts >= counts.max() / 2].index.max())
    return broad - 3, int(counts.index.max())


def _latest_in_window(db: read.Warehouse, indicator: str, among: str | None) -> dict[str, float]:
    """Each economy's latest value, kept when its year lies in the window (and it is in ``among``)."""
    rows = read.observations(indicator, db=db)
    economies = set(read.countries(db=db)["iso3"])
    if among:
        economies &= set(read.group_members(among, db=db))
    lo, hi = _window(db, indicator)
    latest = rows[rows["iso3"].isin(economies)].sort_values("year").groupby("iso3").tail(1)
    latest = latest[(latest["year"] >= lo) & (latest["year"] <= hi)]
    return {str(c): float(v) for c, v in zip(latest["iso3"], latest["value"], strict=True)}


def _rank(values: dict[str, float], code: str, higher_is_better: Any) -> int:
    mine = values[code]
    better = [v for v in values.values() if (v < mine if higher_is_better is False else v > mine)]
    return 1 + len(better)


def _direction(db: read.Warehouse, indicator: str) -> Any:
    value = read.indicator(indicator, db=db)["higher_is_better"]
    return None if value is None or value != value else bool(value)


def truth(ref: tuple[Any, ...], db: read.Warehouse) -> float:
    """What the warehouse says the fact ``ref`` is."""
    kind, *args = ref
    if kind == "obs":
        return _value(db, *args)
    if kind == "obs_year":
        iso3, ind, year = args
        assert year in _years(db, iso3, ind)
        return float(year)
    if kind == "latest_year":
        return float(max(_years(db, *args)))
    if kind == "headline_year":
        return float(max(_years(db, *args)))
    if kind in ("window_from", "window_to"):
        span = _window(db, args[0])
        return float(span[0] if kind == "window_from" else span[1])
    if kind == "change":
        iso3, ind, y0, y1 = args
        return _value(db, iso3, ind, y1) - _value(db, iso3, ind, y0)
    if kind == "pct_change":
        iso3, ind, y0, y1 = args
        return 100.0 * (_value(db, iso3, ind, y1) / _value(db, iso3, ind, y0) - 1.0)
    if kind == "rank":
        iso3, ind, among = args
        return float(_rank(_latest_in_window(db, ind, among), iso3, _direction(db, ind)))
    if kind == "rank_n":
        ind, among = args
        return float(len(_latest_in_window(db, ind, among)))
    if kind in ("group_rank", "group_rank_n"):
        if kind == "group_rank":
            code, ind, year, peers = args
        else:
            ind, year, peers = args
        rows = read.observations(ind, list(peers), year_from=year, year_to=year, db=db)
        values = dict(zip(rows["iso3"], rows["value"], strict=True))
        return float(_rank(values, code, _direction(db, ind)) if kind == "group_rank" else len(values))
    if kind in ("min", "max", "median"):
        group, ind, year = args
        values = list(_countries_in(db, ind, year, group).values())
        return float({"min": min, "max": max, "median": statistics.median}[kind](values))
    if kind == "index_year":
        return float(read.index_latest_year(db=db) or 0)
    if kind in ("index_score", "index_rank"):
        iso3, year = args
        scores = read.index_scores(year, db=db).set_index("iso3")
        return float(scores.loc[iso3, "score" if kind == "index_score" else "rank"])
    if kind == "index_n_ranked":
        return float(read.index_scores(args[0], db=db)["ranked"].sum())
    if kind in ("index_p5", "index_p95"):
        unc = read.index_uncertainty(db=db).set_index("iso3")
        return float(unc.loc[args[0], "p5_rank" if kind == "index_p5" else "p95_rank"])
    if kind in ("pillar_score", "pillar_available"):
        iso3, pillar, year = args
        ps = read.index_pillar_scores(year, normalization="minmax", countries=[iso3], db=db)
        ps = ps[ps["pillar"] == pillar]
        if kind == "pillar_available":
            return float(ps["n_available"].iloc[0]) if len(ps) else 0.0
        return float(ps["score"].iloc[0])
    if kind == "pillar_size":
        pillars = read.index_pillars(db=db).set_index("id")
        return float(pillars.loc[args[0], "n_indicators"])
    if kind in ("group_ranked", "group_median_score"):
        group, year = args
        scores = read.index_scores(year, group=group, db=db)
        ranked = scores[scores["ranked"]]["score"]
        return float(len(ranked)) if kind == "group_ranked" else float(ranked.median())
    if kind == "group_size":
        return float(len(read.group_members(args[0], db=db)))
    if kind == "group_wic":
        return float(len(set(read.group_members(args[0], db=db)) & set(read.group_members("WIC", db=db))))
    if kind in ("named_orgs", "named_people"):
        rows = read.members(db=db)
        rows = rows[rows["country_iso3"] == args[0]]
        people = int((rows["country_basis"] == "nationality_or_base").sum())
        return float(people if kind == "named_people" else len(rows) - people)
    if kind == "named_members":
        code = args[0]
        if code in read.group_table(db=db)["code"].tolist():
            inside = set(read.group_members(code, db=db))
            return float(read.members(db=db)["country_iso3"].isin(inside).sum())
        return float(len(read.members_in(code, db=db)))
    catalog = list(read.indicators(catalog_only=True, db=db)["code"])
    if kind == "catalog_size":
        return float(len(catalog))
    latest = read.indicator_latest_years(args[0], catalog, db=db)
    if kind == "catalog_with_data":
        return float(len(latest))
    if kind == "catalog_missing":
        return float(len(catalog) - len(latest))
    if kind == "catalog_latest":
        return float(latest["year"].max())
    raise AssertionError(f"a fact of unknown kind {ref}")


def parse(token: str) -> tuple[float, float]:
    """(value, rounding tolerance) of a number as printed."""
    scale, digits = 1.0, token
    for word, factor in SCALE.items():
        if token.endswith(word):
            scale, digits = factor, token[: -len(word)].strip()
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits.replace(",", "")) * scale, 0.5 * 10 ** -decimals * scale * 1.0001


# --- reading the sentences back from the rendered HTML ------------------------------------------------------------

class Spans(HTMLParser):
    """The text of every narrative sentence (<span class="s" data-key=...>) of a rendered brief."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "span" and a.get("class") == "s":
            self._key = a.get("data-key") or ""
            self.items.append((self._key, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            key, text = self.items[-1]
            self.items[-1] = (key, text + data)


def rendered_sentences(page: str) -> list[tuple[str, str]]:
    parser = Spans()
    parser.feed(page)
    return parser.items


def known_labels(db: read.Warehouse) -> set[str]:
    """Names and units that may contain digits (e.g. 'per 100 people', '2021年不变价国际元')."""
    out: set[str] = set()
    for row in read.indicators(catalog_only=True, db=db).to_dict("records"):
        for key in ("name_en", "name_zh", "unit", "unit_zh"):
            if isinstance(row.get(key), str):
                out.add(row[key])
    return out


def check_numbers(sentence: Sentence, text: str, lang: str, db: read.Warehouse, labels: set[str]) -> int:
    """Every number in ``text`` (as rendered) is one of the sentence's facts, printed right and true."""
    segments = sentence.segments(lang)
    assert "".join(p for p, _ in segments) == text, (sentence.key, text)
    bounds, at = [], 0
    for piece, slot in segments:
        bounds.append((at, at + len(piece), slot))
        at += len(piece)
    checked = 0
    for match in NUMBER.finditer(text):
        owner = next(slot for lo, hi, slot in bounds if lo <= match.start() < hi)
        assert owner is not None, f"a number in template text: {match.group()!r} in {text!r}"
        lo, hi = next((lo, hi) for lo, hi, slot in bounds if slot is owner and lo <= match.start() < hi)
        assert match.end() <= hi, f"a number runs out of its slot: {match.group()!r} in {text!r}"
        if isinstance(owner, Label):
            assert any(name in owner.text(lang) for name in labels if re.search(r"\d", name)), \
                f"digits in a label that is not a known name or unit: {owner.text(lang)!r}"
            continue
        assert isinstance(owner, Num)
        expected = truth(owner.ref, db)
        if owner.style in ("abs", "pct"):
            expected = abs(expected)
        shown, tolerance = parse(match.group())
        assert abs(shown - expected) <= tolerance + 1e-9 * abs(expected), (owner.ref, match.group(), expected)
        value = abs(owner.value) if owner.style in ("abs", "pct") else owner.value
        assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9), (owner.ref, owner.value, expected)
        checked += 1
    # ... and every fact of the sentence is printed.
    assert checked == len(sentence.numbers()), (sentence.key, text)
    return checked


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", COUNTRIES + SPARSE + GROUPS)
def test_every_number_in_the_narrative_comes_from_the_warehouse(code: str, lang: str, db: read.Warehouse) -> None:
    brief = build(code)
    page = render(brief, lang)
    sentences = [s for part in narrative.narrative(brief).values() for s in part]
    shown = rendered_sentences(page)
    assert [k for k, _ in shown] == [s.key for s in sentences]
    labels = known_labels(db)
    total = sum(check_numbers(s, html.unescape(text), lang, db, labels)
                for s, (_, text) in zip(sentences, shown, strict=True))
    assert total >= 3


def test_the_headline_sentence_reads_as_designed(db: read.Warehouse) -> None:
    brief = build("CHN")
    sentence = next(s for s in narrative.summary(brief) if s.key == "headline.IT.NET.USER.ZS")
    text = sentence.text("en")
    assert re.fullmatch(r"Individuals using the Internet: \d+\.\d% of population in 20\d\d, (up|down) [\d.]+ "
                        r"percentage points since 20\d\d; \d+(st|nd|rd|th) of \d+ member countries and "
                        r"\d+(st|nd|rd|th) of \d+ economies with a value for 20\d\d–20\d\d\.", text), text
    zh = sentence.text("zh")
    assert "互联网用户占比" in zh and "个会员所在国家中居第" in zh and zh.endswith("。")


def test_headline_table_matches_the_warehouse(db: read.Warehouse) -> None:
    brief = build("KEN")
    page = render(brief, "en")
    for h in brief.headlines:
        if h.year is None:
            continue
        assert h.value == _value(db, "KEN", h.code, h.year) and h.year == max(_years(db, "KEN", h.code))
        values = _latest_in_window(db, h.code, None)
        if "KEN" not in values:            # its latest value is older than the window: shown, not ranked
            assert h.rank_all is None and h.stale
            continue
        assert h.rank_all == (_rank(values, "KEN", _direction(db, h.code)), len(values))
        assert f"{h.rank_all[0]} / {h.rank_all[1]}" in page
        assert h.rank_members is None              # Kenya is not a member country


def visible_text(page: str) -> str:
    """The brief's text without its scripts and tags."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def chart_specs(page: str) -> list[dict[str, Any]]:
    import json

    raw = re.search(r'<script type="application/json" id="brief-charts">(.*?)</script>', page, re.S)
    assert raw is not None
    return list(json.loads(raw.group(1).replace("<\\/", "</")))


def assert_sane(page: str) -> None:
    text = visible_text(page)
    for bad in ("nan", "NaN", "None", "null", "undefined", "inf"):
        assert not re.search(rf"\b{bad}\b", text), f"{bad!r} in the brief"
    for spec in chart_specs(page):
        traces = spec["figure"]["data"]
        assert traces, f"an empty chart {spec['id']}"
        values = [v for t in traces for v in (t.get("x") or []) + (t.get("y") or [])
                  if isinstance(v, int | float) and math.isfinite(v)]
        assert values, f"a chart without data {spec['id']}"
        assert f'id="{spec["id"]}"' in page


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", SPARSE)
def test_sparse_economies_get_a_brief_that_says_what_is_missing(code: str, lang: str, db: read.Warehouse) -> None:
    brief = build(code)
    page = render(brief, lang)
    assert_sane(page)
    text = visible_text(page)
    catalog = read.indicators(catalog_only=True, db=db)
    latest = read.indicator_latest_years(code, list(catalog["code"]), db=db)
    missing = len(catalog) - len(latest)
    if missing == len(catalog):
        assert ("has no data for any of the" if lang == "en" else "均无") in text
        assert chart_specs(page) == []
    elif missing:
        assert (f"Missing entirely ({missing})" if lang == "en" else f"完全缺失（{missing}项）") in text
    for f in brief.freshness:
        if f.stale:
            year = int(latest.set_index("indicator").loc[f.code, "year"])
            assert (f"no data since {year}" if lang == "en" else f"{year}年以来无数据") in text


def test_kosovo_says_since_when(db: read.Warehouse) -> None:
    text = visible_text(render(build("XKX"), "en"))
    assert "Individuals using the Internet (no data since 2018)" in text
    assert "Kosovo is not ranked in the Digital Development Index" in text


@pytest.mark.parametrize("code", COUNTRIES + GROUPS)
def test_briefs_have_four_to_six_charts(code: str) -> None:
    page = render(build(code), "en")
    assert_sane(page)
    assert 4 <= len(chart_specs(page)) <= 6


@pytest.mark.parametrize("code", GROUPS)
def test_group_briefs(code: str, db: read.Warehouse) -> None:
    brief = build(code)
    members = read.group_members(code, db=db)
    assert brief.group_countries == members
    assert brief.group_wic == sorted(set(members) & set(read.group_members("WIC", db=db)))
    page = render(brief, "en")
    text = visible_text(page)
    for h in brief.headlines:
        if h.year is None:
            continue
        flagged = read.observations(h.code, code, year_from=h.year, year_to=h.year, with_flags=True, db=db)
        assert h.computed == bool(flagged["computed"].iloc[0])
    for h in brief.headlines:            # every computed value is starred and says how it was made
        if h.computed and h.fact is not None and h.fact.coverage is not None:
            assert f"{i18n.fmt(h.value, 'en')}*" in text
            for label in facts.short_labels(h.fact, "en"):
                assert label in text, label
    if code in ("EAS", "SSF"):
        assert re.search(r"\d+(st|nd|rd|th) of 7 regions", text)
    if code in ("HIC", "LIC"):
        assert re.search(r"\d+(st|nd|rd|th) of \d income groups", text)
    names = read.country_table(db=db)
    if len(members) <= 90:
        for iso3 in members[:5]:
            assert html.escape(str(names.loc[iso3, "name_en"])) in page


def test_member_country_lists_its_named_members_with_sources(db: read.Warehouse) -> None:
    page = render(build("GBR"), "en")
    for row in read.members_in("GBR", db=db).to_dict("records"):
        assert html.escape(row["name"]) in page
        if row["source_url"]:
            assert html.escape(row["source_url"]) in page


def test_strengths_are_direction_aware_and_compare_like_with_like(db: read.Warehouse) -> None:
    brief = build("CHN")
    assert brief.strengths and brief.weaknesses
    income = read.group_members(str(brief.row["income_id"]), db=db)
    for c in brief.strengths + brief.weaknesses:
        values = _countries_in(db, c.code, c.year, None)
        peers = sorted(v for k, v in values.items() if k in income)
        assert c.value == values["CHN"]
        assert math.isclose(c.reference, truth(("median", brief.row["income_id"], c.code, c.year), db))
        better = c.value > c.reference if c.meta["higher_is_better"] else c.value < c.reference
        assert better == (c in brief.strengths)
        assert c.meta["agg_method"] != "sum" and len(peers) >= 5


# --- the dashboard page and its routes ---------------------------------------------------------------------------

def test_page_with_bad_url_parameters_shows_a_notice(dash_app: Any) -> None:
    from dash_payloads import layout, notices

    tree = layout("pages.briefing", country="XXX", lang="fr")
    found = " ".join(map(str, notices(tree)))
    assert "country=XXX" in found and "lang=fr" in found
    frame = next(n for n in [tree, *tree._traverse()] if getattr(n, "id", None) == "briefing-frame")
    assert frame.src == "/briefing/html?country=CHN&lang=en"
    client = dash_app.server.test_client()
    assert client.get("/briefing?country=XXX&lang=fr").status_code == 200


def test_page_lists_groups_and_countries(dash_app: Any) -> None:
    from dash_payloads import layout

    tree = layout("pages.briefing", country="wic", lang="zh")
    dropdown = next(n for n in [tree, *tree._traverse()] if getattr(n, "id", None) == "briefing-subject")
    values = [o["value"] for o in dropdown.options]
    assert dropdown.value == "WIC" and values[0] == "WIC" and {"EAS", "HIC", "XKX", "CHN"} <= set(values)
    pdf = next(n for n in [tree, *tree._traverse()] if getattr(n, "id", None) == "briefing-pdf")
    assert pdf.href == "/briefing/pdf?country=WIC&lang=zh"


def test_html_route(dash_app: Any) -> None:
    client = dash_app.server.test_client()
    ok = client.get("/briefing/html?country=KEN&lang=zh")
    assert ok.status_code == 200 and ok.mimetype == "text/html"
    page = ok.get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "肯尼亚" in page
    assert "frame-ancestors 'self'" in ok.headers["Content-Security-Policy"]
    assert ok.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "<script>" not in page                           # no inline script under the CSP: all linked
    assert client.get("/briefing/assets/plotly.min.js").status_code == 200
    assert client.get("/briefing/assets/brief.js").status_code == 200
    assert client.get("/briefing/assets/other.js").status_code == 404
    bad = client.get("/briefing/html?country=NOPE&lang=xx")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "country=NOPE" in text and "lang=xx" in text and 'class="notice"' in text


def test_pdf_route_rejects_bad_parameters(dash_app: Any) -> None:
    client = dash_app.server.test_client()
    bad = client.get("/briefing/pdf?country=NOPE")
    assert bad.status_code == 400 and "NOPE" in bad.get_data(as_text=True)
    bad = client.get("/briefing/pdf?country=CHN&lang=fr")
    assert bad.status_code == 400 and "'fr'" in bad.get_data(as_text=True)
    bad = client.get("/briefing/pdf?country=EAP")           # an aggregate without a member list
    assert bad.status_code == 400 and "EAP" in bad.get_data(as_text=True)


# --- the CLI ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "needle"), [
    (["brief", "XXX"], "unknown country or group 'XXX'"),
    (["brief", "CHN", "--lang", "fr"], "unknown language 'fr'"),
    (["brief", "EAP"], "no brief for 'EAP'"),
])
def test_cli_rejects_bad_subjects_and_languages(argv: list[str], needle: str, db: read.Warehouse,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("wic brief: error: ") and needle in err


def test_cli_rejects_unwritable_outputs(tmp_path: Path, db: read.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such" / "brief.pdf"
    assert cli.main(["brief", "CHN", "--out", str(missing)]) == 1
    assert f"cannot write {missing}: directory {missing.parent} does not exist" in capsys.readouterr().err
    assert cli.main(["brief", "CHN", "--out", str(tmp_path)]) == 1
    assert f"cannot write {tmp_path}: it is a directory" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        import os

        if os.access(locked, os.W_OK):      # running as root: permissions do not apply
            pytest.skip("permissions are not enforced for this user")
        assert cli.main(["brief", "CHN", "--out", str(locked / "b.pdf")]) == 1
        assert "permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_readme_documents_the_brief_command() -> None:
    import subprocess
    import sys

    usage = next(line for line in README.splitlines() if line.startswith("wic brief"))
    helptext = subprocess.run([sys.executable, "-m", "etl.cli", "brief", "--help"], capture_output=True, text=True,
                              check=True).stdout
    for option in set(re.findall(r"(--[a-z][a-z-]+)", helptext)) - {"--help"}:
        assert option in usage
    assert "ISO3" in usage and "en|zh" in usage
    assert "/briefing" in README
