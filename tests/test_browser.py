"""Browser tests in real headless Chromium (Debian's chromium-headless-shell) against the production server.

The map draws shapes; the year slider, language switch, deep links and back/forward work; the index ranking's
headings fit a phone; no request leaves 127.0.0.1 (every page's own checks are in test_every_page.py, which uses
the helpers here). Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import OUTSIDE
from playwright.sync_api import Browser, Page

from dashboard import i18n
from etl import facts, read

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "artifacts" / "screenshots"


QUIET_MS = 150   # how long Dash's callbacks and the network must stay idle for a page to count as settled
# Dash's own record of its callbacks (dash-renderer's redux store, window.store): none requested, queued, running
# or waiting to be applied, and no component loading, for ``quiet`` ms on end (counted across the polls).
SETTLED = """(quiet) => { const s = window.store && window.store.getState();
  const c = s && s.callbacks;
  const busy = !c || ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed', 'stored']
    .some(k => (c[k] || []).length) || document.querySelector('[data-dash-is-loading="true"]');
  if (busy) { window.__wicQuietSince = undefined; return false; }
  if (window.__wicQuietSince === undefined) { window.__wicQuietSince = performance.now(); }
  return performance.now() - window.__wicQuietSince >= quiet; }"""


class Network:
    """A page's requests in flight (every request Chromium makes: fetches, scripts, fonts, images) and when one
    last started or ended."""

    def __init__(self, page: Page):
        self.flying: set[object] = set()
        self.last = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: object) -> None:
        self.flying.add(request)
        self.last = time.monotonic()

    def _end(self, request: object) -> None:
        self.flying.discard(request)
        self.last = time.monotonic()

    def quiet(self, seconds: float) -> bool:
        """No request in flight, none for ``seconds``."""
        return not self.flying and time.monotonic() - self.last >= seconds


NETWORK: weakref.WeakKeyDictionary[Page, Network] = weakref.WeakKeyDictionary()


class Watched:
    """A page with its console errors and its requests in flight recorded."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        NETWORK[page] = Network(page)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: OUTSIDE.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")) else None)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    w = Watched(context.new_page())
    yield w
    context.close()


def ready(page: Page) -> None:
    """Wait until Dash has rendered, no callback is pending and Plotly has drawn every chart."""
    page.wait_for_selector("footer", timeout=20_000)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000)
    page.wait_for_function("""() => [...document.querySelectorAll('.dash-graph')]
        .every(g => g.querySelector('.main-svg'))""", timeout=20_000)
    settled(page)
    page.wait_for_function("""() => ![...document.querySelectorAll('.js-plotly-plot')]
        .some(p => p.layout && p.layout.meta && p.layout.meta.wic_part)""", timeout=20_000)   # no chart left in part


def settled(page: Page, timeout: float = 20.0) -> None:
    """Wait until Dash has run every callback and no request is in flight, both for :data:`QUIET_MS` on end (a
    condition, where Playwright's "networkidle" always waits 500 ms after the last request)."""
    network = NETWORK[page]   # a page made by Watched: its requests are counted from the start
    deadline = time.monotonic() + timeout
    while True:
        page.evaluate("() => { window.__wicQuietSince = undefined; }")
        page.wait_for_function(SETTLED, arg=QUIET_MS, timeout=max(deadline - time.monotonic(), 0.001) * 1000)
        if network.quiet(QUIET_MS / 1000):
            return
        if time.monotonic() > deadline:
            flying = sorted(map(str, network.flying))[:5]
            raise AssertionError(f"Dash or the network still busy after {timeout:g} s; in flight: {flying}")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# Every chart shown with a modebar: the titles (title and subtitle) its modebar covers, as "graph id: title" (issue 10).
MODEBAR_OVER_TITLES = """() => { const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
    b.top < a.bottom;
  return [...document.querySelectorAll('.dash-graph')].flatMap(g => { const bar = g.querySelector('.modebar');
    if (!bar || !g.getBoundingClientRect().width) { return []; }   // no modebar, or a chart not shown
    const m = bar.getBoundingClientRect();
    if (!m.width || !m.height) { return [g.id + ': the modebar has no box']; }
    return [...g.querySelectorAll('.gtitle, .gtitle-subtitle')].filter(t => hit(t.getBoundingClientRect(), m))
      .map(t => g.id + ': ' + t.textContent.slice(0, 40)); }); }"""


def modebar_over_titles(page: Page) -> list[str]:
    """The chart titles a modebar covers on the page; a page with a titled chart has modebars to check."""
    if page.locator(".dash-graph .gtitle").count():
        assert page.locator(".dash-graph .modebar").count() > 0, "no chart has a modebar"
    return list(page.evaluate(MODEBAR_OVER_TITLES))


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_map_draws_country_shapes_and_the_slider_moves_the_year(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/map?indicator=IT.NET.USER.ZS&year=2020&lang=en")
    ready(page)   # the shapes may come one callback after the first (empty) figure: wait for them
    page.wait_for_function("() => document.querySelectorAll('.geo path.choroplethlocation').length > 150",
                           timeout=20_000)
    assert "2020" in page.locator(".gtitle").first.text_content() or ""
    page.locator("#map-year [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('.gtitle').textContent.includes('2019')", timeout=10_000)
    ready(page)
    assert query(page)["year"] == ["2019"]
    page.go_back()
    page.wait_for_function("() => location.search.includes('year=2020')", timeout=10_000)
    ready(page)
    assert "2020" in page.locator(".gtitle").first.text_content() or ""
    assert watched.errors == []


def test_language_switch_changes_labels_and_persists(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/map?indicator=IT.NET.BBND.P2&lang=en")
    ready(page)
    assert page.locator("h1").inner_text() == "Map"
    page.locator(".lang-switch a[lang=zh]").click()
    ready(page)
    assert page.locator("h1").inner_text() == "地图"
    assert query(page)["indicator"] == ["IT.NET.BBND.P2"] and query(page)["lang"] == ["zh"]
    assert "国家概况" in page.locator("nav").inner_text()
    page.goto(f"{server}/compare")          # no lang in the link: the saved choice applies
    ready(page)
    assert page.locator("h1").inner_text() == "比较" and query(page)["lang"] == ["zh"]
    page.locator(".lang-switch a[lang=en]").click()
    ready(page)
    assert page.locator("h1").inner_text() == "Compare"


def test_deep_link_restores_the_view(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/compare?countries=KOR,JPN,WIC&indicator=IT.NET.BBND.P2&mode=relative&base=2010&lang=en")
    ready(page)
    legend = page.locator("#compare-lines .legend").text_content() or ""
    assert "Korea" in legend and "Japan" in legend and "WIC member countries" in legend
    assert "since 2010" in page.locator("#compare-lines .ytitle").text_content() or ""
    assert query(page)["countries"] == ["KOR,JPN,WIC"]


def test_csv_download_has_the_rows_of_the_selection(server: str, watched: Watched, warehouse_path: Path) -> None:
    import io

    import pandas as pd

    from etl import read

    page = watched.page
    page.goto(f"{server}/explorer?indicators=IT.NET.BBND.P2&countries=KOR,BRA,WIC&from=2010&to=2020&lang=en")
    ready(page)
    with page.expect_download(timeout=20_000) as info:
        page.locator("#explorer-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#")
    expected = read.observations("IT.NET.BBND.P2", ["KOR", "BRA", "WIC"], year_from=2010, year_to=2020,
                                 db=read.Warehouse(warehouse_path))
    assert len(frame) == len(expected) == 33
    assert sorted(zip(frame["iso3"], frame["year"], strict=True)) == sorted(
        zip(expected["iso3"], expected["year"], strict=True))
    assert text.startswith("# ") and "CC" in text.split("\n", 3)[0] + text.split("\n", 3)[1]
    assert watched.errors == []


def test_pages_fetch_only_their_bundles_and_no_callback_before_the_first_chart(server: str, watched: Watched) -> None:
    page = watched.page
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url.replace(server, "")))
    page.goto(f"{server}/explorer?lang=en")
    ready(page)
    page.wait_for_selector(".ag-row", timeout=20_000)
    assert not [u for u in urls if "plotly" in u and "plotly_url.js" not in u], "the explorer fetched plotly.js"
    assert any("dash_ag_grid" in u for u in urls)
    # the page came in /_dash-layout (preloaded: fetched once), the rows with it: no callback, not even the router's
    assert sum("_dash-update-component" in u for u in urls) == 0
    assert sum(u == "/_dash-layout" for u in urls) == sum(u == "/_dash-dependencies" for u in urls) == 1
    urls.clear()
    page.locator("nav a[href^='/map']").click()   # within the page: the router brings the map, which fetches
    page.wait_for_function("() => document.querySelectorAll('.geo path.choroplethlocation').length > 150",
                           timeout=20_000)   # the small plotly.js bundle
    assert sum("_dash-update-component" in u for u in urls) >= 1 and "/_dash-layout" not in urls
    assert [u for u in urls if "plotly.min.js" in u] == [u for u in urls if u.startswith("/static/plotly.min.js?v=")]
    assert any(u.startswith("/static/plotly.min.js?v=") for u in urls)
    for path, calls in (("/index?lang=en", 0), ("/membership?lang=en", 1)):   # (the member views)
        urls.clear()
        page.goto(server + path)
        ready(page)
        assert page.locator(".dash-graph .main-svg .trace").count() > 0
        assert not any("dash_ag_grid" in u for u in urls), path
        assert sum("_dash-update-component" in u for u in urls) == calls, path   # the first chart came with the page
    page.locator("nav a[href^='/explorer']").click()   # a new page, which loads AG Grid
    page.wait_for_selector(".ag-row", timeout=20_000)
    assert watched.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_on_a_phone_are_wide_enough_and_their_texts_fit(server: str, browser: Browser, lang: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = Watched(context.new_page()).page
    cut: list[str] = []
    over: list[str] = []
    for path in ("/map", "/compare?countries=CHN,USA,IND", "/index?country=SGP", "/membership",
                 "/compare?countries=CHN,USA,KEN&x=IT.NET.USER.ZS&y=NY.GDP.PCAP.PP.KD"):   # the US at the right
        page.goto(f"{server}{path}{'&' if '?' in path else '?'}lang={lang}")
        ready(page)
        widths = page.evaluate("""() => [...document.querySelectorAll('.dash-graph')].map(g => {
            const area = g.querySelector('.geo .bg, .nsewdrag');
            return [g.id, area ? area.getBoundingClientRect().width : 0]; })""")
        least = {"map-graph": 300, "membership-map": 300, "compare-bubbles": 250}   # were 230 and 70 px (issue 10)
        assert all(width >= least.get(gid, 100) for gid, width in widths), f"{path}: plot areas too narrow: {widths}"
        if path.startswith("/index"):
            assert ranking_headings_clash(page) == [], f"{lang}: the ranking's headings on a phone"
        cut += page.evaluate("""() => [...document.querySelectorAll('.dash-graph')].flatMap(g => {
            const box = g.querySelector('.main-svg').getBoundingClientRect();
            return [...g.querySelectorAll('.gtitle, .gtitle-subtitle, .g-xtitle text, .g-ytitle text')]
                .filter(t => { const r = t.getBoundingClientRect(); return r.width && (r.left < box.left - 1 ||
                               r.right > box.right + 1); })
                .map(t => g.id + ': ' + t.textContent.slice(0, 40)); })""")
        # a rotated y title longer than its plot is high reached into the subtitle (the bubbles, in English)
        over += page.evaluate("""() => [...document.querySelectorAll('.dash-graph')].flatMap(g => {
            const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            const heads = [...g.querySelectorAll('.gtitle, .gtitle-subtitle')].map(t => t.getBoundingClientRect());
            return [...g.querySelectorAll('.g-ytitle text')].filter(t => heads.some(h => hit(h,
                t.getBoundingClientRect()))).map(t => g.id + ': ' + t.textContent.slice(0, 40)); })""")
        # a label centred over a bubble near the plot's side was cut at its edge ("United Stat", in English)
        cut += page.evaluate("""() => [...document.querySelectorAll('#compare-bubbles')].flatMap(g => {
            const box = g.querySelector('.nsewdrag').getBoundingClientRect();
            return [...g.querySelectorAll('.scatterlayer .textpoint text')]
                .filter(t => { const r = t.getBoundingClientRect(); return r.width && (r.left < box.left - 1 ||
                               r.right > box.right + 1); })
                .map(t => g.id + ' label: ' + t.textContent); })""")
    assert cut == [], f"chart texts cut at the edge of a phone: {cut}"
    assert over == [], f"y titles over a chart's title or subtitle on a phone: {over}"
    context.close()


# The ranking's headings (title, subtitle, both panels' axis titles) and its tick rows: each fully inside the chart,
# none over another; the country labels inside it; and its left margin the one the server measured (Plotly's
# automargin pushed nothing, so it drew the chart once).
RANKING_HEADINGS = """() => { const g = document.getElementById('index-rank');
  const plot = g.querySelector('.js-plotly-plot'), box = g.querySelector('.main-svg').getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const union = els => els.map(e => e.getBoundingClientRect()).reduce((a, r) => ({left: Math.min(a.left, r.left),
    right: Math.max(a.right, r.right), top: Math.min(a.top, r.top), bottom: Math.max(a.bottom, r.bottom)}));
  const all = sel => [...g.querySelectorAll(sel)];
  const parts = [['title', all('.gtitle')], ['subtitle', all('.gtitle-subtitle')],
    ['score heading', all('.g-xtitle text')], ['rank heading', all('.g-x2title text')],
    ['score ticks', all('.xtick text')], ['rank ticks', all('.x2tick text')]]
    .map(([name, els]) => [name, els.length ? union(els) : null]);
  const out = parts.filter(([, r]) => !r).map(([name]) => name + ' missing');
  parts.filter(([, r]) => r && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1))
    .forEach(([name]) => out.push(name + ' cut at the edge'));
  parts.forEach(([a, ra], i) => parts.slice(i + 1).forEach(([b, rb]) => {
    if (ra && rb && hit(ra, rb)) { out.push(a + ' over ' + b); } }));
  const labels = all('.ytick text');
  if (!labels.length || labels.some(t => t.getBoundingClientRect().left < box.left - 1)) {
    out.push('country labels cut'); }
  if (plot._fullLayout._size.l !== plot.layout.margin.l) { out.push('automargin pushed the left margin'); }
  return out; }"""


def ranking_headings_clash(page: Page) -> list[str]:
    """What is wrong with the index ranking's headings as drawn (empty when they are all fully visible)."""
    return list(page.evaluate(RANKING_HEADINGS))


# Every Plotly.react of the ranking, with its number of rows (Plotly is hooked as soon as its script defines it).
RANKING_DRAWS = """(() => { window.__draws = [];
  const hook = setInterval(() => { if (!window.Plotly) { return; } clearInterval(hook); const react = Plotly.react;
    Plotly.react = function (gd, figure, ...rest) {
      if (gd && gd.closest && gd.closest('#index-rank') && figure && figure.data && figure.data.length) {
        window.__draws.push(figure.data[0].y.length); }
      return react.call(this, gd, figure, ...rest); }; }, 1); })()"""


def test_the_index_draws_the_rows_its_box_shows_first_then_the_whole_ranking(server: str, watched: Watched,
                                                                             app: object) -> None:
    index = sys.modules["pages.index"]   # the page module as the app registered it

    page = watched.page
    page.add_init_script(RANKING_DRAWS)
    page.goto(f"{server}/index?lang=en")
    ready(page)
    ranked = page.evaluate("""() => { const p = document.querySelector('#index-rank .js-plotly-plot');
        return p.layout.yaxis.categoryarray.length; }""")
    assert ranked > index.FIRST_ROWS
    assert page.evaluate("() => window.__draws") == [index.FIRST_ROWS, ranked]
    assert page.locator("#index-rank .trace.bars .point").count() == ranked
    # drawn whole (or redrawn by a callback): the deferred figure is not set over it
    kept = page.evaluate("""() => { window.dash_clientside.callback_context = {outputs_list: {id: 'index-rank'}};
        return window.dash_clientside.wic_later.whole({data: [], layout: {}})
          .then(r => r === window.dash_clientside.no_update); }""")
    assert kept is True and watched.errors == []


def test_a_deferred_figure_is_not_set_over_a_chart_a_callback_drew(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{server}/country?iso3=BRA&lang=en")
    ready(page)
    traces = "() => document.querySelector('#country-trend .js-plotly-plot').data.length"
    drawn = page.evaluate(traces)
    assert drawn > 0
    page.evaluate("""() => window.dash_clientside.wic_later.apply(
        {wait: false, props: {'country-trend': {figure: {data: [], layout: {}}}}})""")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(traces) == drawn and watched.errors == []


def test_the_share_menu_png_is_an_image_of_the_whole_chart(server: str, watched: Watched) -> None:
    import struct

    page = watched.page
    page.goto(f"{server}/map?indicator=IT.NET.USER.ZS&year=2020&lang=zh")
    ready(page)
    with page.expect_download(timeout=20_000) as info:
        page.locator("#map-graph-share-png").click()
    data = Path(info.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    box = page.locator("#map-graph").bounding_box()
    assert box and width >= box["width"] and height >= box["height"]   # the title, notes and source inside it
    assert info.value.suggested_filename.endswith(".png") and watched.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_downloaded_index_chart_carries_every_source_with_its_licence(server: str, watched: Watched,
                                                                         db: read.Warehouse, lang: str) -> None:
    import re
    import struct
    import xml.etree.ElementTree as ET

    page = watched.page
    page.goto(f"{server}/index?country=KEN&lang={lang}")
    ready(page)
    # the chart's subtitle names the sources only (a phone-width chart cannot hold every licence) ...
    credits = facts.index_credits(lang, db=db)
    subtitle = page.evaluate("() => document.querySelector('#index-rank .js-plotly-plot').layout.title.subtitle.text")
    assert "UN E-Government Knowledgebase" not in subtitle and "CC BY" not in subtitle
    for graph in ("index-rank", "index-pillar"):
        with page.expect_download(timeout=20_000) as info:
            page.locator(f"#{graph}-share-svg").click()
        root = ET.fromstring(Path(info.value.path()).read_text(encoding="utf-8"))
        drawn = "".join(root.itertext())
        unspaced = re.sub(r"\s+", "", drawn)
        for text in (credits, "UN E-Government Knowledgebase", "CC BY 4.0"):
            assert re.sub(r"\s+", "", text) in unspaced, f"{graph} ({lang}): {text!r} is not in the image"
        box = page.locator(f"#{graph}").bounding_box()
        height = float(root.get("height", "0"))
        assert box and height > box["height"] + 30, (graph, height, box)   # the credits below the chart, not over it
    # the share menu's PNG and Plotly's camera in the modebar give the same image, credits below the chart
    box = page.locator("#index-pillar").bounding_box()
    images = []
    camera = "Download plot as a PNG" if lang == "en" else i18n.t("plotly.05", lang)   # its title in Plotly's locale
    for button in ("#index-pillar-share-png", f"#index-pillar .modebar-btn[data-title='{camera}']"):
        with page.expect_download(timeout=20_000) as info:
            page.locator(button).click()
        data = Path(info.value.path()).read_bytes()
        images.append((struct.unpack(">II", data[16:24]), info.value.suggested_filename))
    (width, height), name = images[0]
    assert box and height >= 2 * (box["height"] + 30) and width >= 2 * box["width"] - 2   # scale 2
    assert images == [((width, height), "index-pillar.png")] * 2
    assert watched.errors == []
