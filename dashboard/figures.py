"""Pure figure functions: tidy data in, a Plotly figure (as a plain dict, fast to serialize) out."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"
NO_DATA = "#d0d0d0"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif", "size": 13}


def wrap(text: str, width: int = 95) -> str:
    """Break a long ' · '-separated note into lines of about ``width`` characters (Plotly does not wrap)."""
    lines: list[str] = []
    for part in text.split("  ·  ") if "  ·  " in text else text.split(" · "):
        if lines and len(lines[-1]) + len(part) + 3 <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "<br>".join(lines)


def _layout(title: str, note: str, **extra: Any) -> dict[str, Any]:
    # The note (unit, year, source) is the title's subtitle, so a downloaded PNG carries it too.
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16},
                  "subtitle": {"text": wrap(note), "font": {"size": 11, "color": "#555"}}},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
    }
    layout.update(extra)
    margin = dict(layout.get("margin") or {"l": 50, "r": 20, "b": 50})
    margin["t"] = 64 + 14 * wrap(note).count("<br>") if note else 50
    layout["margin"] = margin
    return layout


def message(text: str) -> dict[str, Any]:
    """An empty figure that says why it is empty."""
    return {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "font": FONT,
                                   "annotations": [{"text": text, "showarrow": False, "font": {"size": 15}}]}}


def choropleth(values: Sequence[tuple[str, float, str]], shapes: Sequence[tuple[str, str]], *, title: str,
               note: str, colorbar: str, log: bool, outline: Sequence[str] = (), nodata: str = "no data",
               fit: bool = False) -> dict[str, Any]:
    """World map: ``values`` (iso3, value, hover label) coloured, every other shape grey as 'no data'.

    ``shapes`` (iso3, name) are the countries to draw; on a log scale non-positive values count as no data.
    """
    shown = [v for v in values if v[1] > 0] if log else list(values)
    have = {v[0] for v in shown}
    missing = [(c, n) for c, n in shapes if c not in have]
    traces: list[dict[str, Any]] = [{
        "type": "choropleth", "locations": [c for c, _ in missing], "z": [0] * len(missing),
        "locationmode": "ISO-3", "colorscale": [[0, NO_DATA], [1, NO_DATA]], "showscale": False,
        "text": [f"{n}<br>{nodata}" for _, n in missing], "hovertemplate": "%{text}<extra></extra>",
        "marker": {"line": {"color": "white", "width": 0.5}}, "name": nodata,
    }]
    z = [math.log10(v[1]) for v in shown] if log else [v[1] for v in shown]
    bar: dict[str, Any] = {"title": {"text": colorbar, "side": "right"}, "thickness": 14, "len": 0.8}
    if log and z:
        lo, hi = math.floor(min(z)), math.ceil(max(z))
        ticks = list(range(lo, hi + 1))
        bar.update(tickvals=ticks, ticktext=[f"{10 ** k:,.0f}" if k >= 0 else f"{10 ** k:g}" for k in ticks])
    traces.append({
        "type": "choropleth", "locations": [v[0] for v in shown], "z": z, "locationmode": "ISO-3",
        "colorscale": SEQUENTIAL, "colorbar": bar, "text": [v[2] for v in shown],
        "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "white", "width": 0.5}},
        "name": colorbar,
    })
    if outline:
        traces.append({
            "type": "choropleth", "locations": list(outline), "z": [1] * len(outline), "locationmode": "ISO-3",
            "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], "showscale": False,
            "hoverinfo": "skip", "marker": {"line": {"color": "#000000", "width": 1.8}}, "name": "WIC",
        })
    geo: dict[str, Any] = {"projection": {"type": "natural earth"}, "showframe": False, "showcoastlines": False,
                           "showcountries": False, "lataxis": {"range": [-58, 85]}, "bgcolor": "white"}
    if fit:
        geo["fitbounds"] = "locations"
    return {"data": traces, "layout": _layout(title, note, geo=geo, margin={"l": 0, "r": 0, "b": 10})}


@dataclass
class Line:
    """One series of a line chart."""

    key: str
    label: str
    years: list[Any]          # years, or dates as strings
    values: list[float]
    hover: list[str]


def lines(series: Sequence[Line], *, title: str, note: str, y_title: str, log: bool = False,
          dashed: Collection[str] = ()) -> dict[str, Any]:
    """One line per series; keys in ``dashed`` (groups) are drawn dashed."""
    traces = []
    for i, s in enumerate(series):
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": s.label, "x": s.years, "y": s.values,
            "text": s.hover, "hovertemplate": "%{text}<extra></extra>",
            "line": {"color": PALETTE[i % len(PALETTE)], "width": 2.5, "dash": "dash" if s.key in dashed else "solid"},
            "marker": {"size": 5, "symbol": ["circle", "square", "diamond", "triangle-up", "x", "cross"][i % 6]},
        })
    return {"data": traces, "layout": _layout(
        title, note, xaxis={"title": {"text": ""}, "gridcolor": "#eee", "dtick": 5},
        yaxis={"title": {"text": y_title}, "gridcolor": "#eee", "type": "log" if log else "linear"},
        legend={"orientation": "h", "y": -0.12}, margin={"l": 60, "r": 20, "b": 80}, hovermode="closest")}


def line_series(rows: Sequence[tuple[str, int, float, bool]], order: Sequence[str], names: Mapping[str, str],
                hover: Callable[[str, int, float], str]) -> list[Line]:
    """Group (key, year, value, computed) rows into :class:`Line` objects in ``order``; computed ones get '*'."""
    grouped: dict[str, Line] = {}
    for key, year, value, computed in rows:
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = Line(key, names.get(key, key) + ("*" if computed else ""), [], [], [])
        line.years.append(year)
        line.values.append(value)
        line.hover.append(hover(line.label, year, value))
    return [grouped[k] for k in order if k in grouped]


def wide_table(series: Sequence[Line]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows (newest year first) of a year x series table."""
    years = sorted({y for s in series for y in s.years}, reverse=True)
    lookup = [dict(zip(s.years, s.values, strict=True)) for s in series]
    return ["year"] + [s.label for s in series], [[y] + [d.get(y, "") for d in lookup] for y in years]


def bars(frame: pd.DataFrame, *, title: str, note: str, x_title: str, highlight: Sequence[str] = ()) -> dict[str, Any]:
    """Horizontal bars: ``frame`` has key, label, value, hover; ``highlight`` keys get the accent colour."""
    frame = frame.sort_values("value")
    colours = [PALETTE[1] if k in highlight else PALETTE[0] for k in frame["key"]]
    return {"data": [{"type": "bar", "orientation": "h", "y": list(frame["label"]), "x": list(frame["value"]),
                      "hovertext": list(frame["hover"]), "hovertemplate": "%{hovertext}<extra></extra>",
                      "marker": {"color": colours}}],
            "layout": _layout(title, note, xaxis={"title": {"text": x_title}, "gridcolor": "#eee"},
                              yaxis={"automargin": True}, height=max(300, 30 * len(frame) + 150),
                              margin={"l": 10, "r": 20, "b": 50})}


def bubbles(frame: pd.DataFrame, *, title: str, note: str, x_title: str, y_title: str, log_x: bool,
            log_y: bool, colour_order: Sequence[str], start: int | None = None,
            hovertemplate: str = "%{text}<extra></extra>") -> dict[str, Any]:
    """Animated bubble scatter: ``frame`` has year, iso3, name, x, y, size, colour; one frame per year.

    The chart opens on ``start`` (default: the last year).
    """
    years = sorted(int(y) for y in frame["year"].unique())
    max_size = frame["size"].max() if frame["size"].notna().any() else 1

    buckets: dict[tuple[int, str], list[list[Any]]] = {}
    columns = [frame[c].tolist() for c in ("year", "colour", "iso3", "x", "y", "name", "size")]
    for year, colour, iso3, x, y, name, size in zip(*columns, strict=True):
        b = buckets.setdefault((int(year), colour), [[], [], [], [], []])
        b[0].append(iso3)
        b[1].append(round(x, 4))
        b[2].append(round(y, 4))
        b[3].append(name)
        b[4].append(0 if size != size else round(size))

    def traces(year: int) -> list[dict[str, Any]]:
        out = []
        for i, group in enumerate(colour_order):
            ids, xs, ys, names, sizes = buckets.get((year, group), [[], [], [], [], []])
            out.append({"type": "scatter", "mode": "markers", "name": group, "ids": ids, "x": xs, "y": ys,
                        "text": names, "customdata": sizes, "hovertemplate": hovertemplate,
                        "marker": {"size": sizes, "sizemode": "area", "sizemin": 3,
                                   "sizeref": 2.0 * max_size / (46 ** 2), "color": PALETTE[i % len(PALETTE)],
                                   "line": {"color": "white", "width": 0.6}, "opacity": 0.85}})
        return out

    last = start if start in years else (years[-1] if years else None)
    frames = [{"name": str(y), "data": traces(y)} for y in years]
    steps = [{"label": str(y), "method": "animate",
              "args": [[str(y)], {"mode": "immediate", "frame": {"duration": 400, "redraw": False},
                                  "transition": {"duration": 300}}]} for y in years]

    def axis(col: str, name: str, log: bool) -> dict[str, Any]:
        vals = frame[col][frame[col] > 0] if log else frame[col]
        if vals.empty:
            return {"title": {"text": name}}
        lo, hi = float(vals.min()), float(vals.max())
        rng = [math.log10(lo) - 0.05, math.log10(hi) + 0.05] if log else [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]
        return {"title": {"text": name}, "type": "log" if log else "linear", "range": rng, "gridcolor": "#eee"}

    layout = _layout(
        title, note, xaxis=axis("x", x_title, log_x), yaxis=axis("y", y_title, log_y),
        legend={"orientation": "v", "x": 1.01, "y": 1, "xanchor": "left"}, margin={"l": 60, "r": 20, "b": 110},
        sliders=[{"active": years.index(last) if last is not None else 0, "steps": steps, "x": 0.1, "len": 0.9,
                  "y": -0.12,
                  "currentvalue": {"prefix": "", "font": {"size": 14}}}],
        updatemenus=[{"type": "buttons", "showactive": False, "x": 0, "y": -0.12, "xanchor": "left",
                      "direction": "left", "pad": {"t": 30},
                      "buttons": [{"label": "▶", "method": "animate",
                                   "args": [None, {"frame": {"duration": 600, "redraw": False},
                                                   "fromcurrent": True, "transition": {"duration": 300}}]},
                                  {"label": "❚❚", "method": "animate",
                                   "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}])
    return {"data": traces(last) if last is not None else [], "frames": frames,
            "layout": layout}
