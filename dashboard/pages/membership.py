"""Membership: the publicly named WIC members by category and country, the official counts, and the register."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components, encoded, figures, i18n
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import ERROR_TEXT, guarded, safe_layout
from dashboard.state import Query
from etl import read

PATH = "/membership"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.membership"), order=5)

UNKNOWN = "—"


class ID:
    """Component ids of this page."""

    CATEGORY = "membership-category"
    COUNTRY = "membership-country"
    MAP = "membership-map"
    MAP_CAPTION = "membership-map-caption"
    MAP_SUMMARY = "membership-map-summary"
    MAP_TABLE = "membership-map-table"
    CATS = "membership-categories"
    CATS_CAPTION = "membership-categories-caption"
    CATS_SUMMARY = "membership-categories-summary"
    CATS_TABLE = "membership-categories-table"
    BYCOUNTRY = "membership-by-country"
    BYCOUNTRY_CAPTION = "membership-by-country-caption"
    BYCOUNTRY_SUMMARY = "membership-by-country-summary"
    BYCOUNTRY_TABLE = "membership-by-country-table"
    COUNTS = "membership-counts"
    COUNTS_CAPTION = "membership-counts-caption"
    COUNTS_SUMMARY = "membership-counts-summary"
    COUNTS_TABLE = "membership-counts-table"
    REGISTER = "membership-register"
    REGISTER_COUNT = "membership-register-count"
    LANG = "membership-lang"
    QUERY = "membership-query"


# --- words ---------------------------------------------------------------------------------------------

def category_name(category: str, lang: str) -> str:
    """A member category in ``lang``."""
    return read.member_label("category", category, lang)


def qualified(number: int, word: object, lang: str) -> str:
    """A count with its qualifier: 'about 170', 'more than 120', '约170'."""
    return i18n.qualified(number, word if isinstance(word, str) else "exact", lang)


def _date(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else str(value)[:10]


def members_note(members: pd.DataFrame, counts: pd.DataFrame, lang: str) -> str:
    """The plain statement: publicly named members only, out of the latest official total (from the warehouse)."""
    if counts.empty:
        return i18n.t("membership.this_lists_the_publicly_named", lang, n_members=len(members))
    latest = counts.sort_values("as_of").iloc[-1]
    qualifier = i18n.qualifier(str(latest["members_qualifier"] or "exact"), lang)
    return t("members.note", lang, named=len(members), qualifier=qualifier, total=int(latest["members"]),
             date=_date(latest["as_of"]))


def source_line(lang: str) -> str:
    """Where the membership facts come from."""
    src = read.sources()
    row = src[src["id"] == "members"]
    if row.empty:
        return i18n.t("membership.membership_facts_compiled_from_p", lang)
    r = row.iloc[0]
    title = i18n.localized(r, "title", lang)
    return f"{title} ({r['license']}, {_date(r['vintage'])})"


def caption(unit: str, when: str, lang: str, short: bool = False) -> str:
    """'Unit · Year · Source' for a membership chart (``short``: the source in a few words, for the figure)."""
    source = (i18n.t("membership.public_reports_each_member_with", lang) if short
              else source_line(lang))
    return "  ·  ".join([t("chart.unit", lang, unit=unit), t("chart.year", lang, year=when),
                         t("chart.source", lang, source=source)])


# --- pure functions: frames and figures ----------------------------------------------------------------

def filter_members(members: pd.DataFrame, category: str | None, country: str | None) -> pd.DataFrame:
    """Members in ``category`` and headquartered in ``country`` (either may be empty for all)."""
    out = members
    if category:
        out = out[out["category"] == category]
    if country:
        out = out[out["country_iso3"] == country]
    return out


def country_counts(members: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Members per country (known countries only): iso3, name, value, categories, label; most first."""
    known = members[members["country_iso3"].notna()]
    rows = []
    for iso3, part in known.groupby("country_iso3", sort=False):
        first = part.iloc[0]
        name = i18n.localized(first, "country", lang) or i18n.localized(first, "country", i18n.DEFAULT_LANG) \
            or str(iso3)
        cats = part["category"].value_counts()
        detail = ", ".join(f"{category_name(str(c), lang)} {n}" for c, n in cats.items())
        rows.append({"iso3": iso3, "name": name, "value": len(part), "categories": detail})
    frame = pd.DataFrame(rows, columns=["iso3", "name", "value", "categories"])
    frame = frame.sort_values(["value", "iso3"], ascending=[False, True]).reset_index(drop=True)
    word = i18n.t("membership.named_members", lang)
    frame["label"] = [f"<b>{n}</b><br>{v} {word}<br>{c}" for n, v, c in
                      zip(frame["name"], frame["value"], frame["categories"], strict=True)]
    return frame


def category_counts(members: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Members per category: key, label, value, hover; most first."""
    counts = members["category"].value_counts()
    frame = pd.DataFrame({"key": list(counts.index), "value": [int(v) for v in counts.values]})
    frame["label"] = [category_name(str(k), lang) for k in frame["key"]]
    total = max(len(members), 1)
    frame["hover"] = [f"<b>{lbl}</b><br>{v} ({v / total:.0%})" for lbl, v in
                      zip(frame["label"], frame["value"], strict=True)]
    return frame


def counts_table(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Official counts with their qualifiers spelled out: date, members, countries, occasion, source."""
    frame = counts.sort_values("as_of").reset_index(drop=True)
    return pd.DataFrame({
        "date": [_date(d) for d in frame["as_of"]],
        "members": [qualified(int(n), q, lang) for n, q in zip(frame["members"], frame["members_qualifier"],
                                                                 strict=True)],
        "countries": [qualified(int(n), q, lang) for n, q in
                      zip(frame["countries_and_regions"], frame["countries_qualifier"], strict=True)],
        "continents": [int(c) for c in frame["continents"]],
        "occasion": [read.member_label("occasion", o, lang) if isinstance(o, str) else "" for o in frame["occasion"]],
        "source_title": [s if isinstance(s, str) else "" for s in frame["source_title"]],
        "source_url": [s if isinstance(s, str) else "" for s in frame["source_url"]],
        "confidence": [read.member_label("confidence", c, lang) if isinstance(c, str) else ""
                       for c in frame["confidence"]],
        "members_n": [int(n) for n in frame["members"]],
        "countries_n": [int(n) for n in frame["countries_and_regions"]],
    })


def counts_figure(table: pd.DataFrame, *, title: str, note: str, lang: str) -> dict[str, Any]:
    """Official totals over time: members and countries/regions, each point labelled with its qualifier."""
    members_word = i18n.t("membership.members", lang)
    places_word = i18n.t("membership.countries_and_regions", lang)

    def hover(row: Mapping[str, Any]) -> str:
        src = f"<br>{row['source_title']}" if row["source_title"] else ""
        return (f"<b>{row['date']}</b><br>{row['members']} {members_word}<br>{row['countries']} {places_word}"
                f"<br>{row['occasion']}{src}")

    hovers = [hover(r) for r in table.to_dict("records")]
    traces = [
        {"type": "scatter", "mode": "lines+markers+text", "name": i18n.t("membership.members_748feb", lang),
         "x": list(table["date"]), "y": list(table["members_n"]), "text": list(table["members"]),
         "textposition": "top center", "customdata": hovers, "hovertemplate": "%{customdata}<extra></extra>",
         "line": {"color": figures.PALETTE[0], "width": 2.5}, "marker": {"size": 8, "symbol": "circle"}},
        {"type": "scatter", "mode": "lines+markers+text", "name": i18n.t(
                "membership.countries_and_regions_b6bab3", lang),
         "x": list(table["date"]), "y": list(table["countries_n"]), "text": list(table["countries"]),
         "textposition": "bottom center", "customdata": hovers, "hovertemplate": "%{customdata}<extra></extra>",
         "line": {"color": figures.PALETTE[3], "width": 2.5, "dash": "dash"},
         "marker": {"size": 8, "symbol": "square"}},
    ]
    top = max([*table["members_n"], 1]) * 1.18
    layout = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16},
                  "subtitle": {"text": figures.wrap(note), "font": {"size": 11, "color": "#555"}}},
        "font": figures.FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {"l": 50, "r": 30, "t": 76 + 14 * figures.wrap(note).count("<br>"), "b": 60},
        "hovermode": "closest",
        "xaxis": {"type": "date", "gridcolor": "#eee", "tickformat": i18n.t("chart.month_tickformat", lang)},
        "yaxis": {"title": {"text": i18n.t("membership.number", lang)}, "gridcolor": "#eee", "range": [0, top]},
        "legend": {"orientation": "h", "y": -0.12},
    }
    return {"data": traces, "layout": layout}


def register_rows(members: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The register for display: name, category, country, evidence, first reported, source (link), confidence."""
    rows = []
    for m in members.sort_values(["first_reported", "member_id"]).to_dict("records"):
        country = i18n.localized(m, "country", lang) or i18n.localized(m, "country", i18n.DEFAULT_LANG) or None
        title = m["source_title"] if isinstance(m["source_title"], str) else ""
        url = m["source_url"] if isinstance(m["source_url"], str) and m["source_url"].startswith("http") else ""
        source: Any = html.A(title or url, href=url, target="_blank", rel="noopener noreferrer") if url else \
            (title or UNKNOWN)
        confidence = str(m["confidence"]) if isinstance(m["confidence"], str) else ""
        rows.append({
            "name": m["name"], "category": category_name(str(m["category"]), lang),
            "country": country if isinstance(country, str) else UNKNOWN,
            "evidence": read.member_label("evidence", m["evidence"], lang),
            "first_reported": _date(m["first_reported"]), "source": source,
            "confidence": read.member_label("confidence", confidence, lang),
        })
    return pd.DataFrame(rows, columns=["name", "category", "country", "evidence", "first_reported", "source",
                                       "confidence"])


# --- page ----------------------------------------------------------------------------------------------


def category_options(members: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """All categories present in the register, largest first."""
    cats = members["category"].value_counts().index
    return ([{"label": i18n.t("membership.all_categories", lang), "value": ""}]
            + [{"label": category_name(str(c), lang), "value": str(c)} for c in cats])


def country_options(members: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Countries with at least one named member, most members first."""
    counts = country_counts(members, lang)
    return ([{"label": i18n.t("membership.all_countries", lang), "value": ""}]
            + [{"label": f"{r['name']} ({r['iso3']}) · {r['value']}", "value": r["iso3"]}
               for r in counts.to_dict("records")])


@safe_layout
def layout(**query: object) -> html.Div:
    """The membership page (filters in the URL)."""
    q = Query.parse(query)
    lang = q.lang
    kept = page_data(lang)
    category = q.choice("category", "", kept["category_codes"])
    country = q.country("country", "", kept["country_codes"]) or ""
    labels: dict[str, Any] = {"labels": components.dropdown_labels(lang)}
    controls = html.Div([
        components.labelled(i18n.t("membership.category", lang), dcc.Dropdown(
            id=ID.CATEGORY, options=kept["categories"], value=category, clearable=False, **labels),
            ID.CATEGORY),
        components.labelled(i18n.t("membership.country_of_the_member", lang), dcc.Dropdown(
            id=ID.COUNTRY, options=kept["countries"], value=country, clearable=False, **labels),
            ID.COUNTRY),
    ], className="controls")
    body = html.Div([
        html.H1(i18n.t("membership.wic_membership", lang)),
        html.P(html.Strong(kept["note"]), className="notice", role="note",
               style={"fontSize": "16px"}),
        html.P(i18n.t("membership.the_register_below_names_only", lang), className="lead"),
        html.H2(i18n.t("membership.official_counts_over_time", lang)),
        components.chart_block(ID.COUNTS, ID.COUNTS_CAPTION, ID.COUNTS_SUMMARY, ID.COUNTS_TABLE, lang, height=420,
                               initial=kept["counts"]),
        html.H2(i18n.t("membership.publicly_named_members_a4e0d1", lang)),
        controls,
        # the other three charts come from one callback while the first is drawn: with the layout they would
        # make it (and its render) about twice as large and the first chart later
        components.chart_block(ID.MAP, ID.MAP_CAPTION, ID.MAP_SUMMARY, ID.MAP_TABLE, lang, height=460),
        html.Div([
            components.chart_block(ID.CATS, ID.CATS_CAPTION, ID.CATS_SUMMARY, ID.CATS_TABLE, lang, height=500),
            components.chart_block(ID.BYCOUNTRY, ID.BYCOUNTRY_CAPTION, ID.BYCOUNTRY_SUMMARY, ID.BYCOUNTRY_TABLE,
                                   lang, height=500),
        ], className="grid2"),
        html.H2(i18n.t("membership.the_register_of_publicly_named", lang)),
        html.P(id=ID.REGISTER_COUNT, className="summary", role="status", **components.aria(live="polite")),
        html.Div(id=ID.REGISTER, className="table-wrap", style={"maxHeight": "640px"}),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


def page_data(lang: str) -> dict[str, Any]:
    """The page's filter options, notice and counts chart in ``lang``, once per generation of the warehouse.

    Its components are leaves that every request's tree shares and nothing changes (an embed takes a chart block,
    which each request builds anew, out of its own tree)."""
    def build() -> dict[str, Any]:
        members = read.members()
        return {"category_codes": set(members["category"].dropna()),
                "country_codes": set(members["country_iso3"].dropna()),
                "categories": category_options(members, lang), "countries": country_options(members, lang),
                "note": members_note(members, read.membership_counts(), lang), "counts": render_counts(lang)}
    data: dict[str, Any] = read.open_warehouse().memo(("membership-page", "data", lang), build)
    return data


def counts_summary(table: pd.DataFrame, lang: str) -> str:
    """One sentence from the first to the latest official count."""
    if table.empty:
        return t("nodata", lang)
    a, b = table.iloc[0], table.iloc[-1]
    return t("summary.membership_counts", lang, a_members=a["members"], a_date=a["date"], b_members=b["members"],
             b_date=b["date"], a_countries=a["countries"], b_countries=b["countries"], continents=int(b["continents"]))


@guarded(lambda: (figures.message(ERROR_TEXT), "", ERROR_TEXT, None, None))
def render_counts(lang: str) -> tuple[Any, ...]:
    """The official totals with their qualifiers (figure, caption, summary, table, get-data), drawn with the page."""
    lang = i18n.lang_of(lang)
    table = counts_table(read.membership_counts(), lang)
    when = f"{table['date'].iloc[0]} – {table['date'].iloc[-1]}" if not table.empty else "—"
    unit = i18n.t("membership.members_countries_and_regions", lang)
    note = caption(unit, when, lang)
    title = i18n.t("membership.official_wic_membership_totals_a", lang)
    fig = counts_figure(table, title=title, note=caption(unit, when, lang, short=True), lang=lang)
    shown = table.assign(source=[html.A(s or u, href=u, target="_blank", rel="noopener noreferrer") if u else s
                                 for s, u in zip(table["source_title"], table["source_url"], strict=True)])
    data = components.link_table(shown, [
        ("date", i18n.t("membership.date", lang)), ("members", i18n.t("membership.members_748feb", lang)),
        ("countries", i18n.t("membership.countries_and_regions_b6bab3", lang)),
        ("continents", i18n.t("membership.continents", lang)),
        ("occasion", i18n.t("membership.occasion", lang)), ("source", i18n.t("membership.source", lang)),
        ("confidence", i18n.t("membership.confidence", lang))], nowrap=("date",))
    request = ("/api/v1/membership-counts", "from etl import read\ncounts = read.membership_counts()")
    return fig, note, counts_summary(table, lang), data, components.get_data(request, lang)


def count_scale(fig: dict[str, Any], counts: list[int]) -> None:
    """A log colour scale of member counts that starts at one member, with ticks at 1, 2, 5, 10, 20, ..."""
    coloured = [t for t in fig["data"] if t.get("colorbar")]
    if not coloured or not counts:
        return
    top = max(max(counts), 2)
    ticks = [m * 10 ** k for k in range(0, len(str(top)) + 1) for m in (1, 2, 5) if m * 10 ** k <= top]
    coloured[0].update(zmin=0, zmax=math.log10(top))
    coloured[0]["colorbar"].update(tickvals=[math.log10(v) for v in ticks], ticktext=[str(v) for v in ticks])


def fill_block(fig: dict[str, Any], n_bars: int, slots: int = 8) -> None:
    """Let a bar chart fill its chart block, keeping bars slim when there are only a few."""
    fig["layout"].pop("height", None)
    fig["layout"].setdefault("yaxis", {})["range"] = [-0.5, max(n_bars, slots) - 0.5]


def map_shapes(lang: str) -> list[tuple[str, str]]:
    """(iso3, name) of every economy the map draws, once per generation of the warehouse."""
    def build() -> list[tuple[str, str]]:
        countries = read.country_table()
        shapes = countries[~countries["is_aggregate"] & countries["in_wb_list"]]
        return [(str(r["iso3"]), i18n.name(r, lang)) for r in shapes.to_dict("records")]
    return list(read.open_warehouse().memo(("membership-page", "shapes", lang), build))


def warm() -> None:
    """Build the page's per-generation data (dashboard.app's warm-up)."""
    for lang in i18n.LANGS:
        map_shapes(lang)
        page_data(lang)
        views("", "", lang)


def member_views(members: pd.DataFrame, category: str, country: str, lang: str) -> tuple[Any, ...]:
    """Map, category bars, country bars (each figure, caption, summary, table) and the register."""
    chosen = filter_members(members, category, country)
    n = len(chosen)
    unit = i18n.t("membership.publicly_named_members", lang)
    when = f"{_date(members['first_reported'].min())} – {_date(members['first_reported'].max())}"
    note = caption(unit, when, lang)
    short = caption(unit, when, lang, short=True)
    by_country = country_counts(chosen, lang)
    by_category = category_counts(chosen, lang)
    unknown = int(chosen["country_iso3"].isna().sum())
    scope = "" if not category else f" · {category_name(category, lang)}"
    # map
    drawn = map_shapes(lang)
    coloured = list(zip(by_country["iso3"], by_country["value"], by_country["label"], strict=True))
    map_fig = figures.choropleth(coloured, drawn, title=i18n.t("membership.named_members_by_country", lang) + scope,
                                 note=short, colorbar=i18n.t("membership.members_cc05a9", lang), log=True,
                                 nodata=i18n.t("membership.no_publicly_named_member", lang))
    count_scale(map_fig, [int(v) for v in by_country["value"]])
    if by_country.empty:
        map_summary = i18n.t("membership.no_named_member_matches_these", lang)
    else:
        top = by_country.iloc[0]
        map_summary = (i18n.plural("membership.map_summary", n, lang, places=i18n.plural(
                           "membership.n_countries", len(by_country), lang), top=top["name"], most=top["value"])
                       + (i18n.plural("membership.unknown_country", unknown, lang) if unknown else ""))
    country_table = components.data_table(by_country, [("name", t("control.country", lang)), ("iso3", "ISO3"),
                                                       ("value", unit), ("categories", i18n.t(
                                                               "membership.categories", lang))])
    # categories
    cat_fig = figures.bars(by_category, title=i18n.t("membership.named_members_by_category", lang) +
                           ("" if not country else f" · {country}"), note=short, x_title=unit)
    fill_block(cat_fig, len(by_category))
    if by_category.empty:
        cat_summary = i18n.t("membership.no_named_member_matches_these", lang)
    else:
        c0 = by_category.iloc[0]
        cat_summary = i18n.plural("membership.category_summary", len(by_category), lang, label=c0["label"],
                                  value=c0["value"], total=n)
    cat_table = components.data_table(by_category, [("label", i18n.t("membership.category", lang)), ("value", unit)])
    # countries as bars
    bars_frame = by_country.rename(columns={"iso3": "key"}).assign(
        label=[f"{nm} ({k})" for nm, k in zip(by_country["name"], by_country["iso3"], strict=True)],
        hover=list(by_country["label"]))
    if unknown:
        bars_frame = pd.concat([bars_frame, pd.DataFrame([{
            "key": "", "label": i18n.t("membership.country_not_known", lang), "value": unknown,
            "hover": i18n.t("membership.member_s_with_no_known", lang, unknown=unknown)}])],
            ignore_index=True)
    bar_fig = figures.bars(bars_frame, title=i18n.t("membership.named_members_per_country", lang) + scope,
                           note=short, x_title=unit, highlight=[country] if country else ())
    fill_block(bar_fig, len(bars_frame))
    bar_summary = map_summary
    register = register_rows(chosen, lang)
    register_table = components.link_table(register, [
        ("name", i18n.t("membership.member", lang)), ("category", i18n.t("membership.category", lang)),
        ("country", t("control.country", lang)), ("evidence", i18n.t("membership.evidence", lang)),
        ("first_reported", i18n.t("membership.first_reported", lang)), ("source", i18n.t("membership.source", lang)),
        ("confidence", i18n.t("membership.confidence", lang))],
        nowrap=("category", "country", "first_reported", "confidence") if i18n.rule("short_cells_nowrap", lang) == "yes"
        else ("first_reported",))
    count = i18n.t("membership.of_publicly_named_members_shown", lang, n=n, n_members=len(members))
    return (map_fig, note, map_summary, country_table, cat_fig, note, cat_summary, cat_table,
            bar_fig, note, bar_summary, country_table, html.Div(register_table, style={"minWidth": "860px"}), count)


def _views_fallback() -> tuple[Any, ...]:
    chart = (figures.message(ERROR_TEXT), "", ERROR_TEXT, None)
    return (*chart, *chart, *chart, None, ERROR_TEXT, dash.no_update, None, None, None)


@callback(Output(ID.MAP, "figure"), Output(ID.MAP_CAPTION, "children"), Output(ID.MAP_SUMMARY, "children"),
          Output(ID.MAP_TABLE, "children"),
          Output(ID.CATS, "figure"), Output(ID.CATS_CAPTION, "children"), Output(ID.CATS_SUMMARY, "children"),
          Output(ID.CATS_TABLE, "children"),
          Output(ID.BYCOUNTRY, "figure"), Output(ID.BYCOUNTRY_CAPTION, "children"),
          Output(ID.BYCOUNTRY_SUMMARY, "children"), Output(ID.BYCOUNTRY_TABLE, "children"),
          Output(ID.REGISTER, "children"), Output(ID.REGISTER_COUNT, "children"), Output(ID.QUERY, "data"),
          Output(f"{ID.MAP}-getdata", "children"), Output(f"{ID.CATS}-getdata", "children"),
          Output(f"{ID.BYCOUNTRY}-getdata", "children"),
          Input(ID.CATEGORY, "value"), Input(ID.COUNTRY, "value"), State(ID.LANG, "data"))
@guarded(_views_fallback)
def render(category: object, country: object, lang: str) -> tuple[Any, ...]:
    """Filters -> register -> map, bars and table."""
    lang = i18n.lang_of(lang)
    members = read.members()
    category = category if isinstance(category, str) and category in set(members["category"].dropna()) else ""
    country = country if isinstance(country, str) and country in set(members["country_iso3"].dropna()) else ""
    query = {"category": category or None, "country": country or None, "lang": lang}
    filters = [f"members.category == {category!r}"] if category else []
    filters += [f"members.country_iso3 == {country!r}"] if country else []
    python = "from etl import read\nmembers = read.members()" + (
        f"\nmembers = members[({') & ('.join(filters)})]" if filters else "")
    path = "/api/v1/members" + (f"  (then keep {' and '.join(filters)})" if filters else "")
    block = components.get_data((path, python), lang)
    return (*views(category, country, lang), query, block, block, block)


def views(category: str, country: str, lang: str) -> tuple[Any, ...]:
    """:func:`member_views` of the register, kept per generation of the warehouse as the JSON objects it encodes to
    (the register's thousands of cells are built and encoded once, not per request)."""
    return tuple(read.open_warehouse().memo(
        ("membership-views", category, country, lang),
        lambda: tuple(encoded.plain(v) for v in member_views(read.members(), category, country, lang)),
        bounded=True))


components.register_url_sync(ID.QUERY)
