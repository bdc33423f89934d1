"""Pure figure functions: tidy data in, a Plotly figure (as a plain dict, fast to serialize) out."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Thirteen colours, each at least 3:1 against white (WCAG non-text contrast); Okabe–Ito's first, darker others.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#AA4499", "#332288", "#8D6E00", "#882255", "#0E7C86", "#E31A1C",
           "#5B5B5B", "#999933", "#6A3D9A", "#000000"]
SEQUENTIAL = "Viridis"
NO_DATA = "#d0d0d0"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif", "size": 13}


def text_width(text: str) -> int:
    """Width in Latin characters: a CJK character counts as two."""
    if text.isascii():   # most texts, and one C scan instead of a Python step per character
        return len(text)
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


# A CJK character, a run of other non-space characters, or a space: the places a line may break. Chinese has no
# spaces, so a line may break between any two CJK characters (never before closing punctuation).
TOKENS = re.compile(r"[\u2e80-\U0010ffff]|[^\s\u2e80-\U0010ffff]+|\s+")
NO_LINE_START = set("，。；：、！？）》」』】%),.;:!?]")   # Latin ones too: a unit in ASCII brackets follows CJK


def _split(part: str, width: int) -> list[str]:
    """``part`` in lines of at most ``width``; a very short last line ("$)", "比）") is avoided by narrowing every
    line a little, keeping the number of lines, when that gives a longer last line."""
    lines = _greedy(part, width)
    short = max(4, width // 6)
    if len(lines) < 2 or text_width(lines[-1]) > short:
        return lines
    for narrower in range(width - 1, width * 2 // 3, -1):
        candidate = _greedy(part, narrower)
        if len(candidate) > len(lines):
            break
        if text_width(candidate[-1]) > short:
            return candidate
    return lines


def _greedy(part: str, width: int) -> list[str]:
    lines = [""]
    for token in TOKENS.findall(part):
        if token.isspace():
            lines[-1] += " " if lines[-1] else ""
        elif lines[-1] and text_width(lines[-1]) + text_width(token) > width and token not in NO_LINE_START:
            lines[-1] = lines[-1].rstrip()
            lines.append(token)
        else:
            lines[-1] += token
    return [line.rstrip() for line in lines]


def wrap(text: str, width: int = 58) -> str:
    """Break a long ' · '-separated note into lines of about ``width`` characters (Plotly does not wrap); narrow
    enough for a phone's chart."""
    lines: list[str] = []
    for part in text.split("  ·  ") if "  ·  " in text else text.split(" · "):
        if lines and text_width(lines[-1]) + text_width(part) + 3 <= width:
            lines[-1] += " · " + part
        elif text_width(part) > width:
            lines.extend(_split(part, width))
        else:
            lines.append(part)
    return "<br>".join(lines)


def _layout(title: str, note: str, **extra: Any) -> dict[str, Any]:
    # The note (unit, year, source) is the title's subtitle, so a downloaded PNG carries it too.
    heading = "<br>".join(_split(title, 42)) if text_width(title) > 42 else title
    subtitle = wrap(note)
    layout: dict[str, Any] = {
        "title": {"text": heading, "x": 0.01, "xanchor": "left", "font": {"size": 16}, "yref": "container",
                  "y": 1, "yanchor": "top", "pad": {"t": 12 + 20 * heading.count("<br>")},   # Plotly anchors line 1
                  "subtitle": {"text": subtitle, "font": {"size": 11, "color": "#555"}}},
        "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
    }
    layout.update(extra)
    margin = dict(layout.get("margin") or {"l": 50, "r": 20, "b": 50})
    # title and subtitle hang from the top: room for every line of both, plus a gap above the plot
    margin["t"] = 40 + 20 * (heading.count("<br>") + 1) + (16 * (subtitle.count("<br>") + 1) if note else 0)
    layout["margin"] = margin
    return layout


def credited(figure: dict[str, Any], credits: str) -> dict[str, Any]:
    """``figure`` with ``credits`` (each source with its licence) in ``layout.meta``, for a chart whose subtitle
    names its sources only: the share menu's PNG and SVG draw them below the chart (assets/share.js)."""
    layout = figure.setdefault("layout", {})
    layout["meta"] = {**(layout.get("meta") or {}), "credits": credits}
    return figure


def message(text: str) -> dict[str, Any]:
    """An empty figure that says why it is empty."""
    return {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "font": FONT,
                                   "annotations": [{"text": text, "showarrow": False, "font": {"size": 15}}]}}


def log_ticks(lo: float, hi: float) -> list[float]:
    """Readable ticks (1, 2, 5 x 10^k) between two positive values, for a log colour bar; the ends if none."""
    if lo <= 0 or hi <= 0:
        return []
    ticks = [m * 10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
             for m in (1, 2, 5) if lo <= m * 10.0 ** k <= hi]
    if len(ticks) > 7:
        ticks = [v for v in ticks if f"{v:e}".startswith("1")] or ticks
    return ticks if len(ticks) >= 2 else [lo, hi]


def tick_label(value: float) -> str:
    """A colour-bar tick: 0.02, 5, 1,000, 2M."""
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if value >= threshold:
            return f"{value / threshold:g}{suffix}"
    return f"{value:,.0f}" if value >= 1 else f"{value:.3g}"


def choropleth(values: Sequence[tuple[str, float, str]], shapes: Sequence[tuple[str, str]], *, title: str,
               note: str, colorbar: str, log: bool, outline: Sequence[str] = (), nodata: str = "no data",
               fit: bool = False, points: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """World map: ``values`` (iso3, value, hover label) coloured, every other shape grey as 'no data'.

    ``shapes`` (iso3, name) are the countries to draw; economies in ``points`` (iso3 -> lon, lat) have no shape
    at this resolution and are drawn as markers on the same colour scale. On a log scale non-positive values
    count as no data.
    """
    points = points or {}
    shown = [v for v in values if v[1] > 0] if log else list(values)
    have = {v[0] for v in shown}
    missing = [(c, n) for c, n in shapes if c not in have and c not in points]
    traces: list[dict[str, Any]] = [{
        "type": "choropleth", "locations": [c for c, _ in missing], "z": [0] * len(missing),
        "locationmode": "ISO-3", "colorscale": [[0, NO_DATA], [1, NO_DATA]], "showscale": False,
        "text": [f"{n}<br>{nodata}" for _, n in missing], "hovertemplate": "%{text}<extra></extra>",
        "marker": {"line": {"color": "white", "width": 0.5}}, "name": nodata,
    }]
    dots = [v for v in shown if v[0] in points]
    z = [math.log10(v[1]) if log else v[1] for v in shown]
    zmin, zmax = (min(z), max(z)) if z else (0.0, 1.0)
    if zmax == zmin:
        zmax = zmin + 1
    bar: dict[str, Any] = {"title": {"text": colorbar, "side": "top"}, "orientation": "h", "thickness": 12,
                           "len": 0.6, "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top"}
    if log and shown:
        ticks = log_ticks(min(v[1] for v in shown), max(v[1] for v in shown))
        bar.update(tickvals=[math.log10(v) for v in ticks], ticktext=[tick_label(v) for v in ticks])
    traces.append({   # every economy with a value (those without a shape draw nothing here: see the markers)
        "type": "choropleth", "locations": [v[0] for v in shown], "z": z, "locationmode": "ISO-3",
        "colorscale": SEQUENTIAL, "zmin": zmin, "zmax": zmax, "colorbar": bar, "text": [v[2] for v in shown],
        "customdata": [v[1] for v in shown],   # the values themselves (z may be their log), for the chart's CSV
        "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "white", "width": 0.5}},
        "name": colorbar,
    })
    if outline:
        traces.append({
            "type": "choropleth", "locations": list(outline), "z": [1] * len(outline), "locationmode": "ISO-3",
            "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], "showscale": False,
            "hoverinfo": "skip", "marker": {"line": {"color": "#000000", "width": 1.8}}, "name": "WIC",
        })
    dot_z = dict(zip([v[0] for v in shown], z, strict=True))
    traces.append({   # last, so they are drawn (and hovered) over the shapes
        "type": "scattergeo", "mode": "markers", "name": colorbar, "ids": [v[0] for v in dots],
        "lon": [points[v[0]][0] for v in dots], "lat": [points[v[0]][1] for v in dots],
        "text": [v[2] for v in dots], "hovertemplate": "%{text}<extra></extra>", "showlegend": False,
        "marker": {"size": 8, "color": [dot_z[v[0]] for v in dots], "colorscale": SEQUENTIAL, "cmin": zmin,
                   "cmax": zmax, "showscale": False, "line": {"color": "#333333", "width": 0.8}},
    })
    geo: dict[str, Any] = {"projection": {"type": "natural earth"}, "showframe": False, "showcoastlines": False,
                           "showcountries": False, "lataxis": {"range": [-58, 85]}, "bgcolor": "white"}
    if fit:
        geo["fitbounds"] = "locations"
    legend = {"text": f"<span style='color:{NO_DATA}'>■</span> {nodata}", "x": 0, "y": 0, "xref": "paper",
              "yref": "paper", "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"size": 12}}
    return {"data": traces, "layout": _layout(title, note, geo=geo, margin={"l": 0, "r": 0, "b": 70},
                                              annotations=[legend])}


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


def rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """Python's ``round(v, digits)`` of every value: numpy's rounding, redone by Python where a value lies so close
    to a tie that numpy's scaling may round it the other way."""
    scaled = values * 10.0 ** digits
    out = np.round(values, digits)
    near = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) <= np.abs(scaled) * 1e-12 + 1e-9)
    for i in near.tolist():
        out[i] = round(float(values[i]), digits)
    return out


EDGE = 0.2   # a label over a bubble this close to the plot's side (a share of the x axis) is written inward


def label_positions(x: np.ndarray, x_range: Sequence[float] | None, log: bool) -> list[str]:
    """Where each bubble's label goes: above it, or above and towards the middle when the bubble is within
    :data:`EDGE` of the x axis's ends (``x_range`` as Plotly's, in log10 for a log axis)."""
    if not x_range or x_range[1] <= x_range[0]:
        return ["top center"] * len(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = ((np.log10(x) if log else x) - x_range[0]) / (x_range[1] - x_range[0])
    at[~np.isfinite(at)] = 0.5
    return np.where(at > 1 - EDGE, "top left", np.where(at < EDGE, "top right", "top center")).tolist()


Y_TITLE_WIDTH = 28   # the bubbles' y title, in Latin characters a line (36 were drawn 282 px long: about 8 px each)


def bubbles(frame: pd.DataFrame | Mapping[str, Any], *, title: str, note: str, x_title: str, y_title: str, log_x: bool,
            log_y: bool, colour_order: Sequence[str], start: int | None = None,
            hovertemplate: str = "%{text}<extra></extra>", highlight: Collection[str] = (),
            height: int = 760) -> dict[str, Any]:
    """Animated bubble scatter: ``frame`` (a data frame or numpy columns) has year, iso3, name, x, y, size, colour;
    one frame per year.

    The chart opens on ``start`` (default: the last year); ``highlight`` economies are labelled and outlined.
    """
    # Each column read once as numpy (a pandas column access costs more than the work on it), then the points
    # sorted once by (year, colour), keeping the frame's order within each, so that every trace is a slice.
    # Numbers stay numpy arrays and text is lists: JSON that orjson writes whole, without Plotly's walk.
    year_of = np.asarray(frame["year"], dtype=np.int64)
    x_of, y_of = np.asarray(frame["x"], dtype=float), np.asarray(frame["y"], dtype=float)
    raw_size = np.asarray(frame["size"], dtype=float)
    years = np.unique(year_of).tolist()
    has_size = ~np.isnan(raw_size)
    max_size = raw_size[has_size].max() if has_size.any() else 1
    colour_code, uniques = pd.factorize(np.asarray(frame["colour"], dtype=object))
    colours = list(uniques)
    key = (year_of - (year_of.min() if len(year_of) else 0)) * max(len(colours), 1) + colour_code
    order = np.argsort(key, kind="stable")
    ids = np.asarray(frame["iso3"], dtype=object)[order]
    xs = rounded(x_of, 4)[order]
    ys = rounded(y_of, 4)[order]
    names = np.asarray(frame["name"], dtype=object)[order].tolist()
    sizes = np.where(np.isnan(raw_size), 0, np.rint(raw_size)).astype(np.int64)[order]
    marked = np.isin(ids.astype(str), np.array(sorted(highlight), dtype=str)) if len(ids) else np.zeros(0, bool)
    labels = np.where(marked, "%{text}", "").tolist()
    edges = np.where(marked, "#000000", "white").tolist()
    widths, opacities = np.where(marked, 2.2, 0.6), np.where(marked, 1.0, 0.8)
    ids_list = ids.tolist()
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]).tolist() if len(order) else []
    buckets = {(int(year_of[order[a]]), colours[colour_code[order[a]]]): (a, b)
               for a, b in zip(starts, [*starts[1:], len(order)][:len(starts)], strict=True)}

    def axis(values: np.ndarray, name: str, log: bool, headroom: float = 0.05, width: int = 36) -> dict[str, Any]:
        title = {"text": "<br>".join(_split(name, width)), "standoff": 6}
        vals = values[values > 0] if log else values
        if not len(vals):
            return {"title": title}
        lo, hi = float(vals.min()), float(vals.max())
        if log:
            a, b = math.log10(lo), math.log10(hi)
            rng = [a - 0.05, b + 0.05 + (headroom - 0.05) * (b - a)]
        else:
            rng = [lo - 0.05 * (hi - lo), hi + headroom * (hi - lo)]
        return {"title": title, "type": "log" if log else "linear", "range": rng, "gridcolor": "#eee"}

    xaxis = axis(x_of, x_title, log_x)
    # A label centred over a bubble near the plot's left or right edge is cut off there on a phone ("United Stat"):
    # those near an edge are written towards the middle instead.
    spots = ["top center"] * len(order)   # (only a highlighted point's label is drawn)
    for i, side in zip(np.flatnonzero(marked).tolist(),
                       label_positions(x_of[order][marked], xaxis.get("range"), log_x), strict=True):
        spots[i] = side

    def traces(year: int, whole: bool = True) -> list[dict[str, Any]]:
        """The year's traces; for a frame (not ``whole``) only what changes from year to year: Plotly merges a
        frame into the drawn traces, which keep their type, name, hover template, text style and colour."""
        out = []
        for i, group in enumerate(colour_order):
            a, b = buckets.get((year, group), (0, 0))
            # One value for the whole trace where no point in it is highlighted (most traces): the same drawing.
            some = bool(marked[a:b].any())
            marker: dict[str, Any] = {"size": sizes[a:b],
                                      "line": {"color": edges[a:b], "width": widths[a:b]} if some else
                                              {"color": "white", "width": 0.6},
                                      "opacity": (opacities[a:b] if some else 0.8) if highlight else 0.85}
            trace = {"ids": ids_list[a:b], "x": xs[a:b], "y": ys[a:b], "text": names[a:b],
                     "texttemplate": labels[a:b], "marker": marker,
                     "textposition": spots[a:b] if some else "top center"}
            if whole:
                trace |= {"type": "scatter", "mode": "markers+text", "name": group, "hovertemplate": hovertemplate,
                          "textfont": {"size": 12, "color": "#1d2733"}}
                marker |= {"sizemode": "area", "sizemin": 3, "sizeref": 2.0 * max_size / (46 ** 2),
                           "color": PALETTE[i % len(PALETTE)]}
            out.append(trace)
        return out

    last = start if start in years else (years[-1] if years else None)
    frames = [{"name": str(y), "data": traces(y, whole=False)} for y in years]
    steps = [{"label": str(y), "method": "animate",
              "args": [[str(y)], {"mode": "immediate", "frame": {"duration": 400, "redraw": False},
                                  "transition": {"duration": 300}}]} for y in years]

    # Phone-safe, placed in pixels below the plot: the x-axis title, then the play buttons on their own row,
    # the slider full width (its year shown once, above it), and the legend under everything.
    bottom = 330
    # room above the highest points for a label on top of its bubble (China's was cut off at the plot's top); the
    # y title's lines no longer than a phone's plot is high (about 215 px: 36 characters reached into the subtitle)
    yaxis = axis(y_of, y_title, log_y, headroom=0.16, width=Y_TITLE_WIDTH)
    lines = yaxis["title"]["text"].count("<br>") + 1
    layout = _layout(title, note, xaxis=xaxis, yaxis=yaxis, height=height,
                     margin={"l": max(70, 30 + 20 * lines), "r": 20, "b": bottom})   # a third line: 20 px more
    plot = max(height - layout["margin"]["t"] - bottom, 120)
    below = [-px / plot for px in (78, 116, 210)]
    layout.update(
        legend={"orientation": "h", "x": 0, "y": below[2], "xanchor": "left", "yanchor": "top"},
        sliders=[{"active": years.index(last) if last is not None else 0, "steps": steps, "x": 0, "len": 1,
                  "y": below[1], "yanchor": "top", "pad": {"t": 10, "b": 0},
                  "font": {"color": "rgba(0,0,0,0)", "size": 10},   # the years overlap on a phone; shown above
                  "currentvalue": {"prefix": "", "font": {"size": 15, "color": "#1d2733"}, "xanchor": "right"}}],
        updatemenus=[{"type": "buttons", "showactive": False, "x": 0, "y": below[0], "xanchor": "left",
                      "yanchor": "top", "direction": "left", "pad": {"t": 0},
                      "buttons": [{"label": "▶", "method": "animate",
                                   "args": [None, {"frame": {"duration": 600, "redraw": False},
                                                   "fromcurrent": True, "transition": {"duration": 300}}]},
                                  {"label": "❚❚", "method": "animate",
                                   "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]}]}])
    return {"data": traces(last) if last is not None else [], "frames": frames,
            "layout": layout}


FIRST_ROWS = "first-rows"   # layout.meta of a figure cut by first_rows (assets/later.js draws the whole one after)


def first_rows(figure: Mapping[str, Any], rows: int) -> dict[str, Any]:
    """The first ``rows`` rows of a chart on a category y axis (its ``categoryarray``, top down), as high as they
    need: the part a scrolling box shows first, drawn before the whole chart (Plotly's first draw of a page grows
    with the rows). Marked ``layout.meta.wic_part``; a figure with no more rows than that is returned as it is."""
    layout = figure["layout"]
    order = list(layout["yaxis"]["categoryarray"])
    if len(order) <= rows:
        return dict(figure)
    kept = set(order[:rows])
    data = []
    for trace in figure["data"]:
        ys = trace["y"]   # a None ends a line segment: kept after a kept row
        at = [i for i, y in enumerate(ys) if y in kept or (y is None and i and ys[i - 1] in kept)]
        part = {k: [v[i] for i in at] if isinstance(v, list) and len(v) == len(trace["y"]) else v
                for k, v in trace.items()}
        marker = trace.get("marker")
        if isinstance(marker, dict) and isinstance(marker.get("color"), list):
            part["marker"] = {**marker, "color": [marker["color"][i] for i in at]}
        data.append(part)
    margin = layout["margin"]
    row = (layout["height"] - margin["t"] - margin["b"]) / len(order)
    return {**figure, "data": data,
            "layout": {**layout, "height": round(margin["t"] + margin["b"] + row * rows),
                       "yaxis": {**layout["yaxis"], "categoryarray": order[:rows], "range": [rows - 0.5, -0.5]},
                       "meta": {**(layout.get("meta") or {}), "wic_part": FIRST_ROWS}}}
