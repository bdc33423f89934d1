"""Deterministic narrative: a brief's facts as sentences in English and Chinese.

Each sentence's numbers are :class:`~dashboard.briefing.model.Num` facts whose ``ref`` names the query that
gives them; templates hold no digits of their own. The ref kinds (checked against the warehouse by the tests):

``("obs", iso3, indicator, year)``            the observation
``("obs_year", iso3, indicator, year)``       a year with an observation
``("latest_year", iso3, indicator)``          the latest year with an observation
``("headline_year", iso3, indicator)``        the latest year with an observation (the facts layer's latest value)
``("change", iso3, indicator, y0, y1)``       value in y1 minus value in y0
``("pct_change", iso3, indicator, y0, y1)``   100 * (value in y1 / value in y0 - 1)
``("rank", iso3, indicator, among)``          rank among economies whose latest value lies in the facts window
                                              (``among``: a group code or None = all; see :mod:`etl.facts`)
``("rank_n", indicator, among)``              how many economies are ranked in that window (in ``among``)
``("window_from", indicator)`` / ``("window_to", indicator)``   the ranking window's years
``("group_rank", code, indicator, year, peers)`` / ``("group_rank_n", indicator, year, peers)``
``("min", group, indicator, year)`` / ``("max", ...)``   lowest and highest member country value
``("median", group, indicator, year)``        median of the group's countries
``("index_score" | "index_rank" | "index_p5" | "index_p95", iso3, year)``, ``("index_n_ranked", year)``,
``("index_year",)`` the latest published index year
``("pillar_score", iso3, pillar, year)``, ``("pillar_available", iso3, pillar, year)``, ``("pillar_size", pillar)``
``("group_ranked", group, year)``, ``("group_median_score", group, year)``, ``("group_size", group)``,
``("group_wic", group)``, ``("named_members", code)``, ``("named_orgs" | "named_people", iso3)`` (organizations by
headquarters, individuals by nationality or base), ``("catalog_size",)``, ``("catalog_with_data", code)``,
``("catalog_missing", code)``, ``("catalog_latest", code)``
"""

from __future__ import annotations

from typing import Any

from dashboard.briefing.build import WIC, WORLD, Brief, Comparison, Headline
from dashboard.briefing.model import Label, Num, Sentence, join_labels, label
from etl import facts, read

SECTIONS = ("summary", "compare", "index", "freshness")   # in the order of the brief
NARRATIVE_HEADLINES = 4
MAX_NAMES = 6


def name_of(code: str) -> Label:
    """A country's or group's name in both languages."""
    row = read.country_table().loc[code]
    zh = row["name_zh"] if isinstance(row["name_zh"], str) and row["name_zh"] else row["name_en"]
    return Label(str(row["name_en"]), str(zh))


def indicator_label(meta: dict[str, Any]) -> Label:
    """An indicator's name in both languages."""
    return label(str(meta["name_en"]), meta.get("name_zh") if isinstance(meta.get("name_zh"), str) else None)


def unit_label(meta: dict[str, Any]) -> Label:
    """A unit to put right after a number: '% of …' touches it, other units follow a space (English)."""
    en = str(meta["unit"]) if isinstance(meta.get("unit"), str) else ""
    zh = str(meta["unit_zh"]) if isinstance(meta.get("unit_zh"), str) and meta.get("unit_zh") else en
    return Label(en if en.startswith("%") or not en else " " + en, zh)


def is_percent(meta: dict[str, Any]) -> bool:
    """Whether changes are in percentage points (a share) rather than relative."""
    unit = meta.get("unit")
    return isinstance(unit, str) and "%" in unit


KIND_PLURAL = {"region": ("regions", "个地区"), "income": ("income groups", "个收入组别")}


# --- summary -------------------------------------------------------------------------------------------

def intro(b: Brief) -> list[Sentence]:
    """Who the subject is: classification and WIC membership."""
    name = name_of(b.code)
    n_named = Num(len(b.members), "int", ("named_members", b.code))
    if b.kind == "country":
        out = []
        parts = [c for c in (b.row.get("wb_region_id"), b.row.get("income_id")) if isinstance(c, str) and c]
        if len(parts) == 2:
            out.append(Sentence("intro.class", "{name} is in {region} and in the {income} group.",
                                "{name}属于{region}，收入组别为{income}。",
                                {"name": name, "region": name_of(parts[0]), "income": name_of(parts[1])}))
        if b.is_member:
            orgs = sum(m.get("country_basis") != "nationality_or_base" for m in b.members)
            people = len(b.members) - orgs
            slots: dict[str, Any] = {"o": Num(orgs, "int", ("named_orgs", b.code)),
                                     "p": Num(people, "int", ("named_people", b.code))}
            texts = [facts.members_text(orgs, people, lang, org_where=facts.where_text(lang), shown=("{o}", "{p}"))
                     for lang in ("en", "zh")]   # the two languages of the sentence templates
            out.append(Sentence("intro.member", "It is a WIC member country, with " + texts[0] + ".",
                                "该国是世界互联网大会会员所在国家：" + texts[1] + "。",
                                {k: v for k, v in slots.items() if "{" + k + "}" in texts[0]}))
        else:
            out.append(Sentence("intro.nonmember", "No publicly named WIC member is linked to {name}.",
                                "尚无与{name}相关的公开报道的世界互联网大会会员。", {"name": name}))
        return out
    size = Num(len(b.group_countries), "int", ("group_size", b.code))
    if b.kind == "wic":
        return [Sentence("intro.wic",
                         "{name}: the {size} countries with at least one publicly named WIC member (an "
                         "organization headquartered there or an individual national or resident; {n} named "
                         "members in all). Group values are computed here from country data.",
                         "{name}：至少有一位公开报道的会员（总部位于该国的机构或具有该国国籍、常驻该国的个人）的"
                         "{size}个国家（共{n}位公开报道的会员）。组别数值由本平台根据各国数据计算。",
                         {"name": name, "size": size, "n": n_named})]
    wic = Num(len(b.group_wic), "int", ("group_wic", b.code))
    return [Sentence("intro.group",
                     "{name} comprises {size} economies; {wic} of them are WIC member countries, with {n} "
                     "publicly named members.",
                     "{name}包括{size}个经济体，其中{wic}个为世界互联网大会会员所在国家，共有{n}位公开报道的会员。",
                     {"name": name, "size": size, "wic": wic, "n": n_named})]


def _change_clause(h: Headline, code: str) -> tuple[str, str, dict[str, Num]]:
    """', up 5.2 percentage points since 2018' (or relative, for non-share units), and its facts."""
    if h.change is None:
        return "", "", {}
    y1, v1, y0, v0 = h.change
    y0n = Num(y0, "year", ("obs_year", code, h.code, y0))
    if is_percent(h.meta):
        delta = v1 - v0
        d = Num(delta, "abs", ("change", code, h.code, y0, y1))
        if _is_zero(d.text("en")):
            return ", unchanged since {y0}", "，与{y0}年持平", {"y0": y0n}
        up = delta > 0
        return (f", {'up' if up else 'down'} {{d}} percentage points since {{y0}}",
                f"，较{{y0}}年{'上升' if up else '下降'}{{d}}个百分点", {"d": d, "y0": y0n})
    if v0 <= 0:
        return "", "", {}
    pct = 100.0 * (v1 / v0 - 1.0)
    p = Num(pct, "pct", ("pct_change", code, h.code, y0, y1))
    if _is_zero(p.text("en")):
        return ", unchanged since {y0}", "，与{y0}年持平", {"y0": y0n}
    up = pct > 0
    return (f", {'up' if up else 'down'} {{p}}% since {{y0}}",
            f"，较{{y0}}年{'增长' if up else '下降'}{{p}}%", {"p": p, "y0": y0n})


def _is_zero(text: str) -> bool:
    """Whether a printed number reads as zero (then the text says 'unchanged', not 'up 0.00')."""
    return set(text) <= set("0.,")


def headline_sentence(b: Brief, h: Headline) -> Sentence:
    """'Internet use: 78.5% of population in 2023, up 5.2 percentage points since 2018; 5th of 15 …'."""
    assert h.year is not None and h.value is not None
    code = b.code
    slots: dict[str, Any] = {"ind": indicator_label(h.meta), "unit": unit_label(h.meta),
                             "v": Num(h.value, "value", ("obs", code, h.code, h.year)),
                             "y": Num(h.year, "year", ("headline_year", code, h.code))}
    en, zh = "{ind}: {v}{unit} in {y}", "{ind}{y}年为{v}（{unit}）"
    if h.computed:
        en, zh = en + "{star}", zh + "{star}"
        cov = h.fact.coverage if h.fact else None      # the numbers behind it are in the key-figures footnote
        slots["star"] = Label("* (computed here" + (", " + facts.method_text(cov, "en") if cov else "") + ")",
                              "*（本平台计算" + ("，" + facts.method_text(cov, "zh") if cov else "") + "）")
    c_en, c_zh, c_slots = _change_clause(h, code)
    en, zh = en + c_en, zh + c_zh
    slots.update(c_slots)
    if b.kind == "country":
        ranks_en, ranks_zh = [], []
        fact = h.fact
        if h.rank_members:
            slots["rm"] = Num(h.rank_members[0], "rank", ("rank", code, h.code, WIC))
            slots["nm"] = Num(h.rank_members[1], "int", ("rank_n", h.code, WIC))
            ranks_en.append("{rm} of {nm} member countries")
            ranks_zh.append("在{nm}个会员所在国家中居第{rm}位")
        if h.rank_all and fact is not None and fact.window is not None:
            slots["ra"] = Num(h.rank_all[0], "rank", ("rank", code, h.code, None))
            slots["na"] = Num(h.rank_all[1], "int", ("rank_n", h.code, None))
            slots["w0"] = Num(fact.window[0], "year", ("window_from", h.code))
            slots["w1"] = Num(fact.window[1], "year", ("window_to", h.code))
            ranks_en.append("{ra} of {na} economies with a value for {w0}–{w1}")
            ranks_zh.append("在{w0}–{w1}年有数据的{na}个经济体中居第{ra}位")
        if ranks_en:
            en += "; " + " and ".join(ranks_en)
            zh += "；" + "，".join(ranks_zh)
        elif fact is not None and fact.not_ranked == "stale":
            en += "; not ranked, that value being too old to compare"
            zh += "；该数值较旧，不参与排名"
        return Sentence(f"headline.{h.code}", en + ".", zh + "。", slots)
    if h.world is not None:
        slots["w"] = Num(h.world, "value", ("obs", WORLD, h.code, h.year))
        en, zh = en + "; world {w}", zh + "，世界为{w}"
    if h.rank_peers:
        peers = tuple(_peers_of(b))
        slots["rp"] = Num(h.rank_peers[0], "rank", ("group_rank", code, h.code, h.year, peers))
        slots["np"] = Num(h.rank_peers[1], "int", ("group_rank_n", h.code, h.year, peers))
        plural_en, plural_zh = KIND_PLURAL[b.kind]
        en += f"; {{rp}} of {{np}} {plural_en}"
        zh += f"，在{{np}}{plural_zh}中居第{{rp}}位"
    en, zh = en + ".", zh + "。"
    if h.low and h.high:
        slots.update(lo=Num(h.low[1], "value", ("min", code, h.code, h.year)), lo_name=name_of(h.low[0]),
                     hi=Num(h.high[1], "value", ("max", code, h.code, h.year)), hi_name=name_of(h.high[0]))
        en += " Its countries range from {lo} in {lo_name} to {hi} in {hi_name}."
        zh += "各国介于{lo_name}的{lo}与{hi_name}的{hi}之间。"
    return Sentence(f"headline.{h.code}", en, zh, slots)


def _peers_of(b: Brief) -> list[str]:
    from dashboard.briefing.build import _rank_peers

    return _rank_peers(b.code, b.kind)


def summary(b: Brief) -> list[Sentence]:
    """The opening paragraph: who, then the headline indicators with data."""
    out = intro(b)
    shown = [h for h in b.headlines if h.year is not None][:NARRATIVE_HEADLINES]
    out += [headline_sentence(b, h) for h in shown]
    if not shown:
        out.append(Sentence("headline.none", "No headline indicator has data for {name}.",
                            "{name}没有任何关键指标的数据。", {"name": name_of(b.code)}))
    return out


# --- index ---------------------------------------------------------------------------------------------

def index_sentences(b: Brief) -> list[Sentence]:
    """The Digital Development Index: score, rank and interval, or why not ranked; for a group, its members."""
    info = b.index
    if info is None:
        return []
    year = Num(info.year, "year", ("index_year",))   # the latest published index year
    name = name_of(b.code)
    if b.is_group:
        size = Num(len(b.group_countries), "int", ("group_size", b.code))
        k = Num(info.n_members_ranked, "int", ("group_ranked", b.code, info.year))
        if not info.members or info.median_score is None:
            return [Sentence("index.group.none",
                             "Not one of the {size} countries is ranked in the Digital Development Index {year}.",
                             "{size}个国家均未参与{year}年数字发展指数排名。", {"size": size, "year": year})]
        best = info.members[0]
        return [Sentence(
            "index.group",
            "{k} of the {size} countries are ranked in the Digital Development Index {year}; their median "
            "score is {med}, and the best ranked, {best}, is {r} of {n}.",
            "{size}个国家中有{k}个参与{year}年数字发展指数排名，得分中位数为{med}；排名最高的{best}"
            "在{n}个国家中居第{r}位。",
            {"k": k, "size": size, "year": year,
             "med": Num(info.median_score, "score", ("group_median_score", b.code, info.year)),
             "best": name_of(best["iso3"]), "r": Num(best["rank"], "rank", ("index_rank", best["iso3"], info.year)),
             "n": Num(info.n_ranked, "int", ("index_n_ranked", info.year))})]
    if not info.ranked:
        if not info.failing:
            return [Sentence("index.unranked", "{name} is not ranked in the Digital Development Index {year}.",
                             "{name}未参与{year}年数字发展指数排名。", {"name": name, "year": year})]
        slots: dict[str, Any] = {"name": name, "year": year}
        items_en, items_zh = [], []
        for i, p in enumerate(info.failing):
            slots[f"p{i}"] = Label(p.name_en.lower() if p.name_en[:1].isupper() else p.name_en, p.name_zh)
            slots[f"h{i}"] = Num(p.available, "int", ("pillar_available", b.code, p.key, info.year))
            slots[f"n{i}"] = Num(p.size, "int", ("pillar_size", p.key))
            items_en.append(f"{{p{i}}} ({{h{i}}} of {{n{i}}} indicators)")
            items_zh.append(f"{{p{i}}}（{{n{i}}}项指标中有{{h{i}}}项）")
        return [Sentence("index.unranked",
                         "{name} is not ranked in the Digital Development Index {year}: too few indicators for "
                         + "; ".join(items_en) + ".",
                         "{name}未参与{year}年数字发展指数排名，原因是" + "；".join(items_zh) + "数据不足。", slots)]
    assert info.score is not None and info.rank is not None
    slots = {"year": year, "score": Num(info.score, "score", ("index_score", b.code, info.year)),
             "rank": Num(info.rank, "rank", ("index_rank", b.code, info.year)),
             "n": Num(info.n_ranked, "int", ("index_n_ranked", info.year))}
    en = "Digital Development Index {year}: score {score}, {rank} of {n} ranked countries"
    zh = "{year}年数字发展指数得分{score}，在{n}个参与排名的国家中居第{rank}位"
    if info.p5 is not None and info.p95 is not None:
        slots.update(p5=Num(info.p5, "int", ("index_p5", b.code, info.year)),
                     p95=Num(info.p95, "int", ("index_p95", b.code, info.year)))
        en += " (Monte Carlo rank interval {p5} to {p95})"
        zh += "（蒙特卡洛排名区间为第{p5}至{p95}位）"
    out = [Sentence("index.rank", en + ".", zh + "。", slots)]
    scored = [p for p in info.pillars if p.score is not None]
    if len(scored) >= 2:
        top = max(scored, key=lambda p: p.score or 0.0)
        low = min(scored, key=lambda p: p.score or 0.0)
        out.append(Sentence(
            "index.pillars", "Its strongest pillar is {top} ({ts}), its weakest {low} ({ls}).",
            "得分最高的支柱为{top}（{ts}），最低的为{low}（{ls}）。",
            {"top": Label(top.name_en.lower(), top.name_zh),
             "ts": Num(top.score or 0.0, "score", ("pillar_score", b.code, top.key, info.year)),
             "low": Label(low.name_en.lower(), low.name_zh),
             "ls": Num(low.score or 0.0, "score", ("pillar_score", b.code, low.key, info.year))}))
    return out


# --- strengths and weaknesses --------------------------------------------------------------------------

def _items(b: Brief, items: list[Comparison], prefix: str, slots: dict[str, Any]) -> tuple[str, str]:
    ref = b.reference or WORLD
    en, zh = [], []
    for i, c in enumerate(items):
        key = f"{prefix}{i}"
        slots[f"{key}i"] = indicator_label(c.meta)
        slots[f"{key}v"] = Num(c.value, "value", ("obs", b.code, c.code, c.year))
        slots[f"{key}m"] = Num(c.reference, "value", ("median", ref, c.code, c.year) if b.kind == "country"
                               else ("obs", ref, c.code, c.year))
        slots[f"{key}y"] = Num(c.year, "year", ("obs_year", b.code, c.code, c.year))
        if b.kind == "country":
            en.append(f"{{{key}i}} ({{{key}v}} against {{{key}m}}, {{{key}y}})")
            zh.append(f"{{{key}i}}（{{{key}v}}，中位数为{{{key}m}}，{{{key}y}}年）")
        else:
            en.append(f"{{{key}i}} ({{{key}v}} against {{{key}m}}, {{{key}y}})")
            zh.append(f"{{{key}i}}（{{{key}v}}，世界为{{{key}m}}，{{{key}y}}年）")
    return "; ".join(en), "；".join(zh)


def compare_sentences(b: Brief) -> list[Sentence]:
    """Strengths and weaknesses against the income-group median (a country) or the world (a group)."""
    if not b.strengths and not b.weaknesses:
        return []
    slots: dict[str, Any] = {"name": name_of(b.code)}
    if b.kind == "country" and b.reference:
        slots["ref"] = name_of(b.reference)
        en = "Against the median of its income group ({ref}), {name} does best on "
        zh = "与所在收入组别（{ref}）的中位数相比，{name}表现最好的是"
    else:
        en = "Against the world, the group does best on "
        zh = "与世界相比，该组别表现最好的是"
    out_en, out_zh = [], []
    if b.strengths:
        s_en, s_zh = _items(b, b.strengths, "s", slots)
        out_en.append(en + s_en)
        out_zh.append(zh + s_zh)
    if b.weaknesses:
        w_en, w_zh = _items(b, b.weaknesses, "w", slots)
        if out_en:
            out_en.append("and worst on " + w_en)
            out_zh.append("最弱的是" + w_zh)
        else:
            out_en.append(en.replace("does best on", "does worst on") + w_en)
            out_zh.append(zh.replace("表现最好的是", "表现最弱的是") + w_zh)
    return [Sentence("compare", ", ".join(out_en) + ".", "；".join(out_zh) + "。", slots)]


# --- freshness -----------------------------------------------------------------------------------------

def freshness_sentences(b: Brief) -> list[Sentence]:
    """How many catalog indicators have data, the newest year, what is missing and what is stale."""
    name = name_of(b.code)
    have = [f for f in b.freshness if f.year is not None]
    missing = [f for f in b.freshness if f.year is None]
    size = Num(b.catalog_size, "int", ("catalog_size",))
    if not have:
        return [Sentence("fresh.none", "{name} has no data for any of the {size} catalog indicators.",
                         "目录中的{size}项指标均无{name}的数据。", {"size": size, "name": name})]
    out = [Sentence("fresh.count",
                    "{k} of the {size} catalog indicators have data for {name}, the most recent from {y}.",
                    "目录中{size}项指标里有{k}项有{name}的数据，最新数据为{y}年。",
                    {"k": Num(len(have), "int", ("catalog_with_data", b.code)), "size": size, "name": name,
                     "y": Num(max(f.year for f in have if f.year is not None), "year", ("catalog_latest", b.code))})]
    if missing:
        names = [indicator_label(f.meta) for f in missing[:MAX_NAMES]]
        more = Label(", …", "等") if len(missing) > MAX_NAMES else Label("", "")
        out.append(Sentence("fresh.missing", "Missing entirely ({m}): {names}{more}.",
                            "完全缺失（{m}项）：{names}{more}。",
                            {"m": Num(len(missing), "int", ("catalog_missing", b.code)), "names": join_labels(names),
                             "more": more}))
    stale = sorted((f for f in b.freshness if f.stale), key=lambda f: (f.year or 0, f.code))
    if stale:
        slots: dict[str, Any] = {}
        en, zh = [], []
        for i, f in enumerate(stale[:MAX_NAMES]):
            slots[f"i{i}"] = indicator_label(f.meta)
            slots[f"y{i}"] = Num(f.year or 0, "year", ("latest_year", b.code, f.code))
            en.append(f"{{i{i}}} (no data since {{y{i}}})")
            zh.append(f"{{i{i}}}（{{y{i}}}年以来无数据）")
        out.append(Sentence("fresh.stale", "Out of date: " + "; ".join(en) + ".",
                            "数据陈旧：" + "；".join(zh) + "。", slots))
    return out


def narrative(b: Brief) -> dict[str, list[Sentence]]:
    """Every narrative paragraph of the brief, by section."""
    return {"summary": summary(b), "compare": compare_sentences(b), "index": index_sentences(b),
            "freshness": freshness_sentences(b)}
