"""Digital Development Index: live re-weighting of the ranking, rank intervals, a country's breakdown, and the
method and coherence checks generated from the configuration and the stored tables.

The ranking is re-computed by :func:`etl.index.rescore` on matrices :func:`etl.index.precompute`-d once per
warehouse generation; everything else is read through ``etl.read.index_*``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import dash
import numpy as np
from dash import ClientsideFunction, Input, Output, State, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components, figures, i18n
from dashboard.encoded import callback  # answers orjson writes in one pass
from dashboard.i18n import t
from dashboard.safety import ERROR_TEXT, guarded, safe_layout
from dashboard.state import Query
from etl import facts, read
from etl.index import IndexConfig, Precomputed, load_config, precompute, rescore
from etl.index.config import AGGREGATIONS, NORMALIZATIONS

PATH = "/index"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.index"), order=4)

WIC = "WIC"
ROW_PX = 19              # height of one country row in the ranking chart
PILLAR_ROW_PX = 40       # and of one pillar (its name and its score line) in a country's pillar chart
SCROLL_HEIGHT = "72vh"   # the ranking chart scrolls inside a box of this height
FIRST_ROWS = 32           # the ranking's rows drawn first: more than that box shows on a 1080-pixel-high screen


@functools.lru_cache(maxsize=1)
def config() -> IndexConfig:
    """The index configuration (etl/meta/index.yaml through the etl.index loader)."""
    return load_config()


PILLARS: tuple[str, ...] = tuple(config().pillar_ids)


class ID:
    """Component ids of this page."""

    WEIGHT_PREFIX = "index-weight-"
    NORM = "index-norm"
    AGG = "index-agg"
    GROUP = "index-group"
    RESET = "index-reset"
    SHARES = "index-shares"
    RANK = "index-rank"
    RANK_WHOLE = "index-rank-whole"
    RANK_CAPTION = "index-rank-caption"
    RANK_SUMMARY = "index-rank-summary"
    RANK_TABLE = "index-rank-table"
    UNRANKED = "index-unranked"
    COUNTRY = "index-country"
    STATUS = "index-status"
    PILLAR = "index-pillar"
    PILLAR_CAPTION = "index-pillar-caption"
    PILLAR_SUMMARY = "index-pillar-summary"
    PILLAR_TABLE = "index-pillar-table"
    INDICATORS = "index-indicators"
    LANG = "index-lang"
    QUERY = "index-query"

    @staticmethod
    def weight(pillar: str) -> str:
        """The slider of one pillar's weight."""
        return f"{ID.WEIGHT_PREFIX}{pillar}"


# --- cached data (per warehouse generation) ---------------------------------------------------------------

def _memo(key: Any, build: Any) -> Any:
    return read.open_warehouse().memo(("index-page", key), build)


def pre() -> Precomputed:
    """The latest index year's pillar matrices of the ranked countries (both normalisations)."""
    return _memo("pre", lambda: precompute(read.index_pillar_scores(), read.index_scores(), config()))


def scores_table() -> dict[str, tuple[bool, float | None, str | None]]:
    """iso3 -> (ranked, published rank, reason if not ranked) for every country with index data."""
    def build() -> dict[str, tuple[bool, float | None, str | None]]:
        s = read.index_scores()
        return {c: (bool(r), None if k != k else float(k), why if isinstance(why, str) else None)
                for c, r, k, why in zip(s["iso3"].tolist(), s["ranked"].tolist(), s["rank"].tolist(),
                                        s["reason"].tolist(), strict=True)}
    return dict(_memo("scores", build))


def intervals() -> dict[str, tuple[float, float, float]]:
    """iso3 -> (5th percentile, median, 95th percentile) of the Monte Carlo ranks."""
    def build() -> dict[str, tuple[float, float, float]]:
        u = read.index_uncertainty()
        return {c: (float(a), float(m), float(b)) for c, a, m, b in zip(
            u["iso3"].tolist(), u["p5_rank"].tolist(), u["median_rank"].tolist(), u["p95_rank"].tolist(),
            strict=True) if a == a and m == m and b == b}
    return dict(_memo("intervals", build))


def pillar_names(lang: str) -> dict[str, str]:
    """Pillar id -> display name."""
    return {p.id: i18n.name(p, lang) for p in config().pillars}


def default_weights() -> list[float]:
    """Slider positions of the configured default weights (shares x 100)."""
    w = config().weights
    return [round(100 * w[p], 1) for p in PILLARS]


def filter_options(lang: str) -> list[dict[str, str]]:
    """All countries, WIC member countries, World Bank regions, income groups."""
    return list(_memo(("filters", lang), lambda: _filter_options(lang)))


def _filter_options(lang: str) -> list[dict[str, str]]:
    groups = read.group_table()
    out = [{"label": t("index.all_countries", lang), "value": ""},
           {"label": t("index.wic_member_countries", lang), "value": WIC}]
    for kind in ("region", "income"):
        part = groups[(groups["kind"] == kind) & (groups["n_countries"] > 1)]
        out += [{"label": t("index.group_option", lang, kind=t(f"index.kind_{kind}", lang), name=i18n.name(row, lang)),
                 "value": row["code"]}
                for row in part.to_dict("records")]
    return out


def country_pillars(year: int, norm: str) -> dict[str, dict[str, tuple[Any, ...]]]:
    """iso3 -> pillar -> (score, rank, available, indicators, imputed) in ``year``, once per generation."""
    def build() -> dict[str, dict[str, tuple[Any, ...]]]:
        ps = read.index_pillar_scores(year, normalization=norm)
        out: dict[str, dict[str, tuple[Any, ...]]] = {}
        for c, pid, *rest in zip(ps["iso3"].tolist(), ps["pillar"].tolist(), ps["score"].tolist(),
                                 ps["rank"].tolist(), ps["n_available"].tolist(), ps["n_indicators"].tolist(),
                                 ps["n_imputed"].tolist(), strict=True):
            out.setdefault(c, {})[pid] = tuple(rest)
        return out
    return _memo(("pillars", year, norm), build)


def country_spans() -> dict[str, dict[str, tuple[Any, ...]]]:
    """iso3 -> pillar -> (pillar rank p5, p95, rank without the pillar), once per generation."""
    def build() -> dict[str, dict[str, tuple[Any, ...]]]:
        sens = read.index_sensitivity()
        out: dict[str, dict[str, tuple[Any, ...]]] = {}
        for c, pid, *rest in zip(sens["iso3"].tolist(), sens["pillar"].tolist(), sens["pillar_rank_p5"].tolist(),
                                 sens["pillar_rank_p95"].tolist(), sens["rank_without_pillar"].tolist(), strict=True):
            out.setdefault(c, {})[pid] = tuple(rest)
        return out
    return _memo("spans", build)


def country_indicators(year: int, norm: str) -> dict[str, dict[str, tuple[Any, ...]]]:
    """iso3 -> indicator -> (value used, year observed, carried forward, score) in ``year``, once per generation."""
    def build() -> dict[str, dict[str, tuple[Any, ...]]]:
        data = read.index_indicator_scores(sorted(scores_table()), year)
        out: dict[str, dict[str, tuple[Any, ...]]] = {}
        for c, code, *rest in zip(data["iso3"].tolist(), data["indicator"].tolist(), data["value"].tolist(),
                                  data["source_year"].tolist(), data["imputed"].tolist(), data[norm].tolist(),
                                  strict=True):
            out.setdefault(c, {})[code] = tuple(rest)
        return out
    return _memo(("indicators", year, norm), build)


def warm() -> None:
    """Build the cached data above for the current generation of the warehouse (dashboard.app's warm-up)."""
    year = pre().year
    scores_table(), intervals(), country_spans()
    for norm in NORMALIZATIONS:
        country_pillars(year, norm), country_indicators(year, norm)
    for lang in i18n.LANGS:
        filter_options(lang)


def country_options(lang: str) -> list[dict[str, str]]:
    """Ranked countries by rank, then the others by name with 'not ranked'."""
    names = read.display_names(lang)
    table = scores_table()
    ranked = sorted((k, c) for c, (ok, k, _) in table.items() if ok and k is not None)
    others = sorted((names.get(c, c), c) for c, (ok, _, _) in table.items() if not ok)
    tag = t("index.not_ranked", lang)
    return ([{"label": f"{k:.0f}. {names.get(c, c)} ({c})", "value": c} for k, c in ranked]
            + [{"label": f"{n} ({c}) · {tag}", "value": c} for n, c in others])


# --- parsing ----------------------------------------------------------------------------------------------

def weights_from(values: Sequence[Any]) -> tuple[list[float], bool]:
    """Slider values -> weights (0-100 each); invalid values or all zero give the defaults (and False)."""
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 100:
            return default_weights(), False
        out.append(float(v))
    if len(out) != len(PILLARS) or sum(out) <= 0:
        return default_weights(), False
    return out, True


def parse_weights(q: Query) -> list[float]:
    """``weights=40,20,20,20`` (one number 0-100 per pillar, in pillar order)."""
    value = q.raw.get("weights")
    if not isinstance(value, str) or not value.strip():
        return default_weights()
    try:
        numbers = [float(x) for x in value.split(",")]
    except ValueError:
        numbers = []
    weights, ok = weights_from(numbers)
    if not ok:
        q.problems.append(f"weights={value:.40}")
    return weights


def shares(weights: Sequence[float]) -> list[float]:
    """Weights as percentages summing to 100."""
    total = sum(weights)
    return [100 * w / total for w in weights]


def change_text(change: float) -> str:
    """'▲3', '▼2' or '' for no change."""
    if change != change or change == 0:
        return ""
    return f"▲{change:.0f}" if change > 0 else f"▼{-change:.0f}"


def reason_text(reason: str | None, lang: str) -> str:
    """The stored reason a country is not ranked (English as stored; Chinese translated)."""
    if not reason:
        return ""
    if reason == "no data for any indicator":
        return t("index.no_data_for_any_indicator", lang)
    names = pillar_names(lang)   # the stored reason names pillars by id ("digital_economy: 0 of 4 indicators")
    parts = re.findall(r"(\w+): (\d+) of (\d+) indicators", reason)
    return t("sep.clause", lang).join(t("index.pillar_with_data", lang, pillar=names.get(p, p), a=a, n=n)
                                      for p, a, n in parts) or reason


def norm_name(norm: str, lang: str) -> str:
    """A normalisation's name."""
    return {"minmax": t("index.min_max", lang), "zscore": t("index.z_score", lang)}[norm]


def agg_name(agg: str, lang: str) -> str:
    """An aggregation's name."""
    return t(f"index.agg_{agg}", lang)


def method_label(norm: str, agg: str, lang: str) -> str:
    """'min-max, arithmetic mean' in ``lang``."""
    return t("sep.list", lang).join((norm_name(norm, lang), agg_name(agg, lang)))


def score_unit(norm: str, lang: str) -> str:
    """What a score means under a normalisation."""
    if norm == "zscore":
        c = config()
        return t("index.t_score_pooled_mean_one", lang, zscore_center=c.zscore_center, zscore_scale=c.zscore_scale)
    return t("index.score_0_100_fixed_goalposts", lang)


def index_caption(year: int, norm: str, lang: str, *, licences: bool = True) -> str:
    """Caption of the index charts: unit, year and the sources it is computed from, each with its licence (without
    them, ``licences=False``, for the chart's own subtitle: a phone-width chart cannot hold them all)."""
    sources = facts.index_credits(lang) if licences else facts.index_sources(lang)
    return "  ·  ".join([t("chart.unit", lang, unit=score_unit(norm, lang)), t("chart.year", lang, year=year),
                         t("chart.source", lang, source=t("index.computed_from", lang, sources=sources))])


# --- pure figure functions --------------------------------------------------------------------------------

# Advance widths (em) of DejaVu Sans, the widest of the fonts "system-ui" resolves to (Segoe UI, San Francisco
# and Noto Sans are narrower): a margin measured with them holds the country labels, so Plotly's automargin has
# nothing to push and does not draw the ranking a second time (that pass was half of its first paint).
EM = {**dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    .684, .686, .698, .770, .632, .575, .775, .752, .295, .295, .656, .557, .863, .748, .787, .603, .787, .695, .635,
    .611, .732, .684, .989, .685, .611, .685), strict=True)),
      **dict(zip("abcdefghijklmnopqrstuvwxyz", (
    .613, .635, .550, .635, .615, .352, .635, .634, .278, .278, .579, .278, .974, .634, .612, .635, .635, .411, .521,
    .392, .634, .592, .818, .592, .592, .525), strict=True)),
      **dict.fromkeys("0123456789", .636), **dict.fromkeys(" .,:;!|", .318), "'": .275, "-": .361, "(": .390,
      ")": .390, "&": .780, "/": .337}
WIDE_EM, OTHER_EM = 1.0, 0.8   # CJK and other wide characters; anything else not in the table
TICK_PAD = 14   # between a y tick label and the plot, and at the left edge


def text_px(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` px in DejaVu Sans (an accented letter as its base letter, CJK at 1 em)."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += WIDE_EM
        else:
            em += EM.get(unicodedata.normalize("NFD", ch)[0], OTHER_EM)
    return em * size


def label_margin(labels: Sequence[str], size: float) -> int:
    """A left margin that holds the widest of ``labels`` as y tick labels at ``size`` px."""
    return math.ceil(max((text_px(label, size) for label in labels), default=0)) + TICK_PAD

def ranking_figure(rows: Sequence[tuple[str, str, float, float, float, str]],
                   bands: Mapping[str, tuple[float, float, float]], *, n_ranked: int, title: str, note: str,
                   score_title: str, rank_title: str, selected: str | None = None,
                   lang: str = i18n.DEFAULT_LANG) -> dict[str, Any]:
    """Two panels sharing the countries: scores with rank change (bars), and the Monte Carlo rank interval.

    ``rows`` (iso3, row label, score, rank, rank change, hover) in rank order; ``bands`` iso3 -> (p5, median,
    p95). The rank panel also marks each country's rank with the current settings (◆).
    """
    iso = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    colours = [figures.PALETTE[1] if c == selected else figures.PALETTE[0] for c in iso]
    bars = {"type": "bar", "orientation": "h", "y": labels, "x": [round(r[2], 3) for r in rows],
            "customdata": iso, "text": [f"{r[2]:.1f} {change_text(r[4])}".strip() for r in rows],
            "textposition": "outside", "cliponaxis": False, "textfont": {"size": 11},
            "hovertext": [r[5] for r in rows], "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"color": colours}, "xaxis": "x", "yaxis": "y", "name": t("index.score", lang)}
    seg_x: list[float | None] = []
    seg_y: list[str | None] = []
    mid_x, mid_y, mid_c, mid_h, mid_col = [], [], [], [], []
    for c, label, *_ in rows:
        band = bands.get(c)
        if band is None:
            continue
        seg_x += [band[0], band[2], None]
        seg_y += [label, label, None]
        mid_x.append(band[1])
        mid_y.append(label)
        mid_c.append(c)
        mid_col.append(figures.PALETTE[1] if c == selected else "#08306b")
        mid_h.append(f"{band[0]:.0f}–{band[2]:.0f}")
    segments = {"type": "scatter", "mode": "lines", "x": seg_x, "y": seg_y, "hoverinfo": "skip",
                "line": {"color": "#9ecae1", "width": 7}, "xaxis": "x2", "yaxis": "y", "name": "5–95%",
                "connectgaps": False}
    medians = {"type": "scatter", "mode": "markers", "x": mid_x, "y": mid_y, "customdata": mid_c,
               "text": mid_h, "hovertemplate": t("index.hover_median", lang),
               "marker": {"color": mid_col, "size": 7, "symbol": "circle"}, "xaxis": "x2", "yaxis": "y",
               "name": t("index.trace_median", lang)}
    yours = {"type": "scatter", "mode": "markers", "x": [r[3] for r in rows], "y": labels, "customdata": iso,
             "hovertemplate": "%{y}: %{x:.0f}<extra></extra>", "xaxis": "x2", "yaxis": "y",
             "name": t("index.trace_rank", lang),
             "marker": {"color": figures.PALETTE[3], "size": 8, "symbol": "diamond-open", "line": {"width": 2}}}
    height = max(320, ROW_PX * len(rows) + 190)
    axis: dict[str, Any] = {"side": "top", "gridcolor": "#eee", "fixedrange": True}
    title_font = {"size": 11}
    layout = figures._layout(
        title, note, height=height, showlegend=False, bargap=0.25, hovermode="closest",
        xaxis={**axis, "domain": [0, 0.56], "range": [0, 118], "tickvals": [0, 50, 100],
               "title": {"font": title_font, "text": score_title}},
        xaxis2={**axis, "domain": [0.62, 1], "anchor": "y", "range": [0, n_ranked + 1],
                "title": {"font": title_font, "text": rank_title}},
        yaxis={"type": "category", "range": [len(rows) - 0.5, -0.5], "automargin": True, "fixedrange": True,
               "tickfont": {"size": 11}, "categoryorder": "array", "categoryarray": labels},
        margin={"l": label_margin(labels, 11), "r": 14, "b": 16})
    layout["margin"]["t"] += 96    # the axes' ticks and titles (up to four short lines: a phone) sit above
    layout["title"].update(yref="container", y=1, yanchor="top", pad={"t": 10})
    return {"data": [bars, segments, medians, yours], "layout": layout}


def pillar_figure(labels: Sequence[str], values: Sequence[float], texts: Sequence[str], hovers: Sequence[str],
                  medians: Sequence[float], *, title: str, note: str, x_title: str, median_name: str
                  ) -> dict[str, Any]:
    """One country's pillar scores (bars) against the median of the ranked countries (markers).

    ``texts`` (score, pillar rank and interval) go under each pillar's name, where they cannot collide with
    the median marker and still fit on a phone.
    """
    bars = {"type": "bar", "orientation": "h", "y": list(labels), "x": [round(v, 3) for v in values],
            "text": list(texts), "textposition": "none", "hovertext": list(hovers),
            "hovertemplate": "%{hovertext}<extra></extra>", "marker": {"color": figures.PALETTE[0]},
            "name": title}
    median = {"type": "scatter", "mode": "markers", "y": list(labels), "x": [round(m, 3) for m in medians],
              "name": median_name, "hovertemplate": f"{median_name}: %{{x:.1f}}<extra></extra>",
              "marker": {"symbol": "line-ns-open", "size": 22, "color": "#000", "line": {"width": 2.5}}}
    layout = figures._layout(
        title, note, bargap=0.35,
        xaxis={"title": {"text": x_title}, "range": [0, 102], "tickvals": [0, 25, 50, 75, 100], "gridcolor": "#eee"},
        yaxis={"autorange": "reversed", "automargin": True, "tickmode": "array", "tickvals": list(labels),
               "ticktext": [f"<b>{label}</b><br>{text}" for label, text in zip(labels, texts, strict=True)]},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"l": 10, "r": 20, "b": 96})
    # the rows' room, whatever the caption above them takes (a longer source list is more lines, not less plot)
    layout["height"] = layout["margin"]["t"] + layout["margin"]["b"] + PILLAR_ROW_PX * len(labels)
    return {"data": [bars, median], "layout": layout}


# --- layout -----------------------------------------------------------------------------------------------

def rows_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> Any:
    """:func:`components.table_rows`; a table of many columns keeps a readable width and scrolls sideways on a
    phone instead of squeezing every column (or widening the page)."""
    md = components.table_rows(rows, headers)
    if len(headers) < 5:
        return md
    return html.Div(html.Div(md, style={"minWidth": f"{110 * len(headers)}px"}), style={"overflowX": "auto"})


def _number(value: float) -> str:
    """A goalpost for people: three significant digits, thousands separators above 1,000."""
    if value == 0 or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 1e-3 else f"{value:.1e}"


def _r(value: Any) -> str:
    return "—" if value is None or value != value else f"{float(value):.2f}"


def folded(text: str) -> str:
    """YAML-folded text on one line: no space next to a Chinese character, one space elsewhere."""
    cjk = "[\u3000-\u9fff\uff00-\uffef]"
    return re.sub(f"(?<={cjk}) (?=\\S)|(?<=\\S) (?={cjk})", "", " ".join(text.split()))


def methodology(lang: str) -> html.Div:
    """The method, generated from the configuration and the stored index tables."""
    cfg = config()
    mc = cfg.monte_carlo
    names = pillar_names(lang)
    stored = read.index_indicators().set_index("code")
    latest = read.index_latest_year()
    ind_rows = []
    for spec in cfg.indicators:
        meta = stored.loc[spec.code] if spec.code in stored.index else None
        name = i18n.name(meta, lang) if meta is not None else spec.code
        unit = i18n.unit(meta, lang) if meta is not None else ""
        direction = (t("index.higher_is_better", lang) if spec.higher_is_better
                     else t("index.lower_is_better", lang))
        log = f"log10(x + {spec.log_shift:g})" if spec.log else "—"
        if spec.goalposts is not None:
            goal = t("index.natural_bounds", lang, v=_number(spec.goalposts[0]), v2=_number(spec.goalposts[1]))
        elif meta is not None:
            goal = t("index.pooled_quantiles", lang,
                     v=_number(float(meta['lower_value'])),
                     v2=_number(float(meta['upper_value'])),
                     lower_quantile=cfg.lower_quantile,
                     upper_quantile=cfg.upper_quantile)
        else:
            goal = "—"
        skew = (f"{float(meta['skewness']):.1f} → {float(meta['skewness_transformed']):.1f}"
                if meta is not None and spec.log and meta["skewness"] == meta["skewness"] else
                (f"{float(meta['skewness']):.1f}" if meta is not None and meta["skewness"] == meta["skewness"]
                 else "—"))
        ind_rows.append((names[spec.pillar], name, spec.code, unit, direction, log, goal, skew))
    pillar_rows = [(i18n.name(p, lang), i18n.localized(p, "description", lang) or "—",
                    i18n.localized(p, "wic_dimension", lang) or "—", f"{cfg.weights[p.id]:.0%}", len(p.indicators))
                   for p in cfg.pillars]
    windows = ", ".join(str(w) for w in mc.carry_forward_years)
    need = ", ".join(f"{names[p.id]} {math.ceil(cfg.min_share_per_pillar * len(p.indicators) - 1e-9)}/"
                     f"{len(p.indicators)}" for p in cfg.pillars)
    rules = [
        t("index.years_from_a_year_is", lang,
          first_year=cfg.first_year,
          min_ranked_share_of_peak=cfg.min_ranked_share_of_peak,
          max_imputed_share=cfg.max_imputed_share,
          latest=latest),
        t("index.missing_values_the_latest_observ", lang, carry_forward_years=cfg.carry_forward_years),
        t("index.eligibility_a_country_is_ranked", lang, min_share_per_pillar=cfg.min_share_per_pillar, need=need),
        t("index.normalisation_default_min_max_x", lang,
          v=norm_name(cfg.normalization, lang),
          zscore_center=cfg.zscore_center,
          zscore_scale=cfg.zscore_scale),
        t("index.aggregation_default_indicators_a", lang,
          v=agg_name(cfg.aggregation, lang),
          geometric_floor=cfg.geometric_floor),
        t("index.uncertainty_seeded_monte_carlo_d", lang,
          draws=mc.draws,
          seed=mc.seed,
          v=1 - mc.weight_perturbation,
          v2=1 + mc.weight_perturbation,
          v3=i18n.joined((norm_name(n, lang) for n in mc.normalizations), lang),
          v4=i18n.joined((agg_name(a, lang) for a in mc.aggregations), lang),
          windows=windows,
          carry_forward_years=cfg.carry_forward_years),
    ]
    not_covered = [(i18n.localized(d, "dimension", lang) or i18n.localized(d, "dimension", i18n.DEFAULT_LANG),
                    folded(i18n.localized(d, "reason", lang) or i18n.localized(d, "reason", i18n.DEFAULT_LANG)))
                   for d in cfg.not_covered]
    years = read.index_years()
    year_rows = [(int(y), int(w), int(r), f"{s:.0%}", t("index.yes", lang) if p else t("index.no", lang))
                 for y, w, r, s, p in zip(years["year"].tolist(), years["n_with_data"].tolist(),
                                          years["n_ranked"].tolist(), years["imputed_share"].tolist(),
                                          years["published"].tolist(), strict=True)]
    return html.Div([
        html.P(t("index.following_the_oecd_jrc_handbook", lang)),
        html.H3(t("index.pillars", lang)),
        rows_table(pillar_rows, [t("index.pillar", lang), t("index.what_it_measures", lang),
                                            t("index.wic_index_dimension", lang),
                                            t("index.default_weight", lang),
                                            t("index.indicators_1332e2", lang)]),
        html.H3(t("index.indicators", lang)),
        rows_table(ind_rows, [t("index.pillar", lang), t("index.indicator", lang),
                                         t("index.code", lang), t("index.unit", lang),
                                         t("index.direction", lang), t("index.transform", lang),
                                         t("index.goalposts_own_unit", lang),
                                         t("index.skewness_after_log", lang)]),
        html.H3(t("index.rules", lang)),
        html.Ul([html.Li(r) for r in rules]),
        html.H3(t("index.wic_dimensions_open_data_cannot", lang)),
        rows_table(not_covered, [t("index.dimension", lang), t("index.why", lang)]),
        html.Details([html.Summary(t("index.candidate_years", lang)), rows_table(
            year_rows, [t("control.year", lang), t("index.countries_with_data", lang),
                        t("index.ranked", lang), t("index.carried_forward_f204ee", lang),
                        t("index.published", lang)])]),
    ])


def coherence_section(lang: str) -> html.Div:
    """Correlations, Cronbach's alpha and wrong-direction flags from the stored coherence tables."""
    cfg = config()
    names = pillar_names(lang)
    coh = read.index_coherence()
    if coh.empty:
        return html.Div(html.P(t("nodata", lang)))
    meta = read.index_indicators().set_index("code")
    records = coh.to_dict("records")
    year = int(records[0]["year"])
    inds = [r for r in records if r["level"] == "indicator"]
    wrong = [r["id"] for r in inds if r["wrong_direction"]]
    weak = [r["id"] for r in inds if r["weak"]]
    other = [r for r in inds if isinstance(r["best_other_pillar"], str)
             and r["r_best_other"] == r["r_best_other"] and r["r_best_other"] > r["r_pillar"]]

    def ind_name(code: str) -> str:
        return i18n.name(meta.loc[code], lang) if code in meta.index else code

    def note(r: dict[str, Any]) -> str:
        parts = []
        if r["wrong_direction"]:
            parts.append(t("index.points_the_wrong_way", lang))
        if r["weak"]:
            parts.append(t("index.weak_r", lang, weak_correlation=cfg.weak_correlation))
        if r in other:
            o = names.get(r["best_other_pillar"], r["best_other_pillar"])
            parts.append(t("index.correlates_more_with_than_with", lang, o=o))
        return i18n.joined(parts, lang, "clause")

    ind_rows = [(names.get(r["pillar"], r["pillar"]), ind_name(r["id"]), r["n_countries"], _r(r["r_pillar"]),
                 _r(r["r_index"]),
                 f"{names.get(r['best_other_pillar'], r['best_other_pillar'])} ({_r(r['r_best_other'])})"
                 if isinstance(r["best_other_pillar"], str) else "—",
                 note(r) or "—") for r in inds]
    alpha_rows = []
    for r in records:
        if r["level"] == "pillar":
            label = names.get(r["id"], r["id"])
        elif r["level"] == "index":
            label = t("index.index_the_pillars", lang)
        else:
            label = t("index.all_indicators_together", lang)
        if r["level"] != "indicator":
            alpha_rows.append((label, r["n_items"], r["n_countries"], _r(r["cronbach_alpha"]), _r(r["r_index"])))
    corr = read.index_correlations()
    keys = [*PILLARS, "index"]
    lookup = {(a, b): r for a, b, r in zip(corr["a"].tolist(), corr["b"].tolist(), corr["r"].tolist(), strict=True)}
    labels = [*(names[p] for p in PILLARS), t("index.index", lang)]
    matrix = [(labels[i], *(_r(lookup.get((a, b), lookup.get((b, a)))) for b in keys)) for i, a in enumerate(keys)]
    alphas = "; ".join(f"{row[0]} {row[3]}" for row in alpha_rows)
    def listed(codes: list[str]) -> str:
        return t("sep.colon", lang) + t("sep.list", lang).join(codes) if codes else ""
    summary = t("index.coherence_summary", lang, year=year, n_wrong=len(wrong), n_inds=len(inds),
                wrong=listed(wrong), n_weak=len(weak), weak_correlation=f"{cfg.weak_correlation:g}",
                weak=listed(weak), n_other=len(other), alphas=alphas)
    return html.Div([
        html.P(summary, className="summary"),
        rows_table(ind_rows, [t("index.pillar", lang), t("index.indicator", lang),
                                         t("index.countries", lang),
                                         t("index.r_with_rest_of_pillar", lang),
                                         t("index.r_with_index", lang),
                                         t("index.closest_other_pillar_r", lang),
                                         t("index.flags", lang)]),
        html.H3(t("index.cronbach_s_alpha", lang)),
        rows_table(alpha_rows, [t("index.items_scale", lang), t("index.items", lang), t("index.countries", lang),
                                           "α", t("index.r_with_index", lang)]),
        html.H3(t("index.correlations_of_pillars_and_inde", lang)),
        rows_table(matrix, [t("index.pillar_or_index", lang), *labels]),
    ])


def intro(lang: str) -> html.P:
    """What this index is and is not, its year and data vintage."""
    wdi = read.sources().set_index("id")
    vintage = str(wdi.loc["wdi", "vintage"]) if "wdi" in wdi.index else "?"
    built = read.data_vintage()["built_at"]
    year = pre().year
    n = len(pre().iso3)
    return html.P(t("index.intro", lang, sources=facts.index_sources(lang), vintage=vintage, built=built, year=year,
                    n=n), className="lead")


@safe_layout
def layout(**query: object) -> html.Div:
    """The index page (``?weights=40,20,20,20&norm=zscore&agg=geometric&group=WIC&country=CHN``)."""
    q = Query.parse(query)
    lang = q.lang
    if read.index_latest_year() is None:
        body = html.Div([html.H1(t("nav.index", lang)),
                         html.P(t("index.the_index_has_not_been", lang), className="notice")])
        return components.page_frame(PATH, lang, query, body, q.notices())
    weights = parse_weights(q)
    norm = q.choice("norm", config().normalization, NORMALIZATIONS)
    agg = q.choice("agg", config().aggregation, AGGREGATIONS)
    group = q.country("group", "", {o["value"] for o in filter_options("en") if o["value"]}) or ""
    country = q.country("country", None, set(scores_table())) or ""
    names = pillar_names(lang)
    sliders = [components.labelled(
        t("index.weight", lang, names=names[p]),
        dcc.Slider(id=ID.weight(p), min=0, max=100, step=1, value=w, marks={0: "0", 50: "50", 100: "100"},
                   updatemode="mouseup", tooltip={"placement": "bottom", "always_visible": False}),
        ID.weight(p)) for p, w in zip(PILLARS, weights, strict=True)]
    methods = html.Div([
        components.labelled(t("index.normalisation", lang), dcc.RadioItems(
            id=ID.NORM, value=norm, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": t("index.min_max_goalposts", lang), "value": "minmax"},
                     {"label": t("index.z_score_5deb9b", lang), "value": "zscore"}]), ID.NORM),
        components.labelled(t("index.aggregation_of_pillars", lang), dcc.RadioItems(
            id=ID.AGG, value=agg, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": t("index.arithmetic", lang), "value": "arithmetic"},
                     {"label": t("index.geometric", lang), "value": "geometric"}]), ID.AGG),
        components.labelled(t("index.show", lang), dcc.Dropdown(
            id=ID.GROUP, options=filter_options(lang), value=group, clearable=False), ID.GROUP),
        html.Div(html.Button(t("index.reset_to_defaults", lang), id=ID.RESET, n_clicks=0,
                             className="play"), className="control narrow"),
    ], className="controls")
    # both charts come with the page: no callback round trip before they are drawn
    ranking = render(*weights, norm, agg, group, country, lang)
    breakdown = render_country(country, norm, lang)
    # its first rows are drawn first (what the scrolling box shows), the whole ranking right after (assets/later.js)
    block = components.chart_block(ID.RANK, ID.RANK_CAPTION, ID.RANK_SUMMARY, ID.RANK_TABLE, lang,
                                   initial=[figures.first_rows(ranking[0], FIRST_ROWS), *ranking[1:4], ranking[8]],
                                   style=ranking[4])
    # the ranking is tall (one row per country): it scrolls in its own box so the breakdown stays close
    block.children[0] = html.Div(block.children[0], style={"maxHeight": SCROLL_HEIGHT, "overflowY": "auto"},
                                 tabIndex="0", **components.aria(label=t("index.ranking_chart", lang)))
    body = html.Div([
        html.H1(t("nav.index", lang)),
        intro(lang),
        html.Div([*sliders, html.P(ranking[6], id=ID.SHARES, className="caption",
                                   style={"flex": "1 1 100%", "margin": 0}, **components.aria(live="polite"))],
                 className="controls"),
        methods,
        html.H2(t("index.ranking", lang)),
        block,
        html.Details([html.Summary(t("index.countries_not_ranked_and_why", lang)),
                      html.Div(ranking[5], id=ID.UNRANKED, className="table-wrap")]),
        html.H2(t("index.what_is_behind_a_country", lang)),
        html.Div(components.labelled(t("control.country", lang), dcc.Dropdown(
            id=ID.COUNTRY, options=country_options(lang), value=country or None,
            placeholder=t("index.choose_a_country_or_click_a20b90", lang)),
            ID.COUNTRY, "wide"), className="controls"),
        html.Div(breakdown[5], id=ID.STATUS, className="summary", **components.aria(live="polite")),
        components.chart_block(ID.PILLAR, ID.PILLAR_CAPTION, ID.PILLAR_SUMMARY, ID.PILLAR_TABLE, lang,
                               initial=[*breakdown[:4], breakdown[6]], style=breakdown[7]),
        html.H3(t("index.indicators_behind_it", lang)),
        html.Div(breakdown[4], id=ID.INDICATORS, className="table-wrap", style={"maxHeight": "none"}),
        html.H2(t("index.methodology", lang)),
        methodology(lang),
        html.H2(t("index.internal_coherence", lang)),
        coherence_section(lang),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY, ranking[7]),
        dcc.Store(id=ID.RANK_WHOLE, data=ranking[0]),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


# --- callbacks --------------------------------------------------------------------------------------------

def _ranking_fallback() -> tuple[Any, ...]:
    return (figures.message(ERROR_TEXT), "", ERROR_TEXT, None, {"height": "320px"}, None, "", dash.no_update, None)


def ranking_request(weights: Sequence[float], norm: str, agg: str, group: str) -> tuple[str, str]:
    """The published ranking's API URL, and the Python that recomputes exactly this chart's ranking."""
    path = "/api/v1/index-scores" + (f"?group={group}" if group else "")
    python = ("from etl import read\nfrom etl.index import load_config, precompute, rescore\n"
              "pre = precompute(read.index_pillar_scores(), read.index_scores(), load_config())\n"
              f"ranking = rescore(pre, {[round(w, 6) for w in weights]}, normalization={norm!r}, "
              f"aggregation={agg!r})")
    if group:
        python += f"\nranking = ranking[ranking.iso3.isin(read.group_members({group!r}))]"
    return path, python


@callback(Output(ID.RANK, "figure"), Output(ID.RANK_CAPTION, "children"), Output(ID.RANK_SUMMARY, "children"),
          Output(ID.RANK_TABLE, "children"), Output(ID.RANK, "style"), Output(ID.UNRANKED, "children"),
          Output(ID.SHARES, "children"), Output(ID.QUERY, "data"), Output(f"{ID.RANK}-getdata", "children"),
          *(Input(ID.weight(p), "value") for p in PILLARS), Input(ID.NORM, "value"), Input(ID.AGG, "value"),
          Input(ID.GROUP, "value"), Input(ID.COUNTRY, "value"), State(ID.LANG, "data"), prevent_initial_call=True)
@guarded(_ranking_fallback)
def render(*args: Any) -> tuple[Any, ...]:
    """Weights, methods, filter -> rescore on the precomputed matrices -> the ranking chart and its texts."""
    slider_values, (norm, agg, group, country, lang) = args[:len(PILLARS)], args[len(PILLARS):]
    lang = i18n.lang_of(lang)
    weights, _ = weights_from(slider_values)
    norm = norm if norm in NORMALIZATIONS else config().normalization
    agg = agg if agg in AGGREGATIONS else config().aggregation
    sets = read.group_sets()
    group = group if isinstance(group, str) and group in sets else ""
    table = scores_table()
    country = country if isinstance(country, str) and country in table else ""
    query = {"weights": [f"{w:g}" for w in weights], "norm": norm, "agg": agg, "group": group or None,
             "country": country or None, "lang": lang}
    p = pre()
    result = rescore(p, weights, normalization=norm, aggregation=agg)
    columns = [result[c].tolist() for c in ("iso3", "score", "rank", "default_rank", "rank_change", *PILLARS)]
    keep = sets[group] if group else None
    names = read.display_names(lang)
    pnames = pillar_names(lang)
    bands = intervals()
    rows, table_rows = [], []
    for iso3, score, rank, default, change, *pillar_scores in zip(*columns, strict=True):
        if keep is not None and iso3 not in keep:
            continue
        name = names.get(iso3, iso3)
        parts = " · ".join(f"{pnames[pid]} {v:.1f}" for pid, v in zip(PILLARS, pillar_scores, strict=True))
        moved = change_text(change) or t("index.no_change", lang)
        hover = t("index.b_b_br_score_rank", lang,
                  name=name,
                  score=score,
                  rank=rank,
                  default=default,
                  moved=moved,
                  parts=parts)
        rows.append((iso3, f"{rank:.0f}. {name}", score, rank, change, hover))
        band = bands.get(iso3)
        table_rows.append((f"{rank:.0f}", name, iso3, f"{score:.1f}", change_text(change) or "–", f"{default:.0f}",
                           f"{band[1]:.0f}" if band else "—", f"{band[0]:.0f}–{band[2]:.0f}" if band else "—"))
    pct = shares(weights)
    share_text = (t("index.effective_weights", lang)
                  + " · ".join(f"{pnames[pid]} {s:.0f}%" for pid, s in zip(PILLARS, pct, strict=True))
                  + t("index.each_slider_s_share_of", lang, v=method_label(norm, agg, lang)))
    unranked_table = _memo(("unranked", group, lang), lambda: unranked_rows(table, keep, names, lang))
    note = index_caption(p.year, norm, lang)
    if not rows:
        text = t("index.no_country_in_this_group", lang)
        return (figures.message(text), note, text, None, {"height": "320px"}, unranked_table, share_text, query,
                None)
    title = t("index.digital_development_index", lang, year=p.year)
    if group:
        title += " · " + next((o["label"] for o in filter_options(lang) if o["value"] == group), group)
    mc = config().monte_carlo
    fig = ranking_figure(
        rows, bands, n_ranked=len(p.iso3), title=title, note=index_caption(p.year, norm, lang, licences=False),
        selected=country or None,
        score_title=t("index.score_br_vs_br_published", lang),
        rank_title=t("index.rank_1_best_br_5", lang), lang=lang)
    components.credited(fig, facts.index_credits(lang), lang)
    summary = ranking_summary(rows, bands, len(p.iso3), weights, norm, agg, lang, mc.draws)
    headers = ["#", t("control.country", lang), "ISO3", t("index.score", lang),
               t("index.change", lang), t("index.published_rank", lang),
               t("index.median_rank_mc", lang),
               t("index.5_95_rank_interval", lang)]
    style = {"height": f"{fig['layout']['height']}px"}
    return (fig, note, summary, rows_table(table_rows, headers), style, unranked_table, share_text,
            query, components.get_data(ranking_request(weights, norm, agg, group), lang))


def unranked_rows(table: Mapping[str, tuple[bool, float | None, str | None]], keep: Any,
                  names: Mapping[str, str], lang: str) -> Any:
    """The countries of a filter that are not ranked, with the stored reason."""
    rows = sorted((names.get(c, c), c, reason_text(why, lang)) for c, (ok, _, why) in table.items()
                  if not ok and (keep is None or c in keep))
    return rows_table(rows, [t("control.country", lang), "ISO3", t("index.why_not_ranked", lang)])


def ranking_summary(rows: Sequence[tuple[str, str, float, float, float, str]],
                    bands: Mapping[str, tuple[float, float, float]], n_ranked: int, weights: Sequence[float],
                    norm: str, agg: str, lang: str, draws: int) -> str:
    """The ranking in words: top, moves against the published ranking, and what the interval means."""
    names = [r[1].split(". ", 1)[1] for r in rows]
    top = rows[0]
    moved = [(r[4], n) for r, n in zip(rows, names, strict=True) if r[4] == r[4] and r[4] != 0]
    default = (bool(np.allclose(shares(weights), shares(default_weights()))) and norm == config().normalization
               and agg == config().aggregation)
    outside = sum(1 for r in rows if r[0] in bands and not bands[r[0]][0] <= r[3] <= bands[r[0]][2])
    widths = [(bands[r[0]][2] - bands[r[0]][0], n) for r, n in zip(rows, names, strict=True) if r[0] in bands]
    widest = max(widths) if widths else None
    text = t("summary.index_shown", lang, n=len(rows), n_ranked=n_ranked, first=names[0], score=f"{top[2]:.1f}")
    if default:
        text += t("summary.index_default", lang)
    elif moved:
        up, down = max(moved), min(moved)
        rise = t("summary.index_rise", lang, name=up[1], n=f"{up[0]:.0f}") if up[0] > 0 else ""
        fall = t("summary.index_fall", lang, name=down[1], n=f"{-down[0]:.0f}") if down[0] < 0 else ""
        text += t("summary.index_moved", lang, n=len(moved), rise=rise, fall=fall)
    else:
        text += t("summary.index_unmoved", lang)
    text += t("summary.index_interval", lang, draws=f"{draws:,}")
    if widest:
        text += t("summary.index_widest", lang, name=widest[1], n=f"{widest[0]:.0f}")
    if not default:
        text += t("summary.index_outside", lang, n=outside)
    return text.strip()


@callback(Output(ID.COUNTRY, "value"), Input(ID.RANK, "clickData"), prevent_initial_call=True)
@guarded(lambda: dash.no_update)
def on_click(click: Any) -> Any:
    """A click on a bar or an interval selects that country."""
    try:
        iso3 = click["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        raise PreventUpdate from None
    if not isinstance(iso3, str) or iso3 not in scores_table():
        raise PreventUpdate
    return iso3


@callback(*(Output(ID.weight(p), "value") for p in PILLARS), Output(ID.NORM, "value"), Output(ID.AGG, "value"),
          Input(ID.RESET, "n_clicks"), prevent_initial_call=True)
@guarded(lambda: (dash.no_update,) * (len(PILLARS) + 2))
def on_reset(_clicks: Any) -> tuple[Any, ...]:
    """Back to the configured default weights and methods."""
    if ctx.triggered_id != ID.RESET:
        raise PreventUpdate
    return (*default_weights(), config().normalization, config().aggregation)


PILLAR_HEIGHT = 380   # the chart's box for a message; a country's chart sets its own height
SHOWN = {"height": f"{PILLAR_HEIGHT}px"}
HIDDEN = {"display": "none"}   # no country chosen: no empty chart, the prompt says what to do


def _breakdown_fallback() -> tuple[Any, ...]:
    return (figures.message(ERROR_TEXT), "", ERROR_TEXT, None, None, "", None, SHOWN)


@callback(Output(ID.PILLAR, "figure"), Output(ID.PILLAR_CAPTION, "children"), Output(ID.PILLAR_SUMMARY, "children"),
          Output(ID.PILLAR_TABLE, "children"), Output(ID.INDICATORS, "children"), Output(ID.STATUS, "children"),
          Output(f"{ID.PILLAR}-getdata", "children"), Output(ID.PILLAR, "style"),
          Input(ID.COUNTRY, "value"), Input(ID.NORM, "value"), State(ID.LANG, "data"), prevent_initial_call=True)
@guarded(_breakdown_fallback)
def render_country(country: Any, norm: Any, lang: Any) -> tuple[Any, ...]:
    """A country -> its stored pillar scores, rank intervals and indicators (or why it is not ranked)."""
    lang = i18n.lang_of(lang)
    norm = norm if norm in NORMALIZATIONS else config().normalization
    table = scores_table()
    p = pre()
    note = index_caption(p.year, norm, lang)
    if not isinstance(country, str) or country not in table:
        text = t("index.choose_a_country_or_click", lang)
        return figures.message(text), note, "", None, None, text, None, HIDDEN
    name = read.display_names(lang).get(country, country)
    ranked, rank, why = table[country]
    pnames = pillar_names(lang)
    have = country_pillars(p.year, norm).get(country, {})
    spans = country_spans().get(country, {})
    mats = p.pillars[norm]
    medians = [float(np.median(mats[:, k])) for k in range(len(PILLARS))]
    labels, values, texts, hovers, meds, rows = [], [], [], [], [], []
    for k, pid in enumerate(PILLARS):
        label = pnames[pid]
        spec = config().pillars[k]
        if pid not in have:
            rows.append((label, "—", "—", "—", "—", f"0/{len(spec.indicators)}", "—"))
            continue
        s, r, a, n, imp = have[pid]
        lo, hi, without = spans.get(pid, (None, None, None))
        span = f"{lo:.0f}–{hi:.0f}" if lo is not None and lo == lo and hi == hi else "—"
        rk = f"{r:.0f}" if r == r and r is not None else "—"
        labels.append(label)
        values.append(float(s))
        meds.append(medians[k])
        texts.append(f"{s:.1f}" + (f" · #{rk}" if rk != "—" else "") + (f" ({span})" if span != "—" else ""))
        hovers.append(t("index.b_b_br_pillar_rank", lang, label=label, s=s, rk=rk, span=span, a=a, n=n, imp=imp))
        rows.append((label, f"{s:.1f}", rk, span, f"{medians[k]:.1f}", f"{a}/{n}" + (
            t("index.carried_forward_6bc2a0", lang, imp=imp) if imp else ""),
            f"{without:.0f}" if without is not None and without == without else "—"))
    bands = intervals()
    if ranked and rank is not None:
        band = bands.get(country)
        span = f"{band[0]:.0f}–{band[2]:.0f}" if band else "—"
        median = t("index.median_suffix", lang, median=f"{band[1]:.0f}") if band else ""
        status = t("index.rank_status", lang, name=name, rank=f"{rank:.0f}", n=len(p.iso3), year=p.year, span=span,
                   median=median)
    else:
        status = t("index.is_not_ranked_in_a", lang,
                   name=name,
                   year=p.year,
                   v=reason_text(why, lang),
                   min_share_per_pillar=config().min_share_per_pillar)
    median_name = t("index.median_of_ranked_countries", lang)
    if labels:
        fig = pillar_figure(labels, values, texts, hovers, meds, note=index_caption(p.year, norm, lang, licences=False),
                            median_name=median_name,
                            title=t("index.pillar_scores", lang, name=name, year=p.year),
                            x_title=t("index.t_score_50_mean", lang) if norm == "zscore"
                            else t("index.score_0_100", lang))
        components.credited(fig, facts.index_credits(lang), lang)
        best = max(zip(values, labels, strict=True))
        worst = min(zip(values, labels, strict=True))
        summary = t("index.strongest_pillar_weakest_under_e", lang,
                    best=best[1],
                    best2=best[0],
                    worst=worst[1],
                    worst2=worst[0])
    else:
        fig = figures.message(t("index.no_pillar_score_for", lang, name=name))
        summary = ""
    pillar_table = rows_table(rows, [
        t("index.pillar", lang), t("index.score", lang), t("index.pillar_rank", lang),
        t("index.5_95_pillar_rank", lang), median_name,
        t("index.indicators_with_data", lang),
        t("index.index_rank_without_this_pillar", lang)])
    request = (f"/api/v1/index-scores?country={country}",
               f"from etl import read\npillars = read.index_pillar_scores({p.year}, normalization={norm!r})\n"
               f"pillars = pillars[pillars.iso3 == {country!r}]\n"
               f"indicators = read.index_indicator_scores({country!r}, {p.year})")
    box = {"height": f"{fig['layout']['height']}px"} if "height" in fig["layout"] else SHOWN
    return (fig, note, summary, pillar_table, indicator_table(country, p.year, norm, lang), status,
            components.get_data(request, lang), box)


def indicator_table(country: str, year: int, norm: str, lang: str) -> Any:
    """Every configured indicator for one country: value used, year observed, carried forward, score."""
    found = country_indicators(year, norm).get(country, {})
    meta = read.index_indicators().set_index("code")
    pnames = pillar_names(lang)
    no = t("index.no", lang)
    rows: list[tuple[Any, ...]] = []
    for spec in config().indicators:
        m = meta.loc[spec.code] if spec.code in meta.index else {"name_en": spec.code, "unit": ""}
        name, unit = i18n.name(m, lang), i18n.unit(m, lang)
        if spec.code in found:
            v, sy, imp, sc = found[spec.code]
            rows.append((pnames[spec.pillar], name, spec.code, f"{sc:.1f}",
                         i18n.with_unit(i18n.fmt(v, lang), unit, lang),
                         int(sy), (t("index.yes_from", lang, v=int(sy)) if imp else no)))
        else:
            rows.append((pnames[spec.pillar], name, spec.code, "—",
                         t(
                                 "index.no_value_within_years", lang,
                                 carry_forward_years=config().carry_forward_years), "—", "—"))
    return rows_table(rows, [
        t("index.pillar", lang), t("index.indicator", lang), t("index.code", lang),
        t("index.normalised_header", lang, method=t(f"index.normalised_{norm}", lang)),
        t("index.value_used", lang), t("index.observed_in", lang),
        t("index.carried_forward", lang)])


clientside_callback(   # the whole ranking, once its first rows are on screen (unless a callback redrew it first)
    ClientsideFunction("wic_later", "whole"), Output(ID.RANK, "figure", allow_duplicate=True),
    Input(ID.RANK_WHOLE, "data"), prevent_initial_call="initial_duplicate")

components.register_url_sync(ID.QUERY)
