"""Explorer: a sortable, filterable table of any indicators, countries and groups, and years, with downloads."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash
import dash_ag_grid as dag
import flask
import openpyxl
import pandas as pd
from dash import Input, Output, State, clientside_callback, dcc, html

from dashboard import components, downloads, encoded, i18n
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import guarded, safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import read

PATH = "/explorer"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.explorer"), order=4)

DEFAULT_INDICATORS = ("IT.NET.USER.ZS", "IT.NET.BBND.P2")
DEFAULT_COUNTRIES = ("CHN", "USA", "WLD", "WIC")
DEFAULT_FROM = 2000
MAX_INDICATORS = 20
MAX_COUNTRIES = 60
GRID_MAX_ROWS = 5000
COLUMNS = ["iso3", "country", "indicator", "indicator_name", "year", "value", "unit", "computed", "carried",
           "source", "license"]
DATASETS = {"wdi": "World Bank WDI", "gapminder": "World Bank WDI (Gapminder Systema Globalis copy)",
            "worldbank-api": "World Bank Indicators API", "derived": "computed here from World Bank WDI"}
GROUP_ORDER = {"world": 0, "wic": 1, "region": 2, "income": 3, "lending": 4}


class ID:
    """Component ids of this page."""

    INDICATORS = "explorer-indicators"
    COUNTRIES = "explorer-countries"
    FROM = "explorer-from"
    TO = "explorer-to"
    GRID = "explorer-grid"
    COUNT = "explorer-count"
    ABOUT = "explorer-about"
    CSV = "explorer-csv"
    XLSX = "explorer-xlsx"
    DOWNLOAD_CSV = "explorer-download-csv"
    DOWNLOAD_XLSX = "explorer-download-xlsx"
    LANG = "explorer-lang"
    QUERY = "explorer-query"
    GRID_QUERY = "explorer-grid-query"
    FILTERED = "explorer-filtered"


# --- selection --------------------------------------------------------------------------------------------

def years() -> list[int]:
    """Every year with any observation."""
    lo, hi = read.year_span()
    return list(range(lo, hi + 1))


def parse_indicators(q: Query, key: str, default: Sequence[str]) -> list[str]:
    """A comma-separated list of indicator codes from the URL; unknown ones dropped with a notice."""
    value = q.raw.get(key)
    if not isinstance(value, str) or not value.strip():
        return list(default)
    known = read.indicator_codes()
    upper = {c.upper(): c for c in known}
    out: list[str] = []
    for code in value.split(","):
        code = code.strip()
        found = code if code in known else upper.get(code.upper())
        if found and found not in out:
            out.append(found)
        elif code and not found:
            q.problems.append(f"{key}: {code:.30}")
    if len(out) > MAX_INDICATORS:
        q.problems.append(f"{key}: > {MAX_INDICATORS}")
    return out[:MAX_INDICATORS] if out else list(default)


def selection(indicators: object, countries: object, year_from: object,
              year_to: object) -> tuple[list[str], list[str], int | None, int | None]:
    """Callback inputs made safe: known codes only (within the limits), years as ordered integers."""
    known_ind, known_cty = read.indicator_codes(), read.country_codes()

    def codes(value: object, known: frozenset[str], limit: int) -> list[str]:
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        out: list[str] = []
        for v in items:
            if isinstance(v, str) and v in known and v not in out:
                out.append(v)
        return out[:limit]

    def year(value: object) -> int | None:
        try:
            y = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError, OverflowError):
            return None
        return y if 1000 <= y <= 3000 else None

    lo, hi = year(year_from), year(year_to)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return (codes(indicators, known_ind, MAX_INDICATORS), codes(countries, known_cty, MAX_COUNTRIES), lo, hi)


def indicator_options(lang: str) -> list[dict[str, Any]]:
    """Catalog indicators first (in pillar order), then every other indicator."""
    return components.options(read.indicator_table(), lang, "code")


def country_options(lang: str) -> list[dict[str, Any]]:
    """World, WIC, regions, income groups and lending types first, then other World Bank groups, then countries."""
    table = read.country_table()
    kinds = dict(zip(read.group_table()["code"], read.group_table()["kind"], strict=True))
    rank = [(GROUP_ORDER.get(kinds.get(c, ""), 5) if agg else 6) for c, agg in
            zip(table["iso3"], table["is_aggregate"], strict=True)]
    frame = table.assign(rank=rank, label=[i18n.name(r, lang) for r in table.to_dict("records")])
    frame = frame.sort_values(["rank", "label"])
    out = components.options(frame, lang, "iso3")
    group = t("explorer.group", lang)
    for option, agg in zip(out, frame["is_aggregate"], strict=True):
        if agg:
            option["label"] = f"{option['label']} · {group}"
    return out


# --- pure functions: rows, metadata, citation, files -------------------------------------------------

def via(meta: Mapping[str, Any]) -> str:
    """The dataset an indicator comes through, for people."""
    dataset = str(meta.get("dataset"))
    return DATASETS.get(dataset, dataset)


def aggregation(meta: Mapping[str, Any]) -> str:
    """How group values of an indicator are computed where the source publishes none."""
    method, weight = meta.get("agg_method"), meta.get("agg_weight")
    if method == "weighted_mean":
        return f"mean weighted by {weight}" if isinstance(weight, str) and weight else "mean"
    if method == "sum":
        return "sum"
    return "not computed"


AGG_KEYS = {"sum": "explorer.agg_sum", "mean": "explorer.agg_mean", "not computed": "explorer.agg_not_computed"}
WEIGHT_KEYS = {"SP.POP.TOTL": "explorer.weight_population", "NY.GDP.MKTP.CD": "explorer.weight_gdp"}


def aggregation_label(text: str, lang: str) -> str:
    """An :func:`aggregation` text for people reading ``lang``."""
    if text.startswith("mean weighted by "):
        weight = text.removeprefix("mean weighted by ")
        name = t(WEIGHT_KEYS[weight], lang) if weight in WEIGHT_KEYS else weight
        return t("explorer.agg_weighted", lang, name=name, weight=weight)
    return t(AGG_KEYS[text], lang) if text in AGG_KEYS else text


def row_source(meta: Mapping[str, Any], computed: bool) -> str:
    """Who published a row's value: the original organization and dataset, or how it was computed here."""
    if computed:
        return f"computed here: {aggregation(meta)} of country values from {via(meta)}"
    org = meta.get("source_org")
    return f"{org}, via {via(meta)}" if isinstance(org, str) and org else via(meta)


def grid_records(rows: Sequence[tuple[str, str, int, float, bool]], lang: str) -> list[dict[str, Any]]:
    """The grid's records from (iso3, indicator, year, value, computed) rows, the same fields as the downloads."""
    names = read.display_names(lang)
    labels = {code: (i18n.name(m, lang), i18n.unit(m, lang))
              for code in {r[1] for r in rows} for m in [read.indicator_meta(code)]}
    return [{"iso3": iso3, "country": names.get(iso3, iso3), "indicator": code, "indicator_name": labels[code][0],
             "year": year, "value": None if value != value else value, "unit": labels[code][1],
             "computed": bool(computed)}
            for iso3, code, year, value, computed in rows]


def tidy_rows(obs: pd.DataFrame, meta: pd.DataFrame, countries: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Observations (iso3, indicator, year, value, computed) as the download's tidy rows, in the same order.

    ``meta`` is indexed by indicator code (name_en/name_zh, unit/unit_zh, source_org, dataset, license,
    agg_method, agg_weight); ``countries`` is indexed by ISO3 (name_en, name_zh).
    """
    if obs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    metas = {code: meta.loc[code].to_dict() for code in obs["indicator"].unique()}
    names = {iso: (i18n.name(countries.loc[iso].to_dict(), lang) if iso in countries.index else iso)
             for iso in obs["iso3"].unique()}
    computed = [bool(c) for c in obs["computed"]] if "computed" in obs else [False] * len(obs)
    frame = pd.DataFrame({
        "iso3": list(obs["iso3"]),
        "country": [names[i] for i in obs["iso3"]],
        "indicator": list(obs["indicator"]),
        "indicator_name": [i18n.name(metas[c], lang) for c in obs["indicator"]],
        "year": [int(y) for y in obs["year"]],
        "value": [float(v) for v in obs["value"]],
        "unit": [i18n.unit(metas[c], lang) for c in obs["indicator"]],
        "computed": computed,
        "carried": [bool(c) for c in obs["carried"]] if "carried" in obs else [False] * len(obs),
        "source": [row_source(metas[c], k) for c, k in zip(obs["indicator"], computed, strict=True)],
        "license": [str(metas[c].get("license") or "") for c in obs["indicator"]],
    })
    return frame


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


ABOUT_COLUMNS = ["indicator", "name_en", "name_zh", "unit", "unit_zh", "source_organization", "dataset", "license",
                 "last_updated", "group_values_computed_as", "definition", "note", "dataset_id"]


def about_rows(metas: Mapping[str, Mapping[str, Any]], codes: Sequence[str]) -> list[dict[str, Any]]:
    """Per-indicator metadata for the 'about' sheet and the page: one dict (:data:`ABOUT_COLUMNS`) per selected
    indicator, from each indicator's metadata by code."""
    rows = []
    for code in codes:
        m = metas[code]
        updated = m.get("last_updated")
        rows.append({
            "indicator": code, "name_en": m.get("name_en"), "name_zh": _text(m.get("name_zh")),
            "unit": _text(m.get("unit")), "unit_zh": _text(m.get("unit_zh")),
            "source_organization": _text(m.get("source_org")),
            "dataset": via(m), "license": _text(m.get("license")),
            "last_updated": "" if updated is None or pd.isna(updated) else str(updated)[:10],
            "group_values_computed_as": aggregation(m),
            "definition": _text(m.get("definition")), "note": _text(m.get("note")),
            "dataset_id": str(m.get("dataset")),
        })
    return rows


def about_table(metas: Mapping[str, Mapping[str, Any]], codes: Sequence[str]) -> pd.DataFrame:
    """:func:`about_rows` as a DataFrame (the downloads' 'about' sheet and citation)."""
    return pd.DataFrame(about_rows(metas, codes), columns=ABOUT_COLUMNS)


def citation(about: pd.DataFrame, sources: pd.DataFrame, built: Any, url: str, lang: str) -> str:
    """How to cite this view: the observatory, the datasets with license and vintage, the build date, the URL."""
    by_id = {r["id"]: r for r in sources.to_dict("records")}
    parts = []
    for dataset in dict.fromkeys(about["dataset_id"] if "dataset_id" in about.columns else []):
        src = by_id.get(dataset)
        if src is None:
            parts.append(DATASETS.get(dataset, dataset))
            continue
        publisher = read.publisher(src["publisher"], lang)
        publisher = publisher if publisher != src["publisher"] else str(publisher).split(";")[0].split("(")[0].strip()
        title = src.get(f"title_{lang}") if isinstance(src.get(f"title_{lang}"), str) else src["title"]
        parts.append(t("explorer.cite_source", lang, title=title, publisher=publisher, license=src["license"],
                       vintage=src["vintage"]))
    orgs = sorted({read.publisher(o, lang) for o in about["source_organization"] if isinstance(o, str) and o})
    date = f"{built:%Y-%m-%d}" if built is not None and hasattr(built, "strftime") else "?"
    data = t("sep.clause", lang).join(parts) or "—"
    origin = t("explorer.cite_orgs", lang, orgs=t("sep.clause", lang).join(orgs)) if orgs else ""
    return t("explorer.cite", lang, data=data, orgs=origin, date=date, url=url)


def license_lines(about: pd.DataFrame, has_computed: bool, lang: str = i18n.DEFAULT_LANG) -> list[str]:
    """One line per indicator (unit, source, license), and what computed rows are."""
    lines = [t("explorer.csv_indicator", lang, code=r["indicator"], name=i18n.name(r, lang) if "name_zh" in r
               else r["name_en"], unit=r["unit"] or "-", org=read.publisher(r["source_organization"], lang) or "-",
               dataset=r["dataset"], license=r["license"] or "-") for r in about.to_dict("records")]
    licenses = sorted({str(x) for x in about["license"] if x})
    lines.append(t("explorer.csv_license", lang, licenses=", ".join(licenses) or "-"))
    if has_computed:
        lines.append(t("explorer.csv_computed", lang))
    return lines


def citation_line(lang: str) -> str:
    """The run id and data vintage of the rows (:func:`etl.citation.current`)."""
    from etl import citation as vintage_citation

    return vintage_citation.current(lang)


def csv_text(rows: pd.DataFrame, comments: Sequence[str], lang: str = i18n.DEFAULT_LANG) -> str:
    """The tidy rows as CSV, preceded by ``# `` comment lines (Chinese files start with a UTF-8 BOM for Excel)."""
    head = "".join(f"# {line.replace(chr(10), ' ')}\n" for line in comments)
    return (downloads.BOM if i18n.rule("csv_bom", lang) == "yes" else "") + head + downloads.frame_csv(rows[COLUMNS])


def excel_bytes(rows: pd.DataFrame, about: pd.DataFrame, comments: Sequence[str]) -> bytes:
    """An Excel workbook: sheet 'data' with the tidy rows, sheet 'about' with the indicators and the citation."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "data"
    downloads.write_frame(data, rows[COLUMNS])
    data.freeze_panes = "A2"
    sheet = book.create_sheet("about")
    start = downloads.write_frame(sheet, about.drop(columns=["dataset_id"], errors="ignore")) + 1
    for i, line in enumerate(comments):
        downloads.put(sheet, start + i, 1, line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count_text(total: int, shown: int, lang: str) -> str:
    """How many rows the selection has and how many the grid shows."""
    if total == 0:
        return t("explorer.no_rows_for_this_selection", lang)
    if shown < total:
        return t("explorer.rows_the_table_shows_the", lang, total=total, shown=shown)
    return t("explorer.rows", lang, total=total)


def parse_filter(q: Query, key: str = "filter") -> dict[str, Any]:
    """The grid's filter model from the URL (JSON, as AG Grid writes it); anything else is dropped with a notice."""
    value = q.raw.get(key)
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        model = json.loads(value)
    except ValueError:
        model = None
    if isinstance(model, dict) and all(k in COLUMNS and isinstance(v, dict) for k, v in model.items()):
        return model
    q.problems.append(f"{key}={value:.30}")
    return {}


def parse_sort(q: Query, key: str = "sort") -> dict[str, str]:
    """'year:desc,value:asc' -> {column: direction}; unknown columns or directions dropped with a notice."""
    value = q.raw.get(key)
    out: dict[str, str] = {}
    if not isinstance(value, str) or not value.strip():
        return out
    for part in value.split(","):
        col, _, direction = part.partition(":")
        if col in COLUMNS and direction in ("asc", "desc"):
            out[col] = direction
        elif part:
            q.problems.append(f"{key}: {part:.30}")
    return out


def shown_rows(rows: pd.DataFrame, filter_model: object, visible: object) -> tuple[pd.DataFrame, bool]:
    """The download's rows: those the grid shows after its filter (and whether a filter was applied)."""
    if not isinstance(filter_model, dict) or not filter_model or not isinstance(visible, list):
        return rows, False
    keys = {(r.get("iso3"), r.get("indicator"), r.get("year")) for r in visible if isinstance(r, dict)}
    mask = [k in keys for k in zip(rows["iso3"], rows["indicator"], rows["year"], strict=True)]
    return rows[mask], True


# --- page ------------------------------------------------------------------------------------------------

VALUE_FORMAT = ("params.value == null ? '' : (Math.abs(params.value) >= 1000 ? d3.format(',.0f')(params.value)"
                " : d3.format(',.4~r')(params.value))")


def column_defs(lang: str) -> list[dict[str, Any]]:
    """The grid's columns with headers in ``lang``."""
    return [
        {"field": "country", "headerName": t("explorer.country_or_group", lang), "pinned": "left",
         "minWidth": 150},
        {"field": "iso3", "headerName": "ISO3", "maxWidth": 90},
        {"field": "indicator_name", "headerName": t("control.indicator", lang), "minWidth": 200,
         "tooltipField": "indicator_name"},
        {"field": "indicator", "headerName": t("explorer.code", lang), "minWidth": 130},
        {"field": "year", "headerName": t("control.year", lang), "filter": "agNumberColumnFilter", "maxWidth": 100},
        {"field": "value", "headerName": t("explorer.value", lang), "filter": "agNumberColumnFilter",
         "type": "numericColumn", "valueFormatter": {"function": VALUE_FORMAT}, "minWidth": 110},
        {"field": "unit", "headerName": t("explorer.unit", lang), "minWidth": 120},
        {"field": "computed", "headerName": t("explorer.computed", lang), "maxWidth": 130,
         "cellDataType": "boolean"},
    ]


def dropdown_labels(lang: str) -> dict[str, Any]:
    """The dropdowns' own texts in ``lang``."""
    return {"labels": components.dropdown_labels(lang)}


@safe_layout
def layout(**query: object) -> html.Div:
    """The explorer page (the selection is in the URL)."""
    q = Query.parse(query)
    lang = q.lang
    indicators = parse_indicators(q, "indicators", DEFAULT_INDICATORS)
    countries = q.countries("countries", DEFAULT_COUNTRIES, limit=MAX_COUNTRIES)
    span = years()
    year_from = q.year("from", DEFAULT_FROM, set(span))
    year_to = q.year("to", span[-1] if span else None, set(span))
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    year_opts = [{"label": str(y), "value": y} for y in span]
    # the rows come with the page: no callback round trip before the grid is filled
    rows, count, about, grid_query, getdata = render(indicators, countries, year_from, year_to, lang)
    controls = html.Div([
        components.labelled(t("explorer.indicators_up_to_type_to", lang, MAX_INDICATORS=MAX_INDICATORS), dcc.Dropdown(
            id=ID.INDICATORS, options=indicator_options(lang), value=indicators, multi=True, optionHeight=40,
            **dropdown_labels(lang),
            placeholder=t("explorer.choose_indicators", lang)), ID.INDICATORS, "wide"),
        components.labelled(t("explorer.countries_and_groups_up_to", lang, MAX_COUNTRIES=MAX_COUNTRIES), dcc.Dropdown(
            id=ID.COUNTRIES, options=country_options(lang), value=countries, multi=True, **dropdown_labels(lang),
            placeholder=t("explorer.choose_countries_or_groups", lang)), ID.COUNTRIES, "wide"),
        components.labelled(t("control.from", lang), dcc.Dropdown(
            id=ID.FROM, options=year_opts, value=year_from, clearable=True, **dropdown_labels(lang)), ID.FROM,
            "narrow"),
        components.labelled(t("control.to", lang), dcc.Dropdown(
            id=ID.TO, options=year_opts, value=year_to, clearable=True, **dropdown_labels(lang)), ID.TO, "narrow"),
    ], className="controls")
    actions = html.Div([
        html.P(count, id=ID.COUNT, className="summary", role="status", **components.aria(live="polite")),
        html.Div([
            html.Button(t("download.csv", lang), id=ID.CSV, n_clicks=0, className="play"),
            html.Button(t("download.xlsx", lang), id=ID.XLSX, n_clicks=0, className="play"),
        ], style={"display": "flex", "gap": "8px", "flexWrap": "wrap"}),
        dcc.Download(id=ID.DOWNLOAD_CSV), dcc.Download(id=ID.DOWNLOAD_XLSX),
    ], style={"display": "flex", "justifyContent": "space-between", "alignItems": "center", "gap": "8px",
              "flexWrap": "wrap", "marginBottom": "6px"})
    filter_model, sort = parse_filter(q), parse_sort(q)
    columns = [{**c, "sort": sort[c["field"]]} if c.get("field") in sort else c for c in column_defs(lang)]
    grid = html.Div(dag.AgGrid(
        id=ID.GRID, columnDefs=columns, rowData=rows, columnSize="responsiveSizeToFit", filterModel=filter_model,
        defaultColDef={"sortable": True, "filter": True, "floatingFilter": True, "resizable": True,
                       "minWidth": 90},
        dashGridOptions={"pagination": True, "paginationPageSize": 100, "animateRows": False,
                         "enableCellTextSelection": True, "tooltipShowDelay": 300,
                         "localeText": components.grid_locale(lang)},
        style={"height": "560px", "width": "100%"}),
        role="region", **components.aria(label=t("explorer.data_table_of_the_selection", lang)))
    body = html.Div([
        html.H1(t("nav.explorer", lang)),
        html.P(t("explorer.any_indicator_any_countries_and", lang), className="lead"),
        controls, actions, html.P(id=ID.FILTERED, className="summary", **components.aria(
            live="polite", data_template=t("explorer.filtered_rows", lang))), grid,
        html.P(t("explorer.computed_marks_group_values_that", lang), className="caption"),
        html.H2(t("explorer.about_the_selected_indicators", lang)),
        html.Div(getdata, id=f"{ID.GRID}-getdata"),
        html.Div(about, id=ID.ABOUT, className="table-wrap"),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY),
        dcc.Store(id=ID.GRID_QUERY, data=None if grid_query is dash.no_update else grid_query),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


def _about_view(about: Sequence[Mapping[str, Any]], lang: str) -> Any:
    if not about:
        return None
    columns = [("indicator", t("explorer.code", lang)), ("name", t("control.indicator", lang)),
               ("unit", t("explorer.unit", lang)), ("source_organization", t("explorer.source", lang)),
               ("dataset", t("explorer.dataset", lang)), ("license", t("explorer.license", lang)),
               ("last_updated", t("explorer.last_updated", lang)),
               ("group_values_computed_as", t("explorer.group_values_computed_as", lang))]
    shown = [{**r, "name": i18n.name(r, lang), "unit": i18n.unit(r, lang),
              "source_organization": read.publisher(r["source_organization"], lang),
              "dataset": components.dataset_name(r["dataset_id"], lang),
              "group_values_computed_as": aggregation_label(r["group_values_computed_as"], lang)} for r in about]
    table = components.table_rows([[r[key] for key, _ in columns] for r in shown], [label for _, label in columns])
    return html.Div(table, style={"minWidth": "760px"})


def build(indicators: object, countries: object, year_from: object, year_to: object,
          lang: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The selection's tidy rows, its indicator metadata and its URL query."""
    codes, places, lo, hi = selection(indicators, countries, year_from, year_to)
    query = {"indicators": codes, "countries": places, "from": lo, "to": hi, "lang": lang}
    meta = read.indicator_table()
    about = about_table(read.indicator_dicts(), codes)
    if not codes or not places:
        return tidy_rows(pd.DataFrame(), meta, read.country_table(), lang), about, query
    obs = read.observations(codes, places, year_from=lo, year_to=hi, with_flags=True)
    return tidy_rows(obs, meta, read.country_table(), lang), about, query


def _comments(rows: pd.DataFrame, about: pd.DataFrame, query: dict[str, Any], lang: str,
              filtered: bool = False) -> list[str]:
    try:
        root = flask.request.url_root.rstrip("/")
    except RuntimeError:  # outside a request (tests of the pure parts)
        root = ""
    url = root + href(PATH, query)
    cite = citation(about, read.sources(), read.data_vintage()["built_at"], url, lang)
    note = [t("explorer.only_the_rows_the_table", lang, n_rows=len(rows))] if filtered else []
    computed = bool(rows["computed"].any()) if not rows.empty else False
    return [cite, citation_line(lang), *note, *license_lines(about, computed, lang)]


@callback(Output(ID.GRID, "rowData"), Output(ID.COUNT, "children"), Output(ID.ABOUT, "children"),
          Output(ID.GRID_QUERY, "data"), Output(f"{ID.GRID}-getdata", "children"),
          Input(ID.INDICATORS, "value"), Input(ID.COUNTRIES, "value"), Input(ID.FROM, "value"),
          Input(ID.TO, "value"), State(ID.LANG, "data"), prevent_initial_call=True)
@guarded(lambda: ([], " ".join(t("error.page", code) for code in i18n.LANGS), None, dash.no_update, None))
def render(indicators: object, countries: object, year_from: object, year_to: object,
           lang: str) -> tuple[Any, ...]:
    """Inputs -> observations -> tidy rows -> grid (capped), row count, indicator notes, URL state."""
    lang = i18n.lang_of(lang)
    codes, places, lo, hi = selection(indicators, countries, year_from, year_to)
    query = {"indicators": codes, "countries": places, "from": lo, "to": hi, "lang": lang}
    rows = read.observation_rows(codes, places, year_from=lo, year_to=hi) if codes and places else []
    records = grid_records(rows[:GRID_MAX_ROWS], lang)
    request = components.data_request(codes, countries=places, year_from=lo, year_to=hi)
    views = components.view_links(codes[0], lang, countries=places, year=hi, year_from=lo, year_to=hi,
                                  current="table") if codes else None
    return (records, count_text(len(rows), len(records), lang), kept_about(codes, lang), query,
            [views, components.get_data(request, lang)] if codes and places else None)


def kept_about(codes: Sequence[str], lang: str) -> Any:
    """The selection's indicator notes, kept per generation of the warehouse as the JSON objects they encode to."""
    def build() -> Any:
        return encoded.plain(_about_view(about_rows(read.indicator_dicts(), codes), lang))

    return read.open_warehouse().memo(("explorer-about", tuple(codes), lang), build, bounded=True)


def _filename(query: Mapping[str, Any], ext: str) -> str:
    built = read.data_vintage()["built_at"]
    stamp = f"{built:%Y%m%d}" if built is not None else "data"
    return f"wic-observatory-{stamp}.{ext}"


@callback(Output(ID.DOWNLOAD_CSV, "data"), Input(ID.CSV, "n_clicks"),
          State(ID.INDICATORS, "value"), State(ID.COUNTRIES, "value"), State(ID.FROM, "value"),
          State(ID.TO, "value"), State(ID.LANG, "data"), State(ID.GRID, "filterModel"),
          State(ID.GRID, "virtualRowData"), prevent_initial_call=True)
@guarded(lambda: dash.no_update)
def download_csv(clicks: int, indicators: object, countries: object, year_from: object, year_to: object,
                 lang: str, filter_model: object = None, visible: object = None) -> Any:
    """Every row of the selection as CSV, with the citation and license lines as ``# `` comments."""
    if not clicks:
        return dash.no_update
    lang = i18n.lang_of(lang)
    rows, about, query = build(indicators, countries, year_from, year_to, lang)
    rows, filtered = shown_rows(rows, filter_model, visible)
    return {"content": csv_text(rows, _comments(rows, about, query, lang, filtered), lang),
            "filename": _filename(query, "csv"), "type": "text/csv", "base64": False}


@callback(Output(ID.DOWNLOAD_XLSX, "data"), Input(ID.XLSX, "n_clicks"),
          State(ID.INDICATORS, "value"), State(ID.COUNTRIES, "value"), State(ID.FROM, "value"),
          State(ID.TO, "value"), State(ID.LANG, "data"), State(ID.GRID, "filterModel"),
          State(ID.GRID, "virtualRowData"), prevent_initial_call=True)
@guarded(lambda: dash.no_update)
def download_xlsx(clicks: int, indicators: object, countries: object, year_from: object, year_to: object,
                  lang: str, filter_model: object = None, visible: object = None) -> Any:
    """Every row of the selection as an Excel workbook (sheets 'data' and 'about')."""
    if not clicks:
        return dash.no_update
    lang = i18n.lang_of(lang)
    rows, about, query = build(indicators, countries, year_from, year_to, lang)
    rows, filtered = shown_rows(rows, filter_model, visible)
    content = excel_bytes(rows, about, _comments(rows, about, query, lang, filtered))
    return dcc.send_bytes(content, _filename(query, "xlsx"))


clientside_callback(   # the selection plus the grid's filter and sort, for the URL
    """function (base, model, columns) {
        if (!base) { return window.dash_clientside.no_update; }
        const sort = (columns || []).filter(c => c.sort).sort((a, b) => (a.sortIndex || 0) - (b.sortIndex || 0))
            .map(c => c.colId + ':' + c.sort).join(',');
        const filter = model && Object.keys(model).length ? JSON.stringify(model) : null;
        return Object.assign({}, base, {filter: filter, sort: sort || null});
    }""", Output(ID.QUERY, "data"), Input(ID.GRID_QUERY, "data"), Input(ID.GRID, "filterModel"),
    Input(ID.GRID, "columnState"))

clientside_callback(   # say what the downloads hold when the grid is filtered
    """function (visible, model, all, lang) {
        if (!model || !Object.keys(model).length || !visible || !all) { return ''; }
        const n = visible.length.toLocaleString('en'), m = all.length.toLocaleString('en');
        const template = document.getElementById('explorer-filtered').dataset.template;   // from the catalog
        return template.split('{n}').join(n).split('{m}').join(m);
    }""", Output(ID.FILTERED, "children"), Input(ID.GRID, "virtualRowData"), State(ID.GRID, "filterModel"),
    State(ID.GRID, "rowData"), State(ID.LANG, "data"))

components.register_url_sync(ID.QUERY)
