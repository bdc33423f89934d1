"""The one brief template: standalone HTML with print CSS for two A4 pages, charts drawn by the local plotly.js.

``render(brief, lang)`` inlines plotly.js and the drawing script (a file Chromium prints to PDF);
``render(..., standalone=False)`` links them from ``/briefing/assets/`` instead (the dashboard's iframe, under a
Content-Security-Policy without inline scripts). Both are the same document otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import plotly

from dashboard import components, i18n
from dashboard.briefing import charts, narrative
from dashboard.briefing.build import WIC, WORLD, Brief, Headline
from dashboard.briefing.model import Sentence
from dashboard.i18n import pick
from etl import citation, facts

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
ASSETS = "/briefing/assets"
CATEGORY_ZH = {"enterprise": "企业", "institution": "机构", "research institution": "研究机构",
               "industry organization": "行业组织", "international organization": "国际组织", "individual": "个人"}
KIND_NAMES = {"region": ("World Bank region", "世界银行地区"), "income": ("Income group", "收入组别"),
              "wic": ("WIC member countries", "世界互联网大会会员所在国家"), "world": ("World", "世界")}
MAX_GROUP_NAMES = 90

CSS = """
@page { size: A4; margin: 10mm 12mm 10mm 12mm; }
:root { --ink: #1d2733; --muted: #5a6673; --line: #d8dee5; --accent: #0072B2; --warn: #b35900; --soft: #f3f6f9; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e9edf1; color: var(--ink);
       font: 9pt/1.36 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "Noto Sans CJK SC",
             sans-serif; }
html[lang="zh-Hans"] body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
                                         "Microsoft YaHei", sans-serif; font-size: 8.8pt; }
.paper { background: white; width: 210mm; max-width: 100%; margin: 6mm auto; padding: 11mm 12mm;
         box-shadow: 0 1px 5px rgba(0, 0, 0, .18); overflow: hidden; }
.block { break-inside: avoid; }
h1 { font-size: 17pt; margin: 0; line-height: 1.15; }
h1 .code { font-size: 10pt; color: var(--muted); font-weight: 400; margin-left: 6px; }
h2 { font-size: 10.5pt; margin: 9px 0 3px; padding-bottom: 2px; border-bottom: 1.5px solid var(--accent);
     color: #0b3c5d; break-after: avoid; }
h3 { font-size: 8.6pt; margin: 0; font-weight: 600; }
p { margin: 2px 0 4px; }
.head { border-left: 5px solid var(--accent); padding: 1px 0 2px 9px; margin-bottom: 4px; }
.kicker { font-size: 7.8pt; color: var(--accent); font-weight: 700; letter-spacing: .04em; text-transform: uppercase; }
.tags { font-size: 9pt; color: var(--ink); margin-top: 2px; }
.asof { font-size: 7.4pt; color: var(--muted); }
.notice { background: #fff4d6; border: 1px solid #e8c66a; padding: 4px 8px; border-radius: 3px; margin: 4px 0; }
.narrative p { text-align: justify; }
.narrative .s + .s::before { content: " "; }
html[lang="zh-Hans"] .narrative .s + .s::before { content: ""; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
th, td { padding: 1.6px 4px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 7.6pt; color: #33404d; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td .unit { color: var(--muted); font-size: 7pt; }
.stale { color: var(--warn); }
.none { color: #a33; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 7.6pt; margin: 2px 0 3px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.legend i { display: inline-block; width: 18px; border-top: 2px solid; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 14px; }
.chart { margin: 0; break-inside: avoid; min-width: 0; }
.chart .plot { width: 100%; }
.chart .cap { font-size: 6.8pt; color: var(--muted); line-height: 1.25; }
.chart .cap.one { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.note { font-size: 7pt; color: var(--muted); margin: 2px 0; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 14px; }
.cols h3 { margin: 2px 0 1px; }
.fresh { columns: 4; column-gap: 10px; font-size: 6.8pt; margin: 2px 0; padding: 0; list-style: none; }
.fresh li { display: flex; justify-content: space-between; gap: 6px; border-bottom: 1px dotted var(--line);
            break-inside: avoid; }
.fresh li span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.members { font-size: 7.6pt; margin: 0; padding-left: 14px; }
.members li { margin: 1px 0; }
.countries { font-size: 7pt; }
.small { font-size: 7.2pt; color: var(--muted); }
a { color: var(--accent); text-decoration: none; overflow-wrap: anywhere; }
footer.cite { margin-top: 6px; border-top: 1px solid var(--line); padding-top: 3px; font-size: 7pt;
              color: var(--muted); }
@media print {
  body { background: white; }
  .paper { margin: 0; padding: 0; width: auto; box-shadow: none; overflow: visible; }
}
@media screen and (max-width: 760px) {
  .paper { margin: 0; padding: 14px 12px; width: 100%; }
  .grid, .cols { grid-template-columns: 1fr; }
  .fresh { columns: 1; }
  .narrative p { text-align: left; }
  .scroll { overflow-x: auto; }
  table { font-size: 8.4pt; }
}
"""

CHART_JS = """
(function () {
  var node = document.getElementById('brief-charts');
  var specs = node ? JSON.parse(node.textContent) : [];
  var print = document.documentElement.getAttribute('data-mode') === 'print';
  var config = {displayModeBar: false, staticPlot: print, responsive: false};
  function draw() {
    var jobs = specs.map(function (c) {
      var el = document.getElementById(c.id);
      if (!el || typeof Plotly === 'undefined') { return null; }
      var layout = Object.assign({}, c.figure.layout, {width: el.clientWidth || 330, height: c.height,
                                                        autosize: false});
      return Plotly.react(el, c.figure.data, layout, config);
    });
    Promise.all(jobs).then(function () {
      document.documentElement.setAttribute('data-charts', String(specs.length));
    });
  }
  draw();
  var timer = null;
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(draw, 200); });
})();
"""


@cache
def plotly_js() -> str:
    """The plotly.js bundle shipped inside the Python ``plotly`` package (no CDN)."""
    return PLOTLY_JS.read_text(encoding="utf-8")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def sentences_html(items: Iterable[Sentence], lang: str) -> str:
    """Sentences as spans (the tests read them back and check every number)."""
    return "".join(f'<span class="s" data-key="{_e(s.key)}">{_e(s.text(lang))}</span>' for s in items)


def _unit(meta: Mapping[str, Any], lang: str) -> str:
    return i18n.unit(meta, lang)


def short_source(meta: Mapping[str, Any]) -> str:
    """'ITU via World Bank WDI': the publisher's abbreviation (if it has one) and the dataset."""
    org = str(meta["source_org"]) if isinstance(meta.get("source_org"), str) else ""
    match = re.search(r"\(([A-Z][A-Za-z&]{1,9})\)", org)
    dataset = {"wdi": "World Bank WDI", "gapminder": "World Bank WDI via Gapminder",
               "worldbank-api": "World Bank API", "derived": "computed here from WDI"}.get(
        str(meta.get("dataset")), str(meta.get("dataset")))
    who = match.group(1) if match else re.split(r" \(|;| and ", org)[0].strip()
    return f"{who} via {dataset}" if who and who != "World Bank" else dataset


def _change_cell(h: Headline, lang: str) -> str:
    if h.change is None or h.fact is None:
        return "—"
    return _e(facts.change_text(h.fact, lang))


def _rank(r: tuple[int, int] | None) -> str:
    return f"{r[0]} / {r[1]}" if r else "—"


def _rank_cell(h: Headline, lang: str) -> str:
    f = h.fact
    if f is None or f.rank is None:
        return _e(facts.rank_text(f, lang)) if f is not None and f.not_ranked == "stale" else "—"
    return f'{_rank(h.rank_all)} <span class="unit">{f.rank.first}–{f.rank.last}</span>'


def headline_table(b: Brief, lang: str) -> str:
    """Key figures: value, year, ranks and 5-year change of each headline indicator."""
    names = components.names(lang)
    if b.is_group:
        peer = {"region": pick("Rank among regions", "地区中排名", lang),
                "income": pick("Rank among income groups", "收入组别中排名", lang)}.get(b.kind)
        cols = [pick("Indicator", "指标", lang), pick("Value", "数值", lang), pick("Year", "年份", lang),
                names[WORLD] if b.code != WORLD else None, peer, pick("5-year change", "5年变化", lang)]
    else:
        cols = [pick("Indicator", "指标", lang), pick("Value", "数值", lang), pick("Year", "年份", lang),
                pick("Rank, all countries", "全部国家中排名", lang),
                pick("Rank, member countries", "会员所在国家中排名", lang), pick("5-year change", "5年变化", lang)]
    keep = [i for i, c in enumerate(cols) if c is not None]
    head = "".join(f'<th{" class=num" if i > 0 else ""}>{_e(cols[i])}</th>' for i in keep)
    rows = []
    for h in b.headlines:
        name = f'{_e(i18n.name(h.meta, lang))}'
        if h.year is None or h.value is None:
            cells = [name, f'<span class="none">{_e(i18n.t("nodata", lang))}</span>', "—", "—", "—", "—"]
        else:
            star = "*" if h.computed else ""
            value = f'{_e(i18n.fmt(h.value, lang))}{star} <span class="unit">{_e(_unit(h.meta, lang))}</span>'
            year = f'<span class="stale" title="{_e(pick("no newer data", "无更新数据", lang))}">{h.year}</span>' \
                if h.stale else str(h.year)
            if b.is_group:
                third = _e(i18n.fmt(h.world, lang)) if h.world is not None else "—"
                fourth = _rank(h.rank_peers)
            else:
                third, fourth = _rank_cell(h, lang), _rank(h.rank_members)
            cells = [name, value, year, third, fourth, _change_cell(h, lang)]
        rows.append("<tr>" + "".join(f'<td{" class=num" if i > 0 else ""}>{cells[i]}</td>' for i in keep) + "</tr>")
    notes = []
    if not b.is_group and not b.is_member:
        notes.append(pick("Not a WIC member country: no rank among member countries.",
                          "非会员所在国家，不参与会员所在国家排名。", lang))
    if any(h.stale for h in b.headlines):
        notes.append(pick("Years in orange: no newer data.", "橙色年份：无更新数据。", lang))
    starred = [h for h in b.headlines if h.computed and h.fact is not None]
    if starred:
        sep, colon = pick("; ", "；", lang), pick(": ", "：", lang)
        items = [i18n.name(h.meta, lang) + colon + pick(", ", "，", lang).join(
            facts.short_labels(h.fact, lang) or [pick("computed here", "本平台计算", lang)])
            for h in starred if h.fact is not None]
        notes.append(pick("* Computed here", "* 本平台计算", lang) + colon + sep.join(items) + pick(".", "。", lang))
    notes.append(pick("Values: each indicator's latest value and its year. Ranks: 1 = best, among the economies whose "
                      "latest value falls in the years shown (from 3 years before the indicator's latest year with "
                      "broad coverage to its newest year); an older value is not ranked.",
                      "数值：各指标的最新数值及其年份。排名：1为最好，仅在最新数值位于所示年份区间（自该指标覆盖面"
                      "较广的最近年份前3年至其最新年份）的经济体中排名；更早的数值不参与排名。", lang))
    return (f'<div class="scroll"><table class="key"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f'</table></div><p class="note">{_e(" ".join(notes))}</p>')


def _legend(keys: Sequence[str], names: Mapping[str, str], computed: set[str]) -> str:
    colour = charts.colours(keys)
    items = []
    for i, k in enumerate(keys):
        style = ["solid", "dashed", "dotted", "dashed", "dashed", "dashed"][i % 6]
        width = 3 if i == 0 else 2
        items.append(f'<span><i style="border-top: {width}px {style} {colour[k]}"></i>'
                     f'{_e(names.get(k, k) + ("*" if k in computed else ""))}</span>')
    return f'<div class="legend">{"".join(items)}</div>'


class Charts:
    """The brief's chart specs (id, height, figure) collected while the HTML is written."""

    def __init__(self) -> None:
        self.specs: list[dict[str, Any]] = []

    def add(self, figure: dict[str, Any], height: int) -> str:
        cid = f"chart-{len(self.specs) + 1}"
        self.specs.append({"id": cid, "height": height, "figure": figure})
        return f'<div class="plot" id="{cid}" style="height:{height}px"></div>'


def trend_section(b: Brief, lang: str, plots: Charts) -> str:
    """Four trend charts against peers with one shared legend."""
    if not b.trends:
        return ""
    names = components.names(lang)
    keys = [b.code, *b.peers]
    computed = {s.key for t in b.trends for s in t.series if s.computed}
    boxes = []
    for t in b.trends:
        unit = _unit(t.meta, lang)
        fig = charts.trend(t.series, keys, names, unit=unit, log=bool(t.meta.get("log_scale")), lang=lang)
        mine = next(s for s in t.series if s.key == b.code)
        cap = pick(f"{unit} · {short_source(t.meta)}", f"{unit} · 来源：{short_source(t.meta)}", lang)
        if t.meta.get("log_scale"):
            cap += pick(" · log scale", " · 对数坐标", lang)
        last = pick(f"latest {mine.years[-1]}: {i18n.fmt(mine.values[-1], lang)}",
                    f"最新（{mine.years[-1]}年）：{i18n.fmt(mine.values[-1], lang)}", lang)
        boxes.append(f'<figure class="chart"><h3>{_e(i18n.name(t.meta, lang))} '
                     f'<span class="small">· {_e(last)}</span></h3>'
                     f'{plots.add(fig, 138)}<figcaption class="cap one">{_e(cap)}</figcaption></figure>')
    how = pick("; ", "；", lang).join(f"{i18n.name(t.meta, lang)}: {facts.method_of(t.meta, lang)}"
                                       for t in b.trends if any(s.computed for s in t.series))
    note = f'<p class="note">{_e(i18n.t("chart.computed", lang, method=how))}</p>' if computed else ""
    title = pick("Trends against peers", "与同类比较的趋势", lang)
    return (f'<h2>{_e(title)}</h2>{_legend(keys, names, computed)}<div class="grid">{"".join(boxes)}</div>{note}')


def index_section(b: Brief, lang: str, plots: Charts, sentences: Sequence[Sentence]) -> str:
    """The Digital Development Index: narrative, pillar scores with interquartile ranges, rank intervals."""
    info = b.index
    title = pick("Digital Development Index", "数字发展指数", lang)
    sources = facts.index_sources(lang)
    method = pick(f"Computed here from {sources} (min-max, arithmetic mean, equal weights); not the WIC's "
                  "own World Internet Development Index.",
                  f"由本平台根据{sources}计算（最小-最大标准化、算术平均、等权重）；并非世界互联网大会发布的"
                  "世界互联网发展指数。", lang)
    text = f'<div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
    if info is None:
        return f"<h2>{_e(title)}</h2>{text}"
    names = components.names(lang)
    boxes = []
    if b.is_group:
        refs = [b.code] + ([WORLD] if b.code != WORLD else [])
        keys = refs
        fig = charts.pillar_scores(info.pillars, None, refs, names, keys, lang=lang)
        boxes.append(_box(pick(f"Pillar scores {info.year}", f"{info.year}年支柱得分", lang), plots.add(fig, 150),
                          pick("Score 0–100; markers: median and interquartile range of ranked countries",
                               "得分0–100；标记：参与排名国家的中位数与四分位距", lang),
                          legend=_legend(keys, names, set())))
        if info.members:
            shown = info.members if len(info.members) <= 16 else info.members[:8] + info.members[-8:]
            items = [(names.get(m["iso3"], m["iso3"]), m["rank"], m["p5"], m["p95"]) for m in shown]
            fig = charts.rank_intervals(items, info.n_ranked, colour=charts.colours([b.code])[b.code], lang=lang,
                                        height=max(150, 13 * len(items) + 44))
            sub = "" if len(shown) == len(info.members) else pick(
                f" (8 best and 8 worst of {len(info.members)})", f"（{len(info.members)}个中最好与最差各8个）", lang)
            boxes.append(_box(pick(f"Member countries' rank {info.year}, with Monte Carlo interval{sub}",
                                   f"{info.year}年成员国家排名及蒙特卡洛区间{sub}", lang),
                              plots.add(fig, max(150, 13 * len(items) + 44)),
                              _draws_note(info.draws, lang)))
    elif any(p.score is not None for p in info.pillars):
        refs = [r for r in (b.row.get("income_id"), WIC) if isinstance(r, str) and any(
            p.references.get(r) for p in info.pillars)]
        keys = [b.code, *refs]
        fig = charts.pillar_scores(info.pillars, b.code, refs, names, keys, lang=lang)
        boxes.append(_box(pick(f"Pillar scores {info.year}", f"{info.year}年支柱得分", lang), plots.add(fig, 145),
                          pick("Score 0–100; markers: median and interquartile range of ranked countries in "
                               "the group", "得分0–100；标记：组内参与排名国家的中位数与四分位距", lang),
                          legend=_legend(keys, names, set())))
        if info.ranked and info.rank is not None:
            items = [(pick("Index", "指数", lang), info.rank, info.p5, info.p95)]
            items += [(i18n.pick(p.name_en, p.name_zh, lang), p.rank, p.p5, p.p95) for p in info.pillars
                      if p.rank is not None]
            fig = charts.rank_intervals(items, info.n_ranked, colour=charts.colours([b.code])[b.code], lang=lang,
                                        height=145)
            boxes.append(_box(pick(f"Ranks {info.year}, with Monte Carlo interval",
                                   f"{info.year}年排名及蒙特卡洛区间", lang), plots.add(fig, 145),
                              _draws_note(info.draws, lang, full=True)))
    grid = f'<div class="grid">{"".join(boxes)}</div>' if boxes else ""
    inputs = facts.index_fact(b.code) if not b.is_group else None
    if inputs is not None and inputs.ranked:
        method = facts.index_text(inputs, lang) + pick(". ", "。", lang) + method
    return f'<h2>{_e(title)}</h2>{text}{grid}<p class="note">{_e(method)}</p>'


def _draws_note(draws: int | None, lang: str, full: bool = False) -> str:
    """What the dots and bars of a rank-interval chart are."""
    n = f"{draws:,}" if draws else "—"
    if full:
        return pick(f"Dot: rank; bar: 5th–95th percentile of ranks over {n} draws of weights, normalisation and "
                    "aggregation", f"点：排名；线：权重、标准化与加总方法{n}次模拟中排名的第5至95百分位", lang)
    return pick(f"Dot: rank; bar: 5th–95th percentile of ranks over {n} draws",
                f"点：排名；线：{n}次模拟中排名的第5至95百分位", lang)


def _box(title: str, plot: str, cap: str, legend: str = "") -> str:
    return (f'<figure class="chart"><h3>{_e(title)}</h3>{legend}{plot}'
            f'<figcaption class="cap">{_e(cap)}</figcaption></figure>')


def compare_section(b: Brief, lang: str, sentences: Sequence[Sentence]) -> str:
    """Strengths and weaknesses: narrative and two small tables."""
    if b.reference is None:
        return ""
    title = pick("Strengths and weaknesses", "优势与短板", lang)
    names = components.names(lang)
    ref_name = names.get(b.reference, b.reference)
    against = pick(f"{ref_name} median", f"{ref_name}中位数", lang) if not b.is_group else names[WORLD]
    if not sentences:
        why = pick("Not enough recent data to compare with the reference group.",
                   "近期数据不足，无法与参照组比较。", lang)
        return f'<h2>{_e(title)}</h2><p>{_e(why)}</p>'

    how = pick(f"Values: {names[b.code]} against the {against}, and the year. Catalog indicators with a direction "
               "that are rates, shares or per-capita values, in the latest year both have data; "
               + ("distance measured in interquartile ranges of the income group."
                  if not b.is_group else "distance measured relative to the world value."),
               f"括号内：{names[b.code]}的数值、{against}及年份。目录中有明确方向的比率、占比或人均指标，"
               "取双方均有数据的最近年份；" + ("以收入组别的四分位距衡量差距。" if not b.is_group
                                            else "以相对世界数值的差距衡量。"), lang)
    return (f'<h2>{_e(title)}</h2><div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
            f'<p class="note">{_e(how)}</p>')


def category(name: str, lang: str) -> str:
    """A member category in ``lang``."""
    return CATEGORY_ZH.get(name, name) if lang == "zh" else name


def register_caveat(b: Brief, lang: str) -> str:
    """'Publicly named members only (51 of about 170 reported in October 2024); not the full register.'"""
    r = b.register
    if not r.get("total"):
        return pick("Publicly named members only; not the full register.", "仅列公开报道的会员，并非完整名录。", lang)
    when = r.get("as_of")
    month = f"{when:%B %Y}" if isinstance(when, dt.date) else ""
    month_zh = f"{when.year}年{when.month}月" if isinstance(when, dt.date) else ""
    qual = i18n.qualifier(str(r.get("qualifier") or "exact"), lang)
    return pick(f"Publicly named members only ({r['named']} of {qual + ' ' if qual else ''}{r['total']} reported "
                f"in {month}); not the full register.",
                f"仅列公开报道的会员（{month_zh}报道的{qual}{r['total']}家中的{r['named']}家），并非完整名录。", lang)


def members_section(b: Brief, lang: str) -> str:
    """The publicly named WIC members with their sources (a country), or by country (a group)."""
    names = components.names(lang)
    title = pick("Publicly named WIC members", "公开报道的世界互联网大会会员", lang)
    caveat = register_caveat(b, lang)
    if not b.members:
        where = names[b.code]
        text = pick(f"No publicly named WIC member is linked to {where}.",
                    f"尚无与{where}相关的公开报道的世界互联网大会会员。", lang)
        return f'<h2>{_e(title)}</h2><p>{_e(text)}</p><p class="note">{_e(caveat)}</p>'
    by_source: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in b.members:
        by_source.setdefault((m.get("source_title") or "", m.get("source_url") or ""), []).append(m)
    items = []
    for (stitle, url), rows in by_source.items():
        if b.is_group:
            counts: dict[str, int] = {}
            for r in rows:
                counts[r["country_iso3"]] = counts.get(r["country_iso3"], 0) + 1
            ordered = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
            who = ", ".join(f"{names.get(c, c)} ({n})" for c, n in ordered)
        else:
            who = "; ".join(f"{r['name']} ({category(r['category'], lang)})" for r in rows)
        link = f'<a href="{_e(url)}">{_e(stitle or url)}</a>' if url else _e(stitle)
        items.append(f"<li>{_e(who)} — <span class=\"small\">{link}</span></li>")
    count = pick(f"{len(b.members)} named members", f"共{len(b.members)}家", lang)
    return (f'<h2>{_e(title)} <span class="small">· {_e(count)}</span></h2><ul class="members">{"".join(items)}</ul>'
            f'<p class="note">{_e(caveat)}</p>')


def group_countries_section(b: Brief, lang: str) -> str:
    """A group's countries (member countries in bold)."""
    if not b.is_group:
        return ""
    names = components.names(lang)
    title = pick("Countries in the group", "组内国家", lang)
    if len(b.group_countries) > MAX_GROUP_NAMES:
        text = pick(f"All {len(b.group_countries)} economies of the World Bank's list; WIC member countries: ",
                    f"世界银行名录中的全部{len(b.group_countries)}个经济体；会员所在国家：", lang)
        listed = ", ".join(_e(names.get(c, c)) for c in b.group_wic)
        return f'<h2>{_e(title)}</h2><p class="countries">{_e(text)}{listed}</p>'
    wic = set(b.group_wic)
    sep = "、" if lang == "zh" else ", "
    listed = sep.join(f"<b>{_e(names.get(c, c))}</b>" if c in wic else _e(names.get(c, c))
                      for c in sorted(b.group_countries, key=lambda c: names.get(c, c)))
    note = pick("Bold: WIC member countries.", "粗体：会员所在国家。", lang) if wic and b.kind != "wic" else ""
    return f'<h2>{_e(title)}</h2><p class="countries">{listed}</p><p class="note">{_e(note)}</p>'


def freshness_section(b: Brief, lang: str, sentences: Sequence[Sentence]) -> str:
    """Latest year of every catalog indicator; stale in orange, missing in red."""
    title = pick("Data freshness", "数据时效", lang)
    items = []
    for f in b.freshness:
        if f.year is None:
            continue                    # the sentence above names every indicator without data
        if f.stale:
            year = f'<span class="stale">{_e(pick(f"since {f.year}", f"{f.year}年后无", lang))}</span>'
        else:
            year = str(f.year)
        items.append(f'<li><span>{_e(i18n.name(f.meta, lang))}</span><span>{year}</span></li>')
    legend = pick("Latest year with data for each catalog indicator that has any (those without are named above); "
                  "orange: no data for more than three years before the indicator's usual latest year.",
                  "各有数据的目录指标的最新年份（无数据者见上文）；橙色：比该指标通常的最新年份早三年以上。", lang)
    return (f'<h2>{_e(title)}</h2><div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
            f'<ul class="fresh">{"".join(items)}</ul><p class="note">{_e(legend)}</p>')


def sources_section(b: Brief, lang: str) -> str:
    """Sources with vintage and license, and how to cite the brief."""
    title = pick("Sources, license and citation", "来源、许可与引用", lang)
    parts = []
    used = {str(f.meta.get("dataset")) for f in b.freshness} | {"classifications", "members"}
    for s in b.sources:
        if s.get("id") not in used:     # only the sources this brief's indicators come from
            continue
        name = s.get("title_zh") if lang == "zh" and s.get("title_zh") else s.get("title")
        parts.append(f"{_e(name)} ({_e(s.get('vintage') or '—')}; {_e(s.get('license') or '—')})")
    names = components.names(lang)
    cite = pick(f"WIC Digital Economy Observatory, “Council brief: {names[b.code]} ({b.code})”. Statistics: World "
                f"Bank World Development Indicators and the other sources above, CC BY 4.0 unless stated; ranks, "
                f"group values marked * and the index are computed here.",
                f"世界互联网大会数字经济观察：《理事会简报：{names[b.code]}（{b.code}）》。统计数据：世界银行世界发展指标及"
                f"上列其他来源，除另有说明外采用 CC BY 4.0 许可；排名、标 * 的组别数值和指数由本平台计算。", lang)
    vintage = citation.vintage_text(b.vintage, lang, advice=False, compact=True)
    return (f'<footer class="cite"><h2>{_e(title)}</h2><p>{"; ".join(parts)}.</p>'
            f'<p>{_e(pick("Cite as: ", "引用：", lang))}{_e(cite)} '
            f'<span class="vintage" data-run="{_e(b.vintage.get("run_id") or "")}">{_e(vintage)}</span></p></footer>')


def header(b: Brief, lang: str) -> str:
    """Title block: the subject, its classification and the data vintage."""
    names = components.names(lang)
    kicker = pick("WIC Digital Economy Observatory · Council brief", "世界互联网大会数字经济观察 · 理事会简报", lang)
    if b.is_group:
        kind = KIND_NAMES[b.kind]
        tags = [pick(kind[0], kind[1], lang),
                pick(f"{len(b.group_countries)} economies", f"{len(b.group_countries)}个经济体", lang)]
        if b.kind != "wic":
            tags.append(pick(f"{len(b.group_wic)} WIC member countries", f"{len(b.group_wic)}个会员所在国家", lang))
    else:
        tags = [names[c] for c in (b.row.get("wb_region_id"), b.row.get("income_id")) if isinstance(c, str) and c]
        tags.append(pick("WIC member country", "世界互联网大会会员所在国家", lang) if b.is_member
                    else pick("not a WIC member country", "非会员所在国家", lang))
    built = b.vintage.get("built_at")
    vint = "; ".join(f"{s.get('title')} {s.get('vintage')}" for s in b.sources if s.get("id") in ("wdi", "gapminder"))
    asof = pick(f"Data as of {built:%Y-%m-%d} ({vint}) · generated {dt.date.today():%Y-%m-%d}",
                f"数据截至 {built:%Y-%m-%d}（{vint}）· 生成于 {dt.date.today():%Y-%m-%d}", lang) \
        if isinstance(built, dt.datetime) else ""
    return (f'<header class="head"><div class="kicker">{_e(kicker)}</div>'
            f'<h1>{_e(names[b.code])}<span class="code">{_e(b.code)}</span></h1>'
            f'<div class="tags">{_e(" · ".join(tags))}</div><div class="asof">{_e(asof)}</div></header>')


def render(b: Brief, lang: str, *, standalone: bool = True, notices: Sequence[str] = ()) -> str:
    """The brief as one HTML document in ``lang`` (``standalone``: scripts inlined, for printing)."""
    lang = i18n.lang_of(lang)
    text = narrative.narrative(b)
    plots = Charts()
    notice = "".join(f'<div class="notice" role="status">{_e(n)}</div>' for n in notices)
    summary_title = pick("Summary", "摘要", lang)
    key_title = pick("Key figures", "关键数据", lang)
    # One flowing document: blocks are never split across the page break; the print CSS and compact layout
    # keep a brief to two A4 pages (tests check the page count of printed briefs).
    blocks = [
        (header(b, lang) + notice, True),
        (f'<h2>{_e(summary_title)}</h2><div class="narrative"><p>{sentences_html(text["summary"], lang)}</p></div>',
         True),
        (f'<h2>{_e(key_title)}</h2>{headline_table(b, lang)}' if any(h.year for h in b.headlines) else "", True),
        (trend_section(b, lang, plots), False), (compare_section(b, lang, text["compare"]), True),
        (index_section(b, lang, plots, text["index"]), True), (group_countries_section(b, lang), True),
        (members_section(b, lang), True), (freshness_section(b, lang, text["freshness"]), False),
        (sources_section(b, lang), True)]
    body = "".join(f'<section class="{"block" if whole else "flow"}">{x}</section>' for x, whole in blocks if x)
    names = components.names(lang)
    title = pick(f"Council brief: {names[b.code]}", f"理事会简报：{names[b.code]}", lang)
    if standalone:
        scripts = f"<script>{plotly_js()}</script><script>{CHART_JS}</script>"
    else:
        scripts = f'<script src="{ASSETS}/plotly.min.js"></script><script src="{ASSETS}/brief.js"></script>'
    return (f'<!DOCTYPE html><html lang="{"zh-Hans" if lang == "zh" else "en"}" data-mode="'
            f'{"print" if standalone else "screen"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f'<style>{CSS}</style></head><body><main class="paper">{body}</main>'
            f'<script type="application/json" id="brief-charts">{_json(plots.specs)}</script>{scripts}</body></html>')
