"""Reusable page parts as plain functions: the page frame, chart blocks, captions, tables, notices."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash
import flask
import pandas as pd
from dash import dcc, html

from dashboard import embeds, figures, i18n, static_cache
from dashboard.i18n import t
from dashboard.urls import href
from etl import citation, facts, read

NAV = [("/", "nav.overview"), ("/map", "nav.map"), ("/country", "nav.country"), ("/compare", "nav.compare"),
       ("/index", "nav.index"), ("/explorer", "nav.explorer"), ("/membership", "nav.membership"),
       ("/briefing", "nav.briefing"),
       ("/sources", "nav.sources")]

def aria(**attrs: str) -> dict[str, Any]:
    """ARIA and data attributes for Dash components: ``aria(label="…")`` -> ``{"aria-label": "…"}``."""
    return {(k if k.startswith("data_") else f"aria-{k}").replace("_", "-"): v for k, v in attrs.items()}


# Modebar buttons kept: each acts inside the page. Plotly's "Share chart" (sendChartToCloud) uploads the
# figure to Plotly Cloud and "Edit in Chart Studio" leaves the host; sharing is the page's own menu instead.
LEAVING_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")


def graph_config(filename: str = "wic-chart") -> dict[str, Any]:
    """The one modebar configuration of every chart: no button that sends the figure off the host."""
    return {
        "displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False, "showLink": False,
        "sendData": False, "plotlyServerURL": "", "showTips": False,
        "topojsonURL": "/topojson/",
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": filename},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", *LEAVING_BUTTONS],
    }


GRAPH_CONFIG: Any = graph_config()


def vintage_line(lang: str) -> str:
    """The data vintage and build time, for the footer (once per generation of the warehouse and language: every
    page's layout has it)."""
    return read.open_warehouse().memo(("vintage-line", lang), lambda: _vintage_line(lang))


def _vintage_line(lang: str) -> str:
    sources = read.sources()
    vintage = i18n.joined((f"{read.source_text(s.id, 'title', lang, s.title)} {s.vintage}" for s in sources.itertuples()
                           if s.id in ("wdi", "gapminder")), lang, "clause")
    built = read.data_vintage()["built_at"]
    return t("footer.vintage", lang, vintage=vintage, built=f"{built:%Y-%m-%d %H:%M}" if built else "?")


DROPDOWN_LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
                   "no_options_found")
GRID_LOCALE = ("page", "of", "pageSizeSelectorLabel", "firstPage", "previousPage", "nextPage", "lastPage",
               "noRowsToShow", "loadingOoo", "filterOoo", "contains", "notContains", "equals", "notEqual",
               "startsWith", "endsWith", "lessThan", "greaterThan", "inRange", "andCondition", "orCondition", "blank",
               "notBlank", "true", "false", "lessThanOrEqual", "greaterThanOrEqual", "to", "applyFilter",
               "resetFilter", "clearFilter")


def dropdown_labels(lang: str) -> dict[str, str]:
    """dcc.Dropdown's own texts ("Search", "No options found", "6 selected") in ``lang``."""
    return {k: t(f"dropdown.{k}", lang) for k in DROPDOWN_LABELS}


def grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's own texts (paging, filters) in ``lang``."""
    return {k: t(f"grid.{k}", lang) for k in GRID_LOCALE}


# Plotly's own texts (modebar tooltips, hints) that the charts can show; translated in the catalog as plotly.<n>.
PLOTLY_TEXTS = ("Autoscale", "Box Select", "Compare data on hover", "Double-click on legend to isolate one trace",
                "Double-click to zoom back out", "Download plot as a PNG", "Download plot", "Lasso Select", "Pan",
                "Reset", "Reset axes", "Reset view", "Reset views", "Show closest data on hover",
                "Image download succeeded", "Preparing image - this may take a few seconds", "Zoom", "Zoom in",
                "Zoom out", "Toggle Spike Lines", "Toggle show closest data on hover", "Snapshot succeeded",
                "Taking snapshot - this may take a few seconds", "Download plot as a SVG")


def plotly_locale(lang: str) -> dict[str, Any]:
    """A Plotly config ``locale`` and its dictionary from the catalog (served with the page, nothing fetched)."""
    if lang == i18n.DEFAULT_LANG:
        return {}
    strings = {en: t(f"plotly.{i:02d}", lang) for i, en in enumerate(PLOTLY_TEXTS)}
    months = [t(f"month.{m:02d}", lang) for m in range(1, 13)]
    fmt = {"months": months, "shortMonths": months}
    return {"locale": lang, "locales": {lang: {"dictionary": strings, "format": fmt}}}


def label_dropdowns(node: Any, lang: str) -> None:
    """Give every dcc.Dropdown under ``node`` its texts in ``lang`` and every dcc.Graph Plotly's texts in ``lang``
    (one place for all pages)."""
    if isinstance(node, dcc.Dropdown):
        if getattr(node, "labels", None) is None:
            setattr(node, "labels", dropdown_labels(lang))  # noqa: B010 (labels is a Dash 4 prop)
        return
    if isinstance(node, dcc.Graph):
        config = getattr(node, "config", None)
        setattr(node, "config", {**(config if isinstance(config, dict) else {}), **plotly_locale(lang)})  # noqa: B010
        return
    children = node if isinstance(node, (list, tuple)) else getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            label_dropdowns(child, lang)
    elif children is not None and not isinstance(children, (str, int, float)):
        label_dropdowns(children, lang)


def request_lang() -> str:
    """The ``?lang=`` of the page being drawn: from Dash's router callback, else from the page request."""
    if not flask.has_request_context():
        return i18n.DEFAULT_LANG
    value: object = flask.request.args.get("lang")
    if flask.request.path.endswith("_dash-update-component"):
        search = str(dash.callback_context.inputs.get("_pages_location.search") or "")
        value = urllib.parse.parse_qs(search.lstrip("?")).get("lang", [None])[0]
    return i18n.lang_of(value)


def page_title(key: str | None) -> Callable[[], str]:
    """A page's browser title in the language of the request (``?lang=``)."""
    def title() -> str:
        lang = request_lang()
        if key is None:
            return t("app.title", lang)
        return t("title.page", lang, page=t(key, lang), app=t("app.title", lang))
    return title


def page_frame(path: str, lang: str, query: Mapping[str, object], children: Any,
               notices: Sequence[str] = ()) -> html.Div:
    """Header with navigation and language switch, any notices, the page, and the footer."""
    nav = html.Nav([
        dcc.Link(t(key, lang), href=href(p, {"lang": lang}), className="active" if p == path else "",
                 refresh=p in static_cache.GRID_PAGES)   # a new page: only the explorer loads AG Grid
        for p, key in NAV
    ], className="nav", **aria(label=t("app.title", lang)))
    switch = html.Div([
        html.A(t("_locale.name", code), href=href(path, query, lang=code), lang=code, className="lang-link",
               **(aria(current="true") if lang == code else {}))
        for code in i18n.LANGS
    ], className="lang-switch", role="group", **aria(label=t("nav.language", lang)))
    notice = [html.Div(n, className="notice", role="status") for n in notices]
    label_dropdowns(children, lang)
    return html.Div([
        html.A(t("a11y.skip", lang), href="#main", className="skip-link"),
        html.Header([
            html.Div([html.A(t("app.title", lang), href=href("/", {"lang": lang}), className="brand"),
                      html.Span(t("app.tagline", lang), className="tagline")]),
            switch,
        ], className="topbar"),
        nav,
        html.Main([*notice, children], id="main", tabIndex="-1", lang=i18n.html_lang(lang)),
        html.Footer([html.P(vintage_line(lang)), html.P(t("footer.license", lang))], className="footer",
                    **aria(data_citation=citation.current(lang))),   # quoted by the chart CSVs (share.js)
    ], className="page", **aria(data_lang=lang))


def chart_block(graph_id: str, caption_id: str, summary_id: str, table_id: str, lang: str,
                height: int = 460, embed: str | None = None, initial: Sequence[Any] | None = None,
                style: Mapping[str, Any] | None = None) -> html.Section:
    """A chart with its caption (unit, year, source), a text summary and its data table behind a toggle; its share
    menu embeds it through its /embed/ route (dashboard/embeds.py) unless ``embed`` names another. ``initial``:
    the page callback's first (figure, caption, summary, table, get-data), drawn with the layout so the first
    chart needs no callback round trip (the callback's first call then gives the same); ``style``: the graph's
    own (its height by default)."""
    config: Any = graph_config(graph_id)   # dcc.Graph's Config TypedDict lacks some of Plotly's keys
    figure, caption_, summary, table, getdata = (list(initial[:5]) if initial else [None] * 5)
    graph = dcc.Graph(id=graph_id, config=config, style=dict(style or {"height": f"{height}px"}), responsive=True,
                      **({"figure": figure} if figure is not None else {}))
    # with a drawn figure the chart stays visible while a callback runs (the spinner only after 400 ms)
    loading: dict[str, Any] = {"overlay_style": {"visibility": "visible"}, "delay_show": 400} if initial else {}
    return html.Section([
        dcc.Loading(graph, type="dot", **loading),
        html.P(caption_, id=caption_id, className="caption"),
        html.P(summary, id=summary_id, className="summary", **aria(live="polite")),
        share_menu(graph_id, lang, embed or embeds.route(graph_id)),
        html.Details([html.Summary(t("chart.table", lang)),
                      html.Div(table, id=table_id, className="table-wrap", tabIndex="0", role="region",
                               **aria(label=t("chart.table", lang)))]),
        html.Div(getdata, id=f"{graph_id}-getdata"),
    ], className="chart-block", **aria(data_chart=graph_id))


def first_outputs(outputs: Sequence[Any]) -> list[Any]:
    """(figure, caption, summary, table, get-data) of a chart callback's outputs (figure, caption, summary, table,
    query, get-data, ...), for ``chart_block(initial=...)``."""
    return [*outputs[:4], outputs[5]]


def static_block(graph_id: str, figure: Any, parts: Sequence[Any], lang: str) -> html.Section:
    """A chart drawn at layout time (``parts``: its caption, summary, table, ...) with the share menu."""
    config: Any = graph_config(graph_id)
    return html.Section([dcc.Graph(id=graph_id, figure=figure, config=config), *parts,
                         share_menu(graph_id, lang, embeds.route(graph_id))],
                        className="chart-block", **aria(data_chart=graph_id))


def share_menu(graph_id: str, lang: str, embed: str | None = None) -> html.Div:
    """Copy link, PNG, SVG, the drawn data as CSV and, where an ``embed`` route exists, the code to embed the
    chart (assets/share.js); nothing leaves the host."""
    items = [("link", i18n.t("components.copy_link", lang)), ("png", "PNG"), ("svg", "SVG"),
             ("csv", i18n.t("components.chart_data_csv", lang))]
    if embed:
        items.append(("embed", i18n.t("components.embed", lang)))
    return html.Div([html.Span(i18n.t("components.share_or_download", lang), className="share-label"),
                     *[html.Button(label, type="button", className="share-btn", id=f"{graph_id}-share-{kind}",
                                   **aria(data_share=kind, data_name=graph_id, data_embed=embed or ""))
                       for kind, label in items]],
                    className="share", role="group", **aria(label=i18n.t("components.share", lang)))


def _py(codes: Sequence[str]) -> str:
    return repr(codes[0]) if len(codes) == 1 else repr(list(codes))


def data_request(indicators: Sequence[str], *, countries: Sequence[str] | None = None, group: str | None = None,
                 year_from: int | None = None, year_to: int | None = None) -> tuple[str, str]:
    """The HTTP API path and the Python read-API call that return exactly these observations."""
    params = [("indicator", ",".join(indicators))]
    args = [_py(indicators)]
    if group:
        params.append(("group", group))
        args.append(f"read.group_members({group!r})")
    elif countries:
        params.append(("country", ",".join(countries)))
        args.append(_py(countries))
    for key, value in (("year_from", year_from), ("year_to", year_to)):
        if value is not None:
            params.append((key, str(value)))
            args.append(f"{key}={value}")
    path = "/api/v1/observations?" + "&".join(f"{k}={v}" for k, v in params)
    return path, f"from etl import read\nframe = read.observations({', '.join(args)})"


def view_links(indicator: str, lang: str, *, countries: Sequence[str] = (), year: int | None = None,
               year_from: int | None = None, year_to: int | None = None, current: str = "") -> html.Div:
    """The same selection as a map, a chart over time and a table, one click apart (OWID's tabs)."""
    views = [("map", i18n.t("components.map", lang), href("/map", {"indicator": indicator, "year": year,
                                                                "lang": lang})),
             ("chart", i18n.t("components.chart_over_time", lang),
              href("/compare", {"indicator": indicator, "countries": list(countries) or None, "lang": lang})),
             ("table", i18n.t("components.table", lang),
              href("/explorer", {"indicators": indicator, "countries": list(countries) or None,
                                 "from": year_from if year_from is not None else year,
                                 "to": year_to if year_to is not None else year, "lang": lang}))]
    return html.Div([html.Span(i18n.t("components.view_as", lang), className="share-label"),
                     *[html.Span(label, className="view-current", **aria(current="page")) if key == current
                       else dcc.Link(label, href=link, className="share-btn view-link", id=f"view-{key}",
                                     refresh=key == "table")   # the explorer: a new page with AG Grid
                       for key, label, link in views]],
                    className="share views", role="group", **aria(label=i18n.t("components.other_views", lang)))


def get_data(request: tuple[str, str], lang: str) -> html.Details:
    """'Get this data': the API URL and the Python snippet that return exactly a chart's data."""
    path, python = request
    try:
        import flask

        url = flask.request.host_url.rstrip("/") + path if flask.has_request_context() else path
    except RuntimeError:
        url = path
    return html.Details([
        html.Summary(i18n.t("components.get_this_data", lang)),
        html.P(i18n.t("components.http_api_json_add_format", lang)),
        html.Pre(html.Code(url)),
        html.P(i18n.t("components.python_in_this_project_s", lang)),
        html.Pre(html.Code(python)),
    ], className="get-data")


def caption(meta: Mapping[str, Any], lang: str, years: str, computed: bool = False) -> str:
    """'Unit: …  ·  Year: …  ·  Source: …' for a chart."""
    parts = [t("chart.unit", lang, unit=i18n.unit(meta, lang) or "—"), t("chart.year", lang, year=years),
             t("chart.source", lang, source=source_text(meta, lang))]
    text = "  ·  ".join(parts)
    return text + ("  ·  " + t("chart.computed", lang, method=facts.method_of(dict(meta), lang)) if computed else "")


def credited(figure: dict[str, Any], credits: str, lang: str) -> dict[str, Any]:
    """``figure`` whose downloaded PNG and SVG add 'Sources and their licences: ``credits``' below the chart (its
    subtitle names the sources only: a phone-width chart cannot hold every licence)."""
    return figures.credited(figure, t("chart.licences", lang, credits=credits))


def quoted(text: str, lang: str, source_lang: str = i18n.DEFAULT_LANG) -> Any:
    """A text quoted in its source's own words (licences, provenance): as it is on pages in that language,
    elsewhere marked 「原文」 ("Original") and tagged with its language."""
    if lang == source_lang:
        return text
    return html.Span([t("quote.original", lang), html.Span(text, lang=i18n.html_lang(source_lang))],
                     className="quote")


def dataset_name(dataset: object, lang: str) -> str:
    """The dataset an indicator comes through, for people ('World Bank WDI'); its id when the catalog has none."""
    key = f"dataset.{dataset}"
    return t(key, lang) if key in i18n.catalog()[i18n.DEFAULT_LANG] else str(dataset)


def source_text(meta: Mapping[str, Any], lang: str = i18n.DEFAULT_LANG) -> str:
    """Who published an indicator and through which dataset, with its license."""
    via = dataset_name(meta.get("dataset"), lang)
    org = read.publisher(meta.get("source_org"), lang)
    lic = meta.get("license") or ""
    return t("chart.source_org", lang, org=org, via=via, license=lic) if org else \
        t("chart.source_dataset", lang, via=via, license=lic)


def _cell(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    if "|" in text or "\\" in text or "\n" in text:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text


def table_rows(rows: Sequence[Sequence[Any]], headers: Sequence[str], max_rows: int = 400) -> dcc.Markdown:
    """A plain accessible table of the first ``max_rows`` rows (one Markdown component: cheap to send)."""
    lines = ["| " + " | ".join(_cell(h) or " " for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:max_rows]]
    return dcc.Markdown("\n".join(lines), className="data-table")


def data_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str]], max_rows: int = 400) -> dcc.Markdown:
    """:func:`table_rows` of a DataFrame's ``columns`` ((key, label) pairs)."""
    cols = [frame[key].tolist()[:max_rows] for key, _ in columns]
    return table_rows(list(zip(*cols, strict=True)) if cols else [], [label for _, label in columns], max_rows)


def link_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str]], nowrap: tuple[str, ...] = ()) -> html.Table:
    """An accessible HTML table whose cells may hold components (links to sources); ``nowrap`` columns stay on
    one line."""
    keep = {"whiteSpace": "nowrap"}
    head = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body = html.Tbody([html.Tr([html.Td(row[key], style=keep if key in nowrap else None) for key, _ in columns])
                       for row in frame.to_dict("records")])
    return html.Table([head, body], className="data-table", style={"width": "100%", "borderCollapse": "collapse"})


def labelled(label: str, control: Any, control_id: str, size: str = "") -> html.Div:
    """A form control with a visible label bound to it (``size``: "", "wide" or "narrow")."""
    return html.Div([html.Label(label, htmlFor=control_id), control], className=f"control {size}".strip())


def url_sync(query_id: str, data: Any = None) -> list[Any]:
    """Stores that carry a page's state to the address bar (see assets/url_state.js); ``data``: the state the
    layout draws, when no callback gives it at load (the first push only replaces the page's history entry)."""
    return [dcc.Store(id=query_id, **({"data": data} if data is not None and data is not dash.no_update else {})),
            dcc.Store(id=f"{query_id}-sink")]


def register_url_sync(query_id: str) -> None:
    """Write the page's state store to the URL on every change."""
    from dash import ClientsideFunction, Input, Output, clientside_callback

    clientside_callback(ClientsideFunction("wic", "push_query"), Output(f"{query_id}-sink", "data"),
                        Input(query_id, "data"))


def options(frame: pd.DataFrame, lang: str, value_col: str, group_col: str | None = None) -> list[dict[str, Any]]:
    """Dropdown options from rows with name_en/name_zh; the code is shown after the name."""
    out = []
    for row in frame.to_dict("records"):
        label = f"{i18n.name(row, lang)} ({row[value_col]})"
        out.append({"label": label, "value": row[value_col], "search": f"{row['name_en']} {row.get('name_zh') or ''}"})
    return out
