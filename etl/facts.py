"""One set of facts: a value and its year, a rank and its universe, a change and its two years, a group value and
its coverage, and the labels that say how each was made. Every surface (pages, briefs, API, CLI) calls this.

Definitions (the window and the change span are in ``etl/meta/facts.yaml``):

- *latest value*: a country's (or group's) most recent value, with its year.
- *rank*: among all economies (or WIC member countries) whose latest value lies in the window from
  ``max_age`` years before the reference year (the indicator's latest year with broad coverage, see
  :func:`etl.read.default_year`) to the newest year with data; 1 is the best (the highest where the
  indicator has no direction); ties share the better rank. An older latest value is shown with its year, not
  ranked.
- *change*: between the latest value and the value ``change_years`` earlier (or the nearest within one year,
  the earlier first), both years stated.
- *group value*: computed here where the source publishes none (:mod:`etl.aggregates`), with its coverage,
  members reporting and carried, and the share of the weight carried.
- *value for a year* (:func:`values_for_year`): a country's value in that year, or, for sources published in
  editions (``edition_window`` in the step's ``.meta.yaml``), its nearest earlier edition within the window,
  carried with its own year.
- *history only* (``history_only: true`` in the step's ``.meta.yaml``): a series that is no longer updated is
  never ranked; its latest year is stated with "no newer data".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from etl import read
from etl.config import META_DIR
from etl.errors import InputError
from etl.inputs import load_yaml
from etl.locale import joined, langs, localized, rule, t
from etl.numbers import fmt, fmt_delta, ordinal
from etl.steps import SOURCES_DIR, step_meta

WIC = "WIC"
HEADLINE = ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6", "GB.XPD.RSDV.GD.ZS",
            "SP.POP.SCIE.RD.P6", "TX.VAL.TECH.MF.ZS", "SE.TER.ENRR"]
POPULATION, GDP = "SP.POP.TOTL", "NY.GDP.MKTP.CD"


@cache
def settings() -> dict[str, Any]:
    """The window, the change span and the label templates (``etl/meta/facts.yaml``), read once."""
    return load_yaml(META_DIR / "facts.yaml")


def max_age() -> int:
    """How many years older than the reference year a ranked value may be."""
    return int(settings()["window"]["max_age"])


def change_years() -> int:
    """The span of a change, in years."""
    return int(settings()["window"]["change_years"])


@dataclass(frozen=True)
class Rank:
    """A rank (1 = best) among ``n`` economies whose latest value lies in ``first``..``last``."""

    rank: int
    n: int
    first: int
    last: int
    among: str                 # "all" (every economy) or a group code (WIC)


@dataclass(frozen=True)
class Change:
    """The latest value against the value ``year - base_year`` years before."""

    delta: float
    year: int
    value: float
    base_year: int
    base_value: float


@dataclass(frozen=True)
class Coverage:
    """How a group value computed here was made."""

    method: str                # weighted_mean | sum
    weight: str                # the weight indicator (population for sums)
    n_reporting: int
    n_carried: int
    n_members: int
    coverage: float            # share of the group's weight with a value
    carried_share: float       # share of that covered weight carried forward
    oldest_carried: int | None


@dataclass(frozen=True)
class Fact:
    """Everything a surface may say about one indicator of one country or group."""

    iso3: str
    indicator: str
    value: float | None
    year: int | None
    source: str | None
    computed: bool             # not published by the source: a group value or a derived indicator
    coverage: Coverage | None  # group values computed here
    rank: Rank | None
    member_rank: Rank | None
    window: tuple[int, int] | None
    not_ranked: str | None     # stale | history_only | group | none (why there is no rank)
    change: Change | None
    change_target: int | None  # the base year looked for when there is no change

    @property
    def carried(self) -> bool:
        """Some of a group value's inputs are carried forward from earlier years."""
        return self.coverage is not None and self.coverage.n_carried > 0

    @property
    def partial(self) -> bool:
        """The countries with a value do not cover all of the group's weight."""
        return self.coverage is not None and self.coverage.coverage < 0.9995

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what the API and ``wic facts --format json`` print)."""
        out = asdict(self)
        out["carried"], out["partial"] = self.carried, self.partial
        out["window"] = list(self.window) if self.window else None
        return out


@dataclass(frozen=True)
class EditionValue:
    """A country's (or group's) value drawn for a target year, with its own year (earlier when carried)."""

    iso3: str
    value: float
    year: int
    carried: bool              # from an earlier edition: the target year has no value


# --- source rules ----------------------------------------------------------------------------------------

@cache
def _source_rules(dataset: str) -> tuple[int, bool]:
    """(edition window, history only) declared in a step's ``.meta.yaml``; (0, False) for other datasets."""
    path = SOURCES_DIR / f"{dataset}.meta.yaml"
    return parse_rules(step_meta(dataset), str(path)) if path.is_file() else (0, False)


def parse_rules(meta: dict[str, Any], where: str) -> tuple[int, bool]:
    """``edition_window`` (whole years 0-10, default 0) and ``history_only`` (true/false) of one step's metadata."""
    window = meta.get("edition_window", 0)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 10:
        raise InputError(where, "edition_window must be a whole number of years from 0 to 10",
                         field="edition_window", value=repr(window))
    flag = meta.get("history_only", False)
    if not isinstance(flag, bool):
        raise InputError(where, "history_only must be true or false", field="history_only", value=repr(flag))
    return window, flag


def edition_window(indicator: str, *, db: read.Warehouse | None = None) -> int:
    """How many years back a missing value may be drawn from the nearest earlier edition (0: never)."""
    return _source_rules(str(read.indicator_meta(indicator, db=db).get("dataset")))[0]


def history_only(indicator: str, *, db: read.Warehouse | None = None) -> bool:
    """The series is no longer updated (declared by its step): never ranked as current."""
    return _source_rules(str(read.indicator_meta(indicator, db=db).get("dataset")))[1]


def drawable_years(indicator: str, years: list[int], *, db: read.Warehouse | None = None) -> list[int]:
    """The years a map of ``indicator`` can show: those with data (``years``) and the off years that the nearest
    earlier edition covers within the source's ``edition_window``, up to the newest year with data."""
    if not years:
        return []
    span = edition_window(indicator, db=db)
    have = set(years)
    return [y for y in range(min(years), max(years) + 1) if any(y - k in have for k in range(max(span, 0) + 1))]


def values_for_year(indicator: str, year: int, *, window: int | None = None,
                    db: read.Warehouse | None = None) -> list[EditionValue]:
    """Every country's and group's value for ``year``: its own, else its latest in ``year - window``..``year``.

    ``window`` defaults to the source's ``edition_window`` (0 for yearly sources: only that year's values).
    Sorted by iso3.
    """
    span = edition_window(indicator, db=db) if window is None else window
    if span < 0:
        raise ValueError(f"window must be >= 0, got {span}")
    out: dict[str, EditionValue] = {}
    for y in range(year - span, year + 1):   # a later edition replaces an earlier one
        for iso3, value in read.year_values(indicator, y, db=db):
            out[iso3] = EditionValue(iso3, value, y, y != year)
    return [out[k] for k in sorted(out)]


# --- computing ----------------------------------------------------------------------------------------

def window(indicator: str, *, db: read.Warehouse | None = None) -> tuple[int, int] | None:
    """The years whose latest values are ranked together: (reference year - max_age, newest year)."""
    years = read.indicator_years(indicator, db=db)
    ref = read.default_year(indicator, db=db)
    if ref is None or not years:
        return None
    return ref - max_age(), years[-1][0]


def _economies(db: read.Warehouse | None) -> frozenset[str]:
    w = read.open_warehouse() if db is None else db
    return w.memo("facts-economies", lambda: frozenset(
        read.country_codes(db=w) - read.aggregate_codes(db=w)))


def _ranking(indicator: str, among: str | None, db: read.Warehouse | None) -> dict[str, tuple[int, int]]:
    """iso3 -> (rank, n) over the economies (or a group's) whose latest value lies in the window."""
    w = read.open_warehouse() if db is None else db

    def build() -> dict[str, tuple[int, int]]:
        span = window(indicator, db=w)
        if span is None or history_only(indicator, db=w):
            return {}
        pool = _economies(w) if among is None else read.group_sets(db=w)[among] & _economies(w)
        latest = read.latest_by_country(indicator, db=w)
        values = [(iso3, v) for iso3, (y, v, _k) in latest.items() if iso3 in pool and span[0] <= y <= span[1]]
        lower_better = read.indicator_meta(indicator, db=w).get("higher_is_better") is False
        ordered = sorted((v if lower_better else -v for _, v in values))
        first: dict[float, int] = {}
        for pos, key in enumerate(ordered, start=1):
            first.setdefault(key, pos)
        return {iso3: (first[v if lower_better else -v], len(values)) for iso3, v in values}

    result: dict[str, tuple[int, int]] = w.memo(("facts-ranking", indicator, among), build, bounded=True)
    return result


def _coverage(iso3: str, indicator: str, year: int, db: read.Warehouse | None) -> Coverage | None:
    row = read.group_value_coverage(iso3, indicator, year, db=db)
    if row is None:
        return None
    return Coverage(method=row["method"], weight=row["weight"], n_reporting=int(row["n_reporting"]),
                    n_carried=int(row["n_carried"]), n_members=int(row["n_members"]),
                    coverage=float(row["coverage"]), carried_share=float(row["carried_share"]),
                    oldest_carried=int(row["oldest_carried"]) if row["oldest_carried"] is not None else None)


def _change(series: Sequence[tuple[int, float, bool]], span: int) -> tuple[Change | None, int | None]:
    if not series:
        return None, None
    year, value, _ = series[-1]
    by_year = {y: v for y, v, _ in series}
    target = year - span
    for base in (target, target - 1, target + 1):
        if base in by_year and base < year:
            return Change(value - by_year[base], year, value, base, by_year[base]), target
    return None, target


def fact(iso3: str, indicator: str, *, year: int | None = None, db: read.Warehouse | None = None) -> Fact:
    """The fact of one country or group for one indicator (:class:`read.UnknownCode` for unknown codes).

    With ``year``, the value of that year (none if there is none) and the change up to it; ranks stay those of
    the latest values.
    """
    read.check_countries([iso3], db=db)
    meta = read.indicator_meta(indicator, db=db)
    series = read.series_rows(indicator, [iso3], db=db)
    triples = [(int(y), float(v), bool(k)) for _, y, v, k in series if year is None or y <= year]
    if year is not None and triples and triples[-1][0] != year:
        triples = []
    span = window(indicator, db=db)
    is_group = iso3 in read.aggregate_codes(db=db)
    change, target = _change(triples, change_years())
    if not triples:
        return Fact(iso3, indicator, None, None, None, False, None, None, None, span,
                    "group" if is_group else "none", None, None)
    year, value, computed = triples[-1]
    source = "derived" if meta.get("dataset") == "derived" else ("computed" if computed else meta.get("dataset"))
    rank = member_rank = None
    not_ranked: str | None = None
    if is_group:
        not_ranked = "group"
    elif history_only(indicator, db=db):
        not_ranked = "history_only"
    else:
        hit = _ranking(indicator, None, db).get(iso3)
        if hit:
            assert span is not None
            rank = Rank(hit[0], hit[1], span[0], span[1], "all")
            if iso3 in read.group_sets(db=db).get(WIC, frozenset()):
                mine = _ranking(indicator, WIC, db).get(iso3)
                if mine:
                    member_rank = Rank(mine[0], mine[1], span[0], span[1], WIC)
        else:
            not_ranked = "stale" if span is not None else "none"
    cov = _coverage(iso3, indicator, year, db) if computed and is_group else None
    return Fact(iso3, indicator, value, year, source, computed, cov, rank, member_rank, span, not_ranked,
                change, target)


def facts(iso3: str, indicators: Sequence[str] | None = None, *, db: read.Warehouse | None = None) -> list[Fact]:
    """The facts of one country or group for each indicator (default: the headline indicators)."""
    codes = list(indicators) if indicators else HEADLINE
    read.check_indicators(codes, db=db)
    return [fact(iso3, code, db=db) for code in codes]


@dataclass(frozen=True)
class IndexFact:
    """A country's Digital Development Index score in the latest year, with what its inputs rest on."""

    iso3: str
    year: int | None
    score: float | None
    rank: int | None
    n_ranked: int
    p5: int | None
    p95: int | None
    ranked: bool
    reason: str | None
    n_inputs: int
    n_indicators: int
    n_carried: int
    oldest_carried: int | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def index_fact(iso3: str, *, db: read.Warehouse | None = None) -> IndexFact | None:
    """The index fact of a country (None when the index has no published year)."""
    read.check_countries([iso3], db=db)
    row = read.index_country(iso3, db=db)
    if row is None:
        return None
    return IndexFact(**row)


# --- wording ------------------------------------------------------------------------------------------

def _text(section: str, key: str, lang: str, **values: Any) -> str:
    entry = settings()[section][key]
    template = entry.get(lang) or entry["en"]
    return str(template).format(**values)


def _pct(share: float, lang: str) -> str:
    return f"{share * 100:.0f}%" if share * 100 >= 1 or share == 0 else "<1%"


def method_text(coverage: Coverage, lang: str, weight_name: str | None = None) -> str:
    """'population-weighted', 'GDP-weighted', 'sum over countries' or 'weighted by ...'."""
    if coverage.method == "sum":
        return _text("methods", "sum", lang)
    if coverage.weight == POPULATION:
        return _text("methods", "population", lang)
    if coverage.weight == GDP:
        return _text("methods", "gdp", lang)
    return _text("methods", "weighted", lang, weight=weight_name or coverage.weight)


def method_of(meta: dict[str, Any], lang: str) -> str:
    """How an indicator's group values are computed here, from its catalog metadata ('GDP-weighted', ...)."""
    method = "sum" if meta.get("agg_method") == "sum" else "weighted_mean"
    weight = str(meta["agg_weight"]) if isinstance(meta.get("agg_weight"), str) else POPULATION
    return method_text(Coverage(method, weight, 0, 0, 0, 0.0, 0.0, None), lang)


def labels(f: Fact, lang: str, *, inputs: str | None = None) -> list[str]:
    """What a value rests on, in words: computed (and how), carried forward (from which years), partial."""
    out: list[str] = []
    if f.coverage is not None:
        c = f.coverage
        out.append(_text("labels", "computed", lang, method=method_text(c, lang)))
        if c.n_carried:
            before = (f.year or 0) - 1
            key = "carried" if c.oldest_carried is not None and c.oldest_carried < before else "carried_one_year"
            out.append(_text("labels", key, lang, n=c.n_carried, m=c.n_reporting + c.n_carried,
                             oldest=c.oldest_carried, before=before, share=_pct(c.carried_share, lang)))
        if f.partial:
            basis = "population" if c.method == "sum" or c.weight == POPULATION else \
                "gdp" if c.weight == GDP else "other"
            out.append(_text("labels", "partial", lang, coverage=_pct(c.coverage, lang),
                             basis=_text("basis", basis, lang)))
    elif f.source == "derived":
        out.append(_text("labels", "derived", lang, inputs=inputs or "WDI"))
    if f.not_ranked == "history_only":
        out.append(history_text(f, lang))
    return out


def history_text(f: Fact, lang: str) -> str:
    """'history only: latest 2018, no newer data' (the newest year of the series, not of this country)."""
    last = f.window[1] if f.window else f.year
    return _text("labels", "history_only", lang, year=last)


def edition_text(year: int, lang: str) -> str:
    """'2022 edition, carried': a value drawn from an earlier edition."""
    return _text("labels", "edition", lang, year=year)


def editions_note(values: Sequence[EditionValue], window: int, lang: str) -> str:
    """'12 of 190 drawn from an earlier edition (within 2 years)', or '' when none is carried."""
    carried = [v for v in values if v.carried]
    if not carried:
        return ""
    years = sorted({v.year for v in carried})
    return _text("labels", "editions_note", lang, n=len(carried), m=len(values), window=window,
                 years="–".join(str(y) for y in ([years[0], years[-1]] if len(years) > 1 else years)))


def star(f: Fact) -> str:
    """The mark every surface puts after a value not published by the source."""
    return "*" if f.computed else ""


def value_text(f: Fact, lang: str, unit: str = "") -> str:
    """'92.0 % (2024)' style: the value with its star, unit and year."""
    if f.value is None:
        return rule("no_data", lang)
    value = f"{fmt(f.value, lang)}{star(f)}"
    return rule("value_unit_year", lang).format(value=value, unit=unit, year=f.year) if unit else \
        rule("value_year", lang).format(value=value, year=f.year)


def _rank(n: int, lang: str) -> str | int:
    """A rank as the language's rank sentences want it: an ordinal ('21st') or the number (第{rank})."""
    return ordinal(n, lang) if rule("ordinal_ranks", lang) == "yes" else n


def rank_text(f: Fact, lang: str) -> str:
    """'21st of 190 (2020–2024 values)', or why there is no rank."""
    if f.rank is None:
        if f.not_ranked == "stale":
            return _text("rank", "stale", lang, year=f.year)
        if f.not_ranked == "history_only":
            return _text("rank", "history_only", lang, year=f.window[1] if f.window else f.year)
        return _text("rank", f.not_ranked or "none", lang)
    r = f.rank
    return _text("rank", "ranked", lang, rank=_rank(r.rank, lang), n=r.n,
                 first=r.first, last=r.last)


def member_rank_text(f: Fact, lang: str) -> str | None:
    """'6th of 15 member countries', or None for a country that is not a WIC member country."""
    if f.member_rank is None:
        return None
    r = f.member_rank
    return _text("rank", "ranked_members", lang, rank=_rank(r.rank, lang), n=r.n)


def change_text(f: Fact, lang: str) -> str:
    """'+27.9 since 2019', 'unchanged since 2019', or 'no value around 2019'."""
    c = f.change
    if c is None:
        return _text("change", "none", lang, year=f.change_target if f.change_target is not None else "—")
    delta = fmt_delta(c.delta, lang)
    if delta == "0":
        return _text("change", "same", lang, base_year=c.base_year)
    return _text("change", "up" if c.delta > 0 else "down", lang, delta=delta.lstrip("+−"), base_year=c.base_year)


def index_text(f: IndexFact, lang: str) -> str:
    """What an index score's inputs rest on: 'all 15 inputs observed in 2023' or '3 of 15 inputs carried ...'."""
    if f.n_carried:
        return _text("labels", "index_carried", lang, n=f.n_carried, m=f.n_inputs, oldest=f.oldest_carried)
    return _text("labels", "index_none_carried", lang, m=f.n_inputs, year=f.year)


# --- flat rows (API, CLI, downloads) --------------------------------------------------------------------

FLAT_COLUMNS = ["iso3", "indicator", "value", "year", "source", "computed", "carried", "partial", "method",
                "weight", "coverage", "n_reporting", "n_carried", "n_members", "carried_share", "oldest_carried",
                "rank", "n_ranked", "window_from", "window_to", "member_rank", "n_member_ranked", "not_ranked",
                "change", "change_year", "change_base_year", "change_base_value", "text_en", "text_zh"]


def statement(f: Fact, lang: str, unit: str = "") -> str:
    """The whole fact in one line, as the profile's card and the brief's table state it."""
    parts = [value_text(f, lang, unit)]
    if f.value is not None:
        parts.append(rank_text(f, lang))
        member = member_rank_text(f, lang)
        if member:
            parts.append(member)
        parts.append(change_text(f, lang))
        parts.extend(labels(f, lang))
    return " · ".join(parts)


def flat(f: Fact, units: tuple[str, str] = ("", "")) -> dict[str, Any]:
    """One fact as a flat row of :data:`FLAT_COLUMNS` (``units``: the unit in English and Chinese)."""
    c, r, m, ch = f.coverage, f.rank, f.member_rank, f.change
    return {
        "iso3": f.iso3, "indicator": f.indicator, "value": f.value, "year": f.year, "source": f.source,
        "computed": f.computed, "carried": f.carried, "partial": f.partial,
        "method": c.method if c else None, "weight": c.weight if c else None,
        "coverage": c.coverage if c else None, "n_reporting": c.n_reporting if c else None,
        "n_carried": c.n_carried if c else None, "n_members": c.n_members if c else None,
        "carried_share": c.carried_share if c else None, "oldest_carried": c.oldest_carried if c else None,
        "rank": r.rank if r else None, "n_ranked": r.n if r else None,
        "window_from": f.window[0] if f.window else None, "window_to": f.window[1] if f.window else None,
        "member_rank": m.rank if m else None, "n_member_ranked": m.n if m else None, "not_ranked": f.not_ranked,
        "change": ch.delta if ch else None, "change_year": ch.year if ch else None,
        "change_base_year": ch.base_year if ch else None, "change_base_value": ch.base_value if ch else None,
        "text_en": statement(f, "en", units[0]), "text_zh": statement(f, "zh", units[1]),
    }


def flat_rows(iso3: str, indicators: Sequence[str] | None = None, *,
              db: read.Warehouse | None = None) -> list[dict[str, Any]]:
    """The facts of one country or group as flat rows, in indicator order."""
    out = []
    for f in facts(iso3, indicators, db=db):
        meta = read.indicator_meta(f.indicator, db=db)
        unit_en = meta.get("unit") if isinstance(meta.get("unit"), str) else ""
        unit_zh = meta.get("unit_zh") if isinstance(meta.get("unit_zh"), str) else unit_en
        out.append(flat(f, (unit_en or "", unit_zh or "")))
    return out


# --- the register's country ---------------------------------------------------------------------------

def member_counts(members: Any) -> tuple[int, int, int, int]:
    """(organizations, their countries, individuals, their countries) of a frame of register rows."""
    orgs = members[members["country_basis"] != "nationality_or_base"]
    people = members[members["country_basis"] == "nationality_or_base"]
    return (len(orgs), int(orgs["country_iso3"].nunique()), len(people), int(people["country_iso3"].nunique()))


def where_text(lang: str, *, countries: int | None = None, name: str | None = None, shown: str | None = None
               ) -> str:
    """'in 15 countries', 'in China' or 'there' in ``lang`` (the place part of :func:`members_text`);
    ``shown`` replaces the printed number (a template slot such as ``{c}``)."""
    if name is not None:
        return _text("members", "in_place", lang, name=name)
    if countries is None:
        return _text("members", "here", lang)
    key = "in_country" if countries == 1 else "in_countries"
    return _text("members", key, lang, n=shown if shown is not None else countries)


def members_text(orgs: int, people: int, lang: str, *, org_where: str, people_where: str | None = None,
                 shown: tuple[str, str] | None = None) -> str:
    """'44 member organizations headquartered in 13 countries and 7 individual members who are nationals of or
    based in 5 countries': organizations by headquarters, individuals by nationality or base. ``shown``
    replaces the printed counts (template slots such as ``{o}``, ``{p}``)."""
    o_text, p_text = shown if shown is not None else (str(orgs), str(people))
    parts = []
    if orgs:
        parts.append(_text("members", "organization" if orgs == 1 else "organizations", lang, n=o_text,
                           where=org_where))
    if people:
        parts.append(_text("members", "individual" if people == 1 else "individuals", lang, n=p_text,
                           where=people_where if people_where is not None else org_where))
    if not parts:
        return _text("members", "none", lang, where=org_where)
    return joined(parts, lang, "and")


def short_labels(f: Fact, lang: str) -> list[str]:
    """The labels of :func:`labels` in compact form (a brief's footnote): method, carried, partial coverage."""
    c = f.coverage
    if c is None:
        return labels(f, lang)
    out = [method_text(c, lang)]
    if c.n_carried:
        before = (f.year or 0) - 1
        years = f"{c.oldest_carried}–{before}" if c.oldest_carried is not None and c.oldest_carried < before \
            else str(c.oldest_carried)
        out.append(_text("short", "carried", lang, n=c.n_carried, m=c.n_reporting + c.n_carried, years=years,
                         share=_pct(c.carried_share, lang)))
    if f.partial:
        out.append(_text("short", "partial", lang, coverage=_pct(c.coverage, lang)))
    return out


def _sources_of(datasets: Iterable[object], w: read.Warehouse) -> dict[str, dict[str, str]]:
    """Sources per language, from the datasets indicators came through ('derived' is computed here from the
    WDI): ``names`` (their titles joined) and ``credits`` (each title with its licence in the source's own words,
    as a chart caption quotes it), as the sources table states them; read once per warehouse and set."""
    ids = tuple(sorted({"wdi" if d == "derived" else str(d) for d in datasets}))

    def build() -> dict[str, dict[str, str]]:
        table = read.sources(db=w).set_index("id")
        rows = {d: table.loc[d].to_dict() for d in ids if d in table.index}

        def credit(d: str, code: str) -> str:
            title = localized(rows[d], "title", code) if d in rows else d
            licence = str(rows[d].get("license") or "") if d in rows else ""
            return t("chart.source_dataset", code, via=title, license=licence) if licence else title

        return {"names": {code: joined([localized(rows[d], "title", code) if d in rows else d for d in ids], code)
                          for code in langs()},
                "credits": {code: joined([credit(d, code) for d in ids], code, "clause") for code in langs()}}

    return w.memo(("facts-sources", ids), build, bounded=True)


def source_credits(indicators: Iterable[str], lang: str, *, db: read.Warehouse | None = None) -> str:
    """The sources of these indicators, each with its licence ('Title (licence); …'), for a chart's caption."""
    w = read.open_warehouse() if db is None else db
    meta = read.indicator_table(db=w)
    credits = _sources_of(meta.loc[[c for c in indicators if c in meta.index], "dataset"], w)["credits"]
    return credits.get(lang) or credits[langs()[0]]


def _index_sources_of(w: read.Warehouse) -> dict[str, dict[str, str]]:
    return _sources_of(read.index_indicators(db=w)["dataset"], w)


def index_sources(lang: str, *, db: read.Warehouse | None = None) -> str:
    """The sources the Digital Development Index is computed from, named as the sources table names them."""
    names = _index_sources_of(read.open_warehouse() if db is None else db)["names"]
    return names.get(lang) or names[langs()[0]]


def index_credits(lang: str, *, db: read.Warehouse | None = None) -> str:
    """The index's sources each with its licence ('Title (licence); …'), for the index charts' captions."""
    credits = _index_sources_of(read.open_warehouse() if db is None else db)["credits"]
    return credits.get(lang) or credits[langs()[0]]
