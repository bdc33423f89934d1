"""Time to first chart painted, per page, in headless Chromium against the production server.

For each page: a fresh browser context (empty cache) opens the page and the time from navigation start to the
first Plotly chart drawn with data (or the explorer's first grid row) is taken; then the same context opens it
again (second visit, warm cache) once the first page is idle. Median of 3 runs each (`--runs`), with the bytes
downloaded on the first visit.
Servers measured one after the other in the same run: with Dash's full plotly.js (WIC_PLOTLY_BUNDLE=stock, the
state before the small bundle) and the current configuration (the small bundle of `make assets`); the ratios are
those of each other configuration / current. ``--base DIR`` adds, first, the code of another checkout (e.g.
``git archive <commit> | tar -x -C DIR``, with ``build/`` and ``node_modules/`` linked in) on the same warehouse:
the before/after of code changes. ``--nocache`` adds the full plotly.js without long-lived cache headers
(WIC_STATIC_CACHE=0). The load average is printed with the figures (other work on the machine slows them).
Goal (issue #10): first chart under 1 s median, second visit under 0.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from etl import config  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PAGES = {"overview": "/", "map": "/map", "country": "/country?iso3=BRA", "compare": "/compare", "index": "/index",
         "explorer": "/explorer", "membership": "/membership"}
PAINTED = """() => document.querySelector('.dash-graph .main-svg .trace, .dash-graph .main-svg .choroplethlocation')
    || document.querySelector('.ag-row')"""
IDLE = "() => new Promise(done => requestIdleCallback(done, {timeout: 3000}))"
RUNS = 3
NOCACHE = ("nocache", {"WIC_STATIC_CACHE": "0", "WIC_PLOTLY_BUNDLE": "stock"})
CONFIGS = (("stock", {"WIC_STATIC_CACHE": "1", "WIC_PLOTLY_BUNDLE": "stock"}),
           ("current", {"WIC_STATIC_CACHE": "1", "WIC_PLOTLY_BUNDLE": "small"}))


def serve(env: dict[str, str], tree: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `wic serve --prod` (of the checkout ``tree``, else this one) on a free port and wait until it answers
    /healthz."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = {"PYTHONPATH": str(tree)} if tree else {}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--workers", "2", "--port",
                             str(port)], env={**os.environ, **env, **code}, cwd=tree, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def visit(browser: Browser, url: str) -> tuple[float, float, int]:
    """(first visit ms, second visit ms, bytes on the first visit) in a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sizes: list[int] = []
    times: list[float] = []

    def count(response: Any) -> None:
        if not times:   # the first visit only
            with contextlib.suppress(ValueError):
                sizes.append(int(response.headers.get("content-length") or 0))

    page.on("response", count)
    for _ in range(2):
        page.goto(url, wait_until="commit")
        page.wait_for_function(PAINTED, timeout=30_000, polling="raf")
        times.append(float(page.evaluate("() => performance.now()")))
        # the reader comes back later: the first page has finished what follows its first chart (later charts,
        # callbacks), which would otherwise run on the main thread the second visit starts on
        page.wait_for_load_state("networkidle", timeout=30_000)
        page.evaluate(IDLE)
    context.close()
    return times[0], times[1], sum(sizes)


def measure(browser: Browser, base: str, pages: dict[str, str], runs_per_page: int = RUNS
            ) -> dict[str, tuple[float, float, int]]:
    """Median first and second visit per page over ``runs_per_page`` fresh contexts."""
    out = {}
    for name, path in pages.items():
        runs = [visit(browser, base + path) for _ in range(runs_per_page)]
        out[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                     int(statistics.median(r[2] for r in runs)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nocache", action="store_true",
                        help="also measure the full plotly.js without long-lived cache headers")
    parser.add_argument("--base", type=Path, metavar="DIR",
                        help="also measure the code of another checkout (the state before), on the same warehouse")
    parser.add_argument("--no-stock", action="store_true", help="do not measure Dash's full plotly.js")
    parser.add_argument("--pages", help=f"comma-separated pages to measure (default: all of {', '.join(PAGES)})")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per page and configuration (default {RUNS})")
    args = parser.parse_args()
    unknown = set((args.pages or "").split(",")) - set(PAGES) - {""}
    if unknown:
        parser.error(f"--pages: unknown page {', '.join(sorted(unknown))} (pages: {', '.join(PAGES)})")
    pages = {name: PAGES[name] for name in (args.pages.split(",") if args.pages else PAGES)}
    env = {"WIC_WAREHOUSE": str(config.warehouse_path())}
    runs: list[tuple[str, dict[str, str], Path | None]] = []
    if args.base:
        runs.append(("before", CONFIGS[1][1], args.base.resolve()))
    if args.nocache:
        runs.append((NOCACHE[0], NOCACHE[1], None))
    runs += [(label, extra, None) for label, extra in CONFIGS if not (args.no_stock and label == "stock")]
    results, loads = {}, {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for label, extra, tree in runs:
            proc, base = serve({**env, **extra}, tree)
            try:
                for path in pages.values():   # warm the server's caches so every configuration starts equal
                    requests.get(base + path, timeout=30)
                    requests.get(base + "/_dash-layout", headers={"Referer": base + path}, timeout=30)
                results[label] = measure(browser, base, pages, args.runs)
                loads[label] = os.getloadavg()[0]
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    labels = list(results)
    print(f"time to first chart painted, median of {args.runs} (ms); kB is the compressed transfer of a first visit; "
          "ratio: other / current")
    print(f"{'page':<12}" + "".join(f"{lab + ' 1st':>13}{lab + ' 2nd':>13}{lab + ' kB':>12}" for lab in labels)
          + "".join(f"{lab + '/now 1st':>16}{lab + '/now 2nd':>16}" for lab in labels if lab != "current"))
    for name in pages:
        c1, c2, _ = results["current"][name]
        row = "".join(f"{r[name][0]:>13.0f}{r[name][1]:>13.0f}{r[name][2] / 1024:>12.0f}"
                      for r in results.values())
        row += "".join(f"{results[lab][name][0] / c1:>16.2f}{results[lab][name][1] / c2:>16.2f}"
                       for lab in labels if lab != "current")
        print(f"{name:<12}{row}")
    for label in labels:
        firsts = [results[label][n][0] for n in pages]
        seconds = [results[label][n][1] for n in pages]
        print(f"{label}: first visit median {statistics.median(firsts):.0f} ms, slowest {max(firsts):.0f} ms "
              f"(goal < 1000); second visit median {statistics.median(seconds):.0f} ms, slowest "
              f"{max(seconds):.0f} ms (goal < 500); load average {loads[label]:.1f} after it")


if __name__ == "__main__":
    main()
