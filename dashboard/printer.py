"""One long-lived headless Chromium per process (Playwright) that prints HTML to A4 PDF.

The browser is started on first use, shared by every thread (its own event loop runs in a background thread, so
several briefs print at once, each on a page of its own that is kept between briefs), and started again if it has
died. A page that has run a brief's scripts (plotly.js) gets the next brief swapped in, without a new load. The
page is a private local file; every request that is not ``file:`` or ``data:`` is aborted, and the launch flags
switch off Chromium's own network services.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
# Debian's headless shell first: the same Blink without the browser's window machinery. Through Playwright here it
# launched in 0.10 s (full browser 0.26), opened a page in 0.12 (0.34), loaded and drew a brief in 0.75 (1.02) and
# printed it in 0.12 (0.30); the PDFs have the same text and look alike. `wic brief` in a new process: 2.41 s, 3.45 s
# with the full browser (median of 10 runs each, alternated).
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FALLBACK = Path("/usr/bin/chromium")
TIMEOUT = 120.0
VIEWPORT = {"width": 1024, "height": 1400}
SLOTS = max(2, min(4, os.cpu_count() or 2))   # briefs printed at once, each in its own renderer process
# Chromium phones home by itself (component updates, variations, safe browsing, ...): switch every such service
# off, use no proxy (no auto-detection lookups), and resolve no name at all: the brief is a local file.
OFFLINE = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pings",
           "--disable-domain-reliability", "--disable-field-trial-config", "--disable-breakpad",
           "--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update",
           "--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--no-service-autorun",
           "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
           "AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
           "--dns-prefetch-disable", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND")
ARGS = ("--no-sandbox", "--disable-gpu", *OFFLINE, "--disable-dev-shm-usage", "--no-first-run",
        "--no-default-browser-check", "--mute-audio", "--hide-scrollbars")
LOCAL = ("file:", "data:", "about:")
# A brief sets data-charts on <html> once plotly.js has drawn every chart; any other page is ready when loaded.
DRAWN = "!document.getElementById('brief-charts') || document.documentElement.hasAttribute('data-charts')"
# Before a document's own scripts: keep what they add to the window (listeners, timers), so that a document swapped
# in later (SWAP) is not redrawn by the one before it (a brief redraws its charts on resize).
TRACK = """(() => { const added = [], timers = [];
  const listen = window.addEventListener.bind(window), later = window.setTimeout;
  window.addEventListener = (type, fn, opts) => { added.push([type, fn, opts]); return listen(type, fn, opts); };
  window.setTimeout = (...args) => { const id = later(...args); timers.push(id); return id; };
  window.__wicForget = () => {
    for (const [type, fn, opts] of added.splice(0)) { window.removeEventListener(type, fn, opts); }
    for (const id of timers.splice(0)) { clearTimeout(id); } }; })();"""
# After a load: the external scripts the page ran, and the head elements its scripts added (plotly.js's style
# sheet), which stay when another document is swapped in.
RAN = """(html) => { const own = new Set([...new DOMParser().parseFromString(html, 'text/html').head.children]
                                     .map(e => e.outerHTML));
  for (const e of document.head.children) { if (!own.has(e.outerHTML)) { e.setAttribute('data-wic-kept', ''); } }
  window.__wicRan = [...document.querySelectorAll('script[src]')].map(s => s.getAttribute('src')); }"""
# Put a document in place of the page's one without a navigation, if the page has run every external script it
# names (plotly.js: loading and compiling it again is a third of a brief's print); true if it did. The document's
# inline scripts run in order, as they would on a load.
SWAP = """(html) => { const doc = new DOMParser().parseFromString(html, 'text/html');
  const srcs = d => [...d.querySelectorAll('script[src]')].map(s => s.getAttribute('src'));
  if (!window.__wicForget || !window.__wicRan || srcs(doc).some(s => !window.__wicRan.includes(s))) { return false; }
  if (window.Plotly) { document.querySelectorAll('.js-plotly-plot').forEach(g => Plotly.purge(g)); }
  window.__wicForget();
  const root = document.documentElement, head = document.head;
  for (const a of [...root.attributes]) { root.removeAttribute(a.name); }
  for (const a of [...doc.documentElement.attributes]) { root.setAttribute(a.name, a.value); }
  // the kept elements stay where they are: a style sheet that is moved loses the rules its script inserted
  for (const e of [...head.children]) { if (!e.hasAttribute('data-wic-kept')) { e.remove(); } }
  head.prepend(...[...doc.head.childNodes].map(n => document.adoptNode(n)));
  document.body.replaceWith(document.adoptNode(doc.body));
  for (const s of document.querySelectorAll('script:not([src])')) {
    if (!s.type || s.type === 'text/javascript') { (0, eval)(s.textContent); } }
  return true; }"""


def script_page(script: Path) -> str:
    """A page that only loads a local script, to warm a printer with (see :meth:`Printer.warm`)."""
    return f'<!DOCTYPE html><script src="{script.as_uri()}"></script>'


class PrintError(Exception):
    """The browser could not be started or could not print (one line, for the user)."""


def chromium() -> str:
    """The Chromium executable, or :class:`PrintError` naming what to install."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if FALLBACK.exists():
        return str(FALLBACK)
    raise PrintError("no Chromium found to print the brief: install Debian's `chromium-headless-shell` or `chromium`"
                     " (make system-deps)")


class Printer:
    """A headless Chromium kept running between prints (thread-safe; restarted if it dies)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._owner = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start: asyncio.Lock | None = None
        self._playwright: Any = None
        self._browser: Any = None
        self._folder: Path | None = None
        self._idle: list[Any] = []
        self._free = asyncio.Semaphore(SLOTS)   # bound to the printer's loop on first use
        self._warming: dict[str | None, asyncio.Future[None]] = {}   # warm-ups asked for, by page
        self._mark = ""   # a switch only this printer's current browser carries, to find its process by
        self.launches = 0
        self.swaps = 0   # documents printed without a page load (see SWAP)

    def _run(self, job: Coroutine[Any, Any, T], timeout: float) -> T:
        with self._guard:
            if self._loop is None or self._owner != os.getpid():   # first use, or a forked child's own printer
                self._loop = asyncio.new_event_loop()
                self._start, self._playwright, self._browser, self._owner = None, None, None, os.getpid()
                self._idle, self._free, self._warming = [], asyncio.Semaphore(SLOTS), {}
                self._folder = Path(tempfile.mkdtemp(prefix="wic-printer-"))
                threading.Thread(target=self._loop.run_forever, name="wic-printer", daemon=True).start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(job, loop).result(timeout)

    async def _ready(self) -> Any:
        if self._start is None:
            self._start = asyncio.Lock()
        async with self._start:
            if self._browser is not None and not self._browser.is_connected():
                await self._discard(self._browser)
            if self._browser is None:
                from playwright.async_api import async_playwright

                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                mark = f"--wic-printer={os.getpid()}-{uuid.uuid4().hex}"   # Chromium ignores a switch it lacks
                try:
                    self._browser = await self._playwright.chromium.launch(executable_path=chromium(),
                                                                           args=[*ARGS, mark], timeout=60_000)
                except Exception as exc:   # Playwright's error carries the browser's log: keep its first line
                    raise PrintError(f"Chromium did not start: {str(exc).strip().splitlines()[0]}") from exc
                self._mark = mark
                self.launches += 1
            return self._browser

    async def _print(self, html: str) -> bytes:
        from playwright.async_api import Error

        for warming in list(self._warming.values()):   # its page has the scripts compiled: wait for it, not a new one
            with contextlib.suppress(Exception):
                await asyncio.shield(warming)
        for attempt in (1, 2):
            browser = await self._ready()
            try:
                page = await self._page(browser)
            except Error as exc:   # a browser that died a moment ago may not be known as disconnected yet
                if attempt == 2:
                    raise PrintError(f"Chromium could not open a page: {str(exc).strip().splitlines()[0]}") from exc
                await self._discard(browser)   # start a new one, print once more
                continue
            try:
                data = await self._print_with(page, html)
            except Error as exc:
                await self._drop(page)
                if attempt == 2:
                    raise PrintError(f"Chromium could not print the brief: {str(exc).strip().splitlines()[0]}"
                                     ) from exc
                # it died under this print (Playwright's TargetClosedError is not in its public API here)
                if type(exc).__name__ == "TargetClosedError" or not browser.is_connected():
                    await self._discard(browser)   # start a new one, print once more
                continue
            self._idle.append(page)
            self._free.release()
            return data
        raise AssertionError("unreachable")

    async def _page(self, browser: Any) -> Any:
        """A page of its own (one browser context each, at most SLOTS), kept open with plotly.js compiled."""
        await self._free.acquire()
        while self._idle:
            page = self._idle.pop()
            if not page.is_closed() and page.context.browser is browser:
                return page
        try:
            context = await browser.new_context(viewport=VIEWPORT)
            await context.add_init_script(TRACK)
            page = await context.new_page()
            await page.route("**/*", _local_only)
        except Exception:
            self._free.release()
            raise
        return page

    async def _drop(self, page: Any) -> None:
        self._free.release()
        with contextlib.suppress(Exception):
            await page.context.close()

    async def _discard(self, browser: Any) -> None:
        if self._browser is browser:
            self._browser = None
            self._idle.clear()
            self._warming.clear()   # a new browser compiles its scripts anew
        with contextlib.suppress(Exception):   # a dead browser cannot be closed, and need not be
            await browser.close()

    async def _print_with(self, page: Any, html: str, *, pdf: bool = True) -> bytes:
        assert self._folder is not None
        source = self._folder / f"{uuid.uuid4().hex}.html"
        try:
            # The same page each time: the brief is swapped in where the page has run its scripts (plotly.js),
            # loaded otherwise (the page's first brief, or a document with other scripts).
            if await page.evaluate(SWAP, html):
                self.swaps += 1
            else:
                source.write_text(html, encoding="utf-8")
                await page.goto(source.as_uri(), wait_until="load")
                await page.evaluate(RAN, html)
            await page.wait_for_function(DRAWN, timeout=30_000)
            if not pdf:
                return b""
            data: bytes = await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            return data
        finally:
            source.unlink(missing_ok=True)

    def print_pdf(self, html: str, timeout: float = TIMEOUT) -> bytes:
        """The PDF of an HTML document (A4, no header or footer), printed by the shared browser."""
        try:
            return self._run(self._print(html), timeout)
        except TimeoutError as exc:
            raise PrintError(f"Chromium did not finish printing within {timeout:.0f} s") from exc

    def warm(self, html: str | None = None) -> None:
        """Start the browser in the background, and load ``html`` on a page (so its scripts compile meanwhile).

        Once per page and browser: asking again while it warms, or after, does nothing."""
        self._run(self._ask_warm(html), 10)

    async def _ask_warm(self, html: str | None) -> None:
        if html not in self._warming:
            self._warming[html] = asyncio.ensure_future(self._warm(html))

    async def _warm(self, html: str | None) -> None:
        with contextlib.suppress(Exception):   # a failed warm-up is retried by the print that follows
            browser = await self._ready()
            page = await self._page(browser)
            try:
                if html is not None:
                    await self._print_with(page, html, pdf=False)
            finally:
                self._idle.append(page)
                self._free.release()

    def browser_pid(self) -> int | None:
        """The process id of the running browser (none before the first print)."""
        return self._run(self._pid(), 10) if self._loop is not None and self._owner == os.getpid() else None

    async def _pid(self) -> int | None:
        if self._browser is None or not self._browser.is_connected():
            return None
        return _browser_process(self._mark)

    def close(self) -> None:
        """Stop the browser and Playwright (at exit)."""
        if self._loop is None or self._owner != os.getpid():
            return
        with contextlib.suppress(Exception):   # at exit a dead browser is as good as a closed one
            self._run(self._close(), 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    async def _close(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None


async def _local_only(route: Any) -> None:
    if route.request.url.startswith(LOCAL):
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


def _browser_process(mark: str) -> int | None:
    """The main Chromium process (no ``--type=``) launched with the switch ``mark`` (from /proc).

    Found by its own switch, not as a descendant of this process: a server or ``wic brief`` this process started
    may run a Chromium of its own."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if mark in argv and "chrom" in Path(argv[0]).name and not any(a.startswith("--type=") for a in argv):
            return int(entry.name)
    return None


PRINTER = Printer()
atexit.register(PRINTER.close)
