"""Compact figures for a printed brief: plain Plotly dicts, sized by the page (see ``template.CHART_JS``).

Each function returns a figure without title (the brief prints the title and caption in HTML beside it) and
without legend (one legend per chart grid, in HTML), in the brief's fonts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard import figures, i18n
from dashboard.briefing.build import PillarRow, Series

DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
GRID = "#e6e9ee"


def font(lang: str, size: float = 9) -> dict[str, Any]:
    """The brief's chart font in ``lang``."""
    return {"family": i18n.rule("brief_font", lang), "size": size, "color": "#1d2733"}


def colours(keys: Sequence[str]) -> dict[str, str]:
    """A fixed colour per line key (the subject first), shared by every chart and the HTML legend."""
    return {k: figures.PALETTE[i % len(figures.PALETTE)] for i, k in enumerate(keys)}


def _base(lang: str, height: int, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"font": font(lang), "paper_bgcolor": "white", "plot_bgcolor": "white",
                              "showlegend": False, "height": height, "hovermode": "closest",
                              "margin": {"l": 40, "r": 8, "t": 6, "b": 20}}
    layout.update(extra)
    return layout


def trend(series: Sequence[Series], keys: Sequence[str], names: Mapping[str, str], *, unit: str, log: bool,
          lang: str, height: int = 165) -> dict[str, Any]:
    """The subject (thick) against its peers (thin, dashed) over time."""
    colour = colours(keys)
    traces: list[dict[str, Any]] = []
    for s in series:
        i = list(keys).index(s.key) if s.key in keys else len(keys)
        subject = s.role == "subject"
        label = names.get(s.key, s.key) + ("*" if s.computed else "")
        traces.append({
            "type": "scatter", "mode": "lines+markers" if len(s.years) < 4 else "lines", "name": label,
            "x": s.years, "y": [round(v, 6) for v in s.values],
            "line": {"color": colour.get(s.key, "#777"), "width": 2.6 if subject else 1.4,
                     "dash": DASHES[i % len(DASHES)]},
            "marker": {"size": 5 if subject else 3},
            "hovertemplate": f"{label}<br>%{{x}}: %{{y:,.4~g}} {unit}<extra></extra>",
        })
    # Draw the subject last so it sits on top.
    traces.sort(key=lambda t: t["line"]["width"])
    years = [y for s in series for y in s.years]
    span = max(years) - min(years) if years else 0
    xaxis: dict[str, Any] = {"gridcolor": GRID, "dtick": 5 if span > 8 else 1 if span <= 4 else 2, "tickformat": "d",
                             "zeroline": False, "ticks": "outside", "ticklen": 3, "tickcolor": "#bbb"}
    if span == 0 and years:
        xaxis["range"] = [years[0] - 1, years[0] + 1]
    yaxis = {"gridcolor": GRID, "zeroline": False, "type": "log" if log else "linear", "nticks": 5,
             "tickformat": "~s"
             if max((abs(v) for s in series for v in s.values), default=0) >= 10_000 else ""}
    return {"data": traces, "layout": _base(lang, height, xaxis=xaxis, yaxis=yaxis)}


def pillar_scores(rows: Sequence[PillarRow], subject: str | None, refs: Sequence[str], names: Mapping[str, str],
                  keys: Sequence[str], *, lang: str, height: int = 190) -> dict[str, Any]:
    """Pillar scores 0-100: the subject's bars, and each reference's median with its interquartile range."""
    colour = colours(keys)
    labels = [i18n.name(r, lang) for r in rows]
    traces: list[dict[str, Any]] = []
    if subject is not None:
        traces.append({"type": "bar", "orientation": "h", "name": names.get(subject, subject), "y": labels,
                       "x": [round(r.score, 2) if r.score is not None else None for r in rows],
                       "marker": {"color": colour.get(subject, figures.PALETTE[0])},
                       "text": [f"{r.score:.1f}" if r.score is not None else "" for r in rows],
                       "textposition": "inside", "insidetextanchor": "start",
                       "textfont": {"color": "white", "size": 8},
                       "hovertemplate": "%{y}: %{x:.1f}<extra></extra>"})
    for j, ref in enumerate(refs):
        qs = [r.references.get(ref) for r in rows]
        traces.append({
            "type": "scatter", "mode": "markers", "name": names.get(ref, ref), "y": labels,
            "x": [round(q[0], 2) if q else None for q in qs],
            "marker": {"symbol": ["diamond", "circle", "square"][j % 3], "size": 7,
                       "color": colour.get(ref, "#555"), "line": {"color": "white", "width": 0.8}},
            "error_x": {"type": "data", "symmetric": False, "array": [round(q[2] - q[0], 2) if q else None for q in qs],
                        "arrayminus": [round(q[0] - q[1], 2) if q else None for q in qs],
                        "color": colour.get(ref, "#555"), "thickness": 1.2, "width": 3},
            "hovertemplate": "%{y}: %{x:.1f}<extra>" + names.get(ref, ref) + "</extra>",
        })
    layout = _base(lang, height, barmode="overlay",
                   xaxis={"range": [0, 108], "gridcolor": GRID, "dtick": 20, "zeroline": False},
                   yaxis={"autorange": "reversed", "automargin": True, "ticksuffix": " "},
                   margin={"l": 8, "r": 10, "t": 6, "b": 22})
    return {"data": traces, "layout": layout}


def rank_intervals(items: Sequence[tuple[str, int, int | None, int | None]], n: int, *, colour: str, lang: str,
                   height: int = 190) -> dict[str, Any]:
    """Ranks (1 = best) with their 5-95 % Monte Carlo interval: ``items`` are (label, rank, p5, p95)."""
    labels = [i[0] for i in items]
    ranks = [i[1] for i in items]
    trace = {"type": "scatter", "mode": "markers+text" if len(items) <= 6 else "markers", "y": labels, "x": ranks,
             "text": [str(r) for r in ranks], "textposition": "top center", "cliponaxis": False,
             "textfont": {"size": 8, "color": "#1d2733"},
             "marker": {"size": 7, "color": colour},
             "error_x": {"type": "data", "symmetric": False,
                         "array": [(i[3] - i[1]) if i[3] is not None else 0 for i in items],
                         "arrayminus": [(i[1] - i[2]) if i[2] is not None else 0 for i in items],
                         "color": colour, "thickness": 1.5, "width": 4},
             "hovertemplate": "%{y}: %{x}<extra></extra>"}
    return {"data": [trace], "layout": _base(
        lang, height, xaxis={"range": [-1, n + 2], "gridcolor": GRID, "zeroline": False,
                             "title": {"text": i18n.t("brief_charts.rank_among_countries_1_best", lang, n=n),
                                       "font": {"size": 8}, "standoff": 2}},
        yaxis={"autorange": "reversed", "automargin": True, "ticksuffix": " "},
        margin={"l": 8, "r": 10, "t": 6, "b": 30})}
