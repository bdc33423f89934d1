"""Overview: official membership totals and growth, headline indicators for WIC member countries against the
world and income groups (latest year, 5-year change), and where the gaps are."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from dashboard import components, figures, i18n, stats
from dashboard.i18n import t
from dashboard.safety import safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import facts, read

PATH = "/"
dash.register_page(__name__, path=PATH, title=components.page_title(None), order=0)

GROUPS = ["WIC", "WLD", "HIC", "UMC", "LMC", "LIC"]
GAP_INDICATOR = "IT.NET.USER.ZS"


def membership_cards(lang: str) -> list[html.Div]:
    """The latest official total, its growth since the founding, and the publicly named members."""
    texts = _kept(("cards", lang), lambda: _card_texts(lang))
    return [html.Div([html.Div(label, className="label"), html.Div(value, className="value"),
                      html.Div(meta, className="meta")], className="card") for label, value, meta in texts]


def _card_texts(lang: str) -> list[tuple[str, str, str]]:
    """(label, value, detail) of each card in :func:`membership_cards` (once per generation)."""
    counts = read.membership_counts()
    first, last = counts.iloc[0], counts.iloc[-1]
    named = read.members()
    orgs, org_places, people, people_places = facts.member_counts(named)
    spread = facts.members_text(orgs, people, lang, org_where=facts.where_text(lang, countries=org_places),
                                people_where=facts.where_text(lang, countries=people_places))

    def total(row: pd.Series) -> str:
        return i18n.qualified(int(row["members"]), str(row["members_qualifier"]), lang)

    return [
        (t("overview.wic_members_official_total", lang), total(last),
         t("overview.countries_and_regions", lang, last=last['as_of'],
           v=i18n.qualifier(last['countries_qualifier'], lang), last2=last['countries_and_regions'])),
        (t("overview.growth_since_the_founding", lang), f"{total(first)} → {total(last)}",
         t("overview.to", lang, first=first['as_of'], last=last['as_of'])),
        (t("overview.publicly_named_members", lang), str(len(named)),
         spread + t("overview.not_the_full_register", lang)),
    ]


def counts_figure(lang: str) -> tuple[dict[str, Any], str]:
    """Official totals over time, labelled with their qualifiers."""
    counts = read.membership_counts()
    line = figures.Line(
        "members", t("overview.members_official_total", lang),
        counts["as_of"].dt.strftime("%Y-%m-%d").tolist(), counts["members"].tolist(),
        [f"{d:%Y-%m-%d}: {i18n.qualified(int(m), q, lang)} · {read.member_label('occasion', o, lang)}"
         for d, q, m, o in zip(counts["as_of"], counts["members_qualifier"], counts["members"], counts["occasion"],
                               strict=True)])
    note = t("overview.source_wic_announcements_as_repo", lang)
    fig = figures.lines([line], title=t("overview.wic_international_organization_m", lang), note=note, y_title=t(
            "overview.members", lang))
    fig["layout"]["xaxis"] = {"type": "date", "gridcolor": "#eee", "tickformat": t("chart.month_tickformat", lang)}
    fig["layout"]["yaxis"]["rangemode"] = "tozero"
    fig["layout"]["showlegend"] = False
    return fig, note


def _kept(key: tuple[str, str], compute: Callable[[], Any]) -> Any:
    """``compute()`` once per generation of the warehouse: the page's data (its components are built per request,
    since an embed takes its chart block out of the tree)."""
    return read.open_warehouse().memo(("overview", *key), compute)


def headline_table(lang: str) -> pd.DataFrame:
    """Headline indicators: the latest year WIC and the world both report, each group's value in that year (starred
    where computed here, with how in ``attrs["notes"]``), and the WIC's 5-year change, all from the facts layer."""
    kept: pd.DataFrame = _kept(("headline", lang), lambda: _headline_table(lang))
    frame = kept.copy()
    frame.attrs = copy.deepcopy(kept.attrs)
    return frame


def _headline_table(lang: str) -> pd.DataFrame:
    """:func:`headline_table` computed (once per generation)."""
    meta = read.indicator_table()
    table = read.country_table()
    rows, notes = [], []
    read.prime_series(stats.HEADLINE, GROUPS)   # one query per indicator for the groups the facts read one by one
    read.prime_country_counts(stats.HEADLINE)   # and one for the years their rank windows rest on
    years: dict[str, int] = {}
    for code in stats.HEADLINE:
        wic_years, world_years = ({y for _, y, _, _ in read.series_rows(code, [g])} for g in ("WIC", "WLD"))
        if wic_years & world_years:
            years[code] = int(max(wic_years & world_years))
    read.prime_group_coverage(list(years.items()), GROUPS)   # and one query for how the group values were made
    for code, year in years.items():
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
    note = t("overview.wic_member_countries_computed_he", lang, sources=facts.source_credits(data["code"], lang))
    fig = figures.bars(data, title=t("overview.member_countries_against_the_wor", lang), note=note,
                       x_title=t("overview.world_100", lang),
                       highlight=list(data.loc[data["gap"] < 100, "key"]))
    fig["layout"]["shapes"] = [{"type": "line", "x0": 100, "x1": 100, "yref": "paper", "y0": 0, "y1": 1,
                                "line": {"color": "#333", "dash": "dot"}}]
    return fig, note


def laggards(lang: str) -> tuple[dict[str, Any], str, str, dcc.Markdown]:
    """Member countries' Internet use in the latest well-covered year, lowest first: where the gaps are (the
    chart, its caption, its summary and the table of the values it draws)."""
    fig, note, summary, drawn = _kept(("laggards", lang), lambda: _laggards(lang))
    unit = i18n.unit(read.indicator_table().loc[GAP_INDICATOR], lang)
    table = components.data_table(drawn, [("label", t("control.country", lang)), ("iso3", "ISO3"),
                                          ("v", unit or t("a11y.value", lang))])
    return fig, note, summary, table


def _laggards(lang: str) -> tuple[dict[str, Any], str, str, pd.DataFrame]:
    """:func:`laggards` computed (once per generation): the chart, caption, summary and the drawn rows."""
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
    world = next((v for _, y, v, _ in read.series_rows(GAP_INDICATOR, ["WLD"]) if y == year), None)
    below = values[values["value"] < world] if world is not None else values.iloc[0:0]
    fig = figures.bars(values, title=t("overview.internet_use_in_member_countries", lang, year=year), note=note,
                       x_title=i18n.unit(meta, lang), highlight=list(below["key"]))
    missing = sorted(members - set(values["iso3"]))
    world_text = i18n.fmt(world, lang) if world is not None else "—"
    summary = t("overview.gap_summary", lang, n_below=len(below), n=len(values), world=world_text) + (
        t("overview.gap_missing", lang, year=year, missing=t("sep.list", lang).join(missing)) if missing else "")
    drawn = values.sort_values("value")
    return fig, note, summary, drawn.assign(v=[i18n.fmt(v, lang) for v in drawn["value"]])


@safe_layout
def layout(**query: object) -> html.Div:
    """The overview page."""
    q = Query.parse(query)
    lang = q.lang
    table = headline_table(lang)
    names = table.attrs.get("names", {})
    # figures are plain data: kept once per generation, copied per request (the components around them are not kept)
    counts_fig, counts_note = copy.deepcopy(_kept(("counts-figure", lang), lambda: counts_figure(lang)))
    gap_fig, gap_note = copy.deepcopy(_kept(("gap-figure", lang), lambda: gap_figure(headline_table(lang), lang)))
    lag_fig, lag_note, lag_summary, lag_table = laggards(lang)
    counts = read.membership_counts()
    columns = [("indicator", t("control.indicator", lang)), ("year", t("control.year", lang))] + [
        (g, names.get(g, g)) for g in GROUPS] + [
        ("change", t("overview.wic_5_year_change", lang)), ("unit", t("overview.unit", lang))]
    body = html.Div([
        html.H1(t("nav.overview", lang)),
        html.P(t("overview.how_the_countries_where_wic", lang), className="lead"),
        html.Div(membership_cards(lang), className="cards"),
        html.P(t("members.note", lang, named=len(read.members()),
                 qualifier=i18n.qualifier(counts.iloc[-1]["members_qualifier"], lang),
                 total=counts.iloc[-1]["members"], date=f"{counts.iloc[-1]['as_of']:%Y-%m-%d}"), className="notice"),
        html.Div([
            static_chart("overview-counts", counts_fig, counts_note, t("overview.totals_grew", lang, totals=" → ".join(
                i18n.qualified(int(m), q_, lang) for q_, m in
                zip(counts["members_qualifier"], counts["members"], strict=True))),
                components.data_table(counts.assign(
                    d=counts["as_of"].dt.strftime("%Y-%m-%d"),
                    q=[i18n.qualifier(str(q_), lang) for q_ in counts["members_qualifier"]],
                    o=[read.member_label("occasion", o_, lang) for o_ in counts["occasion"]]),
                                      [("d", t("overview.date", lang)), ("q", ""),
                                       ("members", t("overview.members_748feb", lang)),
                                       ("o", t("overview.occasion", lang))]), lang,
                ("/api/v1/membership-counts", "from etl import read\ncounts = read.membership_counts()")),
            static_chart("overview-gaps", gap_fig, gap_note, t("overview.below_100_orange_member_countrie", lang),
                components.data_table(table.assign(g=table["gap"].round(0)),
                                      [("indicator", t("control.indicator", lang)), ("year", t("control.year", lang)),
                                       ("g", t("overview.world_100", lang))]), lang,
                components.data_request(stats.HEADLINE, countries=["WIC", "WLD"])),
        ], className="grid2"),
        html.H2(t("overview.headline_indicators_member_count", lang)),
        html.Div(components.data_table(table, columns), className="table-wrap chart-block"),
        html.Details([html.Summary(t("overview.computed_here_not_published_by", lang)),
                      html.Ul([html.Li(n) for n in table.attrs.get("notes", [])])],
                     className="caption", id="overview-computed-notes"),
        html.H2(t("overview.where_the_gaps_are", lang)),
        static_chart("overview-lag", lag_fig, lag_note, lag_summary, lag_table, lang, components.data_request(
            [GAP_INDICATOR], group="WIC", year_from=read.default_year(GAP_INDICATOR),
            year_to=read.default_year(GAP_INDICATOR))),
        html.P([dcc.Link(t("overview.open_the_map", lang),
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


def warm() -> None:
    """Compute the page's data for the current generation of the warehouse, in every language (dashboard.app)."""
    for lang in i18n.LANGS:
        layout(lang=lang)   # what it keeps: the headline table, laggards, cards and figures
