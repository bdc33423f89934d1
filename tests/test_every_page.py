"""Every page in real headless Chromium, at 1366x768 and on a 390x844 phone, in English and Chinese, each visited
once per size and language for all of these checks: no console error, a heading, no chart left empty or
undrawn, no modebar over a chart title, nothing wider than the phone, and no serious or critical axe-core
finding (axe-core from npm, run in every frame by Playwright, which the pages' own Content-Security-Policy does
not stop: it stays on). Then the keyboard: the skip link, focus rings, named and described charts,
and <html lang>. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from test_browser import Watched, modebar_over_titles, ready, shot
from test_browser_screens import EVERY_PAGE, PHONE, url

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": PHONE}
# the desktop visits show a country that is not a WIC member, the phone visits one that is
COUNTRY = {"desktop": "/country?iso3=BRA", "phone": "/country?iso3=CHN"}
BLOCKING = ("serious", "critical")
# Rules that fail a page whatever their impact: a table column without a header a screen reader can read (axe
# rates it minor), and on the briefing page the brief's iframe's own <main> beside the page's.
EVERYWHERE = ("empty-table-header",)
ALSO_BLOCKING = {"briefing": ("landmark-unique",)}
EMPTY_CHARTS = """() => [...document.querySelectorAll('.dash-graph')]
    .filter(g => !g.querySelector('.trace, .choroplethlocation, .annotation-text')).map(g => g.id || '?')"""


@cache
def axe_source() -> str:
    """axe-core's script, read once."""
    return AXE.read_text(encoding="utf-8")


def axe_findings(page: Page, also: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core's default rules find on the page as it is now, inside its
    frames too (and those of the rules ``also``, whatever their impact)."""
    for frame in page.frames:   # axe in every frame, so that it checks inside the brief's iframe too
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.evaluate(axe_source())   # (an evaluation from Playwright is not a page script: no CSP)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in result if v.get("impact") in BLOCKING or v.get("id") in also]


def controls_drawn(page: Page) -> None:
    """Wait until every label's control is on the page (Dash draws dropdowns from a chunk loaded later)."""
    page.wait_for_function("""() => [...document.querySelectorAll('main label[for]')]
        .every(l => document.getElementById(l.htmlFor))""", timeout=20_000)


def describe(findings: list[dict[str, Any]]) -> str:
    """One line per rule: id, impact, how many nodes and the first target selectors."""
    lines = []
    for v in findings:
        targets = ["/".join(str(t) for t in node["target"]) for node in v["nodes"]]
        lines.append(f"  {v['id']} ({v['impact']}, {len(targets)}): {'; '.join(targets[:4])}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Watched]]:
    """One page per size, reused for every page and both languages."""
    size = request.param
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone")
    yield size, Watched(context.new_page())
    context.close()


def problems(page: Page, name: str, size: str) -> list[str]:
    """What is wrong with the page as drawn now (one line each)."""
    found = []
    if not page.locator("h1").first.inner_text().strip():
        found.append("no heading")
    if page.locator(".notice:has-text('could not be drawn')").count():
        found.append("a chart could not be drawn")
    if empty := page.evaluate(EMPTY_CHARTS):   # each chart draws data or says why it has none
        found.append(f"empty charts: {empty}")
    if covered := modebar_over_titles(page):
        found.append(f"modebars over chart titles: {covered}")
    if size == "phone" and (width := page.evaluate("() => document.scrollingElement.scrollWidth")) > PHONE["width"]:
        found.append(f"{width} px wide: it scrolls sideways")
    controls_drawn(page)
    if findings := axe_findings(page, EVERYWHERE + ALSO_BLOCKING.get(name, ())):
        found.append(f"axe-core, {sum(len(v['nodes']) for v in findings)} nodes:\n" + describe(findings))
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_draws_without_errors_fits_and_passes_axe(server: str, sized: tuple[str, Watched],
                                                            lang: str) -> None:
    size, watched = sized
    page = watched.page
    failures = []
    for name, path in {**EVERY_PAGE, "country": COUNTRY[size]}.items():
        watched.errors.clear()
        page.goto(url(server, path, lang))
        ready(page)
        shot(page, f"{name}-{lang}" if size == "desktop" else f"{name}-phone-{lang}")
        found = problems(page, name, size) + [f"console: {e}" for e in watched.errors]
        failures += [f"{name} ({size}, {lang}): {p}" for p in found]
    assert not failures, "\n".join(failures)


def focus_by_tab(page: Page, selector: str, limit: int = 60) -> int:
    """Press Tab until ``selector`` has the focus; the number of presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tab presses")


def test_skip_link_focus_rings_charts_and_lang_follow_the_page(server: str, sized: tuple[str, Watched]) -> None:
    size, watched = sized
    page = watched.page
    page.goto(url(server, "/compare?mode=relative", "en"))
    ready(page)
    # "Skip to content" is the first Tab stop; Enter on it puts the next Tab on the page's first control.
    assert focus_by_tab(page, "a.skip-link") == 1
    assert page.locator("a.skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert focus_by_tab(page, "main .controls button, main .controls input", limit=1) == 1
    # A visible 2 px ring on a dropdown, the base-year box and a radio, reached by the keyboard.
    for selector in ("#compare-countries", "#compare-base", "#compare-scale input"):
        focus_by_tab(page, selector)
        ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        assert ring[0] != "none" and ring[1] >= 2, f"{selector} on {size}: focus ring {ring}"
    # Every chart is a figure with a name and a non-empty description (its summary and caption).
    charts = page.evaluate("""() => [...document.querySelectorAll('.dash-graph')].map(g => [
        g.getAttribute('role'), g.getAttribute('aria-label'),
        (g.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
            .map(id => document.getElementById(id).textContent).join(' ')])""")
    assert len(charts) == 2
    for role, name, description in charts:
        assert role == "figure" and name and len(description) > 40, (role, name, description)
    # The language switch brings <html lang> along.
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator(".lang-switch a[lang=zh]").click()
    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'", timeout=10_000)
    page.goto(url(server, "/compare", "en"))   # the switch is remembered: leave the page in English
