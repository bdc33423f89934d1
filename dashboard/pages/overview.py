"""Overview: official membership totals and growth, headline indicators for WIC member countries against the
world and income groups (latest year, 5-year change), and where the gaps are."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from dashboard import components, figures, i18n, stats
from dashboard.i18n import pick, t
from dashboard.safety import safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import facts, read

PATH = "/"
dash.register_page(__name__, path=PATH, title="WIC Digital Economy Observatory", order=0)

GROUPS = ["WIC", "WLD", "HIC", "UMC", "LMC", "LIC"]
GAP_INDICATOR = "IT.NET.USER.ZS"


def membership_cards(lang: str) -> list[html.Div]:
    """The latest official total, its growth since the founding, and the publicly named members."""
    counts = read.membership_counts()
    first, last = counts.iloc[0], counts.iloc[-1]
    named = read.members()
    orgs, org_places, people, people_places = facts.member_counts(named)
    spread = facts.members_text(orgs, people, lang, org_where=facts.where_text(lang, countries=org_places),
                                people_where=facts.where_text(lang, countries=people_places))

    def total(row: pd.Series) -> str:
        return f"{i18n.qualifier(row['members_qualifier'], lang)} {row['members']}".strip()

    return [
        html.Div([html.Div(pick("WIC members (official total)", "世界互联网大会会员（官方总数）", lang),
                           className="label"),
                  html.Div(total(last), className="value"),
                  html.Div(pick(f"{last['as_of']:%Y-%m-%d}, {i18n.qualifier(last['countries_qualifier'], lang)} "
                                f"{last['countries_and_regions']} countries and regions",
                                f"{last['as_of']:%Y-%m-%d}，{i18n.qualifier(last['countries_qualifier'], lang)}"
                                f"{last['countries_and_regions']}个国家和地区", lang), className="meta")],
                 className="card"),
        html.Div([html.Div(pick("Growth since the founding", "成立以来的增长", lang), className="label"),
                  html.Div(f"{total(first)} → {total(last)}", className="value"),
                  html.Div(pick(f"{first['as_of']:%Y-%m-%d} to {last['as_of']:%Y-%m-%d}",
                                f"{first['as_of']:%Y-%m-%d} 至 {last['as_of']:%Y-%m-%d}", lang), className="meta")],
                 className="card"),
        html.Div([html.Div(pick("Publicly named members", "公开报道的会员", lang), className="label"),
                  html.Div(str(len(named)), className="value"),
                  html.Div(spread + pick("; not the full register", "；并非完整名录", lang), className="meta")],
                 className="card"),
    ]


def counts_figure(lang: str) -> tuple[dict[str, Any], str]:
    """Official totals over time, labelled with their qualifiers."""
    counts = read.membership_counts()
    line = figures.Line(
        "members", pick("Members (official total)", "会员（官方总数）", lang),
        counts["as_of"].dt.strftime("%Y-%m-%d").tolist(), counts["members"].tolist(),
        [f"{d:%Y-%m-%d}: {i18n.qualifier(q, lang)} {m} · {o}".replace("  ", " ")
         for d, q, m, o in zip(counts["as_of"], counts["members_qualifier"], counts["members"], counts["occasion"],
                               strict=True)])
    note = pick("Source: WIC announcements as reported by Xinhua, China Daily, CCTV and the WIC website; "
                "qualifiers ('about', 'more than') as published",
                "来源：新华社、中国日报、央视及世界互联网大会网站报道的官方公布数字；“约”“超过”等限定语照录", lang)
    fig = figures.lines([line], title=pick("WIC International Organization: members", "世界互联网大会国际组织会员数",
                                          lang), note=note, y_title=pick("members", "会员数", lang))
    fig["layout"]["xaxis"] = {"type": "date", "gridcolor": "#eee"}
    fig["layout"]["yaxis"]["rangemode"] = "tozero"
    fig["layout"]["showlegend"] = False
    return fig, note


def headline_table(lang: str) -> pd.DataFrame:
    """Headline indicators: the latest year WIC and the world both report, each group's value in that year (starred
    where computed here, with how in ``attrs["notes"]``), and the WIC's 5-year change, all from the facts layer."""
    meta = read.indicator_table()
    data = read.observations(stats.HEADLINE, GROUPS)
    table = read.country_table()
    rows, notes = [], []
    for code in stats.HEADLINE:
        part = data[data["indicator"] == code]
        both = set(part[part["iso3"] == "WIC"]["year"]) & set(part[part["iso3"] == "WLD"]["year"])
        if not both:
            continue
        year = int(max(both))
        m = meta.loc[code]
        row: dict[str, Any] = {"indicator": i18n.name(m, lang), "unit": i18n.unit(m, lang), "year": year}
        group_facts = {g: facts.fact(g, code, year=year) for g in GROUPS}
        for g, f in group_facts.items():
            row[g] = i18n.fmt(f.value, lang) + facts.star(f) if f.value is not None else "—"
            if f.computed and f.coverage is not None:
                notes.append(f"{i18n.name(table.loc[g], lang)}, {i18n.name(m, lang)} {year}: "
                             + "; ".join(facts.labels(f, lang)))
        wic, world = group_facts["WIC"], group_facts["WLD"]
        row["change"] = facts.change_text(wic, lang)
        row["gap"] = 100.0 * wic.value / world.value if wic.value is not None and world.value else None
        row["code"] = code
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["names"] = {g: i18n.name(table.loc[g], lang) for g in GROUPS}
    frame.attrs["notes"] = notes
    return frame


def gap_figure(frame: pd.DataFrame, lang: str) -> tuple[dict[str, Any], str]:
    """WIC member countries relative to the world (world = 100) on each headline indicator."""
    data = frame.dropna(subset=["gap"]).copy()
    data["key"], data["label"], data["value"] = data["code"], data["indicator"], data["gap"]
    data["hover"] = [f"{lbl} ({y}): {v:.0f}" for lbl, y, v in zip(data["label"], data["year"], data["gap"],
                                                                  strict=True)]
    note = pick("WIC member countries (computed here, weighted as each indicator's footnote says) as % of the world "
                "value, latest year both exist; source: World Bank WDI",
                "会员所在国家（本平台计算，加权方法见各指标脚注）相对于世界水平的百分比，取两者均有数据的最新年份；"
                "来源：世界银行世界发展指标", lang)
    fig = figures.bars(data, title=pick("Member countries against the world (world = 100)",
                                        "会员所在国家与世界水平比较（世界=100）", lang), note=note,
                       x_title=pick("world = 100", "世界=100", lang),
                       highlight=list(data.loc[data["gap"] < 100, "key"]))
    fig["layout"]["shapes"] = [{"type": "line", "x0": 100, "x1": 100, "yref": "paper", "y0": 0, "y1": 1,
                                "line": {"color": "#333", "dash": "dot"}}]
    return fig, note


def laggards(lang: str) -> tuple[dict[str, Any], str, str]:
    """Member countries' Internet use in the latest well-covered year, lowest first: where the gaps are."""
    meta = read.indicator_table().loc[GAP_INDICATOR]
    year = read.default_year(GAP_INDICATOR)
    members = read.group_sets()["WIC"]
    values = read.country_values(GAP_INDICATOR, int(year)) if year else pd.DataFrame(columns=["iso3", "value"])
    values = values[values["iso3"].isin(members)].copy()
    table = read.country_table()
    values["key"] = values["iso3"]
    values["label"] = [i18n.name(table.loc[c], lang) for c in values["iso3"]]
    values["hover"] = [f"{lbl}: {i18n.fmt(v, lang)} {i18n.unit(meta, lang)}"
                       for lbl, v in zip(values["label"], values["value"], strict=True)]
    note = components.caption(meta, lang, str(year))
    world = read.observations(GAP_INDICATOR, "WLD", year_from=year, year_to=year)
    below = values[values["value"] < world["value"].iloc[0]] if not world.empty else values.iloc[0:0]
    fig = figures.bars(values, title=pick(f"Internet use in member countries, {year}",
                                          f"会员所在国家互联网使用率，{year}年", lang), note=note,
                       x_title=i18n.unit(meta, lang), highlight=list(below["key"]))
    missing = sorted(members - set(values["iso3"]))
    summary = pick(f"{len(below)} of {len(values)} member countries with data are below the world value "
                   f"({i18n.fmt(world['value'].iloc[0], lang) if not world.empty else '—'}); highlighted in orange."
                   + (f" No {year} data: {', '.join(missing)}." if missing else ""),
                   f"{len(values)}个有数据的会员所在国家中，{len(below)}个低于世界水平"
                   f"（{i18n.fmt(world['value'].iloc[0], lang) if not world.empty else '—'}），以橙色标示。"
                   + (f"{year}年无数据：{'、'.join(missing)}。" if missing else ""), lang)
    return fig, note, summary


@safe_layout
def layout(**query: object) -> html.Div:
    """The overview page."""
    q = Query.parse(query)
    lang = q.lang
    table = headline_table(lang)
    names = table.attrs.get("names", {})
    counts_fig, counts_note = counts_figure(lang)
    gap_fig, gap_note = gap_figure(table, lang)
    lag_fig, lag_note, lag_summary = laggards(lang)
    counts = read.membership_counts()
    columns = [("indicator", t("control.indicator", lang)), ("year", t("control.year", lang))] + [
        (g, names.get(g, g)) for g in GROUPS] + [
        ("change", pick("WIC, 5-year change", "会员国家5年变化", lang)), ("unit", pick("Unit", "单位", lang))]
    body = html.Div([
        html.H1(t("nav.overview", lang)),
        html.P(pick("How the countries where WIC members are based are transforming digitally, from open "
                    "statistics (World Bank WDI, with ITU, UNESCO and WIPO series).",
                    "基于开放统计数据（世界银行世界发展指标，含国际电联、联合国教科文组织和世界知识产权组织数据），"
                    "观察世界互联网大会会员所在国家的数字化转型。", lang), className="lead"),
        html.Div(membership_cards(lang), className="cards"),
        html.P(t("members.note", lang, named=len(read.members()),
                 qualifier=i18n.qualifier(counts.iloc[-1]["members_qualifier"], lang),
                 total=counts.iloc[-1]["members"], date=f"{counts.iloc[-1]['as_of']:%Y-%m-%d}"), className="notice"),
        html.Div([
            static_chart("overview-counts", counts_fig, counts_note, pick(
                "Official totals grew from " + " → ".join(
                    f"{i18n.qualifier(q_, lang)} {m}".strip() for q_, m in
                    zip(counts["members_qualifier"], counts["members"], strict=True)) + ".",
                "官方会员总数：" + " → ".join(
                    f"{i18n.qualifier(q_, lang)}{m}" for q_, m in
                    zip(counts["members_qualifier"], counts["members"], strict=True)) + "。", lang),
                components.data_table(counts.assign(d=counts["as_of"].dt.strftime("%Y-%m-%d")),
                                      [("d", pick("Date", "日期", lang)), ("members_qualifier", ""),
                                       ("members", pick("Members", "会员", lang)),
                                       ("occasion", pick("Occasion", "场合", lang))]), lang,
                ("/api/v1/membership-counts", "from etl import read\ncounts = read.membership_counts()")),
            static_chart("overview-gaps", gap_fig, gap_note, pick(
                "Below 100 (orange): member countries trail the world average.",
                "低于100（橙色）：会员所在国家低于世界平均水平。", lang),
                components.data_table(table.assign(g=table["gap"].round(0)),
                                      [("indicator", t("control.indicator", lang)), ("year", t("control.year", lang)),
                                       ("g", pick("world = 100", "世界=100", lang))]), lang,
                components.data_request(stats.HEADLINE, countries=["WIC", "WLD"])),
        ], className="grid2"),
        html.H2(pick("Headline indicators: member countries, the world and income groups",
                     "核心指标：会员所在国家、世界与各收入组别", lang)),
        html.Div(components.data_table(table, columns), className="table-wrap chart-block"),
        html.Details([html.Summary(pick("* Computed here, not published by the source: how each starred value "
                                        "was made", "* 本平台计算、非来源机构发布：各标星数值的计算方法", lang)),
                      html.Ul([html.Li(n) for n in table.attrs.get("notes", [])])],
                     className="caption", id="overview-computed-notes"),
        html.H2(pick("Where the gaps are", "差距所在", lang)),
        static_chart("overview-lag", lag_fig, lag_note, lag_summary, None, lang, components.data_request(
            [GAP_INDICATOR], group="WIC", year_from=read.default_year(GAP_INDICATOR),
            year_to=read.default_year(GAP_INDICATOR))),
        html.P([dcc.Link(pick("Open the map →", "打开地图 →", lang),
                         href=href("/map", {"indicator": GAP_INDICATOR, "members": 1, "lang": lang}))]),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


def static_chart(graph_id: str, fig: dict[str, Any], note: str, summary: str, table: Any, lang: str,
                 request: tuple[str, str]) -> html.Section:
    """A chart drawn at layout time, with caption, summary, (optional) data table and where to get its data."""
    parts: list[Any] = [html.P(note, className="caption"), html.P(summary, className="summary")]
    if table is not None:
        parts.append(html.Details([html.Summary(t("chart.table", lang)), table]))
    parts.append(components.get_data(request, lang))
    return components.static_block(graph_id, fig, parts, lang)
