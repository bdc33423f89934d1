"""Benchmark council briefs: the old path (a new full Chromium per brief, plotly.js inlined) against the new one
(one long-lived Playwright Chromium, the headless shell where installed, plotly.js loaded from its local file),
measured in the same run.

Against the configured warehouse (``WIC_WAREHOUSE``), with a fresh PDF cache per pass so nothing is reused. For
each path: an empty page (the printer's fixed cost; the new printer swaps it into its page, see
``dashboard.printer.SWAP``), one brief (data, HTML and its size, the print), one brief through a new process
(``wic brief`` for the new path; the median of five, each with a cache of its own), every WIC member country's
brief one after the other and ``--workers`` at a time (and, for the new path, all of them through one new
process: ``wic brief --members``), and the page count of every brief. ``--only new`` skips the old path.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import read  # noqa: E402

EMPTY = "<!DOCTYPE html><html><body></body></html>"
RUNS = 5   # a brief in a new process: the median of this many (one run varies by half a second on 2 cores)


def pages(pdf: Path) -> int:
    """The page count of a PDF (pdfinfo)."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def inlined(html: str) -> str:
    """The brief as it was printed before: plotly.js inlined instead of loaded from its file."""
    from dashboard.briefing import template

    tag = f'<script src="{template.plotly_path().as_uri()}"></script>'
    assert tag in html, "the brief no longer loads plotly.js from its file"
    return html.replace(tag, f"<script>{template.plotly_path().read_text(encoding='utf-8')}</script>")


def old_html_to_pdf(html_text: str, out: Path) -> Path:
    """The old printer: a new headless Chromium per brief (``--print-to-pdf``), kept here as the baseline."""
    from dashboard import printer

    with tempfile.TemporaryDirectory(prefix="wic-brief-") as tmp:
        folder = Path(tmp)
        source = folder / "brief.html"
        source.write_text(html_text, encoding="utf-8")
        # the full browser, as the old printer ran it (the new one prefers the headless shell, see printer.BROWSERS)
        command = [shutil.which("chromium") or printer.chromium(), "--headless", *printer.ARGS,
                   f"--user-data-dir={folder / 'profile'}",
                   "--window-size=1024,1400", "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw",
                   "--no-pdf-header-footer", f"--print-to-pdf={out}", source.as_uri()]
        subprocess.run(command, capture_output=True, timeout=120, check=True, env={**os.environ, "HOME": tmp})
    return out


def old_brief(code: str, lang: str, out: Path) -> Path:
    """One brief the old way (data, HTML with plotly.js inlined, a new Chromium)."""
    from dashboard.briefing import build, render

    return old_html_to_pdf(inlined(render(build(code), lang)), out)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_time(fn: Callable[[int], object], n: int) -> float:
    """The median time of ``fn(0)`` ... ``fn(n - 1)``."""
    return statistics.median(timed(functools.partial(fn, i)) for i in range(n))


def load() -> str:
    return f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", default="en", choices=["en", "zh"])
    parser.add_argument("--workers", type=int, default=2, help="parallel printers for the second pass (default 2)")
    parser.add_argument("--only", choices=["old", "new", "both"], default="both", help="which paths (default both)")
    parser.add_argument("--keep", action="store_true", help="keep the PDFs (in a temporary folder) for a look")
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="wic-bench-brief-")
    os.environ["WIC_CACHE"] = cache
    from dashboard.briefing import build, pdf, render
    from dashboard.briefing.build import WIC

    out = Path(cache) / "out"
    out.mkdir()
    members = read.group_members(WIC)
    print(f"warehouse {read.open_warehouse().path}, run {read.data_vintage()['run_id']}; "
          f"{len(members)} member countries; lang {args.lang}; {os.cpu_count()} cores; {load()}")
    t_build = timed(lambda: build("CHN"))   # the first build also opens the warehouse and fills its lookups
    page = render(build("CHN"), args.lang)
    t_html = timed(lambda: render(build("CHN"), args.lang))
    rows = [("one brief: data (first, cold lookups)", f"{t_build:.3f} s"),
            ("one brief: data + HTML (warm)", f"{t_html:.3f} s")]
    counts: dict[str, dict[str, int]] = {}

    def passes(name: str, make: Callable[[str, Path], Path]) -> tuple[float, float]:
        def one(code: str, folder: Path) -> tuple[str, int]:
            return code, pages(make(code, folder / f"{code}.pdf"))

        results = {}
        for label, workers in (("seq", 1), ("par", args.workers)):
            folder = out / f"{name}-{label}"
            folder.mkdir()
            os.environ["WIC_CACHE"] = str(folder / "cache")
            started = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(one, members, [folder] * len(members)))
            results[label] = time.perf_counter() - started
            counts[f"{name}-{label}"] = dict(done)
        return results["seq"], results["par"]

    figures: dict[str, dict[str, float]] = {}
    if args.only in ("old", "both"):
        empty = median_time(lambda i: old_html_to_pdf(EMPTY, out / f"empty-old-{i}.pdf"), 3)
        one = median_time(lambda i: old_html_to_pdf(inlined(page), out / f"CHN-old-{i}.pdf"), 2)
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from briefing import old_brief; "
                f"from pathlib import Path; old_brief('USA', {args.lang!r}, Path({str(out / 'USA-old.pdf')!r}))")
        cli = median_time(lambda i: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True),
                          RUNS)
        seq, par = passes("old", lambda c, p: old_brief(c, args.lang, p))
        figures["old"] = {"empty": empty, "one": one, "cli": cli, "seq": seq, "par": par,
                          "html": len(inlined(page)) / 1e6}
    if args.only in ("new", "both"):
        first = timed(lambda: pdf.html_to_pdf(EMPTY, out / "empty-new-first.pdf"))   # starts the browser
        empty = median_time(lambda i: pdf.html_to_pdf(EMPTY, out / f"empty-new-{i}.pdf"), 3)
        pdf.html_to_pdf(page, out / "CHN-new-warmup.pdf")
        one = median_time(lambda i: pdf.html_to_pdf(page, out / f"CHN-new-{i}.pdf"), 3)
        # each run with a cache of its own, so that each prints
        cli = median_time(lambda i: subprocess.run(
            [sys.executable, "-m", "wic", "brief", "USA", "--lang", args.lang, "--out", str(out / f"USA-new-{i}.pdf")],
            check=True, capture_output=True, env={**os.environ, "WIC_CACHE": str(out / f"cli-cache-{i}")}), RUNS)
        members_dir = out / "members-cli"
        members_dir.mkdir()
        env_all = {**os.environ, "WIC_CACHE": str(out / "members-cli-cache")}
        cli_all = timed(lambda: subprocess.run([sys.executable, "-m", "wic", "brief", "--members", "--lang",
                                                args.lang, "--out-dir", str(members_dir)], check=True,
                                               capture_output=True, env=env_all))
        counts["new-cli"] = {p.name.split("-")[1]: pages(p) for p in sorted(members_dir.glob("brief-*.pdf"))}
        seq, par = passes("new", lambda c, p: pdf.write_brief(c, args.lang, p))
        os.environ["WIC_CACHE"] = str(out / "new-seq" / "cache")
        cached = timed(lambda: pdf.write_brief("CHN", args.lang, out / "CHN-cached.pdf"))
        figures["new"] = {"empty": empty, "one": one, "cli": cli, "seq": seq, "par": par, "html": len(page) / 1e6,
                          "first": first, "cached": cached, "cli_all": cli_all}

    n = len(members)
    print()
    print(f"{'':64} {'old':>9} {'new':>9}")
    for label, value in rows:
        print(f"{label:64} {value:>9}")
    lines = [("HTML of one brief (MB)", "html", "{:9.2f}"), ("printing an empty page (s)", "empty", "{:9.2f}"),
             ("one brief: print (warm for new) (s)", "one", "{:9.2f}"),
             ("one brief in a new process (s)", "cli", "{:9.2f}"),
             (f"all {n} member briefs, one at a time (s)", "seq", "{:9.2f}"),
             (f"all {n} member briefs, {args.workers} at a time (s)", "par", "{:9.2f}"),
             (f"all {n} member briefs in a new process (wic brief --members) (s)", "cli_all", "{:9.2f}")]
    for label, key, fmt in lines:
        cells = [fmt.format(figures[p][key]) if key in figures.get(p, {}) else f"{'-':>9}" for p in ("old", "new")]
        print(f"{label:64} {cells[0]} {cells[1]}")
    for p, f in figures.items():
        print(f"{p}: {args.workers} at a time is {f['seq'] / f['par']:.2f}x faster than one at a time; "
              f"one brief is {f['one'] / f['empty']:.2f}x its empty page")
    if "new" in figures:
        print(f"new: first print in a process (browser start) {figures['new']['first']:.2f} s; a cached brief "
              f"{figures['new']['cached']:.3f} s")
    if len(figures) == 2:
        o, w = figures["old"], figures["new"]
        print(f"new against old: one brief {o['one'] / w['one']:.2f}x faster, new process {o['cli'] / w['cli']:.2f}x, "
              f"all members {o['seq'] / w['seq']:.2f}x (one at a time), {o['par'] / w['par']:.2f}x "
              f"({args.workers} at a time); HTML {o['html'] / w['html']:.0f}x smaller")
    print(f"pages per brief: {counts[next(iter(counts))]}")
    print(f"every pass printed two pages for every member: "
          f"{all(set(c.values()) == {2} and len(c) == n for c in counts.values())}")
    print(load())
    if not args.keep:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
