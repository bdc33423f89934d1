"""Gather a brief's data through the read API: headline figures, trends, index, strengths and weaknesses,
named members, data freshness. Language-independent; :mod:`dashboard.briefing.narrative` turns it into
sentences and :mod:`dashboard.briefing.template` into HTML."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard import stats
from etl import facts, read

WIC = "WIC"
WORLD = "WLD"
INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")
SINCE = 2000                     # trend charts start here
TREND_CHARTS = 4
TREND_ORDER = ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "GB.XPD.RSDV.GD.ZS", "IT.NET.SECR.P6",
               "SP.POP.SCIE.RD.P6", "TX.VAL.TECH.MF.ZS", "SE.TER.ENRR", "EG.ELC.ACCS.ZS", "NY.GDP.PCAP.PP.KD"]
STALE_AFTER = 3                  # a value older than the indicator's usual latest year by more is "stale"
COMPARE_WINDOW = 6               # strengths/weaknesses: only years this close to the indicator's usual latest year
MIN_PEERS = 5                    # ... and at least this many income-group countries reporting
MAX_LISTED = 3                   # strengths and weaknesses shown


class BriefingError(RuntimeError):
    """A brief that cannot be made: unknown subject or language, no browser, an unwritable file."""


@dataclass
class Headline:
    """One headline indicator of the subject: latest value and year, ranks, 5-year change (from the facts layer)."""

    code: str
    meta: dict[str, Any]
    fact: facts.Fact | None = None
    year: int | None = None
    value: float | None = None
    computed: bool = False
    rank_all: tuple[int, int] | None = None          # countries: among all countries reporting that year
    rank_members: tuple[int, int] | None = None      # countries: among WIC member countries (members only)
    rank_peers: tuple[int, int] | None = None        # groups: among peer groups (regions, income groups)
    world: float | None = None                       # groups: the world's value in the same year
    change: tuple[int, float, int, float] | None = None   # (year, value, year - 5, value then)
    low: tuple[str, float] | None = None             # groups: lowest member country that year
    high: tuple[str, float] | None = None            # groups: highest member country that year
    stale: bool = False


@dataclass
class Series:
    """One line of a trend chart."""

    key: str
    role: str                 # subject, region, income, world, wic, peer
    years: list[int]
    values: list[float]
    computed: bool


@dataclass
class Trend:
    """A trend chart: the subject against its peers."""

    code: str
    meta: dict[str, Any]
    series: list[Series]


@dataclass
class Comparison:
    """A strength or weakness: the subject's value against a reference (income-group median or world)."""

    code: str
    meta: dict[str, Any]
    year: int
    value: float
    reference: float
    score: float              # direction-aware distance, positive = better than the reference


@dataclass
class Freshness:
    """The latest year of one catalog indicator for the subject (None: no data at all)."""

    code: str
    meta: dict[str, Any]
    year: int | None
    usual: int | None         # the indicator's usual latest year over all countries
    stale: bool


@dataclass
class PillarRow:
    """One pillar (or the overall index) for the index charts."""

    key: str
    name_en: str
    name_zh: str
    score: float | None
    rank: int | None = None
    p5: float | None = None    # Monte Carlo rank percentiles (interpolated, so not always whole)
    p95: float | None = None
    available: int = 0
    size: int = 0
    references: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)  # (median, p25, p75)


@dataclass
class IndexInfo:
    """The subject's Digital Development Index block."""

    year: int
    n_ranked: int
    ranked: bool
    score: float | None = None
    rank: int | None = None
    p5: float | None = None    # Monte Carlo rank percentiles (interpolated, so not always whole)
    p95: float | None = None
    pillars: list[PillarRow] = field(default_factory=list)
    failing: list[PillarRow] = field(default_factory=list)       # pillars with too few indicators
    members: list[dict[str, Any]] = field(default_factory=list)  # groups: member countries' rows (ranked)
    n_members_ranked: int = 0
    median_score: float | None = None
    draws: int | None = None                                     # Monte Carlo draws behind the intervals


@dataclass
class Brief:
    """Everything a brief shows, in no particular language."""

    code: str
    kind: str                 # country, region, income, wic, world
    row: dict[str, Any]
    headlines: list[Headline]
    trends: list[Trend]
    index: IndexInfo | None
    strengths: list[Comparison]
    weaknesses: list[Comparison]
    reference: str | None     # the strengths' reference: an income group's code or WLD
    members: list[dict[str, Any]]           # publicly named WIC members (of the country / in the group)
    register: dict[str, Any]                # all named members and the latest official total, for the caveat
    group_countries: list[str]              # groups: their countries
    group_wic: list[str]                    # groups: their WIC member countries
    freshness: list[Freshness]
    catalog_size: int
    vintage: dict[str, Any]
    sources: list[dict[str, Any]]
    peers: list[str]          # codes of the peer lines in trend charts, in order

    @property
    def is_group(self) -> bool:
        return self.kind != "country"

    @property
    def is_member(self) -> bool:
        return self.kind == "country" and self.code in read.group_sets()[WIC]


# --- subjects ------------------------------------------------------------------------------------------

def subjects() -> dict[str, str]:
    """Every code a brief can be made for, with its kind: countries, WB regions, income groups, WIC, world."""
    def build() -> dict[str, str]:
        table = read.country_table()
        out = {c: "country" for c in table[~table["is_aggregate"]]["iso3"]}
        for g in read.group_table().to_dict("records"):
            if g["kind"] in ("region", "wic", "world") or (g["kind"] == "income" and g["code"] in INCOME_GROUPS):
                out[g["code"]] = g["kind"]
        return out

    return dict(read.open_warehouse().memo(("briefing-subjects",), build))


def check_subject(code: str) -> str:
    """The subject's canonical code; :class:`read.UnknownCode` (with suggestions) or :class:`BriefingError`."""
    value = code.strip().upper()
    known = subjects()
    if value in known:
        return value
    if value in read.country_codes():
        groups = ", ".join(sorted(c for c, k in known.items() if k != "country"))
        raise BriefingError(f"no brief for {value!r}: choose a country or one of the groups {groups}")
    try:
        read.check_countries([value])
    except read.UnknownCode as exc:
        hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        raise BriefingError(f"unknown country or group {value!r}{hint}") from exc
    raise BriefingError(f"no brief for {value!r}")


# --- helpers -------------------------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _direction(meta: dict[str, Any]) -> bool | None:
    value = meta.get("higher_is_better")
    return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        else bool(value)


def _peer_groups(code: str, kind: str, row: dict[str, Any]) -> list[str]:
    """Trend-chart peers: a country's region, income group, world and WIC; a group's natural neighbours."""
    if kind == "country":
        out = [c for c in (row.get("wb_region_id"), row.get("income_id")) if isinstance(c, str) and c]
        return [c for c in dict.fromkeys([*out, WORLD, WIC]) if c != code]
    if kind == "income":
        return [WORLD, *[g for g in INCOME_GROUPS if g != code]]
    if kind == "wic":
        return [WORLD, "HIC", "UMC", "LMC"]
    if kind == "world":
        return [WIC, *INCOME_GROUPS]
    return [WORLD, WIC]


def _rank_peers(code: str, kind: str) -> list[str]:
    """Groups a group is ranked among (itself included): regions among regions, income groups among them."""
    if kind == "region":
        table = read.group_table()
        return sorted(table[table["kind"] == "region"]["code"])
    if kind == "income":
        return list(INCOME_GROUPS)
    return []


def group_rank(values: dict[str, float], code: str, higher_is_better: bool | None) -> tuple[int, int] | None:
    """(rank, out of) of ``code`` among ``values`` (1 = best, ties share the better rank)."""
    if code not in values:
        return None
    frame = pd.DataFrame({"iso3": list(values), "value": list(values.values())})
    return stats.rank(frame, code, higher_is_better)


# --- headline figures ----------------------------------------------------------------------------------

def headlines(code: str, kind: str) -> list[Headline]:
    """The headline indicators' latest values, ranks and 5-year changes, as the facts layer states them."""
    meta_table = read.indicator_table()
    sets = read.group_sets()
    out = []
    for f in facts.facts(code, stats.HEADLINE):
        ind = f.indicator
        meta = meta_table.loc[ind].to_dict()
        h = Headline(ind, meta, f)
        out.append(h)
        if f.value is None or f.year is None:
            continue
        h.year, h.value, h.computed = f.year, f.value, f.computed
        h.change = (f.change.year, f.change.value, f.change.base_year, f.change.base_value) if f.change else None
        h.stale = f.not_ranked == "stale"
        if kind == "country":
            h.rank_all = (f.rank.rank, f.rank.n) if f.rank else None
            h.rank_members = (f.member_rank.rank, f.member_rank.n) if f.member_rank else None
        else:
            direction = _direction(meta)
            peers = _rank_peers(code, kind)
            others = read.observations(ind, [*peers, WORLD], year_from=h.year, year_to=h.year)
            values = dict(zip(others["iso3"], others["value"], strict=True))
            h.world = _num(values.get(WORLD)) if code != WORLD else None
            reporting = {k: v for k, v in values.items() if k in peers}
            if len(reporting) >= 3:
                h.rank_peers = group_rank(reporting, code, direction)
            everyone = read.country_values(ind, h.year)
            inside = everyone[everyone["iso3"].isin(sets[code])]
            if len(inside) >= 2:
                lo = inside.loc[inside["value"].idxmin()]
                hi = inside.loc[inside["value"].idxmax()]
                h.low, h.high = (str(lo["iso3"]), float(lo["value"])), (str(hi["iso3"]), float(hi["value"]))
    return out


# --- trends --------------------------------------------------------------------------------------------

def trends(code: str, peers: list[str]) -> list[Trend]:
    """Up to four trend charts of indicators the subject has data for, against its peers, since 2000."""
    meta_table = read.indicator_table()
    catalog = read.indicators(catalog_only=True)
    order = list(dict.fromkeys(TREND_ORDER + [c for c, m in zip(catalog["code"], catalog["agg_method"], strict=True)
                                              if m != "sum"]))
    have = read.indicator_latest_years(code, order)
    counts = {}
    if not have.empty:
        frame = read.observations(list(have["indicator"]), code, year_from=SINCE)
        counts = frame.groupby("indicator").size().to_dict()
    chosen = [c for c in order if counts.get(c, 0) >= 2][:TREND_CHARTS]
    if len(chosen) < TREND_CHARTS:
        chosen += [c for c in order if counts.get(c, 0) == 1][:TREND_CHARTS - len(chosen)]
    chosen = [c for c in order if c in chosen]
    table = read.country_table()
    roles = {table.loc[code, "wb_region_id"]: "region", table.loc[code, "income_id"]: "income", code: "subject",
             WORLD: "world", WIC: "wic"}
    out = []
    for ind in chosen:
        rows = read.series_rows(ind, [code, *peers])
        grouped: dict[str, Series] = {}
        for key, year, value, computed in rows:
            if year < SINCE or _num(value) is None:
                continue
            s = grouped.setdefault(key, Series(key, roles.get(key, "peer"), [], [], False))
            s.years.append(int(year))
            s.values.append(float(value))
            s.computed = s.computed or bool(computed)
        if code in grouped:
            out.append(Trend(ind, meta_table.loc[ind].to_dict(), [grouped[k] for k in [code, *peers] if k in grouped]))
    return out


# --- index ---------------------------------------------------------------------------------------------

def _quartiles(values: pd.Series) -> tuple[float, float, float] | None:
    clean = values.dropna()
    if clean.empty:
        return None
    return float(clean.median()), float(clean.quantile(0.25)), float(clean.quantile(0.75))


def _group_quartiles(year: int, group: str, ranked_ps: pd.DataFrame,
                     inside: frozenset[str]) -> dict[str, tuple[float, float, float] | None]:
    """Per pillar, the median and quartiles of a group's ranked countries in ``year`` (once per warehouse run:
    every country of the group shares them)."""
    def compute() -> dict[str, tuple[float, float, float] | None]:
        part = ranked_ps[ranked_ps["iso3"].isin(inside)]
        return {pid: _quartiles(rows["score"]) for pid, rows in part.groupby("pillar", sort=False)}

    return dict(read.open_warehouse().memo(("briefing-pillar-quartiles", "minmax", year, group), compute))


def index_info(code: str, kind: str, row: dict[str, Any]) -> IndexInfo | None:
    """The index's overall score, rank and interval and the pillar scores (a country), or the members' (a group)."""
    year = read.index_latest_year()
    if year is None:
        return None
    scores = read.index_scores(year)
    ranked = scores[scores["ranked"]]
    pillars = read.index_pillars()
    ps = read.index_pillar_scores(year, normalization="minmax")
    info = IndexInfo(year=year, n_ranked=len(ranked), ranked=False)
    unc = read.index_uncertainty()
    info.draws = int(unc["draws"].max()) if len(unc) else None
    sets = read.group_sets()
    ranked_ps = ps[ps["ranked"].astype(bool)]
    if kind == "country":
        refs = [c for c in (row.get("income_id"), WIC) if isinstance(c, str) and c in sets]
        mine = scores[scores["iso3"] == code]
        mine_ps = ps[ps["iso3"] == code].set_index("pillar")
        sens = read.index_sensitivity([code]).set_index("pillar")
        info.ranked = bool(not mine.empty and mine["ranked"].iloc[0])
        if info.ranked:
            r = mine.iloc[0]
            info.score, info.rank = float(r["score"]), int(r["rank"])
            band = unc[unc["iso3"] == code]
            if not band.empty:
                info.p5, info.p95 = float(band["p5_rank"].iloc[0]), float(band["p95_rank"].iloc[0])
        for p in pillars.to_dict("records"):
            pid = p["id"]
            hit = mine_ps.loc[pid] if pid in mine_ps.index else None
            pr = PillarRow(pid, p["name_en"], p["name_zh"], _num(hit["score"]) if hit is not None else None,
                           available=int(hit["n_available"]) if hit is not None else 0, size=int(p["n_indicators"]))
            if hit is not None and bool(hit["ranked"]):
                pr.rank = int(hit["rank"])
            if pid in sens.index and _num(sens.loc[pid, "pillar_rank_p5"]) is not None:
                pr.p5, pr.p95 = int(sens.loc[pid, "pillar_rank_p5"]), int(sens.loc[pid, "pillar_rank_p95"])
            for ref in refs:
                pr.references[ref] = _group_quartiles(year, ref, ranked_ps, sets[ref]).get(pid)
            info.pillars.append(pr)
            if pr.available * 2 < pr.size:
                info.failing.append(pr)
        return info
    inside = sets[code]
    group_scores = ranked[ranked["iso3"].isin(inside)]
    info.n_members_ranked = len(group_scores)
    info.median_score = float(group_scores["score"].median()) if len(group_scores) else None
    unc = unc.set_index("iso3")
    info.members = [{"iso3": r["iso3"], "score": float(r["score"]), "rank": int(r["rank"]),
                     "p5": int(unc.loc[r["iso3"], "p5_rank"]) if r["iso3"] in unc.index else None,
                     "p95": int(unc.loc[r["iso3"], "p95_rank"]) if r["iso3"] in unc.index else None}
                    for r in group_scores.sort_values("rank").to_dict("records")]
    for p in pillars.to_dict("records"):
        part = ranked_ps[ranked_ps["pillar"] == p["id"]]
        pr = PillarRow(p["id"], p["name_en"], p["name_zh"], None, size=int(p["n_indicators"]))
        pr.references[code] = _quartiles(part[part["iso3"].isin(inside)]["score"])
        if code != WORLD:
            pr.references[WORLD] = _quartiles(part["score"])
        info.pillars.append(pr)
    return info


# --- strengths and weaknesses --------------------------------------------------------------------------

def comparable_indicators() -> list[dict[str, Any]]:
    """Catalog indicators with a direction that are intensities (rates, shares, per-capita), not totals."""
    catalog = read.indicators(catalog_only=True).to_dict("records")
    return [m for m in catalog if _direction(m) is not None and m["agg_method"] != "sum"]


def compare_country(code: str, income: str | None) -> tuple[list[Comparison], list[Comparison]]:
    """Indicators furthest above and below the income-group median, in the latest year both exist.

    The distance is (value - median) / interquartile range of the income group that year, sign-flipped for
    indicators where lower is better.
    """
    if not income or income not in read.group_sets():
        return [], []
    metas = {m["code"]: m for m in comparable_indicators()}
    mine = read.observations(list(metas), code)
    if mine.empty:
        return [], []
    spread = read.group_distribution(list(metas), income)
    spread = {(i, int(y)): (int(n), float(med), float(p25), float(p75)) for i, y, n, med, p25, p75 in
              spread[["indicator", "year", "n", "median", "p25", "p75"]].itertuples(index=False)}
    out = []
    for ind, part in mine.groupby("indicator", sort=True):
        m = metas[str(ind)]
        usual = read.default_year(m["code"])
        if usual is None:
            continue
        for year, value in sorted(zip(part["year"], part["value"], strict=True), reverse=True):
            if year > usual:
                continue
            if year < usual - COMPARE_WINDOW:
                break
            n, median, p25, p75 = spread.get((m["code"], int(year)), (0, 0.0, 0.0, 0.0))
            if n < MIN_PEERS:
                continue
            if p75 - p25 <= 0:
                break
            sign = 1.0 if _direction(m) else -1.0
            out.append(Comparison(m["code"], m, int(year), float(value), median,
                                  sign * (float(value) - median) / (p75 - p25)))
            break
    return _split(out)


def compare_group(code: str) -> tuple[list[Comparison], list[Comparison]]:
    """Indicators where the group's value is furthest above and below the world's (relative difference)."""
    if code == WORLD:
        return [], []
    metas = comparable_indicators()
    frame = read.observations([m["code"] for m in metas], [code, WORLD])
    out = []
    for m in metas:
        usual = read.default_year(m["code"])
        part = frame[frame["indicator"] == m["code"]].pivot_table(index="year", columns="iso3", values="value")
        if code not in part or WORLD not in part or usual is None:
            continue
        both = part[[code, WORLD]].dropna()
        both = both[(both.index >= usual - COMPARE_WINDOW) & (both.index <= usual)]
        if both.empty:
            continue
        year = int(both.index.max())
        value, world = float(both.loc[year, code]), float(both.loc[year, WORLD])
        if world <= 0:
            continue
        sign = 1.0 if _direction(m) else -1.0
        out.append(Comparison(m["code"], m, year, value, world, sign * (value / world - 1.0)))
    return _split(out)


def _split(items: list[Comparison]) -> tuple[list[Comparison], list[Comparison]]:
    ordered = sorted(items, key=lambda c: (-c.score, c.code))
    strengths = [c for c in ordered if c.score > 0][:MAX_LISTED]
    weaknesses = [c for c in reversed(ordered) if c.score < 0][:MAX_LISTED]
    return strengths, weaknesses


# --- freshness, members, sources -----------------------------------------------------------------------

def freshness(code: str) -> list[Freshness]:
    """The latest year of every catalog indicator for the subject; stale or missing ones flagged."""
    catalog = read.indicators(catalog_only=True)
    latest = read.indicator_latest_years(code, list(catalog["code"])).set_index("indicator")
    out = []
    for m in catalog.to_dict("records"):
        usual = read.default_year(m["code"])
        year = int(latest.loc[m["code"], "year"]) if m["code"] in latest.index else None
        stale = year is not None and usual is not None and year < usual - STALE_AFTER
        out.append(Freshness(m["code"], m, year, usual, stale))
    return out


def named_members(code: str, kind: str, inside: list[str]) -> list[dict[str, Any]]:
    """The publicly named members of the country (organizations by headquarters, individuals by nationality or
    base), or of the group's countries."""
    if kind == "country":
        frame = read.members_in(code)
    else:
        frame = read.members()
        frame = frame[frame["country_iso3"].isin(inside)]
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def register() -> dict[str, Any]:
    """How many members are publicly named against the latest official total (with its qualifier and date)."""
    counts = read.membership_counts()
    last = counts.iloc[-1].to_dict() if len(counts) else {}
    return {"named": len(read.members()), "total": last.get("members"), "qualifier": last.get("members_qualifier"),
            "as_of": last.get("as_of")}


def build(code: str) -> Brief:
    """The brief of a country or group (cached per warehouse generation)."""
    code = check_subject(code)
    brief: Brief = read.open_warehouse().memo(("briefing", code), lambda: _build(code))
    return brief


def _build(code: str) -> Brief:
    kind = subjects()[code]
    # the years each catalog indicator's ranks and comparisons rest on, from one query instead of one each
    read.prime_country_counts(list(read.indicators(catalog_only=True)["code"]))
    row = read.country_table().loc[code].to_dict()
    sets = read.group_sets()
    peers = _peer_groups(code, kind, row)
    inside = sorted(sets[code]) if kind != "country" else []
    if kind == "country":
        strengths, weaknesses = compare_country(code, row.get("income_id"))
        reference = row.get("income_id") if isinstance(row.get("income_id"), str) else None
    else:
        strengths, weaknesses = compare_group(code)
        reference = WORLD if code != WORLD else None
    sources = read.sources()
    return Brief(
        code=code, kind=kind, row=row, headlines=headlines(code, kind), trends=trends(code, peers),
        index=index_info(code, kind, row), strengths=strengths, weaknesses=weaknesses, reference=reference,
        members=named_members(code, kind, inside), register=register(), group_countries=inside,
        group_wic=sorted(set(inside) & sets[WIC]) if kind != "country" else [],
        freshness=freshness(code), catalog_size=len(read.indicators(catalog_only=True)),
        vintage=read.data_vintage(), sources=sources.to_dict("records"), peers=peers)
