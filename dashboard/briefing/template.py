"""The one brief template: standalone HTML with print CSS for two A4 pages, charts drawn by the local plotly.js.

``render(brief, lang)`` loads plotly.js from the local file of the Python package and inlines the drawing script
(a file Chromium prints to PDF);
``render(..., standalone=False)`` links them from ``/briefing/assets/`` instead (the dashboard's iframe, under a
Content-Security-Policy without inline scripts). Both are the same document otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from dashboard import i18n
from dashboard.briefing import charts, narrative
from dashboard.briefing.build import WIC, WORLD, Brief, Headline
from dashboard.briefing.model import Sentence
from etl import citation, config, facts, read

ASSETS = "/briefing/assets"
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


def plotly_path() -> Path:
    """The one plotly.js bundle the brief uses (:func:`etl.config.brief_plotly_path`)."""
    return config.brief_plotly_path()


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


def short_source(meta: Mapping[str, Any], lang: str = i18n.DEFAULT_LANG) -> str:
    """'ITU via World Bank WDI': the publisher's abbreviation (if it has one) and the dataset, in ``lang``."""
    org = str(meta["source_org"]) if isinstance(meta.get("source_org"), str) else ""
    match = re.search(r"\(([A-Z][A-Za-z&]{1,9})\)", org)
    key = f"dataset.{meta.get('dataset')}"
    dataset = i18n.t(key, lang) if key in i18n.catalog()[i18n.DEFAULT_LANG] else str(meta.get("dataset"))
    who = match.group(1) if match else re.split(r" \(|;| and ", org)[0].strip()
    return i18n.t("brief_template.via", lang, who=who, dataset=dataset) if who and who != "World Bank" else dataset


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
    names = read.display_names(lang)
    if b.is_group:
        peer = {"region": i18n.t("brief_template.rank_among_regions", lang),
                "income": i18n.t("brief_template.rank_among_income_groups", lang)}.get(b.kind)
        cols = [i18n.t("brief_template.indicator", lang), i18n.t("brief_template.value", lang), i18n.t(
                "brief_template.year", lang),
                names[WORLD] if b.code != WORLD else None, peer, i18n.t("brief_template.5_year_change", lang)]
    else:
        cols = [i18n.t("brief_template.indicator", lang), i18n.t("brief_template.value", lang), i18n.t(
                "brief_template.year", lang),
                i18n.t("brief_template.rank_all_countries", lang),
                i18n.t("brief_template.rank_member_countries", lang), i18n.t("brief_template.5_year_change", lang)]
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
            year = f'<span class="stale" title="{_e(i18n.t("brief_template.no_newer_data", lang))}">{h.year}</span>' \
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
        notes.append(i18n.t("brief_template.not_a_wic_member_country", lang))
    if any(h.stale for h in b.headlines):
        notes.append(i18n.t("brief_template.years_in_orange_no_newer", lang))
    starred = [h for h in b.headlines if h.computed and h.fact is not None]
    if starred:
        sep, colon = i18n.t("brief_template.text_bf0d9c", lang), i18n.t("brief_template.text_9bed9a", lang)
        items = [i18n.name(h.meta, lang) + colon + i18n.t("brief_template.text_39ac90", lang).join(
            facts.short_labels(h.fact, lang) or [i18n.t("brief_template.computed_here_bd1cf5", lang)])
            for h in starred if h.fact is not None]
        notes.append(i18n.t("brief_template.computed_here", lang) + colon + sep.join(items) + i18n.t(
                "brief_template.text_e313bf", lang))
    notes.append(i18n.t("brief_template.values_each_indicator_s_latest", lang))
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
    names = read.display_names(lang)
    keys = [b.code, *b.peers]
    computed = {s.key for t in b.trends for s in t.series if s.computed}
    boxes = []
    for t in b.trends:
        unit = _unit(t.meta, lang)
        fig = charts.trend(t.series, keys, names, unit=unit, log=bool(t.meta.get("log_scale")), lang=lang)
        mine = next(s for s in t.series if s.key == b.code)
        cap = i18n.t("brief_template.text", lang, unit=unit, v=short_source(t.meta, lang))
        if t.meta.get("log_scale"):
            cap += i18n.t("brief_template.log_scale", lang)
        last = i18n.t("brief_template.latest", lang, years=mine.years[-1], v=i18n.fmt(mine.values[-1], lang))
        boxes.append(f'<figure class="chart"><h3>{_e(i18n.name(t.meta, lang))} '
                     f'<span class="small">· {_e(last)}</span></h3>'
                     f'{plots.add(fig, 138)}<figcaption class="cap one">{_e(cap)}</figcaption></figure>')
    how = i18n.t("brief_template.text_bf0d9c", lang).join(f"{i18n.name(t.meta, lang)}: {facts.method_of(t.meta, lang)}"
                                       for t in b.trends if any(s.computed for s in t.series))
    note = f'<p class="note">{_e(i18n.t("chart.computed", lang, method=how))}</p>' if computed else ""
    title = i18n.t("brief_template.trends_against_peers", lang)
    return (f'<h2>{_e(title)}</h2>{_legend(keys, names, computed)}<div class="grid">{"".join(boxes)}</div>{note}')


def index_section(b: Brief, lang: str, plots: Charts, sentences: Sequence[Sentence]) -> str:
    """The Digital Development Index: narrative, pillar scores with interquartile ranges, rank intervals."""
    info = b.index
    title = i18n.t("brief_template.digital_development_index", lang)
    sources = facts.index_sources(lang)
    method = i18n.t("brief_template.computed_here_from_min_max", lang, sources=sources)
    text = f'<div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
    if info is None:
        return f"<h2>{_e(title)}</h2>{text}"
    names = read.display_names(lang)
    boxes = []
    if b.is_group:
        refs = [b.code] + ([WORLD] if b.code != WORLD else [])
        keys = refs
        fig = charts.pillar_scores(info.pillars, None, refs, names, keys, lang=lang)
        boxes.append(_box(i18n.t("brief_template.pillar_scores", lang, year=info.year), plots.add(fig, 150),
                          i18n.t("brief_template.score_0_100_markers_median", lang),
                          legend=_legend(keys, names, set())))
        if info.members:
            shown = info.members if len(info.members) <= 16 else info.members[:8] + info.members[-8:]
            items = [(names.get(m["iso3"], m["iso3"]), m["rank"], m["p5"], m["p95"]) for m in shown]
            fig = charts.rank_intervals(items, info.n_ranked, colour=charts.colours([b.code])[b.code], lang=lang,
                                        height=max(150, 13 * len(items) + 44))
            sub = "" if len(shown) == len(info.members) else i18n.t("brief_template.8_best_and_8_worst", lang,
                                                                    n_members=len(info.members))
            boxes.append(_box(i18n.t("brief_template.member_countries_rank_with_monte", lang, year=info.year, sub=sub),
                              plots.add(fig, max(150, 13 * len(items) + 44)),
                              _draws_note(info.draws, lang)))
    elif any(p.score is not None for p in info.pillars):
        refs = [r for r in (b.row.get("income_id"), WIC) if isinstance(r, str) and any(
            p.references.get(r) for p in info.pillars)]
        keys = [b.code, *refs]
        fig = charts.pillar_scores(info.pillars, b.code, refs, names, keys, lang=lang)
        boxes.append(_box(i18n.t("brief_template.pillar_scores", lang, year=info.year), plots.add(fig, 145),
                          i18n.t("brief_template.score_0_100_markers_median_4baa5d", lang),
                          legend=_legend(keys, names, set())))
        if info.ranked and info.rank is not None:
            items = [(i18n.t("brief_template.index", lang), info.rank, info.p5, info.p95)]
            items += [(i18n.name(p, lang), p.rank, p.p5, p.p95) for p in info.pillars
                      if p.rank is not None]
            fig = charts.rank_intervals(items, info.n_ranked, colour=charts.colours([b.code])[b.code], lang=lang,
                                        height=145)
            boxes.append(_box(i18n.t(
                    "brief_template.ranks_with_monte_carlo_interval", lang, year=info.year), plots.add(fig, 145),
                              _draws_note(info.draws, lang, full=True)))
    grid = f'<div class="grid">{"".join(boxes)}</div>' if boxes else ""
    inputs = facts.index_fact(b.code) if not b.is_group else None
    if inputs is not None and inputs.ranked:
        method = facts.index_text(inputs, lang) + i18n.t("brief_template.text_bbe1b8", lang) + method
    return f'<h2>{_e(title)}</h2>{text}{grid}<p class="note">{_e(method)}</p>'


def _draws_note(draws: int | None, lang: str, full: bool = False) -> str:
    """What the dots and bars of a rank-interval chart are."""
    n = f"{draws:,}" if draws else "—"
    if full:
        return i18n.t("brief_template.dot_rank_bar_5th_95th_38fc6b", lang, n=n)
    return i18n.t("brief_template.dot_rank_bar_5th_95th", lang, n=n)


def _box(title: str, plot: str, cap: str, legend: str = "") -> str:
    return (f'<figure class="chart"><h3>{_e(title)}</h3>{legend}{plot}'
            f'<figcaption class="cap">{_e(cap)}</figcaption></figure>')


def compare_section(b: Brief, lang: str, sentences: Sequence[Sentence]) -> str:
    """Strengths and weaknesses: narrative and two small tables."""
    if b.reference is None:
        return ""
    title = i18n.t("brief_template.strengths_and_weaknesses", lang)
    names = read.display_names(lang)
    ref_name = names.get(b.reference, b.reference)
    against = i18n.t("brief_template.median", lang, ref_name=ref_name) if not b.is_group else names[WORLD]
    if not sentences:
        why = i18n.t("brief_template.not_enough_recent_data_to", lang)
        return f'<h2>{_e(title)}</h2><p>{_e(why)}</p>'

    distance = i18n.t("brief_template.distance_world" if b.is_group else "brief_template.distance_iqr", lang)
    how = i18n.t("brief_template.strengths_how", lang, subject=names[b.code], against=against, distance=distance)
    return (f'<h2>{_e(title)}</h2><div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
            f'<p class="note">{_e(how)}</p>')


def category(name: str, lang: str) -> str:
    """A member category in ``lang``."""
    return read.member_label("category", name, lang)


def register_caveat(b: Brief, lang: str) -> str:
    """'Publicly named members only (51 of about 170 reported in October 2024); not the full register.'"""
    r = b.register
    if not r.get("total"):
        return i18n.t("brief_template.publicly_named_members_only_not", lang)
    when = r.get("as_of")
    month = i18n.month(when, lang) if isinstance(when, dt.date) else ""
    total = i18n.qualified(int(r["total"]), str(r.get("qualifier") or "exact"), lang)
    return i18n.t("brief_template.register_caveat", lang, named=r["named"], total=total, month=month)


def members_section(b: Brief, lang: str) -> str:
    """The publicly named WIC members with their sources (a country), or by country (a group)."""
    names = read.display_names(lang)
    title = i18n.t("brief_template.publicly_named_wic_members", lang)
    caveat = register_caveat(b, lang)
    if not b.members:
        where = names[b.code]
        text = i18n.t("brief_template.no_publicly_named_wic_member", lang, where=where)
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
    count = i18n.t("brief_template.named_members", lang, n_members=len(b.members))
    return (f'<h2>{_e(title)} <span class="small">· {_e(count)}</span></h2><ul class="members">{"".join(items)}</ul>'
            f'<p class="note">{_e(caveat)}</p>')


def group_countries_section(b: Brief, lang: str) -> str:
    """A group's countries (member countries in bold)."""
    if not b.is_group:
        return ""
    names = read.display_names(lang)
    title = i18n.t("brief_template.countries_in_the_group", lang)
    if len(b.group_countries) > MAX_GROUP_NAMES:
        text = i18n.t("brief_template.all_economies_of_the_world", lang, n_group_countries=len(b.group_countries))
        listed = ", ".join(_e(names.get(c, c)) for c in b.group_wic)
        return f'<h2>{_e(title)}</h2><p class="countries">{_e(text)}{listed}</p>'
    wic = set(b.group_wic)
    listed = i18n.joined((f"<b>{_e(names.get(c, c))}</b>" if c in wic else _e(names.get(c, c))
                          for c in sorted(b.group_countries, key=lambda c: names.get(c, c))), lang)
    note = i18n.t("brief_template.bold_wic_member_countries", lang) if wic and b.kind != "wic" else ""
    return f'<h2>{_e(title)}</h2><p class="countries">{listed}</p><p class="note">{_e(note)}</p>'


def freshness_section(b: Brief, lang: str, sentences: Sequence[Sentence]) -> str:
    """Latest year of every catalog indicator; stale in orange, missing in red."""
    title = i18n.t("brief_template.data_freshness", lang)
    items = []
    for f in b.freshness:
        if f.year is None:
            continue                    # the sentence above names every indicator without data
        if f.stale:
            year = f'<span class="stale">{_e(i18n.t("brief_template.since", lang, year=f.year))}</span>'
        else:
            year = str(f.year)
        items.append(f'<li><span>{_e(i18n.name(f.meta, lang))}</span><span>{year}</span></li>')
    legend = i18n.t("brief_template.latest_year_with_data_for", lang)
    return (f'<h2>{_e(title)}</h2><div class="narrative"><p>{sentences_html(sentences, lang)}</p></div>'
            f'<ul class="fresh">{"".join(items)}</ul><p class="note">{_e(legend)}</p>')


def sources_section(b: Brief, lang: str) -> str:
    """Sources with vintage and license, and how to cite the brief."""
    title = i18n.t("brief_template.sources_license_and_citation", lang)
    parts = []
    used = {str(f.meta.get("dataset")) for f in b.freshness} | {"classifications", "members"}
    for s in b.sources:
        if s.get("id") not in used:     # only the sources this brief's indicators come from
            continue
        name = i18n.localized(s, "title", lang)
        parts.append(_e(i18n.t("brief_template.source_item", lang, name=name, vintage=s.get("vintage") or "—",
                               license=s.get("license") or "—")))
    names = read.display_names(lang)
    cite = i18n.t("brief_template.wic_digital_economy_observatory", lang, names=names[b.code], code=b.code)
    vintage = citation.vintage_text(b.vintage, lang, advice=False, compact=True)
    listed = i18n.joined(parts, lang, "clause") + _e(i18n.t("sep.end", lang))
    return (f'<footer class="cite"><h2>{_e(title)}</h2><p>{listed}</p>'
            f'<p>{_e(i18n.t("brief_template.cite_as", lang))}{_e(cite)} '
            f'<span class="vintage" data-run="{_e(b.vintage.get("run_id") or "")}">{_e(vintage)}</span></p></footer>')


def header(b: Brief, lang: str) -> str:
    """Title block: the subject, its classification and the data vintage."""
    names = read.display_names(lang)
    kicker = i18n.t("brief_template.wic_digital_economy_observatory_9edfe1", lang)
    if b.is_group:
        tags = [i18n.t(f"group_kind.{b.kind}", lang),
                i18n.t("brief_template.economies", lang, n_group_countries=len(b.group_countries))]
        if b.kind != "wic":
            tags.append(i18n.t("brief_template.wic_member_countries", lang, n_group_wic=len(b.group_wic)))
    else:
        tags = [names[c] for c in (b.row.get("wb_region_id"), b.row.get("income_id")) if isinstance(c, str) and c]
        tags.append(i18n.t("brief_template.wic_member_country", lang) if b.is_member
                    else i18n.t("brief_template.not_a_wic_member_country_bd9772", lang))
    built = b.vintage.get("built_at")
    vint = i18n.joined((f"{i18n.localized(s, 'title', lang)} {s.get('vintage')}" for s in b.sources
                        if s.get("id") in ("wdi", "gapminder")), lang, "clause")
    asof = i18n.t("brief_template.data_as_of_generated", lang, built=built, vint=vint, v=dt.date.today()) \
        if isinstance(built, dt.datetime) else ""
    return (f'<header class="head"><div class="kicker">{_e(kicker)}</div>'
            f'<h1>{_e(names[b.code])}<span class="code">{_e(b.code)}</span></h1>'
            f'<div class="tags">{_e(" · ".join(tags))}</div><div class="asof">{_e(asof)}</div></header>')


def render(b: Brief, lang: str, *, standalone: bool = True, notices: Sequence[str] = ()) -> str:
    """The brief as one HTML document in ``lang`` (``standalone``: plotly.js from its local file, for printing)."""
    lang = i18n.lang_of(lang)
    text = narrative.narrative(b)
    plots = Charts()
    notice = "".join(f'<div class="notice" role="status">{_e(n)}</div>' for n in notices)
    summary_title = i18n.t("brief_template.summary", lang)
    key_title = i18n.t("brief_template.key_figures", lang)
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
    names = read.display_names(lang)
    title = i18n.t("brief_template.council_brief", lang, names=names[b.code])
    if standalone:
        scripts = f'<script src="{_e(plotly_path().as_uri())}"></script><script>{CHART_JS}</script>'
    else:
        scripts = f'<script src="{ASSETS}/plotly.min.js"></script><script src="{ASSETS}/brief.js"></script>'
    return (f'<!DOCTYPE html><html lang="{i18n.html_lang(lang)}" data-mode="'
            f'{"print" if standalone else "screen"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f'<style>{CSS}</style></head><body><main class="paper" aria-label="{_e(title)}">{body}</main>'
            f'<script type="application/json" id="brief-charts">{_json(plots.specs)}</script>{scripts}</body></html>')
