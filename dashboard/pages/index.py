"""Digital Development Index: live re-weighting of the ranking, rank intervals, a country's breakdown, and the
method and coherence checks generated from the configuration and the stored tables.

The ranking is re-computed by :func:`etl.index.rescore` on matrices :func:`etl.index.precompute`-d once per
warehouse generation; everything else is read through ``etl.read.index_*``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import dash
import numpy as np
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components, figures, i18n
from dashboard.i18n import pick, t
from dashboard.safety import ERROR_TEXT, guarded, safe_layout
from dashboard.state import Query
from etl import facts, read
from etl.index import IndexConfig, Precomputed, load_config, precompute, rescore
from etl.index.config import AGGREGATIONS, NORMALIZATIONS

PATH = "/index"
dash.register_page(__name__, path=PATH, title="Digital Development Index · WIC Digital Economy Observatory", order=4)

WIC = "WIC"
ROW_PX = 19              # height of one country row in the ranking chart
SCROLL_HEIGHT = "72vh"   # the ranking chart scrolls inside a box of this height


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
    return {p.id: (p.name_zh if lang == "zh" else p.name_en) for p in config().pillars}


def default_weights() -> list[float]:
    """Slider positions of the configured default weights (shares x 100)."""
    w = config().weights
    return [round(100 * w[p], 1) for p in PILLARS]


def filter_options(lang: str) -> list[dict[str, str]]:
    """All countries, WIC member countries, World Bank regions, income groups."""
    return list(_memo(("filters", lang), lambda: _filter_options(lang)))


def _filter_options(lang: str) -> list[dict[str, str]]:
    groups = read.group_table()
    out = [{"label": pick("All countries", "所有国家", lang), "value": ""},
           {"label": pick("WIC member countries", "世界互联网大会会员所在国家", lang), "value": WIC}]
    for kind, en, zh in (("region", "Region", "地区"), ("income", "Income", "收入组别")):
        part = groups[(groups["kind"] == kind) & (groups["n_countries"] > 1)]
        out += [{"label": f"{pick(en, zh, lang)}: {i18n.name(row, lang)}", "value": row["code"]}
                for row in part.to_dict("records")]
    return out


def country_options(lang: str) -> list[dict[str, str]]:
    """Ranked countries by rank, then the others by name with 'not ranked'."""
    names = components.names(lang)
    table = scores_table()
    ranked = sorted((k, c) for c, (ok, k, _) in table.items() if ok and k is not None)
    others = sorted((names.get(c, c), c) for c, (ok, _, _) in table.items() if not ok)
    tag = pick("not ranked", "未排名", lang)
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
        return pick(reason, "所有指标均无数据", lang)
    names = pillar_names(lang)   # the stored reason names pillars by id ("digital_economy: 0 of 4 indicators")
    parts = re.findall(r"(\w+): (\d+) of (\d+) indicators", reason)
    if lang != "zh":
        return "; ".join(f"{names.get(p, p)}: {a} of {n} indicators" for p, a, n in parts) or reason
    return "；".join(f"{names.get(p, p)}：{n}项指标中{a}项有数据" for p, a, n in parts) or reason


def norm_name(norm: str, lang: str) -> str:
    """A normalisation's name."""
    return {"minmax": pick("min-max", "最小-最大标准化", lang), "zscore": pick("z-score", "Z分数标准化", lang)}[norm]


def agg_name(agg: str, lang: str) -> str:
    """An aggregation's name."""
    names = {"arithmetic": ("arithmetic mean", "算术平均"), "geometric": ("geometric mean", "几何平均")}
    return pick(*names[agg], lang)


def method_label(norm: str, agg: str, lang: str) -> str:
    """'min-max, arithmetic mean' in ``lang``."""
    return f"{norm_name(norm, lang)}, {agg_name(agg, lang)}" if lang != "zh" else \
        f"{norm_name(norm, lang)}、{agg_name(agg, lang)}"


def score_unit(norm: str, lang: str) -> str:
    """What a score means under a normalisation."""
    if norm == "zscore":
        c = config()
        return pick(f"T-score ({c.zscore_center:g} = pooled mean, {c.zscore_scale:g} = one standard deviation, "
                    "clipped to 0–100)",
                    f"T分数（{c.zscore_center:g}为合并均值，{c.zscore_scale:g}为一个标准差，截断于0–100）", lang)
    return pick("score 0–100 (fixed goalposts)", "得分 0–100（固定阈值）", lang)


def index_caption(year: int, norm: str, lang: str) -> str:
    """Caption of the index charts: unit, year, source."""
    meta = {"unit": score_unit(norm, "en"), "unit_zh": score_unit(norm, "zh"), "source_org": "World Bank",
            "dataset": "derived", "license": "CC BY 4.0"}
    return components.caption(meta, lang, str(year))


# --- pure figure functions --------------------------------------------------------------------------------

def ranking_figure(rows: Sequence[tuple[str, str, float, float, float, str]],
                   bands: Mapping[str, tuple[float, float, float]], *, n_ranked: int, title: str, note: str,
                   score_title: str, rank_title: str, selected: str | None = None) -> dict[str, Any]:
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
            "marker": {"color": colours}, "xaxis": "x", "yaxis": "y", "name": "score"}
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
               "text": mid_h, "hovertemplate": "%{y}<br>median %{x:.0f} · 5–95%: %{text}<extra></extra>",
               "marker": {"color": mid_col, "size": 7, "symbol": "circle"}, "xaxis": "x2", "yaxis": "y",
               "name": "median"}
    yours = {"type": "scatter", "mode": "markers", "x": [r[3] for r in rows], "y": labels, "customdata": iso,
             "hovertemplate": "%{y}: %{x:.0f}<extra></extra>", "xaxis": "x2", "yaxis": "y", "name": "rank",
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
        margin={"l": 10, "r": 14, "b": 16})
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
    return {"data": [bars, median], "layout": figures._layout(
        title, note, height=max(260, 62 * len(labels) + 150), bargap=0.35,
        xaxis={"title": {"text": x_title}, "range": [0, 102], "tickvals": [0, 25, 50, 75, 100], "gridcolor": "#eee"},
        yaxis={"autorange": "reversed", "automargin": True, "tickmode": "array", "tickvals": list(labels),
               "ticktext": [f"<b>{label}</b><br>{text}" for label, text in zip(labels, texts, strict=True)]},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        margin={"l": 10, "r": 20, "b": 96})}


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
        direction = (pick("higher is better", "越高越好", lang) if spec.higher_is_better
                     else pick("lower is better", "越低越好", lang))
        log = f"log10(x + {spec.log_shift:g})" if spec.log else "—"
        if spec.goalposts is not None:
            goal = pick(f"{_number(spec.goalposts[0])}–{_number(spec.goalposts[1])} (natural bounds)",
                        f"{_number(spec.goalposts[0])}–{_number(spec.goalposts[1])}（自然界限）", lang)
        elif meta is not None:
            goal = pick(f"{_number(float(meta['lower_value']))}–{_number(float(meta['upper_value']))} "
                        f"(pooled {cfg.lower_quantile:.0%}–{cfg.upper_quantile:.0%} quantiles)",
                        f"{_number(float(meta['lower_value']))}–{_number(float(meta['upper_value']))}"
                        f"（合并{cfg.lower_quantile:.0%}–{cfg.upper_quantile:.0%}分位数）", lang)
        else:
            goal = "—"
        skew = (f"{float(meta['skewness']):.1f} → {float(meta['skewness_transformed']):.1f}"
                if meta is not None and spec.log and meta["skewness"] == meta["skewness"] else
                (f"{float(meta['skewness']):.1f}" if meta is not None and meta["skewness"] == meta["skewness"]
                 else "—"))
        ind_rows.append((names[spec.pillar], name, spec.code, unit, direction, log, goal, skew))
    pillar_rows = [(p.name_zh if lang == "zh" else p.name_en,
                    (p.description_zh if lang == "zh" else p.description_en) or "—",
                    p.wic_dimension or "—", f"{cfg.weights[p.id]:.0%}", len(p.indicators)) for p in cfg.pillars]
    windows = ", ".join(str(w) for w in mc.carry_forward_years)
    need = ", ".join(f"{names[p.id]} {math.ceil(cfg.min_share_per_pillar * len(p.indicators) - 1e-9)}/"
                     f"{len(p.indicators)}" for p in cfg.pillars)
    rules = [
        pick(f"Years: from {cfg.first_year}; a year is published if at least {cfg.min_ranked_share_of_peak:.0%} as "
             f"many countries are ranked as in the best-covered year and at most {cfg.max_imputed_share:.0%} of "
             f"the values behind its ranking are carried forward. Latest published year: {latest}.",
             f"年份：自{cfg.first_year}年起；某年排名国家数不少于覆盖最好年份的{cfg.min_ranked_share_of_peak:.0%}，"
             f"且其排名所用数值中沿用的比例不超过{cfg.max_imputed_share:.0%}时才发布。"
             f"最新发布年份：{latest}年。", lang),
        pick(f"Missing values: the latest observed value is carried forward at most {cfg.carry_forward_years} years "
             "(flagged); nothing is carried backwards, interpolated or modelled.",
             f"缺失值：最近一次观测值最多向后沿用{cfg.carry_forward_years}年（并标注）；不向前回填，不插值，不建模估算。",
             lang),
        pick(f"Eligibility: a country is ranked only if every pillar has at least {cfg.min_share_per_pillar:.0%} of "
             f"its indicators ({need}); otherwise the reason is recorded.",
             f"参与排名条件：每个支柱至少有{cfg.min_share_per_pillar:.0%}的指标有数据（{need}），否则记录原因。", lang),
        pick(f"Normalisation (default {norm_name(cfg.normalization, lang)}): min-max (x − lower) / "
             "(upper − lower) × 100, clipped to 0–100, with goalposts fixed over all years; or z-score shown as "
             "a T-score "
             f"{cfg.zscore_center:g} + {cfg.zscore_scale:g} z, clipped to 0–100.",
             f"标准化（默认{norm_name(cfg.normalization, lang)}）：最小-最大法 (x − 下限) / (上限 − 下限) × 100，"
             f"截断于0–100，阈值在所有年份固定；或Z分数，"
             f"以T分数 {cfg.zscore_center:g} + {cfg.zscore_scale:g} z 表示，截断于0–100。", lang),
        pick(f"Aggregation (default {agg_name(cfg.aggregation, lang)}): indicators are averaged within a "
             "pillar; pillars are combined with the pillar weights, arithmetically (fully compensatory) or "
             "geometrically (a weak pillar "
             f"costs more; pillar scores below {cfg.geometric_floor:g} count as {cfg.geometric_floor:g}).",
             f"加总（默认{agg_name(cfg.aggregation, lang)}）：支柱内各指标取平均；"
             f"各支柱按权重以算术平均（完全补偿）或几何平均（短板代价更高；"
             f"低于{cfg.geometric_floor:g}的支柱得分按{cfg.geometric_floor:g}计）合成。", lang),
        pick(f"Uncertainty: {mc.draws:,} seeded Monte Carlo draws (seed {mc.seed}); each pillar weight is multiplied "
             f"by a factor from [{1 - mc.weight_perturbation:g}, {1 + mc.weight_perturbation:g}], and the "
             f"normalisation ({', '.join(mc.normalizations)}), aggregation ({', '.join(mc.aggregations)}) and "
             f"carry-forward window ({windows} years) are drawn at random. The live ranking above keeps the "
             f"{cfg.carry_forward_years}-year window: changing it changes which countries are eligible, which "
             "needs the full computation, so the window is varied only here.",
             f"不确定性：{mc.draws:,}次设定随机种子（{mc.seed}）的蒙特卡洛模拟；"
             f"每个支柱权重乘以[{1 - mc.weight_perturbation:g}, "
             f"{1 + mc.weight_perturbation:g}]中的随机因子，并随机选取标准化方法（{', '.join(mc.normalizations)}）、"
             f"加总方法（{', '.join(mc.aggregations)}）和沿用年限（{windows}年）。上方的实时排名固定使用"
             f"{cfg.carry_forward_years}年沿用期：改变沿用期会改变哪些国家有资格参与排名，需要完整重算，因此只在此处变动。",
             lang),
    ]
    not_covered = [(d.get("dimension_zh" if lang == "zh" else "dimension_en", ""),
                    folded(str(d.get("reason_zh" if lang == "zh" else "reason_en", "")))) for d in cfg.not_covered]
    years = read.index_years()
    year_rows = [(int(y), int(w), int(r), f"{s:.0%}", pick("yes", "是", lang) if p else pick("no", "否", lang))
                 for y, w, r, s, p in zip(years["year"].tolist(), years["n_with_data"].tolist(),
                                          years["n_ranked"].tolist(), years["imputed_share"].tolist(),
                                          years["published"].tolist(), strict=True)]
    return html.Div([
        html.P(pick("Following the OECD/JRC Handbook on Constructing Composite Indicators (2008). Everything "
                    "below is generated from the configuration file etl/meta/index.yaml and the tables the "
                    "ETL computed from it, so it describes exactly what the scores use.",
                    "遵循经合组织/欧盟联合研究中心《构建综合指标手册》（2008）。"
                    "以下内容均由配置文件 etl/meta/index.yaml "
                    "及ETL据此计算的数据表自动生成，与得分所用方法完全一致。", lang)),
        html.H3(pick("Pillars", "支柱", lang)),
        rows_table(pillar_rows, [pick("Pillar", "支柱", lang), pick("What it measures", "衡量内容", lang),
                                            pick("WIC index dimension", "对应世界互联网发展指数维度", lang),
                                            pick("Default weight", "默认权重", lang),
                                            pick("Indicators", "指标数", lang)]),
        html.H3(pick("Indicators", "指标", lang)),
        rows_table(ind_rows, [pick("Pillar", "支柱", lang), pick("Indicator", "指标", lang),
                                         pick("Code", "代码", lang), pick("Unit", "单位", lang),
                                         pick("Direction", "方向", lang), pick("Transform", "变换", lang),
                                         pick("Goalposts (own unit)", "阈值（原单位）", lang),
                                         pick("Skewness (→ after log)", "偏度（→ 对数变换后）", lang)]),
        html.H3(pick("Rules", "规则", lang)),
        html.Ul([html.Li(r) for r in rules]),
        html.H3(pick("WIC dimensions open data cannot cover", "开放数据无法覆盖的世界互联网发展指数维度", lang)),
        rows_table(not_covered, [pick("Dimension", "维度", lang), pick("Why", "原因", lang)]),
        html.Details([html.Summary(pick("Candidate years", "候选年份", lang)), rows_table(
            year_rows, [t("control.year", lang), pick("Countries with data", "有数据的国家", lang),
                        pick("Ranked", "参与排名", lang), pick("Carried forward", "沿用值占比", lang),
                        pick("Published", "已发布", lang)])]),
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
            parts.append(pick("points the wrong way", "方向相反", lang))
        if r["weak"]:
            parts.append(pick(f"weak (r < {cfg.weak_correlation:g})", f"相关性弱（r < {cfg.weak_correlation:g}）",
                              lang))
        if r in other:
            o = names.get(r["best_other_pillar"], r["best_other_pillar"])
            parts.append(pick(f"correlates more with {o} than with its own pillar", f"与{o}的相关性高于本支柱", lang))
        return "; ".join(parts) if lang != "zh" else "；".join(parts)

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
            label = pick("Index (the pillars)", "指数（各支柱）", lang)
        else:
            label = pick("All indicators together", "全部指标", lang)
        if r["level"] != "indicator":
            alpha_rows.append((label, r["n_items"], r["n_countries"], _r(r["cronbach_alpha"]), _r(r["r_index"])))
    corr = read.index_correlations()
    keys = [*PILLARS, "index"]
    lookup = {(a, b): r for a, b, r in zip(corr["a"].tolist(), corr["b"].tolist(), corr["r"].tolist(), strict=True)}
    labels = [*(names[p] for p in PILLARS), pick("Index", "指数", lang)]
    matrix = [(labels[i], *(_r(lookup.get((a, b), lookup.get((b, a)))) for b in keys)) for i, a in enumerate(keys)]
    alphas = "; ".join(f"{row[0]} {row[3]}" for row in alpha_rows)
    summary = pick(
        f"{year}, ranked countries, default method. {len(wrong)} of {len(inds)} indicators point the wrong way "
        f"(negative correlation with the rest of their pillar){': ' + ', '.join(wrong) if wrong else ''}; "
        f"{len(weak)} are weak (r < {cfg.weak_correlation:g}){': ' + ', '.join(weak) if weak else ''}; "
        f"{len(other)} correlate more with another pillar than with their own. Cronbach's alpha: {alphas}.",
        f"{year}年，参与排名的国家，默认方法。{len(inds)}项指标中有{len(wrong)}项方向相反（与本支柱其余指标负相关）"
        f"{'：' + '、'.join(wrong) if wrong else ''}；{len(weak)}项相关性弱（r < {cfg.weak_correlation:g}）"
        f"{'：' + '、'.join(weak) if weak else ''}；{len(other)}项与其他支柱的相关性高于本支柱。"
        f"克朗巴赫α系数：{alphas}。", lang)
    return html.Div([
        html.P(summary, className="summary"),
        rows_table(ind_rows, [pick("Pillar", "支柱", lang), pick("Indicator", "指标", lang),
                                         pick("Countries", "国家数", lang),
                                         pick("r with rest of pillar", "与本支柱其余指标的r", lang),
                                         pick("r with index", "与指数的r", lang),
                                         pick("Closest other pillar (r)", "相关性最高的其他支柱（r）", lang),
                                         pick("Flags", "标记", lang)]),
        html.H3(pick("Cronbach's alpha", "克朗巴赫α系数", lang)),
        rows_table(alpha_rows, ["", pick("Items", "项数", lang), pick("Countries", "国家数", lang),
                                           "α", pick("r with index", "与指数的r", lang)]),
        html.H3(pick("Correlations of pillars and index", "支柱与指数的相关系数", lang)),
        rows_table(matrix, ["", *labels]),
    ])


def intro(lang: str) -> html.P:
    """What this index is and is not, its year and data vintage."""
    wdi = read.sources().set_index("id")
    vintage = str(wdi.loc["wdi", "vintage"]) if "wdi" in wdi.index else "?"
    built = read.data_vintage()["built_at"]
    year = pre().year
    n = len(pre().iso3)
    return html.P(pick(
        f"Computed here from {facts.index_sources('en')} (WDI vintage {vintage}, warehouse built {built:%Y-%m-%d}); "
        "not the WIC's own World Internet Development Index. "
        f"Index year {year}: {n} countries ranked. Move the weights or switch the method and the ranking is "
        "re-computed at once; click a bar or choose a country to see what is behind its score.",
        f"由本平台根据{facts.index_sources('zh')}计算（世界发展指标数据版本 {vintage}，"
        f"数据仓库构建于 {built:%Y-%m-%d}）；"
        f"并非世界互联网大会发布的世界互联网发展指数。指数年份 {year}年：{n}个国家参与排名。调整权重或切换方法，"
        "排名即时重算；点击条形或选择国家，可查看其得分构成。", lang), className="lead")


@safe_layout
def layout(**query: object) -> html.Div:
    """The index page (``?weights=40,20,20,20&norm=zscore&agg=geometric&group=WIC&country=CHN``)."""
    q = Query.parse(query)
    lang = q.lang
    if read.index_latest_year() is None:
        body = html.Div([html.H1(t("nav.index", lang)),
                         html.P(pick("The index has not been computed in this warehouse.",
                                     "此数据仓库中尚未计算该指数。", lang), className="notice")])
        return components.page_frame(PATH, lang, query, body, q.notices())
    weights = parse_weights(q)
    norm = q.choice("norm", config().normalization, NORMALIZATIONS)
    agg = q.choice("agg", config().aggregation, AGGREGATIONS)
    group = q.country("group", "", {o["value"] for o in filter_options("en") if o["value"]}) or ""
    country = q.country("country", None, set(scores_table())) or ""
    names = pillar_names(lang)
    sliders = [components.labelled(
        pick(f"{names[p]} weight", f"{names[p]}权重", lang),
        dcc.Slider(id=ID.weight(p), min=0, max=100, step=1, value=w, marks={0: "0", 50: "50", 100: "100"},
                   updatemode="mouseup", tooltip={"placement": "bottom", "always_visible": False}),
        ID.weight(p)) for p, w in zip(PILLARS, weights, strict=True)]
    methods = html.Div([
        components.labelled(pick("Normalisation", "标准化方法", lang), dcc.RadioItems(
            id=ID.NORM, value=norm, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": pick("min-max (goalposts)", "最小-最大（阈值）", lang), "value": "minmax"},
                     {"label": pick("z-score", "Z分数", lang), "value": "zscore"}]), ID.NORM),
        components.labelled(pick("Aggregation of pillars", "支柱加总方法", lang), dcc.RadioItems(
            id=ID.AGG, value=agg, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "8px"},
            options=[{"label": pick("arithmetic", "算术平均", lang), "value": "arithmetic"},
                     {"label": pick("geometric", "几何平均", lang), "value": "geometric"}]), ID.AGG),
        components.labelled(pick("Show", "显示范围", lang), dcc.Dropdown(
            id=ID.GROUP, options=filter_options(lang), value=group, clearable=False), ID.GROUP),
        html.Div(html.Button(pick("Reset to defaults", "恢复默认设置", lang), id=ID.RESET, n_clicks=0,
                             className="play"), className="control narrow"),
    ], className="controls")
    block = components.chart_block(ID.RANK, ID.RANK_CAPTION, ID.RANK_SUMMARY, ID.RANK_TABLE, lang)
    # the ranking is tall (one row per country): it scrolls in its own box so the breakdown stays close
    block.children[0] = html.Div(block.children[0], style={"maxHeight": SCROLL_HEIGHT, "overflowY": "auto"},
                                 tabIndex="0", **components.aria(label=pick("Ranking chart", "排名图", lang)))
    body = html.Div([
        html.H1(t("nav.index", lang)),
        intro(lang),
        html.Div([*sliders, html.P(id=ID.SHARES, className="caption", style={"flex": "1 1 100%", "margin": 0},
                                   **components.aria(live="polite"))], className="controls"),
        methods,
        html.H2(pick("Ranking", "排名", lang)),
        block,
        html.Details([html.Summary(pick("Countries not ranked, and why", "未参与排名的国家及原因", lang)),
                      html.Div(id=ID.UNRANKED, className="table-wrap")]),
        html.H2(pick("What is behind a country's score", "国家得分构成", lang)),
        html.Div(components.labelled(t("control.country", lang), dcc.Dropdown(
            id=ID.COUNTRY, options=country_options(lang), value=country or None,
            placeholder=pick("Choose a country, or click a bar above", "选择国家，或点击上方条形", lang)),
            ID.COUNTRY, "wide"), className="controls"),
        html.Div(id=ID.STATUS, className="summary", **components.aria(live="polite")),
        components.chart_block(ID.PILLAR, ID.PILLAR_CAPTION, ID.PILLAR_SUMMARY, ID.PILLAR_TABLE, lang,
                               height=PILLAR_HEIGHT),
        html.H3(pick("Indicators behind it", "所依据的指标", lang)),
        html.Div(id=ID.INDICATORS, className="table-wrap", style={"maxHeight": "none"}),
        html.H2(pick("Methodology", "方法说明", lang)),
        methodology(lang),
        html.H2(pick("Internal coherence", "内部一致性检验", lang)),
        coherence_section(lang),
        dcc.Store(id=ID.LANG, data=lang), *components.url_sync(ID.QUERY),
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
          Input(ID.GROUP, "value"), Input(ID.COUNTRY, "value"), State(ID.LANG, "data"))
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
    names = components.names(lang)
    pnames = pillar_names(lang)
    bands = intervals()
    rows, table_rows = [], []
    for iso3, score, rank, default, change, *pillar_scores in zip(*columns, strict=True):
        if keep is not None and iso3 not in keep:
            continue
        name = names.get(iso3, iso3)
        parts = " · ".join(f"{pnames[pid]} {v:.1f}" for pid, v in zip(PILLARS, pillar_scores, strict=True))
        moved = change_text(change) or pick("no change", "不变", lang)
        hover = pick(f"<b>{name}</b><br>score {score:.1f} · rank {rank:.0f} (published {default:.0f}: {moved})"
                     f"<br>{parts}",
                     f"<b>{name}</b><br>得分 {score:.1f} · 排名 {rank:.0f}（已发布排名 {default:.0f}：{moved}）"
                     f"<br>{parts}", lang)
        rows.append((iso3, f"{rank:.0f}. {name}", score, rank, change, hover))
        band = bands.get(iso3)
        table_rows.append((f"{rank:.0f}", name, iso3, f"{score:.1f}", change_text(change) or "–", f"{default:.0f}",
                           f"{band[1]:.0f}" if band else "—", f"{band[0]:.0f}–{band[2]:.0f}" if band else "—"))
    pct = shares(weights)
    share_text = (pick("Effective weights: ", "实际权重：", lang)
                  + " · ".join(f"{pnames[pid]} {s:.0f}%" for pid, s in zip(PILLARS, pct, strict=True))
                  + pick(f" (each slider's share of their total) · method: {method_label(norm, agg, lang)}",
                         f"（各滑块占总和的比例）· 方法：{method_label(norm, agg, lang)}", lang))
    unranked_table = _memo(("unranked", group, lang), lambda: unranked_rows(table, keep, names, lang))
    note = index_caption(p.year, norm, lang)
    if not rows:
        text = pick("No country in this group is ranked.", "该组别中没有参与排名的国家。", lang)
        return (figures.message(text), note, text, None, {"height": "320px"}, unranked_table, share_text, query,
                None)
    title = pick(f"Digital Development Index {p.year}", f"{p.year}年数字发展指数", lang)
    if group:
        title += " · " + next((o["label"] for o in filter_options(lang) if o["value"] == group), group)
    mc = config().monte_carlo
    fig = ranking_figure(
        rows, bands, n_ranked=len(p.iso3), title=title, note=note, selected=country or None,
        score_title=pick("Score<br>▲▼ vs<br>published rank", "得分<br>▲▼ 较<br>已发布排名", lang),
        rank_title=pick("Rank (1 = best)<br>━ 5–95%<br>● median<br>◆ these settings",
                        "排名（1 = 最好）<br>━ 5–95%<br>● 中位数<br>◆ 当前设置", lang))
    summary = ranking_summary(rows, bands, len(p.iso3), weights, norm, agg, lang, mc.draws)
    headers = ["#", t("control.country", lang), "ISO3", pick("Score", "得分", lang),
               pick("Change", "变化", lang), pick("Published rank", "已发布排名", lang),
               pick("Median rank (MC)", "排名中位数（蒙特卡洛）", lang),
               pick("5–95% rank interval", "5–95%排名区间", lang)]
    style = {"height": f"{fig['layout']['height']}px"}
    return (fig, note, summary, rows_table(table_rows, headers), style, unranked_table, share_text,
            query, components.get_data(ranking_request(weights, norm, agg, group), lang))


def unranked_rows(table: Mapping[str, tuple[bool, float | None, str | None]], keep: Any,
                  names: Mapping[str, str], lang: str) -> Any:
    """The countries of a filter that are not ranked, with the stored reason."""
    rows = sorted((names.get(c, c), c, reason_text(why, lang)) for c, (ok, _, why) in table.items()
                  if not ok and (keep is None or c in keep))
    return rows_table(rows, [t("control.country", lang), "ISO3", pick("Why not ranked", "未排名原因", lang)])


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
    if lang == "zh":
        text = (f"显示{len(rows)}个国家（排名为在全部{n_ranked}个参与排名国家中的名次）。"
                f"第一名：{names[0]}（{top[2]:.1f}）。")
        if default:
            text += "当前为已发布的默认设置，排名无变化。"
        elif moved:
            up, down = max(moved), min(moved)
            text += (f"与已发布排名相比，{len(moved)}个国家名次变化"
                     + (f"；上升最多：{up[1]}（▲{up[0]:.0f}）" if up[0] > 0 else "")
                     + (f"；下降最多：{down[1]}（▼{-down[0]:.0f}）" if down[0] < 0 else "") + "。")
        else:
            text += "与已发布排名相比，名次没有变化。"
        text += (f"右侧横条为排名区间：在{draws:,}次蒙特卡洛模拟（随机改变支柱权重、标准化与加总方法及沿用年限）中，"
                 "该国90%的排名落在此区间内（第5至第95百分位），圆点为排名中位数；区间越窄，排名越不依赖这些方法选择。"
                 "区间围绕已发布设置计算一次，不随滑块变化。")
        if widest:
            text += f"区间最宽：{widest[1]}（{widest[0]:.0f}个名次）。"
        if not default:
            text += f"当前设置下有{outside}个国家的排名落在其区间之外。"
        return text
    text = (f"{len(rows)} countries shown (ranks are among all {n_ranked} ranked countries). "
            f"First: {names[0]} ({top[2]:.1f}). ")
    if default:
        text += "These are the published default settings, so no rank changes. "
    elif moved:
        up, down = max(moved), min(moved)
        text += (f"Against the published ranking, {len(moved)} countries change places"
                 + (f"; biggest rise: {up[1]} (▲{up[0]:.0f})" if up[0] > 0 else "")
                 + (f"; biggest fall: {down[1]} (▼{-down[0]:.0f})" if down[0] < 0 else "") + ". ")
    else:
        text += "No country changes places against the published ranking. "
    text += (f"The right panel is the rank interval: in {draws:,} Monte Carlo draws that vary the pillar weights, "
             "the normalisation, the aggregation and the carry-forward window, 90% of the country's ranks fall inside "
             "the bar (5th to 95th percentile); the dot is its median rank. A narrow bar means the rank hardly "
             "depends on these choices. The interval is computed once around the published settings and does not "
             "move with the sliders. ")
    if widest:
        text += f"Widest interval: {widest[1]} ({widest[0]:.0f} places). "
    if not default:
        text += f"With these settings, {outside} countries fall outside their interval."
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


PILLAR_HEIGHT = 380
SHOWN = {"height": f"{PILLAR_HEIGHT}px"}
HIDDEN = {"display": "none"}   # no country chosen: no empty chart, the prompt says what to do


def _breakdown_fallback() -> tuple[Any, ...]:
    return (figures.message(ERROR_TEXT), "", ERROR_TEXT, None, None, "", None, SHOWN)


@callback(Output(ID.PILLAR, "figure"), Output(ID.PILLAR_CAPTION, "children"), Output(ID.PILLAR_SUMMARY, "children"),
          Output(ID.PILLAR_TABLE, "children"), Output(ID.INDICATORS, "children"), Output(ID.STATUS, "children"),
          Output(f"{ID.PILLAR}-getdata", "children"), Output(ID.PILLAR, "style"),
          Input(ID.COUNTRY, "value"), Input(ID.NORM, "value"), State(ID.LANG, "data"))
@guarded(_breakdown_fallback)
def render_country(country: Any, norm: Any, lang: Any) -> tuple[Any, ...]:
    """A country -> its stored pillar scores, rank intervals and indicators (or why it is not ranked)."""
    lang = i18n.lang_of(lang)
    norm = norm if norm in NORMALIZATIONS else config().normalization
    table = scores_table()
    p = pre()
    note = index_caption(p.year, norm, lang)
    if not isinstance(country, str) or country not in table:
        text = pick("Choose a country, or click a bar in the ranking.", "请选择国家，或点击排名图中的条形。", lang)
        return figures.message(text), note, "", None, None, text, None, HIDDEN
    name = components.names(lang).get(country, country)
    ranked, rank, why = table[country]
    pnames = pillar_names(lang)
    ps = read.index_pillar_scores(p.year, normalization=norm, countries=[country])
    have = {pid: (s, r, a, n, imp) for pid, s, r, a, n, imp in zip(
        ps["pillar"].tolist(), ps["score"].tolist(), ps["rank"].tolist(), ps["n_available"].tolist(),
        ps["n_indicators"].tolist(), ps["n_imputed"].tolist(), strict=True)}
    sens = read.index_sensitivity([country])
    spans = {pid: (lo, hi, without) for pid, lo, hi, without in zip(
        sens["pillar"].tolist(), sens["pillar_rank_p5"].tolist(), sens["pillar_rank_p95"].tolist(),
        sens["rank_without_pillar"].tolist(), strict=True)}
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
        hovers.append(pick(f"<b>{label}</b>: {s:.1f}<br>pillar rank {rk}, 5–95% {span}<br>{a} of {n} indicators, "
                           f"{imp} carried forward",
                           f"<b>{label}</b>：{s:.1f}<br>支柱排名 {rk}，5–95% {span}<br>{n}项指标中{a}项有数据，"
                           f"{imp}项为沿用值", lang))
        rows.append((label, f"{s:.1f}", rk, span, f"{medians[k]:.1f}", f"{a}/{n}" + (
            pick(f" ({imp} carried forward)", f"（{imp}项沿用）", lang) if imp else ""),
            f"{without:.0f}" if without is not None and without == without else "—"))
    bands = intervals()
    if ranked and rank is not None:
        band = bands.get(country)
        span = f"{band[0]:.0f}–{band[2]:.0f}" if band else "—"
        status = pick(f"{name}: rank {rank:.0f} of {len(p.iso3)} in {p.year} with the published settings; "
                      f"5–95% Monte Carlo rank interval {span}"
                      + (f", median {band[1]:.0f}" if band else "") + ".",
                      f"{name}：{p.year}年按已发布设置在{len(p.iso3)}个国家中排名第{rank:.0f}；蒙特卡洛5–95%排名区间"
                      f"{span}" + (f"，中位数{band[1]:.0f}" if band else "") + "。", lang)
    else:
        status = pick(f"{name} is not ranked in {p.year}: {reason_text(why, lang)}. A country needs at least "
                      f"{config().min_share_per_pillar:.0%} of each pillar's indicators.",
                      f"{name}未参与{p.year}年排名：{reason_text(why, lang)}。参与排名需要每个支柱至少"
                      f"{config().min_share_per_pillar:.0%}的指标有数据。", lang)
    median_name = pick("median of ranked countries", "参与排名国家的中位数", lang)
    if labels:
        fig = pillar_figure(labels, values, texts, hovers, meds, note=note, median_name=median_name,
                            title=pick(f"{name}: pillar scores, {p.year}", f"{name}：{p.year}年支柱得分", lang),
                            x_title=pick("T-score (50 = mean)", "T分数（50为均值）", lang) if norm == "zscore"
                            else pick("score 0–100", "得分 0–100", lang))
        best = max(zip(values, labels, strict=True))
        worst = min(zip(values, labels, strict=True))
        summary = pick(f"Strongest pillar: {best[1]} ({best[0]:.1f}); weakest: {worst[1]} ({worst[0]:.1f}). "
                       "Under each pillar: score · pillar rank (5–95% interval of the pillar rank over the Monte "
                       "Carlo draws of normalisation and carry-forward window). The black tick is the median of "
                       "the ranked countries.",
                       f"最强支柱：{best[1]}（{best[0]:.1f}）；最弱：{worst[1]}（{worst[0]:.1f}）。"
                       "各支柱名称下方：得分 · 支柱排名（在标准化方法与沿用年限的蒙特卡洛模拟中"
                       "支柱排名的5–95%区间）。黑色竖线为参与排名国家的中位数。",
                       lang)
    else:
        fig = figures.message(pick(f"No pillar score for {name}.", f"{name}没有支柱得分。", lang))
        summary = ""
    pillar_table = rows_table(rows, [
        pick("Pillar", "支柱", lang), pick("Score", "得分", lang), pick("Pillar rank", "支柱排名", lang),
        pick("5–95% pillar rank", "支柱排名5–95%区间", lang), median_name,
        pick("Indicators with data", "有数据的指标", lang),
        pick("Index rank without this pillar", "去掉该支柱后的指数排名", lang)])
    request = (f"/api/v1/index-scores?country={country}",
               f"from etl import read\npillars = read.index_pillar_scores({p.year}, normalization={norm!r})\n"
               f"pillars = pillars[pillars.iso3 == {country!r}]\n"
               f"indicators = read.index_indicator_scores({country!r}, {p.year})")
    return (fig, note, summary, pillar_table, indicator_table(country, p.year, norm, lang), status,
            components.get_data(request, lang), SHOWN)


def indicator_table(country: str, year: int, norm: str, lang: str) -> Any:
    """Every configured indicator for one country: value used, year observed, carried forward, score."""
    data = read.index_indicator_scores([country], year)
    found = {code: (v, sy, imp, sc) for code, v, sy, imp, sc in zip(
        data["indicator"].tolist(), data["value"].tolist(), data["source_year"].tolist(), data["imputed"].tolist(),
        data[norm].tolist(), strict=True)}
    meta = read.index_indicators().set_index("code")
    pnames = pillar_names(lang)
    no = pick("no", "否", lang)
    rows: list[tuple[Any, ...]] = []
    for spec in config().indicators:
        m = meta.loc[spec.code] if spec.code in meta.index else {"name_en": spec.code, "unit": ""}
        name, unit = i18n.name(m, lang), i18n.unit(m, lang)
        if spec.code in found:
            v, sy, imp, sc = found[spec.code]
            rows.append((pnames[spec.pillar], name, spec.code, f"{sc:.1f}", f"{i18n.fmt(v, lang)} {unit}".strip(),
                         int(sy), (pick(f"yes, from {int(sy)}", f"是，沿用{int(sy)}年数值", lang) if imp else no)))
        else:
            rows.append((pnames[spec.pillar], name, spec.code, "—",
                         pick(f"no value within {config().carry_forward_years} years",
                              f"{config().carry_forward_years}年内无数值", lang), "—", "—"))
    return rows_table(rows, [
        pick("Pillar", "支柱", lang), pick("Indicator", "指标", lang), pick("Code", "代码", lang),
        pick(f"Normalised ({'z-score' if norm == 'zscore' else 'min-max'})",
             f"标准化得分（{'Z分数' if norm == 'zscore' else '最小-最大'}）", lang),
        pick("Value used", "所用数值", lang), pick("Observed in", "观测年份", lang),
        pick("Carried forward", "沿用值", lang)])


components.register_url_sync(ID.QUERY)
