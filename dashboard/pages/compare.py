"""Compare: several countries and groups over time, and a bubble scatter of any two indicators by year."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
import numpy as np
from dash import Input, Output, State, clientside_callback, dcc, html

from dashboard import components, figures, i18n, stats
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import chart_fallback, guarded, safe_layout
from dashboard.state import Query
from etl import read

PATH = "/compare"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.compare"), order=3)

DEFAULTS = {"countries": ["CHN", "USA", "IND", "BRA", "WIC", "WLD"], "indicator": "IT.NET.USER.ZS",
            "x": "NY.GDP.PCAP.PP.KD", "y": "IT.NET.USER.ZS", "size": "SP.POP.TOTL"}
COLOUR_BY = ("region", "income", "wic")
INCOME_ORDER = ("HIC", "UMC", "LMC", "LIC")   # the bubbles' income groups, high to low (then any other, by code)
FIRST_BUBBLE_YEAR = 2000
MAX_SERIES = 12
BASE_YEARS = (1960, 2030)


class ID:
    """Component ids of this page."""

    COUNTRIES = "compare-countries"
    INDICATOR = "compare-indicator"
    SCALE = "compare-scale"
    MODE = "compare-mode"
    BASE = "compare-base"
    LINES = "compare-lines"
    LINES_CAPTION = "compare-lines-caption"
    LINES_SUMMARY = "compare-lines-summary"
    LINES_TABLE = "compare-lines-table"
    X = "compare-x"
    Y = "compare-y"
    SIZE = "compare-size"
    COLOUR = "compare-colour"
    BUBBLES = "compare-bubbles"
    BUBBLES_CAPTION = "compare-bubbles-caption"
    BUBBLES_SUMMARY = "compare-bubbles-summary"
    BUBBLES_TABLE = "compare-bubbles-table"
    LANG = "compare-lang"
    QUERY = "compare-query"
    LINES_QUERY = "compare-lines-query"
    BUBBLE_YEAR = "compare-bubble-year"


def colour_options(lang: str) -> list[dict[str, str]]:
    """What the bubbles are coloured by."""
    return [{"label": t("compare.world_bank_region", lang), "value": "region"},
            {"label": t("compare.income_group", lang), "value": "income"},
            {"label": t("compare.wic_member_country_or_not", lang), "value": "wic"}]


def scale_options(lang: str, relative: bool) -> list[dict[str, Any]]:
    """Linear or log; log is disabled for % changes (they can be negative)."""
    return [{"label": t("control.linear", lang), "value": "linear"},
            {"label": t("control.log", lang), "value": "log", "disabled": relative}]


def axis_title(name: str, unit: str) -> str:
    """'Name (unit)', or just the name when it already says the unit."""
    return name if not unit or unit in name else f"{name} ({unit})"


def missing_text(missing: Sequence[tuple[str, str]], lang: str) -> str:
    """'No data for Japan; no value in 2015 for High income' from (name, cause) pairs."""
    if not missing:
        return ""
    parts = [i18n.rule("cause_name", lang).format(cause=cause, name=name) for name, cause in missing]
    return t("sep.stop", lang) + t("sep.clause", lang).join(parts) + t("sep.end", lang)


@safe_layout
def layout(**query: object) -> html.Div:
    """The compare page (``?countries=CHN,USA,WIC&indicator=…&mode=relative&base=2015&x=…&y=…``)."""
    q = Query.parse(query)
    lang = q.lang
    places = q.countries("countries", DEFAULTS["countries"], limit=MAX_SERIES)
    indicator = q.indicator("indicator", str(DEFAULTS["indicator"]))
    scale = q.choice("scale", "linear", ("linear", "log"))
    mode = q.choice("mode", "absolute", ("absolute", "relative"))
    scale = "linear" if mode == "relative" else scale
    base = q.year("base", 2015, set(range(BASE_YEARS[0], BASE_YEARS[1] + 1)))
    x, y, size = (q.indicator(k, str(DEFAULTS[k])) for k in ("x", "y", "size"))
    colour = q.choice("colour", "region", COLOUR_BY)
    bubble_year = q.year("byear", None, set(range(FIRST_BUBBLE_YEAR, BASE_YEARS[1] + 1)))
    table = read.country_table()
    indicator_opts = components.options(read.indicator_table(), lang, "code")
    line_controls = html.Div([
        components.labelled(t("control.countries", lang), dcc.Dropdown(
            id=ID.COUNTRIES, options=components.options(table, lang, "iso3"), value=places, multi=True),
            ID.COUNTRIES, "wide"),
        components.labelled(t("control.indicator", lang), dcc.Dropdown(
            id=ID.INDICATOR, options=indicator_opts, value=indicator, clearable=False), ID.INDICATOR, "wide"),
        components.labelled(t("control.scale", lang), dcc.RadioItems(
            id=ID.SCALE, value=scale, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=scale_options(lang, mode == "relative")), ID.SCALE, "narrow"),
        components.labelled(t("control.mode", lang), dcc.RadioItems(
            id=ID.MODE, value=mode, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": t("control.absolute", lang), "value": "absolute"},
                     {"label": t("control.relative", lang), "value": "relative"}]), ID.MODE),
        components.labelled(t("control.base_year", lang), dcc.Input(
            id=ID.BASE, type="number", value=base, min=BASE_YEARS[0], max=BASE_YEARS[1], step=1, debounce=True),
            ID.BASE, "narrow"),
    ], className="controls")
    bubble_controls = html.Div([
        components.labelled(t("control.x", lang), dcc.Dropdown(id=ID.X, options=indicator_opts, value=x,
                                                               clearable=False), ID.X, "wide"),
        components.labelled(t("control.y", lang), dcc.Dropdown(id=ID.Y, options=indicator_opts, value=y,
                                                               clearable=False), ID.Y, "wide"),
        components.labelled(t("control.size", lang), dcc.Dropdown(id=ID.SIZE, options=indicator_opts, value=size,
                                                                  clearable=False), ID.SIZE),
        components.labelled(t("control.colour", lang), dcc.Dropdown(id=ID.COLOUR, options=colour_options(lang),
                                                                    value=colour, clearable=False), ID.COLOUR),
    ], className="controls")
    lines = render_lines(places, indicator, scale, mode, base, x, y, size, colour, lang)   # drawn with the page
    drawn = {"data": lines[4]} if lines[4] is not dash.no_update else {}
    body = html.Div([
        html.H1(t("nav.compare", lang)),
        html.H2(t("compare.over_time", lang)), line_controls,
        components.chart_block(ID.LINES, ID.LINES_CAPTION, ID.LINES_SUMMARY, ID.LINES_TABLE, lang,
                               initial=components.first_outputs(lines)),
        html.H2(t("compare.two_indicators_at_once", lang)), bubble_controls,
        components.chart_block(ID.BUBBLES, ID.BUBBLES_CAPTION, ID.BUBBLES_SUMMARY, ID.BUBBLES_TABLE, lang,
                               height=760),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY), dcc.Store(id=ID.LINES_QUERY, **drawn),
        dcc.Store(id=ID.BUBBLE_YEAR, data=bubble_year),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


@callback(Output(ID.LINES, "figure"), Output(ID.LINES_CAPTION, "children"), Output(ID.LINES_SUMMARY, "children"),
          Output(ID.LINES_TABLE, "children"), Output(ID.LINES_QUERY, "data"),
          Output(f"{ID.LINES}-getdata", "children"), Output(ID.SCALE, "options"),
          Input(ID.COUNTRIES, "value"), Input(ID.INDICATOR, "value"), Input(ID.SCALE, "value"),
          Input(ID.MODE, "value"), Input(ID.BASE, "value"), Input(ID.X, "value"), Input(ID.Y, "value"),
          Input(ID.SIZE, "value"), Input(ID.COLOUR, "value"), State(ID.LANG, "data"),
          prevent_initial_call=True)   # the layout draws the first chart
@guarded(chart_fallback(3))
def render_lines(places: list[str] | None, indicator: str, scale: str, mode: str, base: Any, x: str, y: str,
                 size: str, colour: str, lang: str) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs (and the page's state for the URL)."""
    lang = i18n.lang_of(lang)
    chosen = [p for p in (places or []) if isinstance(p, str)]
    places, dropped = chosen[:MAX_SERIES], chosen[MAX_SERIES:]
    read.check_countries(places)
    read.check_indicators([indicator, x, y, size])
    notes: list[str] = []
    in_range = isinstance(base, (int, float)) and BASE_YEARS[0] <= base <= BASE_YEARS[1]
    base_year = int(base) if in_range else 2015
    mode = mode if mode in ("absolute", "relative") else "absolute"
    if base not in (None, "") and not in_range and mode == "relative":
        notes.append(t("compare.base_year_is_outside_is", lang,
                       base=base,
                       BASE_YEARS=BASE_YEARS[0],
                       BASE_YEARS2=BASE_YEARS[1],
                       base_year=base_year))
    scale = scale if scale in ("linear", "log") and mode == "absolute" else "linear"
    lookup = read.display_names(lang)
    if dropped:
        names_dropped = ", ".join(lookup.get(c, c) for c in dropped)
        notes.append(t("compare.at_most_series_are_drawn", lang, MAX_SERIES=MAX_SERIES, names_dropped=names_dropped))
    query = {"countries": places, "indicator": indicator, "scale": scale, "mode": mode, "base": base_year,
             "x": x, "y": y, "size": size, "colour": colour if colour in COLOUR_BY else "region", "lang": lang}
    options = scale_options(lang, mode == "relative")
    meta = read.indicator_meta(indicator)
    if not places:
        text = t("compare.choose_countries_or_groups_to", lang)
        return figures.message(text), "", text, None, query, None, options
    unit = i18n.unit(meta, lang)
    y_title = t("compare.change_since", lang, base_year=base_year) if mode == "relative" else unit
    rows = read.series_rows(indicator, places)
    series = figures.line_series(rows, places, lookup,
                                 lambda label, yr, v:
                                 f"<b>{label}</b><br>{yr}: {i18n.with_unit(i18n.fmt(v, lang), unit, lang)}")
    had_data = {s.key for s in series}
    if mode == "relative":
        kept = []
        for line in series:
            changed = stats.relative_to_base(line.values, line.years, base_year)
            if changed is not None:
                line.values = changed
                line.hover = [f"<b>{line.label}</b><br>{yr}: {v:+.1f}% ({t('compare.since', lang)} {base_year})"
                              for yr, v in zip(line.years, changed, strict=True)]
                kept.append(line)
        series = kept
    drawn = {s.key for s in series}
    missing = [(lookup.get(p, p), t("compare.no_data_for", lang) if p not in had_data else
                t("compare.no_value_in_for", lang, base_year=base_year))
               for p in places if p not in drawn]
    if not series:
        text = t("compare.no_data_for_this_selection", lang) + missing_text(missing, lang)
        return figures.message(text), "", " ".join([text, *notes]), None, query, None, options
    years = f"{min(min(s.years) for s in series)}–{max(max(s.years) for s in series)}"
    shown_meta = ({**meta, "unit": f"% change since {base_year}", "unit_zh": f"较{base_year}年变化（%）"}
                  if mode == "relative" else meta)
    note = components.caption(shown_meta, lang, years, computed=any(r[3] for r in rows))
    fig = figures.lines(series, title=i18n.name(meta, lang), note=note, y_title=y_title, log=scale == "log",
                        dashed=read.aggregate_codes())
    latest = sorted(((s.values[-1], s.years[-1], s.label) for s in series), reverse=True)
    if mode == "relative":
        parts = [f"{label} {v:+.1f}% ({yr})" for v, yr, label in latest]
    else:
        parts = [f"{label} {i18n.fmt(v, lang)} ({yr})" for v, yr, label in latest]
    summary = t("compare.latest", lang) + "; ".join(parts) + missing_text(missing, lang)
    headers, table_rows = figures.wide_table(series)
    table = components.table_rows(table_rows, [t("control.year", lang), *headers[1:]])
    last_year = max(max(s.years) for s in series)
    views = components.view_links(indicator, lang, countries=places, year=last_year, current="chart",
                                  year_from=min(min(s.years) for s in series), year_to=last_year)
    return fig, note, " ".join([summary, *notes]), table, query, [views, components.get_data(
        components.data_request([indicator], countries=places), lang)], options


clientside_callback(   # % changes are drawn on a linear axis: untick "log"
    """function (mode) { return mode === 'relative' ? 'linear' : window.dash_clientside.no_update; }""",
    Output(ID.SCALE, "value"), Input(ID.MODE, "value"), prevent_initial_call=True)

clientside_callback(
    """function (lines, year) {
        if (!lines) { return window.dash_clientside.no_update; }
        return Object.assign({}, lines, {byear: year || null});
    }""", Output(ID.QUERY, "data"), Input(ID.LINES_QUERY, "data"), Input(ID.BUBBLE_YEAR, "data"))


def bubble_frame(x: str, y: str, size: str, colour: str, lang: str) -> dict[str, np.ndarray]:
    """One point per country and year with x, y and size values in that year (countries only), as numpy columns
    ``iso3, year, x, y, size, colour, name`` (text as Python strings: no frame is needed to draw them)."""
    # World Bank economies, as the API's group=WLD
    columns = read.scatter_values(x, y, size, group="WLD", year_from=FIRST_BUBBLE_YEAR)
    codes = columns["iso3"].tolist()
    colours, names, _ = bubble_labels(colour, lang)
    return {**columns, "colour": np.array(list(map(colours.__getitem__, codes)), dtype=object),
            "name": np.array(list(map(names.__getitem__, codes)), dtype=object)}


def bubble_labels(colour: str, lang: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """iso3 -> colour group label and iso3 -> display name of every World Bank economy, and the group labels in the
    order of their codes (regions by code, incomes from high to low), so that a group has the same colour in every
    language (once per generation)."""
    def build() -> tuple[dict[str, str], dict[str, str], list[str]]:
        table = read.country_table()
        lookup = read.display_names(lang)
        codes = sorted(read.group_sets()["WLD"])
        if colour == "wic":
            members = read.group_sets()["WIC"]
            labels = [t("compare.wic_member_country", lang), t("compare.other", lang)]
            colours = {c: labels[0] if c in members else labels[1] for c in codes}
            order = labels
        else:
            column = "wb_region_id" if colour == "region" else "income_id"
            group_of = dict(zip(table.index.tolist(), table[column].tolist(), strict=True))
            other = t("compare.not_classified", lang)
            colours = {c: lookup.get(g, other) if isinstance(g, str) else other for c in codes
                       for g in [group_of.get(c)]}
            groups = sorted({g for g in group_of.values() if isinstance(g, str)},
                            key=lambda g: (INCOME_ORDER.index(g) if g in INCOME_ORDER else len(INCOME_ORDER), g))
            order = list(dict.fromkeys([*(lookup.get(g, other) for g in groups), other]))
        return colours, {c: lookup.get(c, c) for c in codes}, order
    labels: tuple[dict[str, str], dict[str, str], list[str]] = read.open_warehouse().memo(
        ("bubble-labels", colour, lang), build)
    return labels


@callback(Output(ID.BUBBLES, "figure"), Output(ID.BUBBLES_CAPTION, "children"),
          Output(ID.BUBBLES_SUMMARY, "children"), Output(ID.BUBBLES_TABLE, "children"),
          Output(f"{ID.BUBBLES}-getdata", "children"),
          Input(ID.X, "value"), Input(ID.Y, "value"), Input(ID.SIZE, "value"), Input(ID.COLOUR, "value"),
          Input(ID.COUNTRIES, "value"), State(ID.LANG, "data"), State(ID.BUBBLE_YEAR, "data"))
@guarded(chart_fallback(1))
def render_bubbles(x: str, y: str, size: str, colour: str, places: list[str] | None, lang: str,
                   year: Any = None) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs."""
    lang = i18n.lang_of(lang)
    read.check_indicators([x, y, size])
    colour = colour if colour in COLOUR_BY else "region"
    mx, my, ms = (read.indicator_meta(code) for code in (x, y, size))
    frame = bubble_frame(x, y, size, colour, lang)
    year_of = frame["year"]
    if not len(year_of):
        text = t("compare.no_country_has_both_values", lang)
        return figures.message(text), "", text, None, None
    ux, uy, us = (i18n.unit(m, lang) for m in (mx, my, ms))
    hover = (f"<b>%{{text}}</b><br>{i18n.name(mx, lang)}: %{{x:,.4~g}} {ux}<br>{i18n.name(my, lang)}: "
             f"%{{y:,.4~g}} {uy}<br>{i18n.name(ms, lang)}: %{{marker.size:,.0f}}<extra></extra>")
    years = f"{int(year_of.min())}–{int(year_of.max())}"
    note = t("compare.x_y_size_source", lang,
             ux=ux,
             uy=uy,
             v=i18n.name(ms, lang),
             years=years,
             v2=components.source_text(mx, lang),
             v3=components.source_text(my, lang))
    present = set(frame["colour"].tolist())
    order = [g for g in bubble_labels(colour, lang)[2] if g in present]
    years_of, counts = np.unique(year_of, return_counts=True)
    last = int(years_of[counts >= counts.max() / 2].max())   # latest year with broad coverage
    if isinstance(year, int) and year in set(years_of.tolist()):
        last = year    # the year the reader was on (from the URL)
    selected = {p for p in (places or []) if isinstance(p, str)}
    fig = figures.bubbles(frame, title=f"{i18n.name(my, lang)} × {i18n.name(mx, lang)}", note=note,
                          x_title=axis_title(i18n.name(mx, lang), ux), y_title=axis_title(i18n.name(my, lang), uy),
                          log_x=bool(mx["log_scale"]), log_y=bool(my["log_scale"]), colour_order=order, start=last,
                          hovertemplate=hover, highlight=selected)
    at = year_of == last
    now_x, now_y = frame["x"][at], frame["y"][at]   # the year's few points
    corr = stats.spearman(now_x, now_y) if len(now_x) > 2 else float("nan")
    summary = t("compare.countries_in_rank_correlation_be", lang, n_now=len(now_x), last=last, corr=corr)
    ranked = np.flatnonzero(at)[np.argsort(-now_y, kind="stable")]   # highest y first
    table = components.table_rows(
        list(zip(frame["name"][ranked].tolist(), [i18n.fmt(v, lang) for v in frame["x"][ranked].tolist()],
                 [i18n.fmt(v, lang) for v in frame["y"][ranked].tolist()], frame["colour"][ranked].tolist(),
                 strict=True)),
        [t("control.country", lang), i18n.name(mx, lang), i18n.name(my, lang), t("control.colour", lang)])
    request = components.data_request(list(dict.fromkeys([x, y, size])), group="WLD", year_from=FIRST_BUBBLE_YEAR)
    return fig, note, summary, table, components.get_data(request, lang)


components.register_url_sync(ID.QUERY)


def warm() -> None:
    """Build what the bubbles read once per generation (dashboard.app's warm-up): each colouring's labels and the
    default indicators' rows, so the first bubbles after a new vintage read only the indicator asked for."""
    for lang in i18n.LANGS:
        for colour in COLOUR_BY:
            bubble_labels(colour, lang)
    x, y, size = (str(DEFAULTS[k]) for k in ("x", "y", "size"))
    if {x, y, size} <= read.indicator_codes():   # (a partial warehouse may lack one)
        bubble_frame(x, y, size, "region", i18n.DEFAULT_LANG)
