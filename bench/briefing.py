"""Benchmark council briefs: the time to produce one PDF brief, and every WIC member country's brief.

Against the configured warehouse (``WIC_WAREHOUSE``), with a fresh PDF cache so nothing is reused. Prints the
phases of one brief (data through the read API, HTML, Chromium printing), the whole CLI path, all member-country
briefs one after the other and two at a time, a cached PDF, and as a baseline measured in the same run, headless
Chromium printing an empty page (its start-up cost, which every printed brief pays).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import read  # noqa: E402


def pages(pdf: Path) -> int:
    """The page count of a PDF (pdfinfo)."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", default="en", choices=["en", "zh"])
    parser.add_argument("--workers", type=int, default=2, help="parallel printers for the second pass (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the PDFs (in a temporary folder) for a look")
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="wic-bench-brief-")
    os.environ["WIC_CACHE"] = cache        # cold: no PDF from an earlier run is reused
    from dashboard.briefing import build, pdf, render
    from dashboard.briefing.build import WIC

    out = Path(cache) / "out"
    out.mkdir()
    members = read.group_members(WIC)
    print(f"warehouse {read.open_warehouse().path}, run {read.data_vintage()['run_id']}; "
          f"{len(members)} member countries; lang {args.lang}; cache {cache}")

    # Baseline: Chromium printing an empty page.
    base = []
    for i in range(3):
        t = time.perf_counter()
        pdf.html_to_pdf("<!DOCTYPE html><html><body></body></html>", out / f"empty-{i}.pdf")
        base.append(time.perf_counter() - t)
    baseline = statistics.median(base)

    # One brief, phase by phase (the first build also opens the warehouse and fills its lookups).
    t = time.perf_counter()
    brief = build("CHN")
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    page = render(brief, args.lang)
    t_html = time.perf_counter() - t
    t = time.perf_counter()
    pdf.html_to_pdf(page, out / "CHN-phase.pdf")
    t_print = time.perf_counter() - t

    # One brief through the CLI, in a new process (imports, warehouse, data, HTML, Chromium).
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl.cli", "brief", "USA", "--lang", args.lang, "--out",
                    str(out / "USA-cli.pdf")], check=True, capture_output=True)
    t_cli = time.perf_counter() - t

    # Every member country, one after the other, then two at a time (fresh cache each pass).
    def one(code: str, folder: Path) -> tuple[str, float, int]:
        started = time.perf_counter()
        path = pdf.write_brief(code, args.lang, folder / f"{code}.pdf")
        return code, time.perf_counter() - started, pages(path)

    os.environ["WIC_CACHE"] = str(Path(cache) / "seq")
    (out / "seq").mkdir()
    t = time.perf_counter()
    sequential = [one(c, out / "seq") for c in members]
    t_seq = time.perf_counter() - t

    os.environ["WIC_CACHE"] = str(Path(cache) / "par")
    (out / "par").mkdir()
    t = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        parallel = list(pool.map(lambda c: one(c, out / "par"), members))
    t_par = time.perf_counter() - t

    t = time.perf_counter()
    pdf.write_brief("CHN", args.lang, out / "CHN-cached.pdf")
    t_cached = time.perf_counter() - t

    each = [s for _, s, _ in sequential]
    print()
    print(f"{'baseline: Chromium prints an empty page':52} {baseline:7.2f} s")
    print(f"{'one brief: data (first, cold lookups)':52} {t_build:7.3f} s")
    print(f"{'one brief: HTML':52} {t_html:7.3f} s  ({len(page) / 1e6:.1f} MB with plotly.js inlined)")
    print(f"{'one brief: Chromium print':52} {t_print:7.2f} s  ({t_print / baseline:.2f}x the empty page)")
    print(f"{'one brief via `wic brief USA` (new process)':52} {t_cli:7.2f} s")
    print(f"{f'all {len(members)} member countries, one at a time':52} {t_seq:7.2f} s  "
          f"(per brief median {statistics.median(each):.2f} s, max {max(each):.2f} s)")
    print(f"{f'all {len(members)} member countries, {args.workers} at a time':52} {t_par:7.2f} s  "
          f"({t_seq / t_par:.2f}x faster)")
    print(f"{'a cached brief (same run, code and language)':52} {t_cached:7.3f} s")
    counts = {c: n for c, _, n in sequential}
    print(f"pages per brief: {', '.join(f'{c} {n}' for c, n in counts.items())}")
    print(f"all two pages: {all(n == 2 for n in counts.values())}; the parallel pass printed the same page counts: "
          f"{sorted((c, n) for c, _, n in parallel) == sorted(counts.items())}")
    if not args.keep:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
