"""Browser tests of what a reader sees at 1366x768 and on a 390x844 phone, in English and Chinese: no modebar
button leaves the host, the whole brief is visible on a phone, the bubble year is in the URL, downloads hold what
is drawn (nothing scrolling sideways and no modebar over a title, on every page: test_every_page.py).
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import wait_until
from playwright.sync_api import Browser
from test_browser import OUTSIDE, Watched, query, ready, shot

from etl import read

PHONE = {"width": 390, "height": 844}
EVERY_PAGE = {"overview": "/", "map": "/map", "country": "/country?iso3=CHN", "compare": "/compare",
              "index": "/index", "explorer": "/explorer", "membership": "/membership", "briefing": "/briefing",
              "sources": "/sources"}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    w = Watched(context.new_page())
    yield w
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    w = Watched(context.new_page())
    yield w
    context.close()


def url(server: str, path: str, lang: str) -> str:
    return f"{server}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("path", ["/compare?countries=CHN,USA", "/map?indicator=IT.NET.USER.ZS&year=2020"])
def test_every_modebar_button_stays_on_the_host(server: str, desktop: Watched, path: str) -> None:
    page = desktop.page
    page.goto(url(server, path, "en"))
    ready(page)
    graph = page.locator(".dash-graph").first
    titles = graph.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.getAttribute('data-title'))")
    assert titles and not [t for t in titles if "share" in t.lower() or "cloud" in t.lower()
                           or "studio" in t.lower() or "plotly" in t.lower()], titles
    before = len(OUTSIDE)
    for i in range(len(titles)):
        graph.hover()
        button = graph.locator(".modebar-btn").nth(i)
        if "download" in (titles[i] or "").lower():
            with page.expect_download(timeout=20_000):
                button.click()
        else:
            button.click()
        page.wait_for_load_state("networkidle")
    assert OUTSIDE[before:] == [] and page.url.startswith(server)
    assert desktop.errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_whole_brief_is_visible_on_a_phone(server: str, phone: Watched, lang: str) -> None:
    page = phone.page
    page.goto(url(server, "/briefing?country=CHN", lang))
    ready(page)
    frame = page.locator("#briefing-frame")

    def fitted() -> bool:
        return bool(page.evaluate("""() => { const f = document.getElementById('briefing-frame');
            const d = f.contentDocument; return d && d.readyState === 'complete' && d.body &&
            d.documentElement.scrollHeight > 1000 &&
            Math.abs(f.getBoundingClientRect().height - d.documentElement.scrollHeight) <= 4; }"""))

    wait_until(fitted, "the brief's frame to take its content's height", timeout=20)
    inner = page.frame_locator("#briefing-frame")
    last = inner.locator("body *:visible").last
    assert last.count() == 1
    frame_box, last_box = frame.bounding_box(), last.bounding_box()
    assert frame_box and last_box and last_box["y"] + last_box["height"] <= frame_box["y"] + frame_box["height"] + 2
    shot(page, f"briefing-phone-full-{lang}")
    assert phone.errors == []


# Each bubble trace as drawn: what a frame leaves to it, and whether its points are frame 2000's.
BUBBLE_STYLE = """() => { const gd = document.querySelector('#compare-bubbles .js-plotly-plot');
    const frame = gd._transitionData._frameHash['2000'];
    const points = t => JSON.stringify(Array.from(t.x || [])) + JSON.stringify(Array.from(t.ids || []));
    return gd._fullData.map((t, i) => ({type: t.type, mode: t.mode, name: t.name, hover: t.hovertemplate,
        textposition: t.textposition, textsize: t.textfont.size, colour: t.marker.color,
        sizemode: t.marker.sizemode, sizeref: t.marker.sizeref,
        points: (t.x || []).length, asFrame: points(t) === points(frame.data[i])})); }"""


def test_the_bubble_year_goes_to_the_url_and_back(server: str, desktop: Watched) -> None:
    page = desktop.page
    page.goto(url(server, "/compare?countries=CHN,USA", "en"))
    ready(page)
    rail = page.locator("#compare-bubbles .slider-rail-rect")
    rail.scroll_into_view_if_needed()
    box = rail.bounding_box()
    assert box
    before = page.evaluate(BUBBLE_STYLE)
    assert not all(t["asFrame"] for t in before)   # the chart opens on a later year
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)     # the first year, 2000
    page.wait_for_function("() => new URLSearchParams(location.search).get('byear') === '2000'", timeout=10_000)
    # a frame carries only what changes: once drawn, the traces have its points and keep their type, name,
    # hover template, text style and colour
    page.wait_for_function(f"() => ({BUBBLE_STYLE})().every(t => t.asFrame)", timeout=10_000)
    after = page.evaluate(BUBBLE_STYLE)
    # (a label's side moves with its bubble, towards the middle near the plot's edges; the points are the year's)
    moving = ("asFrame", "textposition", "points")
    assert [{k: v for k, v in t.items() if k not in moving} for t in after] == \
        [{k: v for k, v in t.items() if k not in moving} for t in before]
    assert all(isinstance(t["textposition"], str) or len(t["textposition"]) == t["points"] for t in after)
    assert all(t["hover"] and "%{text}" in t["hover"] and t["colour"] for t in after)
    assert query(page)["countries"] == ["CHN,USA"]
    page.reload()
    ready(page)
    active = page.evaluate("""() => { const s = document.querySelector('#compare-bubbles .js-plotly-plot')
        ._fullLayout.sliders[0]; return s.steps[s.active].label; }""")
    assert active == "2000" and query(page)["byear"] == ["2000"]
    assert desktop.errors == []



def test_explorer_downloads_hold_the_filtered_rows_and_the_url_keeps_filter_and_sort(
        server: str, desktop: Watched, warehouse_path: Path) -> None:
    page = desktop.page
    page.goto(url(server, "/explorer?indicators=IT.NET.USER.ZS&countries=CHN,USA,WLD&from=2000&to=2020", "en"))
    ready(page)
    page.wait_for_selector(".ag-row", timeout=20_000)
    page.locator('.ag-header-row-filter [col-id="country"] input').fill("China")
    page.wait_for_function("() => new URLSearchParams(location.search).get('filter')", timeout=10_000)
    page.locator('.ag-header-row-column [col-id="year"] .ag-header-cell-label').click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('sort') === 'year:asc'", timeout=10_000)
    expected = read.observations("IT.NET.USER.ZS", ["CHN"], year_from=2000, year_to=2020,
                                 db=read.Warehouse(warehouse_path))
    wait_until(lambda: f"shows {len(expected)} of" in (page.locator("#explorer-filtered").text_content() or ""),
               "the note on what the downloads hold", timeout=10)
    with page.expect_download(timeout=20_000) as info:
        page.locator("#explorer-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert sorted(zip(frame["iso3"], frame["year"], strict=True)) == sorted(
        zip(expected["iso3"], expected["year"], strict=True))
    assert f"Only the {len(expected)} rows the table showed after its filter." in text
    with page.expect_download(timeout=20_000) as info:
        page.locator("#explorer-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    data_rows = [r for r in book["data"].iter_rows(values_only=True) if r and r[0] in ("CHN", "USA", "WLD")]
    assert len(data_rows) == len(expected) and {r[0] for r in data_rows} == {"CHN"}
    page.reload()
    ready(page)
    page.wait_for_selector(".ag-row", timeout=20_000)

    def restored() -> bool:
        cells = page.locator('.ag-row [col-id="country"]').all_text_contents()
        years = page.locator('.ag-row [col-id="year"]').all_text_contents()
        note = page.locator("#explorer-filtered").text_content() or ""   # the grid renders only visible rows
        return f"shows {len(expected)} of" in note and set(cells) == {"China"} and years == sorted(years)

    wait_until(restored, "the grid to show China only, sorted by year, from the URL", timeout=10)
    assert desktop.errors == []


def test_share_menu_downloads_the_chart_with_its_source_and_exactly_the_drawn_data(
        server: str, desktop: Watched, warehouse_path: Path) -> None:
    page = desktop.page
    db = read.Warehouse(warehouse_path)
    page.goto(url(server, "/compare?countries=CHN,USA&indicator=IT.NET.USER.ZS", "en"))
    ready(page)
    with page.expect_download(timeout=20_000) as info:
        page.locator("#compare-lines-share-svg").click()
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Individuals using the Internet" in svg
    assert "Unit: % of population" in svg and "Source:" in svg and "CC-BY-4.0" in svg
    with page.expect_download(timeout=20_000) as info:
        page.locator("#compare-lines-share-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#")
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "USA"], db=db)
    names = {"CHN": "China", "USA": "United States"}
    assert sorted(zip(frame["series"], frame["x"].astype(int), strict=True)) == sorted(
        zip([names[c] for c in expected["iso3"]], expected["year"].astype(int), strict=True))
    got = {(r.series, int(r.x)): round(r.value, 6) for r in frame.itertuples()}
    assert got == {(names[r.iso3], int(r.year)): round(r.value, 6) for r in expected.itertuples()}
    assert "Cite as: WIC Digital Economy Observatory" in text and "CC-BY-4.0" in text
    assert f"# Data vintage: ETL run {read.data_vintage(db=db)['run_id']} (" in text   # the footer's citation
    page.goto(url(server, "/map?indicator=IT.NET.USER.ZS&year=2020&scale=log", "en"))
    ready(page)
    with page.expect_download(timeout=20_000) as info:
        page.locator("#map-graph-share-csv").click()
    drawn = pd.read_csv(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8")), comment="#")
    table = read.country_table(db=db)
    economies = set(table[~table["is_aggregate"] & table["in_wb_list"]]["iso3"])
    values = read.country_values("IT.NET.USER.ZS", 2020, db=db)
    values = values[values["iso3"].isin(economies) & (values["value"] > 0)]
    assert dict(zip(drawn["key"], drawn["value"].round(9), strict=True)) == dict(
        zip(values["iso3"], values["value"].round(9), strict=True))
    assert desktop.errors == []


def test_the_embed_code_frames_one_chart_while_other_pages_refuse_frames(server: str, desktop: Watched) -> None:
    page = desktop.page
    page.goto(url(server, "/compare?countries=CHN,USA&indicator=IT.NET.USER.ZS", "en"))
    ready(page)
    page.locator("#compare-lines-share-embed").click()
    code = page.locator("textarea.embed-code").input_value()
    assert code.startswith("<iframe src=\"" + server + "/embed/compare?") and "countries=CHN,USA" in code
    host = f"{server}/healthz"   # any same-server document as the embedding site
    page.goto(host)
    page.set_content(f"<html><body>{code}<iframe id='plain' src='{server}/compare'></iframe></body></html>")
    frame = page.frame_locator("iframe").first
    frame.locator(".dash-graph .main-svg .trace").first.wait_for(timeout=30_000)
    visible = frame.locator(".dash-graph:visible")
    assert visible.count() == 1 and visible.first.get_attribute("id") == "compare-lines"
    assert frame.locator(".dash-graph:visible .legendtext").all_text_contents() == ["China", "United States"]
    caption = frame.locator(".caption:visible").first
    assert caption.is_visible() and "Source:" in (caption.text_content() or "") and "CC" in (caption.text_content()
                                                                                           or "")
    assert not frame.locator(".controls").first.is_visible() and not frame.locator("nav").first.is_visible()
    wait_until(lambda: any(f.url.startswith("chrome-error:") for f in page.frames),
               "Chromium to refuse framing /compare (frame-ancestors 'none')", timeout=20)
    assert page.frame_locator("#plain").locator("footer").count() == 0
    shot(page, "embed-compare")
