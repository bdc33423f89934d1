"""Accessibility without a browser: the served page names its language, and the chart palette and the text
colours meet WCAG AA contrast (3:1 for lines, 4.5:1 for text) against the backgrounds they are drawn on."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from dashboard import figures, i18n

STYLE = Path(__file__).resolve().parent.parent / "dashboard" / "assets" / "style.css"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_vars() -> dict[str, str]:
    """The colour variables of the stylesheet's :root rule."""
    root = re.search(r":root\s*{([^}]*)}", STYLE.read_text(encoding="utf-8"))
    assert root, "style.css has no :root rule"
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9A-Fa-f]{6})", root.group(1)))


def test_contrast_follows_the_wcag_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)   # the classic just-failing grey
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


def test_every_chart_line_colour_stands_out_from_the_chart_background() -> None:
    layout = figures._layout("A chart", "Unit: %")   # the layout every chart starts from
    background = {"white": "#ffffff"}.get(layout["plot_bgcolor"], layout["plot_bgcolor"])
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"]
    low = {c: round(contrast(c, background), 2) for c in figures.PALETTE if contrast(c, background) < 3.0}
    assert low == {}, f"palette colours under 3:1 against {background}: {low}"


@pytest.mark.parametrize("text", ["ink", "muted", "accent"])
@pytest.mark.parametrize("background", ["#ffffff", "bg", "#eef2f6"])   # cards, the page, table headers
def test_text_colours_reach_4_5_to_1(text: str, background: str) -> None:
    colours = css_vars()
    back = colours.get(background, background)
    ratio = contrast(colours[text], back)
    assert ratio >= 4.5, f"--{text} {colours[text]} on {back}: {ratio:.2f}"


def test_the_focus_ring_reaches_3_to_1_on_every_background() -> None:
    colours = css_vars()
    for back in ("#ffffff", colours["bg"]):
        assert contrast(colours["focus"], back) >= 3.0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_served_page_names_its_language(client: Any, lang: str) -> None:
    page = client.get(f"/map?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{i18n.HTML_LANG[lang]}">' in page
    assert '<html lang="en">' in client.get("/map?lang=xx").get_data(as_text=True)
    assert "<footer" not in page   # the page's one footer (contentinfo) is rendered by Dash, not Dash's script box


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gaps_chart_has_a_table_of_exactly_the_bars_it_draws(app: Any, lang: str) -> None:
    overview = sys.modules["pages.overview"]
    fig, _, _, table = overview.laggards(lang)
    bars = fig["data"][0]
    rows = [line.strip("|").split("|") for line in table.children.splitlines()[2:]]
    drawn = {(label, i18n.fmt(value, lang)) for label, value in zip(bars["y"], bars["x"], strict=True)}
    assert {(r[0].strip(), r[2].strip()) for r in rows} == drawn and len(rows) == len(bars["x"]) > 5
    values = [float(v) for v in sorted(bars["x"])]
    assert [r[2].strip() for r in rows] == [i18n.fmt(v, lang) for v in values]   # lowest first
