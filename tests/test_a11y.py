"""Accessibility in real headless Chromium: axe-core (from npm, injected by Playwright) finds no serious or
critical violation on any page, in English and Chinese, at 1366x768 and on a 390x844 phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from test_browser import Watched, browser, ready, server
from test_browser_screens import EVERY_PAGE, PHONE, url

__all__ = ["browser", "server"]   # the fixtures, shared with test_browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": PHONE}
BLOCKING = ("serious", "critical")


def axe_findings(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core's default rules find on the page as it is now."""
    for frame in page.frames:   # every frame gets axe, so axe also checks inside the brief's iframe
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in result if v.get("impact") in BLOCKING]


def describe(findings: list[dict[str, Any]]) -> str:
    """One line per rule: id, impact, how many nodes and the first target selectors."""
    lines = []
    for v in findings:
        targets = ["/".join(str(t) for t in node["target"]) for node in v["nodes"]]
        lines.append(f"  {v['id']} ({v['impact']}, {len(targets)}): {'; '.join(targets[:4])}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Watched]]:
    """One page per size (CSP bypassed only so Playwright may add axe's script tag), reused by every page."""
    size = request.param
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone",
                                  bypass_csp=True)
    yield size, Watched(context.new_page())
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_serious_or_critical_axe_finding_on_any_page(server: str, sized: tuple[str, Watched], lang: str) -> None:
    size, watched = sized
    page = watched.page
    failures = []
    for name, path in EVERY_PAGE.items():
        page.goto(url(server, path, lang))
        ready(page)
        if findings := axe_findings(page):
            failures.append(f"{name} (lang={lang}, {size}): {sum(len(v['nodes']) for v in findings)} nodes\n"
                            + describe(findings))
    assert not failures, "axe-core serious/critical violations:\n" + "\n".join(failures)
