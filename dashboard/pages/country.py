"""Country profile: key figures with ranks and 5-year change, trends against peers, pillar profile,
data coverage, and the country's publicly named WIC members."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components, figures, i18n
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import chart_fallback, guarded, safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import facts, read

PATH = "/country"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.country"), order=2)

DEFAULT_COUNTRY = "CHN"
DEFAULT_INDICATOR = "IT.NET.USER.ZS"
WIC = "WIC"


class ID:
    """Component ids of this page."""

    COUNTRY = "country-iso3"
    INDICATOR = "country-indicator"
    TREND = "country-trend"
    INDEX = "country-index"
    TREND_CAPTION = "country-trend-caption"
    TREND_SUMMARY = "country-trend-summary"
    TREND_TABLE = "country-trend-table"
    LANG = "country-lang"
    QUERY = "country-query"


def country_codes() -> list[str]:
    """Economies that can have a profile (the World Bank's list plus ISO territories with data)."""
    table = read.country_table()
    return sorted(table[~table["is_aggregate"]]["iso3"])


def peers(iso3: str) -> list[tuple[str, str]]:
    """(code, kind) of the groups a country is compared with: its region, income group, world, WIC."""
    row = read.country_table().loc[iso3]
    out = [(c, k) for c, k in ((row["wb_region_id"], "region"), (row["income_id"], "income")) if isinstance(c, str)]
    return [*out, ("WLD", "world"), (WIC, "wic")]


def key_figures(iso3: str, lang: str) -> tuple[list[html.Div], list[str]]:
    """Cards for the headline indicators, stated by the facts layer: value, year, ranks, change, labels."""
    meta = read.indicator_table()
    cards, missing = [], []
    for f in facts.facts(iso3):
        m = meta.loc[f.indicator]
        if f.value is None:
            missing.append(i18n.name(m, lang))
            continue
        lines = [str(f.year), facts.rank_text(f, lang)]
        member = facts.member_rank_text(f, lang)
        if member:
            lines.append(member)
        lines += [facts.change_text(f, lang), *facts.labels(f, lang)]
        cards.append(html.Div([
            html.Div(i18n.name(m, lang), className="label"),
            html.Div([i18n.fmt(f.value, lang) + facts.star(f), html.Small(" " + i18n.unit(m, lang))],
                     className="value"),
            html.Div(" · ".join(lines), className="meta"),
        ], className="card", id="fact-" + f.indicator.replace(".", "-")))
    return cards, missing


def coverage_table(iso3: str, lang: str) -> dcc.Markdown:
    """Latest year and value of every catalog indicator for the country; 'no data' where none."""
    catalog = read.indicators(catalog_only=True)
    latest = read.indicator_latest_years(iso3, list(catalog["code"])).set_index("indicator")
    rows = []
    for m in catalog.to_dict("records"):
        hit = m["code"] in latest.index
        rows.append({"name": i18n.name(m, lang), "code": m["code"],
                     "year": int(latest.loc[m["code"], "year"]) if hit else t("nodata", lang),
                     "value": f"{i18n.fmt(latest.loc[m['code'], 'value'], lang)} {i18n.unit(m, lang)}" if hit else "—"})
    return components.data_table(pd.DataFrame(rows), [
        ("name", t("control.indicator", lang)), ("code", t("country.code", lang)),
        ("year", t("country.latest_year", lang)), ("value", t("country.latest_value", lang))])


def category(name: str, lang: str) -> str:
    """A member category in ``lang``."""
    return read.member_label("category", name, lang)


def members_table(iso3: str, lang: str) -> Any:
    """The publicly named members linked to the country: organizations headquartered there, individuals who are
    its nationals or based there (the register's country_basis), with their sources."""
    frame = read.members_in(iso3)
    orgs, _, people, _ = facts.member_counts(frame)
    here = facts.where_text(lang)
    lead = html.P(facts.members_text(orgs, people, lang, org_where=here) + t("country.text", lang), className="lead")
    if frame.empty:
        return lead
    basis = {"headquarters": t("country.headquarters", lang),
             "nationality_or_base": t("country.nationality_or_base", lang)}
    head = html.Thead(html.Tr([html.Th(x, scope="col") for x in (
        t("country.member", lang), t("country.category", lang), t("country.country_is_its", lang),
        t("country.evidence", lang), t("country.first_reported", lang), t("country.source", lang))]))
    body = html.Tbody([html.Tr([
        html.Td(r["name"]), html.Td(category(r["category"], lang)), html.Td(basis.get(r["country_basis"], "")),
        html.Td(read.member_label("evidence", r["evidence"], lang)),
        html.Td(f"{r['first_reported']:%Y-%m-%d}"),
        html.Td(html.A(r["source_title"] or r["source_url"], href=r["source_url"], rel="noopener noreferrer")
                if isinstance(r["source_url"], str) and r["source_url"] else (r["source_title"] or "")),
    ]) for r in frame.to_dict("records")])
    return html.Div([lead, html.Div(html.Table([head, body], className="data-table"), className="table-wrap")])


@safe_layout
def layout(**query: object) -> html.Div:
    """The profile of one country (``?iso3=CHN&indicator=IT.NET.USER.ZS&lang=zh``)."""
    q = Query.parse(query)
    lang = q.lang
    codes = country_codes()
    iso3 = q.country("iso3", DEFAULT_COUNTRY, set(codes)) or DEFAULT_COUNTRY
    indicator = q.indicator("indicator", DEFAULT_INDICATOR)
    table = read.country_table()
    row = table.loc[iso3]
    cards, missing = key_figures(iso3, lang)
    names = read.display_names(lang)
    parts = [names.get(c) for c in (row["wb_region_id"], row["income_id"]) if isinstance(c, str)]
    if sub := i18n.in_language(row, "un_subregion", lang):   # UN sub-regions are named in English only
        parts.append(sub)
    classification = " · ".join(p for p in parts if p)
    sparse = [html.P(t("country.no_data_for", lang) + "; ".join(missing), className="notice")] \
        if missing else []
    first = render(indicator, iso3, lang)   # the first chart comes with the page
    body = html.Div([
        html.Div(components.labelled(t("control.country", lang), dcc.Dropdown(
            id=ID.COUNTRY, options=components.options(table[table["iso3"].isin(codes)], lang, "iso3"),
            value=iso3, clearable=False), ID.COUNTRY, "wide"), className="controls"),
        html.H1(i18n.name(row, lang)),
        html.P(classification, className="lead"),
        html.H2(t("country.key_figures", lang)),
        html.Div(cards, className="cards"), *sparse,
        html.H2(t("country.trend_against_peers", lang)),
        html.Div(components.labelled(t("control.indicator", lang), dcc.Dropdown(
            id=ID.INDICATOR, options=components.options(read.indicator_table(), lang, "code"), value=indicator,
            clearable=False), ID.INDICATOR, "wide"), className="controls"),
        components.chart_block(ID.TREND, ID.TREND_CAPTION, ID.TREND_SUMMARY, ID.TREND_TABLE, lang,
                               initial=components.first_outputs(first)),
        html.H2(t("country.digital_development_index", lang)),
        index_block(iso3, i18n.name(row, lang), lang),
        html.H2(t("country.data_coverage", lang)),
        html.Details([html.Summary(t("country.latest_year_of_each_catalog", lang)),
                      coverage_table(iso3, lang)], open=False),
        html.H2(t("country.publicly_named_wic_members_linke", lang)),
        members_table(iso3, lang),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY, first[4]),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


def index_block(iso3: str, name: str, lang: str) -> html.Section:
    """The Digital Development Index: overall score and rank with its Monte Carlo interval, and pillar scores."""
    year = read.index_latest_year()
    scores = read.index_scores(year) if year else None
    mine = scores[scores["iso3"] == iso3] if scores is not None else None
    sources = facts.index_sources(lang)
    # the caption (which an embed of the chart carries too) quotes each source's licence; the chart names them
    method = t("country.digital_development_index_comput", lang, sources=facts.index_credits(lang))
    link = dcc.Link(t("country.change_the_weights_on_the", lang),
                    href=href("/index", {"country": iso3, "lang": lang}))
    if mine is None or mine.empty or not bool(mine["ranked"].iloc[0]):
        reason = mine["reason"].iloc[0] if mine is not None and not mine.empty else t("nodata", lang)
        return html.Section([html.P(t(
                "country.is_not_ranked_in", lang, name=name, year=year, reason=reason), className="summary"),
                             html.P(method, className="caption"), link], className="chart-block")
    row = mine.iloc[0]
    assert scores is not None
    n_ranked = int(scores["ranked"].sum())
    unc = read.index_uncertainty()
    band = unc[unc["iso3"] == iso3]
    interval = (f"{int(band['p5_rank'].iloc[0])}–{int(band['p95_rank'].iloc[0])}" if not band.empty else "—")
    pillars = read.index_pillars().set_index("id")
    ps = read.index_pillar_scores(year, normalization="minmax")
    ps = ps[ps["iso3"] == iso3]
    sens = read.index_sensitivity([iso3]).set_index("pillar")
    keys, labels, values, hovers, table = [], [], [], [], []
    for p in ps.itertuples():
        label = i18n.name(pillars.loc[p.pillar], lang)
        lo = sens.loc[p.pillar, "pillar_rank_p5"] if p.pillar in sens.index else None
        hi = sens.loc[p.pillar, "pillar_rank_p95"] if p.pillar in sens.index else None
        span = f"{int(lo)}–{int(hi)}" if lo is not None and hi is not None else "—"
        rank = f"#{int(p.rank)}" if p.ranked else "—"
        keys.append(p.pillar)
        labels.append(label)
        values.append(float(p.score))
        hovers.append(t("country.rank_90_interval", lang, label=label, score=p.score, rank=rank, span=span))
        table.append((label, f"{p.score:.1f}", rank, span, f"{p.n_available}/{p.n_indicators}"))
    frame = pd.DataFrame({"key": keys, "label": labels, "value": values, "hover": hovers})
    note = t("country.pillar_scores_0_100_sources", lang, year=year, sources=sources)
    fig = figures.bars(frame, title=t("country.index_pillars", lang, name=name), note=note,
                       x_title=t("country.score_0_100", lang))
    fig["layout"]["xaxis"]["range"] = [0, 100]
    components.credited(fig, facts.index_credits(lang), lang)
    inputs = facts.index_fact(iso3)
    rests_on = (" " + facts.index_text(inputs, lang) + t("country.text", lang)) if inputs else ""
    summary = t("country.digital_development_index_rank_o", lang,
                year=year,
                row=row['score'],
                v=int(row['rank']),
                n_ranked=n_ranked,
                interval=interval) + rests_on
    headers = [t("country.pillar", lang), t("country.score", lang), t("country.rank", lang),
               t("country.90_rank_interval", lang), t("country.indicators_with_data", lang)]
    return components.static_block(ID.INDEX, fig, [
        html.P([method, " ", link], className="caption"), html.P(summary, className="summary"),
        html.Details([html.Summary(t("chart.table", lang)), components.table_rows(table, headers)]),
        components.get_data((f"/api/v1/index-scores?country={iso3}",
                             "from etl import read\n"
                             f"scores = read.index_scores({year}).query(\"iso3 == '{iso3}'\")\n"
                             f"pillars = read.index_pillar_scores({year}, normalization='minmax')"
                             f".query(\"iso3 == '{iso3}'\")"), lang),
    ], lang)


@callback(Output(ID.TREND, "figure"), Output(ID.TREND_CAPTION, "children"), Output(ID.TREND_SUMMARY, "children"),
          Output(ID.TREND_TABLE, "children"), Output(ID.QUERY, "data"), Output(f"{ID.TREND}-getdata", "children"),
          Input(ID.INDICATOR, "value"), State(ID.COUNTRY, "value"), State(ID.LANG, "data"),
          prevent_initial_call=True)   # the layout draws the first chart
@guarded(chart_fallback(2))
def render(indicator: str, iso3: str, lang: str) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs."""
    lang = i18n.lang_of(lang)
    meta = read.indicator_meta(indicator)
    read.check_countries([iso3])
    groups = [c for c, _ in peers(iso3)]
    names = read.display_names(lang)
    unit = i18n.unit(meta, lang)
    series = figures.line_series(read.series_rows(indicator, [iso3, *groups]), [iso3, *groups], names,
                                 lambda label, y, v:
                                 f"<b>{label}</b><br>{y}: {i18n.with_unit(i18n.fmt(v, lang), unit, lang)}")
    query = {"iso3": iso3, "indicator": indicator, "lang": lang}
    name = names[iso3]
    if not series or series[0].key != iso3:
        text = t("country.no_data_for_on_this", lang, name=name)
        return figures.message(text), components.caption(meta, lang, "—"), text, None, query, None
    years = f"{min(min(s.years) for s in series)}–{max(max(s.years) for s in series)}"
    note = components.caption(meta, lang, years, computed=any(s.label.endswith("*") for s in series))
    fig = figures.lines(series, title=f"{i18n.name(meta, lang)}: {name}", note=note, y_title=unit,
                        log=bool(meta["log_scale"]), dashed=groups)
    mine = series[0]
    last_year, last_value = mine.years[-1], mine.values[-1]
    world = next((dict(zip(s.years, s.values, strict=True)).get(last_year) for s in series if s.key == "WLD"), None)
    summary = t("country.latest_summary", lang, name=name, value=i18n.with_unit(i18n.fmt(last_value, lang), unit, lang),
                year=last_year) + (t("country.latest_world", lang, world=i18n.fmt(world, lang)) if world is not None
                                   else "") + t("sep.end", lang)
    headers, rows = figures.wide_table(series)
    table = components.table_rows(rows, [t("control.year", lang), *headers[1:]])
    request = components.data_request([indicator], countries=[iso3, *groups])
    views = components.view_links(indicator, lang, countries=[iso3, *groups], year=last_year,
                                  year_from=min(min(s.years) for s in series), year_to=last_year)
    return fig, note, summary, table, query, [views, components.get_data(request, lang)]


@callback(Output("_pages_location", "search", allow_duplicate=True), Input(ID.COUNTRY, "value"),
          State(ID.INDICATOR, "value"), State(ID.LANG, "data"), State(ID.QUERY, "data"), prevent_initial_call=True)
@guarded(lambda: dash.no_update)
def on_country(iso3: str, indicator: str, lang: str, shown: dict[str, Any] | None = None) -> Any:
    """Another country: open its profile (the whole page is rebuilt from the URL); the one shown: nothing."""
    if iso3 == (shown or {}).get("iso3"):   # the dropdown reports its value as it mounts: not a choice
        return dash.no_update
    read.check_countries([iso3])
    return href("", {"iso3": iso3, "indicator": indicator, "lang": i18n.lang_of(lang)})


components.register_url_sync(ID.QUERY)
