"""Compare: several countries and groups over time, and a bubble scatter of any two indicators by year."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import components, figures, i18n, stats
from dashboard.i18n import pick, t
from dashboard.safety import chart_fallback, guarded, safe_layout
from dashboard.state import Query
from etl import read

PATH = "/compare"
dash.register_page(__name__, path=PATH, title="Compare · WIC Digital Economy Observatory", order=3)

DEFAULTS = {"countries": ["CHN", "USA", "IND", "BRA", "WIC", "WLD"], "indicator": "IT.NET.USER.ZS",
            "x": "NY.GDP.PCAP.PP.KD", "y": "IT.NET.USER.ZS", "size": "SP.POP.TOTL"}
COLOUR_BY = ("region", "income", "wic")
FIRST_BUBBLE_YEAR = 2000


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


def colour_options(lang: str) -> list[dict[str, str]]:
    """What the bubbles are coloured by."""
    return [{"label": pick("World Bank region", "世界银行地区", lang), "value": "region"},
            {"label": pick("Income group", "收入组别", lang), "value": "income"},
            {"label": pick("WIC member country or not", "是否会员所在国家", lang), "value": "wic"}]


@safe_layout
def layout(**query: object) -> html.Div:
    """The compare page (``?countries=CHN,USA,WIC&indicator=…&mode=relative&base=2015&x=…&y=…``)."""
    q = Query.parse(query)
    lang = q.lang
    places = q.countries("countries", DEFAULTS["countries"])
    indicator = q.indicator("indicator", str(DEFAULTS["indicator"]))
    scale = q.choice("scale", "linear", ("linear", "log"))
    mode = q.choice("mode", "absolute", ("absolute", "relative"))
    base = q.year("base", 2015, set(range(1960, 2031)))
    x, y, size = (q.indicator(k, str(DEFAULTS[k])) for k in ("x", "y", "size"))
    colour = q.choice("colour", "region", COLOUR_BY)
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
            options=[{"label": t("control.linear", lang), "value": "linear"},
                     {"label": t("control.log", lang), "value": "log"}]), ID.SCALE, "narrow"),
        components.labelled(t("control.mode", lang), dcc.RadioItems(
            id=ID.MODE, value=mode, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": t("control.absolute", lang), "value": "absolute"},
                     {"label": t("control.relative", lang), "value": "relative"}]), ID.MODE),
        components.labelled(t("control.base_year", lang), dcc.Input(
            id=ID.BASE, type="number", value=base, min=1960, max=2030, step=1, debounce=True), ID.BASE, "narrow"),
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
    body = html.Div([
        html.H1(t("nav.compare", lang)),
        html.H2(pick("Over time", "随时间变化", lang)), line_controls,
        components.chart_block(ID.LINES, ID.LINES_CAPTION, ID.LINES_SUMMARY, ID.LINES_TABLE, lang),
        html.H2(pick("Two indicators at once", "两项指标对比", lang)), bubble_controls,
        components.chart_block(ID.BUBBLES, ID.BUBBLES_CAPTION, ID.BUBBLES_SUMMARY, ID.BUBBLES_TABLE, lang,
                               height=620),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


@callback(Output(ID.LINES, "figure"), Output(ID.LINES_CAPTION, "children"), Output(ID.LINES_SUMMARY, "children"),
          Output(ID.LINES_TABLE, "children"), Output(ID.QUERY, "data"), Output(f"{ID.LINES}-getdata", "children"),
          Input(ID.COUNTRIES, "value"), Input(ID.INDICATOR, "value"), Input(ID.SCALE, "value"),
          Input(ID.MODE, "value"), Input(ID.BASE, "value"), Input(ID.X, "value"), Input(ID.Y, "value"),
          Input(ID.SIZE, "value"), Input(ID.COLOUR, "value"), State(ID.LANG, "data"))
@guarded(chart_fallback(2))
def render_lines(places: list[str] | None, indicator: str, scale: str, mode: str, base: Any, x: str, y: str,
                 size: str, colour: str, lang: str) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs (and the page's state for the URL)."""
    lang = i18n.lang_of(lang)
    places = [p for p in (places or []) if isinstance(p, str)][:12]
    read.check_countries(places)
    read.check_indicators([indicator, x, y, size])
    base_year = int(base) if isinstance(base, (int, float)) and 1960 <= base <= 2030 else 2015
    mode = mode if mode in ("absolute", "relative") else "absolute"
    scale = scale if scale in ("linear", "log") else "linear"
    query = {"countries": places, "indicator": indicator, "scale": scale, "mode": mode, "base": base_year,
             "x": x, "y": y, "size": size, "colour": colour if colour in COLOUR_BY else "region", "lang": lang}
    meta = read.indicator_meta(indicator)
    if not places:
        text = pick("Choose countries or groups to compare.", "请选择要比较的国家或组别。", lang)
        return figures.message(text), "", text, None, query, None
    unit = "%" if mode == "relative" else i18n.unit(meta, lang)
    y_title = (pick(f"% change since {base_year}", f"较{base_year}年变化（%）", lang) if mode == "relative"
               else i18n.unit(meta, lang))
    rows = read.series_rows(indicator, places)
    series = figures.line_series(rows, places, components.names(lang),
                                 lambda label, yr, v: f"<b>{label}</b><br>{yr}: {i18n.fmt(v, lang)} {unit}")
    if mode == "relative":
        kept = []
        for line in series:
            changed = stats.relative_to_base(line.values, line.years, base_year)
            if changed is not None:
                line.values = changed
                line.hover = [f"<b>{line.label}</b><br>{yr}: {v:+.1f}%"
                              for yr, v in zip(line.years, changed, strict=True)]
                kept.append(line)
        series = kept
    if not series:
        text = pick("No data for this selection.", "所选范围无数据。", lang)
        return figures.message(text), "", text, None, query, None
    years = f"{min(min(s.years) for s in series)}–{max(max(s.years) for s in series)}"
    note = components.caption(meta, lang, years, computed=any(r[3] for r in rows))
    fig = figures.lines(series, title=i18n.name(meta, lang), note=note, y_title=y_title,
                        log=scale == "log" and mode == "absolute", dashed=read.aggregate_codes())
    latest = sorted(((s.values[-1], s.years[-1], s.label) for s in series), reverse=True)
    parts = [f"{label} {i18n.fmt(v, lang)} ({yr})" for v, yr, label in latest]
    missing = [p for p in places if p not in {s.key for s in series}]
    summary = pick("Latest: ", "最新：", lang) + "; ".join(parts) + (
        pick(f". No data for {', '.join(missing)}.", f"。无数据：{'、'.join(missing)}。", lang) if missing else "")
    headers, table_rows = figures.wide_table(series)
    table = components.table_rows(table_rows, [t("control.year", lang), *headers[1:]])
    return fig, note, summary, table, query, components.get_data(
        components.data_request([indicator], countries=places), lang)


def bubble_frame(x: str, y: str, size: str, colour: str, lang: str) -> pd.DataFrame:
    """One row per country and year with x, y and size values in that year (countries only)."""
    table = read.country_table()
    data = read.observations([x, y, size], year_from=FIRST_BUBBLE_YEAR)
    data = data[data["iso3"].isin(read.group_sets()["WLD"])]   # World Bank economies, as the API's group=WLD
    wide = data.pivot_table(index=["iso3", "year"], columns="indicator", values="value").reset_index()
    for code in {x, y, size}:
        if code not in wide.columns:
            wide[code] = float("nan")
    frame = pd.DataFrame({"iso3": wide["iso3"], "year": wide["year"].astype(int), "x": wide[x], "y": wide[y],
                          "size": wide[size]}).dropna(subset=["x", "y"])
    lookup = components.names(lang)
    codes = frame["iso3"].tolist()
    if colour == "wic":
        members = read.group_sets()["WIC"]
        labels = [pick("WIC member country", "会员所在国家", lang), pick("Other", "其他", lang)]
        frame["colour"] = [labels[0] if c in members else labels[1] for c in codes]
    else:
        column = "wb_region_id" if colour == "region" else "income_id"
        group_of = dict(zip(table["iso3"].tolist(), table[column].tolist(), strict=True))
        other = pick("Not classified", "未分类", lang)
        frame["colour"] = [lookup.get(g, other) if isinstance(g, str) else other for g in map(group_of.get, codes)]
    frame["name"] = [lookup.get(c, c) for c in codes]
    return frame


@callback(Output(ID.BUBBLES, "figure"), Output(ID.BUBBLES_CAPTION, "children"),
          Output(ID.BUBBLES_SUMMARY, "children"), Output(ID.BUBBLES_TABLE, "children"),
          Output(f"{ID.BUBBLES}-getdata", "children"),
          Input(ID.X, "value"), Input(ID.Y, "value"), Input(ID.SIZE, "value"), Input(ID.COLOUR, "value"),
          State(ID.LANG, "data"))
@guarded(chart_fallback(1))
def render_bubbles(x: str, y: str, size: str, colour: str, lang: str) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs."""
    lang = i18n.lang_of(lang)
    read.check_indicators([x, y, size])
    colour = colour if colour in COLOUR_BY else "region"
    meta = read.indicator_table()
    mx, my, ms = meta.loc[x], meta.loc[y], meta.loc[size]
    frame = bubble_frame(x, y, size, colour, lang)
    if frame.empty:
        text = pick("No country has both values.", "没有国家同时具备这两项数据。", lang)
        return figures.message(text), "", text, None, None
    ux, uy, us = (i18n.unit(m, lang) for m in (mx, my, ms))
    hover = (f"<b>%{{text}}</b><br>{i18n.name(mx, lang)}: %{{x:,.4~g}} {ux}<br>{i18n.name(my, lang)}: "
             f"%{{y:,.4~g}} {uy}<br>{i18n.name(ms, lang)}: %{{customdata:,.4~g}}<extra></extra>")
    years = f"{int(frame['year'].min())}–{int(frame['year'].max())}"
    note = pick(f"x: {ux} · y: {uy} · size: {i18n.name(ms, lang)} · {years} · Source: "
                f"{components.source_text(mx)}; {components.source_text(my)}",
                f"横轴：{ux} · 纵轴：{uy} · 大小：{i18n.name(ms, lang)} · {years} · 来源："
                f"{components.source_text(mx)}；{components.source_text(my)}", lang)
    order = sorted(frame["colour"].unique())
    counts = frame.groupby("year").size()
    last = int(counts[counts >= counts.max() / 2].index.max())   # latest year with broad coverage
    fig = figures.bubbles(frame, title=f"{i18n.name(my, lang)} × {i18n.name(mx, lang)}", note=note,
                          x_title=f"{i18n.name(mx, lang)} ({ux})", y_title=f"{i18n.name(my, lang)} ({uy})",
                          log_x=bool(mx["log_scale"]), log_y=bool(my["log_scale"]), colour_order=order, start=last,
                          hovertemplate=hover)
    now = frame[frame["year"] == last]
    corr = now["x"].rank().corr(now["y"].rank()) if len(now) > 2 else float("nan")   # Spearman
    summary = pick(f"{len(now)} countries in {last}; rank correlation between the two indicators: {corr:.2f}. "
                   "Press ▶ to play the years.",
                   f"{last}年共{len(now)}个国家；两项指标的秩相关系数：{corr:.2f}。点击 ▶ 播放各年份。", lang)
    shown = now.sort_values("y", ascending=False).assign(
        xs=[i18n.fmt(v, lang) for v in now.sort_values("y", ascending=False)["x"]],
        ys=[i18n.fmt(v, lang) for v in now.sort_values("y", ascending=False)["y"]])
    table = components.data_table(shown, [("name", t("control.country", lang)), ("xs", i18n.name(mx, lang)),
                                          ("ys", i18n.name(my, lang)), ("colour", t("control.colour", lang))])
    request = components.data_request(list(dict.fromkeys([x, y, size])), group="WLD", year_from=FIRST_BUBBLE_YEAR)
    return fig, note, summary, table, components.get_data(request, lang)


components.register_url_sync(ID.QUERY)
