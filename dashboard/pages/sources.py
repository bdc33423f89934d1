"""Sources and methodology: every source, the catalog by pillar, how group values are computed, the ETL runs,
and what the warehouse does not cover."""

from __future__ import annotations

import json
import re
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components, encoded, i18n
from dashboard.bundle import PATH as BUNDLE_PATH
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import ERROR_TEXT, guarded, safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import read

PATH = "/sources"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.sources"), order=6)

WEIGHTS = {"SP.POP.TOTL": "sources.weight_population", "NY.GDP.MKTP.CD": "sources.weight_gdp"}
WB_KINDS = ("world", "region", "income")

# What the warehouse does not hold: (codes that would show it is now covered, catalog key of the text).
NOT_COVERED: list[tuple[tuple[str, ...], str]] = [
    ((), "sources.not_covered_itu"),
    (("BX.GSR.CCIS.ZS", "BX.GSR.CCIS.CD"), "sources.not_covered_ict_services"),
    (("TX.VAL.ICTG.ZS.UN", "TM.VAL.ICTG.ZS.UN"), "sources.not_covered_ict_goods"),
    (("FX.OWN.TOTL.ZS",), "sources.not_covered_findex"),
    ((), "sources.not_covered_gapminder_groups"),
    ((), "sources.not_covered_classification"),
]


class ID:
    """Component ids of this page."""

    PILLAR = "sources-pillar"
    CATALOG = "sources-catalog"
    LANG = "sources-lang"
    QUERY = "sources-query"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _date(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else str(value)[:10]


# --- pure functions --------------------------------------------------------------------------------------

FILE = re.compile(r"\s*(?:from |in |into |via )?(?:[\w.<>-]+/)*[\w.<>-]+\.(?:csv|ya?ml|json|py|xlsx|duckdb)\b")
FOLDER = re.compile(r"\s*(?:from |in |into |copied into )?\b(?:shared/)?data/[\w/.-]*")


def for_readers(text: str) -> str:
    """A source's origin or description without the project's file paths and commands (those are for
    developers: README.md): sentences with a `command` go, file paths go, commit hashes are shortened."""
    sentences = [x for x in re.split(r"(?<=[.;])\s+", text) if "`" not in x]
    out = " ".join(sentences)
    out = FOLDER.sub("", FILE.sub("", out))
    out = re.sub(r"\bcommit ([0-9a-f]{7})[0-9a-f]+", r"commit \1", out)
    out = re.sub(r"\(\s*[,;]?\s*\)", "", out)
    out = re.sub(r"\s+([,;.)])", r"\1", out)
    out = re.sub(r"([,;])\1+", r"\1", out)
    out = re.sub(r"^[\s,;]+|[\s,;]+$", "", out)
    out = re.sub(r"\(\s+", "(", out)
    return re.sub(r"\s{2,}", " ", out)

def source_rows(sources: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per source: title, publisher, license, origin, vintage, indicators and their last update."""
    rows = []
    for s in sources.to_dict("records"):
        mine = indicators[indicators["dataset"] == s["id"]]
        updated = [_date(d) for d in mine["last_updated"] if _date(d)]
        last = (min(updated) if min(updated) == max(updated) else f"{min(updated)} – {max(updated)}") if updated \
            else _date(s["vintage"])
        licenses = sorted({str(x) for x in mine["license"] if isinstance(x, str)}) or [_text(s["license"])]
        title = i18n.localized(s, "title", lang)
        url = _text(s.get("url"))
        rows.append({
            "id": s["id"], "source": html.A(title, href=url, target="_blank", rel="noopener noreferrer")
            if url.startswith("http") else title,
            "title": title, "publisher": read.publisher(_text(s["publisher"]), lang),
            "license": components.quoted("; ".join(licenses), lang),
            "origin": components.quoted(for_readers(_text(s["origin"])) or "—", lang), "vintage": _date(s["vintage"]),
            "last_updated": last, "indicators": len(mine) if len(mine) else "—",
            "description": for_readers(read.source_text(s["id"], "description", lang, _text(s["description"]))),
        })
    return pd.DataFrame(rows, columns=["id", "source", "title", "publisher", "license", "origin", "vintage",
                                       "last_updated", "indicators", "description"])


def direction(value: object, lang: str) -> str:
    """Whether higher values are better, in words."""
    if value is True:
        return t("sources.higher_is_better", lang)
    if value is False:
        return t("sources.lower_is_better", lang)
    return t("sources.no_normative_direction", lang)


def group_method(method: object, weight: object, groups: str, lang: str) -> str:
    """How an indicator's group values are computed, and for which groups (``groups``: 'wb+wic', 'wic', '')."""
    if method == "weighted_mean":
        by = t(WEIGHTS[str(weight)], lang) if str(weight) in WEIGHTS else str(weight)
        text = t("sources.mean_weighted_by", lang, by=by)
    elif method == "sum":
        text = t("sources.sum_of_reporting_countries", lang)
    else:
        return t("sources.not_computed_survey_score", lang) if method == "none" else \
            t("sources.not_computed", lang)
    if groups == "wb+wic":
        where = t("sources.world_bank_groups_and_wic", lang)
    elif groups == "wic":
        where = t("sources.wic_only_world_bank_aggregates", lang)
    else:
        where = t("sources.none_computed_in_this_build", lang)
    return f"{text} — {where}"


def computed_groups(coverage: pd.DataFrame, groups: pd.DataFrame) -> dict[str, str]:
    """For each indicator with computed group values: 'wb+wic' if any World Bank group is computed, else 'wic'."""
    wb = groups.loc[groups["kind"].isin(WB_KINDS), "code"]
    any_wb = coverage["iso3"].isin(wb).groupby(coverage["indicator"]).any()
    return {str(code): "wb+wic" if has else "wic" for code, has in any_wb.items()}


def kept_computed_groups() -> dict[str, str]:
    """:func:`computed_groups` of the warehouse, once per generation of the file (its whole coverage table)."""
    return dict(read.open_warehouse().memo(("sources-page", "computed-groups"),
                                           lambda: computed_groups(read.aggregate_coverage(), read.groups())))


def catalog_rows(indicators: pd.DataFrame, coverage_kind: dict[str, str], pillar: str, lang: str) -> pd.DataFrame:
    """The catalog indicators of one pillar with names, units, direction, source and group method."""
    part = indicators[(indicators["in_catalog"]) & (indicators["pillar"] == pillar)]
    return pd.DataFrame({
        "code": list(part["code"]),
        "name_en": list(part["name_en"]),
        "name_zh": [_text(x) for x in part["name_zh"]],
        "unit": [i18n.unit(r, lang) for r in part.to_dict("records")],
        "direction": [direction(None if pd.isna(v) else bool(v), lang) for v in part["higher_is_better"]],
        "source_org": [read.publisher(_text(x), lang) for x in part["source_org"]],
        "groups": [group_method(m, w, coverage_kind.get(c, ""), lang) for c, m, w in
                   zip(part["code"], part["agg_method"], part["agg_weight"], strict=True)],
        "last_updated": [_date(d) for d in part["last_updated"]],
    }, columns=["code", "name_en", "name_zh", "unit", "direction", "source_org", "groups", "last_updated"])


def coverage_rows(coverage: pd.DataFrame, groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per group: indicator-years computed, published (coverage ≥ 2/3) and withheld."""
    names = {r["code"]: i18n.name(r, lang) for r in groups.to_dict("records")}
    rows = []
    for code, part in coverage.groupby("iso3"):
        published = int(part["published"].sum())
        rows.append({"code": code, "name": names.get(str(code), str(code)), "indicators": part["indicator"].nunique(),
                     "computed": len(part), "published": published, "withheld": len(part) - published})
    frame = pd.DataFrame(rows, columns=["code", "name", "indicators", "computed", "published", "withheld"])
    return frame.sort_values(["indicators", "code"], ascending=[False, True]).reset_index(drop=True)


def _json(value: object) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def run_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """The ETL runs with their steps, row counts and warnings spelled out."""
    rows = []
    for r in runs.to_dict("records"):
        steps, counts, warnings = _json(r.get("steps")), _json(r.get("row_counts")), _json(r.get("warnings"))
        start, end = r.get("started_at"), r.get("finished_at")
        seconds = (end - start).total_seconds() if hasattr(end, "__sub__") and start is not None and \
            not pd.isna(start) and not pd.isna(end) else None
        rows.append({
            "run_id": _text(r.get("run_id")),
            "started": f"{start:%Y-%m-%d %H:%M:%S}" if hasattr(start, "strftime") and not pd.isna(start) else "",
            "seconds": f"{seconds:.1f}" if seconds is not None else "",
            "source": _text(r.get("source")), "status": _text(r.get("status")),
            "code_version": _text(r.get("code_version")),
            "steps": ", ".join(f"{k}: {v}" for k, v in steps.items()) if isinstance(steps, dict) else _text(steps),
            "observations": f"{counts.get('observations'):,}" if isinstance(counts, dict) and
            isinstance(counts.get("observations"), int) else "",
            "warnings": "; ".join(map(str, warnings)) if isinstance(warnings, list) and warnings else
            ("—" if isinstance(warnings, list) else _text(warnings)),
        })
    return pd.DataFrame(rows, columns=["run_id", "started", "seconds", "source", "status", "code_version", "steps",
                                       "observations", "warnings"])


def not_covered(codes: frozenset[str], lang: str) -> list[str]:
    """What the warehouse does not cover (an item naming codes is dropped once any of them is loaded)."""
    return [t(key, lang) for needed, key in NOT_COVERED if not (set(needed) & codes)]


# --- page ------------------------------------------------------------------------------------------------

def methodology(coverage: pd.DataFrame, groups: pd.DataFrame, indicators: pd.DataFrame, lang: str) -> html.Div:
    """How group values are computed (wording as in the README and etl/aggregates.py), with this build's facts."""
    kinds = computed_groups(coverage, groups)
    wb_codes = sorted(c for c, k in kinds.items() if k == "wb+wic")
    names = indicators.set_index("code")
    wb_list = i18n.joined((f"{i18n.name(names.loc[c].to_dict(), lang)} ({c})" for c in wb_codes if c in names.index),
                          lang)
    n_wic = int(groups.loc[groups["code"] == "WIC", "n_countries"].sum())
    total, published = len(coverage), int(coverage["published"].sum()) if not coverage.empty else 0
    paras = [t("sources.method_kept", lang, n_wic=n_wic), t("sources.method_published", lang),
             t("sources.method_this_build", lang, wb_list=wb_list or t("sources.method_none", lang), total=f"{total:,}",
               published=f"{published:,}", withheld=f"{total - published:,}")]
    return html.Div([html.P(p) for p in paras])


def catalog_section(pillar: str, lang: str) -> list[Any]:
    """The catalog by pillar (one pillar, or all when ``pillar`` is empty)."""
    indicators = read.indicators(catalog_only=True)
    kinds = kept_computed_groups()
    out: list[Any] = []
    for p in read.pillars().to_dict("records"):
        if pillar and p["id"] != pillar:
            continue
        rows = catalog_rows(indicators, kinds, p["id"], lang)
        description = i18n.localized(p, "description", lang) or i18n.localized(p, "description", i18n.DEFAULT_LANG)
        table = components.data_table(rows, [
            ("code", t("sources.code", lang)), ("name_en", t("sources.name", lang)),
            ("name_zh", t("sources.chinese_name", lang)), ("unit", t("sources.unit", lang)),
            ("direction", t("sources.direction", lang)),
            ("source_org", t("sources.source_organization", lang)),
            ("groups", t("sources.group_values", lang)),
            ("last_updated", t("sources.last_updated", lang))])
        out.append(html.Section([
            html.H3(f"{i18n.name(p, lang)} ({len(rows)})"),
            html.P(description, className="caption"),
            html.Div(html.Div(table, style={"minWidth": "900px"}), className="table-wrap",
                     style={"maxHeight": "none"}),
        ], className="chart-block"))
    return out


# --- what's new: the last run's change log ------------------------------------------------------------------

NEW_MAX = 10   # indicators (or revisions) listed per part; the rest are counted


def new_years(log: pd.DataFrame) -> pd.DataFrame:
    """Added values per indicator and year (newest year first): ``indicator, year, n``."""
    added = log[log["change"] == "added"]
    frame = added.groupby(["indicator", "year"]).size().reset_index(name="n")
    return frame.sort_values(["indicator", "year"], ascending=[True, False]).reset_index(drop=True)


def largest_revisions(log: pd.DataFrame, n: int = NEW_MAX) -> pd.DataFrame:
    """The ``n`` revisions largest relative to the old value (as the run's change summary ranks them)."""
    revised = log[log["change"] == "revised"].copy()
    revised["relative"] = (revised["new_value"] - revised["old_value"]).abs() / revised["old_value"].abs().clip(
        lower=1e-9)
    revised = revised.sort_values(["relative", "indicator", "iso3", "year"], ascending=[False, True, True, True])
    return revised.head(n).reset_index(drop=True)


def withdrawn(log: pd.DataFrame) -> pd.DataFrame:
    """Values removed per indicator: ``indicator, n, first, last`` (years)."""
    removed = log[log["change"] == "removed"]
    return removed.groupby("indicator").agg(n=("year", "size"), first=("year", "min"),
                                            last=("year", "max")).reset_index()


def _with_unit(value: float, meta: dict[str, Any], lang: str) -> str:
    unit = i18n.unit(meta, lang)
    return f"{i18n.fmt(value, lang)} {unit}".strip()


def whats_new(log: pd.DataFrame, run: str | None, previous: str | None, indicators: pd.DataFrame,
              countries: pd.DataFrame, lang: str) -> list[Any]:
    """The "What's new" section: newly available years, the largest revisions, values withdrawn (or why none)."""
    out: list[Any] = [html.H2(t("new.title", lang), id="whats-new")]
    if previous is None:
        return [*out, html.P(t("new.first", lang, run=run or "—"), className="caption")]
    if log.empty:
        return [*out, html.P(t("new.none", lang, run=run or "—"), className="caption", id="whats-new-none")]
    counts = log["change"].value_counts()
    out.append(html.P(t("new.lead", lang, run=run, previous=previous, added=f"{counts.get('added', 0):,}",
                        revised=f"{counts.get('revised', 0):,}", removed=f"{counts.get('removed', 0):,}"),
                      className="caption"))

    def meta(code: str) -> dict[str, Any]:
        return indicators.loc[code].to_dict() | {"code": code} if code in indicators.index else {"name_en": code}

    def label(code: str) -> str:
        return f"{i18n.name(meta(code), lang)} ({code})"

    def more(n: int) -> list[Any]:
        return [html.Li(t("new.more", lang, n=n))] if n > 0 else []

    years = new_years(log)
    if not years.empty:
        codes = list(dict.fromkeys(years["indicator"]))
        items = [html.Li(t("new.years_item", lang, indicator=label(code), years=", ".join(
            t("new.year_count", lang, year=int(r.year), n=int(r.n))
            for r in years[years["indicator"] == code].head(5).itertuples()))) for code in codes[:NEW_MAX]]
        out += [html.H3(t("new.years", lang)), html.Ul([*items, *more(len(codes) - NEW_MAX)], id="whats-new-years")]
    revisions = largest_revisions(log)
    if not revisions.empty:
        names = countries.set_index("iso3") if "iso3" in countries.columns else countries
        items = [html.Li(t("new.revision_item", lang, indicator=label(r.indicator),
                           country=i18n.name(names.loc[r.iso3].to_dict(), lang) if r.iso3 in names.index else r.iso3,
                           year=int(r.year), old=_with_unit(r.old_value, meta(r.indicator), lang),
                           new=_with_unit(r.new_value, meta(r.indicator), lang)))
                 for r in revisions.itertuples()]
        out += [html.H3(t("new.revisions", lang)), html.Ul(items, id="whats-new-revisions")]
    gone = withdrawn(log)
    if not gone.empty:
        items = [html.Li(t("new.withdrawn_item", lang, indicator=label(r.indicator), n=f"{int(r.n):,}",
                           first=int(r.first), last=int(r.last))) for r in gone.head(NEW_MAX).itertuples()]
        out += [html.H3(t("new.withdrawn", lang)), html.Ul([*items, *more(len(gone) - NEW_MAX)],
                                                            id="whats-new-withdrawn")]
    return out


def _last_run_log() -> tuple[pd.DataFrame, str | None, str | None]:
    """The live run's changes, its id and the id of the run before it (None for a first build)."""
    runs = read.runs()
    run = str(runs.iloc[0]["run_id"]) if len(runs) else None
    previous = str(runs.iloc[1]["run_id"]) if len(runs) > 1 else None
    log = read.changes(since=previous) if previous else read.changes().iloc[0:0]
    return log, run, previous


@safe_layout
def layout(**query: object) -> html.Div:
    """The sources and methodology page."""
    q = Query.parse(query)
    lang = q.lang
    pillars = read.pillars()
    pillar = q.choice("pillar", "", set(pillars["id"]))
    indicators = read.indicators()
    sources = source_rows(read.sources(), indicators, lang)
    coverage, groups = read.aggregate_coverage(), read.groups()
    src_table = components.link_table(sources, [
        ("source", t("sources.source", lang)), ("publisher", t("sources.publisher", lang)),
        ("license", t("sources.license", lang)), ("vintage", t("sources.vintage", lang)),
        ("last_updated", t("sources.last_updated", lang)), ("indicators", t("sources.indicators", lang)),
        ("origin", t("sources.origin", lang)), ("description", t("sources.what_it_holds", lang))],
        nowrap=("vintage", "last_updated"))
    cov = coverage_rows(coverage, groups, lang)
    cov_table = components.data_table(cov, [
        ("name", t("sources.group", lang)), ("code", t("sources.code", lang)),
        ("indicators", t("sources.indicators_computed", lang)),
        ("computed", t("sources.values_computed", lang)),
        ("published", t("sources.published_2_3_coverage", lang)),
        ("withheld", t("sources.withheld", lang))])
    runs = read.runs()
    run_table = components.data_table(run_rows(runs), [
        ("run_id", t("sources.run", lang)), ("started", t("sources.started_utc", lang)),
        ("seconds", t("sources.seconds", lang)), ("source", t("sources.source", lang)),
        ("status", t("sources.status", lang)), ("code_version", t("sources.code_version", lang)),
        ("steps", t("sources.steps", lang)), ("observations", t("sources.observations", lang)),
        ("warnings", t("sources.warnings", lang))], max_rows=50)
    pillar_opts = [{"label": t("sources.all_pillars", lang), "value": ""}] + [
        {"label": i18n.name(p, lang), "value": p["id"]} for p in pillars.to_dict("records")]
    n_catalog = int(indicators["in_catalog"].sum())
    explorer = href("/explorer", {"lang": lang})
    vintage_id = read.data_vintage()["run_id"]
    body = html.Div([
        html.H1(t("nav.sources", lang)),
        html.P(t("sources.where_every_number_comes_from", lang),
               className="lead"),
        html.H2(t("sources.data_sources", lang)),
        html.Div(html.Div(src_table, style={"minWidth": "980px"}), className="table-wrap", style={"maxHeight": "none"}),
        html.P(t("sources.all_indicators_are_listed_with", lang, n_indicators=len(indicators)),
               className="caption"),
        html.A(t("nav.explorer", lang), href=explorer),
        html.P([html.A(t("sources.download_every_table_of_this", lang), href=BUNDLE_PATH, id="bundle-download"),
                t("sources.run_d5895a", lang, vintage_id=vintage_id)]),
        *whats_new(*_last_run_log(), read.indicator_table(), read.countries(include_aggregates=True), lang),
        html.H2(t("sources.the_digital_economy_catalog_indi", lang, n_catalog=n_catalog, n_pillars=len(pillars))),
        html.Div(components.labelled(t("sources.pillar", lang), dcc.Dropdown(
            id=ID.PILLAR, options=pillar_opts, value=pillar, clearable=False), ID.PILLAR), className="controls"),
        html.Div(id=ID.CATALOG, children=catalog_section(pillar, lang)),
        html.H2(t("sources.how_group_values_are_computed", lang)),
        methodology(coverage, groups, indicators, lang),
        html.Details([html.Summary(t("sources.computed_group_values_by_group", lang)),
                      html.Div(cov_table, className="table-wrap")], open=False),
        html.H2(t("sources.what_the_warehouse_does_not", lang)),
        html.Ul([html.Li(item) for item in not_covered(read.indicator_codes(), lang)]),
        html.H2(t("sources.etl_runs", lang)),
        html.P(t("sources.every_run_that_built_this", lang), className="caption"),
        html.Div(html.Div(run_table, style={"minWidth": "980px"}), className="table-wrap"),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


@callback(Output(ID.CATALOG, "children"), Output(ID.QUERY, "data"), Input(ID.PILLAR, "value"),
          State(ID.LANG, "data"))
@guarded(lambda: (html.P(ERROR_TEXT, className="notice"), dash.no_update))
def on_pillar(pillar: object, lang: str) -> tuple[Any, dict[str, Any]]:
    """Show one pillar of the catalog (or all)."""
    lang = i18n.lang_of(lang)
    known = set(read.pillars()["id"])
    chosen = pillar if isinstance(pillar, str) and pillar in known else ""
    return kept_catalog(chosen, lang), {"pillar": chosen or None, "lang": lang}


def kept_catalog(pillar: str, lang: str) -> Any:
    """:func:`catalog_section`, kept per generation of the warehouse as the JSON objects it encodes to."""
    return read.open_warehouse().memo(("sources-catalog", pillar, lang),
                                      lambda: encoded.plain(catalog_section(pillar, lang)), bounded=True)


components.register_url_sync(ID.QUERY)


def warm() -> None:
    """Build the page's per-generation data (dashboard.app's warm-up)."""
    kept_computed_groups()
    for lang in i18n.LANGS:
        kept_catalog("", lang)
