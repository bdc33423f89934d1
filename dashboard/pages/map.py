"""Map: a choropleth of any indicator by year, member countries outlined, regions and log scale."""

from __future__ import annotations

import json
import statistics
from functools import lru_cache
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashboard import components, figures, i18n
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import chart_fallback, guarded, safe_layout
from dashboard.state import Query
from etl import facts, read

PATH = "/map"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.map"), order=1)

DEFAULT_INDICATOR = "IT.NET.USER.ZS"
WIC = "WIC"


class ID:
    """Component ids of this page."""

    INDICATOR = "map-indicator"
    YEAR = "map-year"
    YEAR_LABEL = "map-year-label"
    PLAY = "map-play"
    TICK = "map-tick"
    SCALE = "map-scale"
    REGION = "map-region"
    FLAGS = "map-flags"
    GRAPH = "map-graph"
    CAPTION = "map-caption"
    SUMMARY = "map-summary"
    TABLE = "map-table"
    LANG = "map-lang"
    QUERY = "map-query"


def indicator_options(lang: str) -> list[dict[str, Any]]:
    """Catalog indicators first (in pillar order), then every other indicator."""
    return components.options(read.indicator_table(), lang, "code")


def region_options(lang: str) -> list[dict[str, Any]]:
    """World Bank regions."""
    regions = read.group_table()
    regions = regions[regions["kind"] == "region"]
    return [{"label": t("control.all_regions", lang), "value": ""}] + components.options(regions, lang, "code")


# Centres of economies the warehouse has no coordinates for (approximate: only to place a marker).
EXTRA_POINTS = {"CHI": (-2.35, 49.35), "CUW": (-68.99, 12.17), "GIB": (-5.35, 36.14), "MAF": (-63.05, 18.07),
                "SXM": (-63.07, 18.04)}


def year_marks(years: list[int]) -> dict[str, str]:
    """Slider marks every ten years plus the ends, none closer than five years to another (no overlap)."""
    if not years:
        return {}
    marks = [y for y in years if y % 10 == 0]
    for end in (years[0], years[-1]):
        if all(abs(end - m) >= 5 for m in marks):
            marks.append(end)
    return {str(y): str(y) for y in sorted(marks)}


@lru_cache(maxsize=1)
def shape_codes() -> frozenset[str]:
    """ISO3 codes with a shape in Plotly's 110m world topojson (the map's resolution)."""
    from dashboard.app import TOPOJSON_DIR

    try:
        topo = json.loads((TOPOJSON_DIR / "world_110m.json").read_text(encoding="utf-8"))
    except OSError:
        return frozenset()
    return frozenset(g["id"] for g in topo["objects"]["countries"]["geometries"] if isinstance(g.get("id"), str))


def points() -> dict[str, tuple[float, float]]:
    """(longitude, latitude) of every economy without a shape at 110m (Singapore, Malta, Kosovo, ...)."""
    def build() -> dict[str, tuple[float, float]]:
        table = read.country_table()
        table = table[~table["is_aggregate"] & table["in_wb_list"]]
        codes = shape_codes()
        out = {}
        for iso3, lon, lat in zip(table["iso3"], table["longitude"], table["latitude"], strict=True):
            if iso3 in codes:
                continue
            if lon == lon and lat == lat and lon is not None:
                out[iso3] = (float(lon), float(lat))
            elif iso3 in EXTRA_POINTS:
                out[iso3] = EXTRA_POINTS[iso3]
        return out

    return dict(read.open_warehouse().memo("map-points", build))


@safe_layout
def layout(**query: object) -> html.Div:
    """The map page (every setting in the URL)."""
    q = Query.parse(query)
    lang = q.lang
    indicator = q.indicator("indicator", DEFAULT_INDICATOR)
    years = [y for y, _ in read.indicator_years(indicator)]
    year = q.year("year", read.default_year(indicator), set(facts.drawable_years(indicator, years)))
    meta = read.indicator_meta(indicator)
    scale = q.choice("scale", "log" if meta["log_scale"] else "linear", ("linear", "log"))
    regions = set(read.group_table().query("kind == 'region'")["code"])
    region = q.country("region", "", regions) or ""
    flags = [f for f, default in (("outline", True), ("members", False)) if q.flag(f, default)]
    controls = html.Div([
        components.labelled(t("control.indicator", lang), dcc.Dropdown(
            id=ID.INDICATOR, options=indicator_options(lang), value=indicator, clearable=False,
            optionHeight=40), ID.INDICATOR, "wide"),
        components.labelled(t("control.region", lang), dcc.Dropdown(
            id=ID.REGION, options=region_options(lang), value=region, clearable=False), ID.REGION),
        components.labelled(t("control.scale", lang), dcc.RadioItems(
            id=ID.SCALE, options=[{"label": t("control.linear", lang), "value": "linear"},
                                  {"label": t("control.log", lang), "value": "log"}],
            value=scale, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"}), ID.SCALE),
        html.Div(dcc.Checklist(id=ID.FLAGS, value=flags, inputStyle={"marginRight": "4px"},
                               options=[{"label": t("control.outline_members", lang), "value": "outline"},
                                        {"label": t("control.members_only", lang), "value": "members"}]),
                 role="group", **components.aria(label=t("control.member_flags", lang))),
    ], className="controls")
    slider = html.Div([
        html.Button(t("control.play", lang), id=ID.PLAY, className="play", n_clicks=0,
                    **components.aria(label=t("control.play", lang))),
        html.Output(str(year or ""), id=ID.YEAR_LABEL, htmlFor=ID.YEAR, className="year-label",
                    **components.aria(live="polite")),
        html.Div(dcc.Slider(id=ID.YEAR, min=years[0] if years else 0, max=years[-1] if years else 0, step=1,
                            value=year, marks=year_marks(years), included=False,
                            tooltip={"placement": "bottom", "always_visible": False}),
                 style={"flex": "1"}, role="group", **components.aria(label=t("control.year", lang))),
        dcc.Interval(id=ID.TICK, interval=1200, disabled=True),
    ], className="year-row")
    first = render(indicator, year, scale, region, flags, lang)   # the first chart comes with the page
    body = html.Div([
        html.H1(t("nav.map", lang)),
        controls, slider,
        components.chart_block(ID.GRAPH, ID.CAPTION, ID.SUMMARY, ID.TABLE, lang, height=520,
                               initial=components.first_outputs(first)),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY, first[4]),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


def map_rows(values: list[tuple[str, float]], names: dict[str, str], unit: str, year: int, lang: str,
             star: str = "", editions: dict[str, int] | None = None) -> list[tuple[str, float, str, str, int, str]]:
    """(iso3, value, hover label, name, rank, formatted value) sorted by value, highest first (rank 1 of those
    drawn for the year, said so in the label); ``star`` marks values computed here (derived indicators);
    ``editions`` (iso3 -> year) are values carried from an earlier edition, labelled so."""
    editions = editions or {}
    ordered = sorted(values, key=lambda v: -v[1])
    out, rank, previous = [], 0, None
    of = t("map.of_in", lang, n_ordered=len(ordered), year=year)
    for i, (iso3, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = i, value
        name, shown = names.get(iso3, iso3), i18n.fmt(value, lang) + star
        if iso3 in editions:
            shown += f" ({facts.edition_text(editions[iso3], lang)})"
        out.append((iso3, value, f"<b>{name}</b><br>{shown} {unit}<br>#{rank}{of}", name, rank, shown))
    return out


def summary_text(rows: list[tuple[str, float, str, str, int, str]], meta: dict[str, Any], year: int, lang: str,
                 wic: facts.Fact | None) -> str:
    """One sentence on the range and median, plus the WIC member-country value when there is one."""
    if not rows:
        return t("nodata", lang)
    top, bottom = rows[0], rows[-1]
    name, unit = i18n.name(meta, lang), i18n.unit(meta, lang)
    median = i18n.fmt(statistics.median(r[1] for r in rows), lang)
    text = t("summary.map_range", lang, year=year, name=name, low=i18n.fmt(bottom[1], lang), low_country=bottom[3],
             high=i18n.fmt(top[1], lang), high_country=top[3], n=len(rows), median=median, unit=unit)
    if wic is None or wic.value is None:
        return text
    how = i18n.joined(facts.labels(wic, lang), lang, "clause")
    return text + t("summary.map_wic", lang, value=i18n.fmt(wic.value, lang), how=how)


def shapes(lang: str) -> list[tuple[str, str]]:
    """(iso3, name) of every World Bank economy: the shapes the map draws (cached per warehouse generation)."""
    def build() -> list[tuple[str, str]]:
        table = read.country_table()
        names = read.display_names(lang)
        codes = table[~table["is_aggregate"] & table["in_wb_list"]]["iso3"].tolist()
        return [(c, names[c]) for c in codes]

    return list(read.open_warehouse().memo(("map-shapes", lang), build))


@callback(Output(ID.YEAR, "min"), Output(ID.YEAR, "max"), Output(ID.YEAR, "marks"), Output(ID.YEAR, "value"),
          Input(ID.INDICATOR, "value"), State(ID.YEAR, "value"), prevent_initial_call=True)
@guarded(lambda: (dash.no_update,) * 4)
def on_indicator(indicator: str, year: int | None) -> tuple[Any, ...]:
    """New indicator: its years on the slider; keep the year if it has data, else its default year."""
    years = [y for y, _ in read.indicator_years(indicator)]
    if not years:
        return 0, 0, {}, None
    keep = year if year in facts.drawable_years(indicator, years) else read.default_year(indicator)
    return years[0], years[-1], year_marks(years), keep


@callback(Output(ID.TICK, "disabled"), Output(ID.PLAY, "children"), Input(ID.PLAY, "n_clicks"),
          State(ID.TICK, "disabled"), State(ID.LANG, "data"), prevent_initial_call=True)
def on_play(_clicks: int, disabled: bool, lang: str) -> tuple[bool, str]:
    """Start or stop the year animation."""
    playing = bool(disabled)
    return not playing, t("control.pause" if playing else "control.play", i18n.lang_of(lang))


@callback(Output(ID.YEAR, "value", allow_duplicate=True), Output(ID.TICK, "disabled", allow_duplicate=True),
          Output(ID.PLAY, "children", allow_duplicate=True),
          Input(ID.TICK, "n_intervals"), State(ID.YEAR, "value"), State(ID.YEAR, "max"),
          State(ID.INDICATOR, "value"), State(ID.LANG, "data"), prevent_initial_call=True)
@guarded(lambda: (dash.no_update, True, dash.no_update))
def on_tick(_n: int, year: int, last: int, indicator: str, lang: str) -> tuple[Any, bool, Any]:
    """Advance to the next year with data; stop at the last."""
    years = [y for y, _ in read.indicator_years(indicator)]
    later = [y for y in years if y > (year or 0)]
    if not later:
        return dash.no_update, True, t("control.play", i18n.lang_of(lang))
    return later[0], len(later) == 1, dash.no_update


@callback(Output(ID.GRAPH, "figure"), Output(ID.CAPTION, "children"), Output(ID.SUMMARY, "children"),
          Output(ID.TABLE, "children"), Output(ID.QUERY, "data"), Output(f"{ID.GRAPH}-getdata", "children"),
          Output(ID.YEAR_LABEL, "children"),
          Input(ID.INDICATOR, "value"), Input(ID.YEAR, "value"), Input(ID.SCALE, "value"),
          Input(ID.REGION, "value"), Input(ID.FLAGS, "value"), State(ID.LANG, "data"),
          prevent_initial_call=True)   # the layout draws the first chart
@guarded(chart_fallback(3))
def render(indicator: str, year: int | None, scale: str, region: str, flags: list[str], lang: str) -> tuple[Any, ...]:
    """Inputs -> query API -> pure figure function -> outputs."""
    lang = i18n.lang_of(lang)
    flags = [f for f in (flags or []) if f in ("outline", "members")]
    scale = scale if scale in ("linear", "log") else "linear"
    meta = read.indicator_meta(indicator)
    sets = read.group_sets()
    region = region if isinstance(region, str) and region in sets else ""
    query = {"indicator": indicator, "year": year, "scale": scale, "region": region or None,
             "outline": 1 if "outline" in flags else 0, "members": 1 if "members" in flags else 0, "lang": lang}
    if not isinstance(year, int):
        return (figures.message(t("nodata", lang)), "", t("nodata", lang), None, query, None, "")
    drawn = shapes(lang)
    if region:
        drawn = [s for s in drawn if s[0] in sets[region]]
    keep = {s[0] for s in drawn} & (sets[WIC] if "members" in flags else {s[0] for s in drawn})
    everything = facts.values_for_year(indicator, year)   # with the nearest earlier edition, for edition sources
    drawn_values = [e for e in everything if e.iso3 in keep]
    values = [(e.iso3, e.value) for e in drawn_values]
    editions = {e.iso3: e.year for e in drawn_values if e.carried}
    wic = facts.fact(WIC, indicator, year=year) if any(e.iso3 == WIC and not e.carried for e in everything) else None
    unit = i18n.unit(meta, lang)
    rows = map_rows(values, read.display_names(lang), unit, year, lang, "*" if meta.get("dataset") == "derived" else "",
                    editions)
    carried_note = facts.editions_note(drawn_values, facts.edition_window(indicator), lang)
    note = components.caption(meta, lang, str(year)) + (f"  ·  {carried_note}" if carried_note else "")
    fig = figures.choropleth([r[:3] for r in rows], drawn, title=f"{i18n.name(meta, lang)}, {year}", note=note,
                             colorbar=unit, log=scale == "log",
                             outline=sorted(sets[WIC]) if "outline" in flags else (), nodata=t("nodata", lang),
                             fit=bool(region), points=points())
    source = components.source_text(meta, lang)
    for trace in (fig["data"][1], fig["data"][-1]):   # the shapes and the markers of economies with a value
        trace["hovertemplate"] = f"%{{text}}<br><i>{source}</i><extra></extra>"   # once, not per country
    table = components.table_rows([(r[4], r[3], r[0], r[5]) for r in rows],
                                  ["#", t("control.country", lang), "ISO3", unit])
    if region and "members" in flags:
        request = components.data_request([indicator], countries=sorted(keep), year_from=year, year_to=year)
    else:
        group = region or (WIC if "members" in flags else "WLD")
        request = components.data_request([indicator], group=group, year_from=year, year_to=year)
    views = components.view_links(indicator, lang, year=year, current="map",
                                  countries=[region] if region else [WIC] if "members" in flags else [])
    summary = summary_text(rows, meta, year, lang, wic) + (f" {carried_note}." if carried_note else "")
    return (fig, note, summary, table, query,
            [views, components.get_data(request, lang)], str(year))


components.register_url_sync(ID.QUERY)
