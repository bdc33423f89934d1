"""The long-lived printer: one Chromium reused across briefs, started again when it dies; the brief cache makes a
brief once and logs each print."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import wait_until

from dashboard import printer
from dashboard.briefing import brief_cache, build, pdf, render
from dashboard.printer import PRINTER, Printer, script_page
from etl import config


def _pages(data: bytes, tmp: Path) -> int:
    path = tmp / "p.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_one_browser_prints_every_brief_and_a_killed_one_is_replaced(warehouse_path: Path, tmp_path: Path) -> None:
    html = render(build("KEN"), "en")
    first = pdf.print_pdf(html)
    pid, launches = PRINTER.browser_pid(), PRINTER.launches
    assert pid is not None and _alive(pid)
    second = pdf.print_pdf(html)
    assert PRINTER.browser_pid() == pid and PRINTER.launches == launches, "the browser was not reused"
    assert first[:5] == second[:5] == b"%PDF-" and _pages(second, tmp_path) == 2

    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not _alive(pid), "the killed browser to exit", timeout=30)
    third = pdf.print_pdf(html)   # the dead browser is noticed and a new one prints
    assert third[:5] == b"%PDF-" and _pages(third, tmp_path) == 2
    assert PRINTER.launches == launches + 1 and PRINTER.browser_pid() not in (None, pid)


def test_the_printer_runs_debians_headless_shell_and_falls_back_to_the_full_browser(
        warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test` installs the headless shell, and briefs are printed by it; without it on the PATH the full
    Chromium prints, and with neither the error names the packages to install."""
    pdf.print_pdf(render(build("KEN"), "en"))
    pid = PRINTER.browser_pid()
    assert pid is not None and Path(f"/proc/{pid}/exe").resolve().name == "chromium-headless-shell"
    assert printer.chromium() == shutil.which("chromium-headless-shell")
    only_full = tmp_path / "bin"
    only_full.mkdir()
    (only_full / "chromium").symlink_to("/usr/bin/chromium")
    monkeypatch.setenv("PATH", str(only_full))
    assert printer.chromium() == str(only_full / "chromium")
    (only_full / "chromium").unlink()
    monkeypatch.setattr(printer, "FALLBACK", tmp_path / "none")
    with pytest.raises(printer.PrintError, match="install Debian's `chromium-headless-shell` or `chromium`"):
        printer.chromium()


def _raster(data: bytes, tmp: Path, name: str) -> list[str]:
    """A digest of each page of a PDF's grey-scale pixels (pdftoppm at 60 dpi)."""
    (tmp / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-gray", "-r", "60", str(tmp / f"{name}.pdf"), str(tmp / name)], check=True)
    return [hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(tmp.glob(f"{name}-*.pgm"))]


def test_a_brief_swapped_into_a_used_page_prints_as_on_a_fresh_one(warehouse_path: Path, tmp_path: Path) -> None:
    """A brief put in place of the page's document (no load: after the warm-up page, or after another brief in
    the other language) prints pixel for pixel as one loaded on a new page (its own styles, fonts and charts;
    plotly.js's style sheet kept)."""
    chn, wic = render(build("CHN"), "en"), render(build("WIC"), "zh")
    alone = {}
    for name, html in (("chn", chn), ("wic", wic)):
        fresh = Printer()
        try:
            alone[name] = _raster(fresh.print_pdf(html), tmp_path, f"alone-{name}")   # a new page: loaded
            assert fresh.swaps == 0
        finally:
            fresh.close()
    used = Printer()
    try:
        used.warm(script_page(config.brief_plotly_path()))   # as `wic brief` and the server do
        prints = [(name, used.print_pdf(html)) for name, html in (("wic", wic), ("chn", chn), ("wic", wic))]
        assert used.swaps == 3
    finally:
        used.close()
    assert len(alone["wic"]) == 2 and len(alone["chn"]) == 2
    for n, (name, data) in enumerate(prints):
        assert _raster(data, tmp_path, f"used-{n}") == alone[name], f"print {n + 1} ({name}) differs"


def test_the_printer_finds_its_own_browser_among_other_chromiums(warehouse_path: Path) -> None:
    # A server or `wic brief` this process started runs a Chromium of its own, a child of this process too.
    decoy = subprocess.Popen(["chromium", "600"], executable="/bin/sleep")
    printer = Printer()
    try:
        assert printer.print_pdf(render(build("KEN"), "en"))[:5] == b"%PDF-"
        pid = printer.browser_pid()
        assert pid not in (None, decoy.pid)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert "chrom" in Path(argv[0].decode()).name and not any(a.startswith(b"--type=") for a in argv)
    finally:
        printer.close()
        decoy.kill()
        decoy.wait()


def test_a_browser_that_died_a_moment_ago_is_replaced_before_playwright_reports_it(warehouse_path: Path) -> None:
    html = render(build("KEN"), "en")
    printer = Printer()
    try:
        assert printer.print_pdf(html)[:5] == b"%PDF-"
        pid = printer.browser_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), "the killed browser to exit", timeout=30)
        # right after a crash Playwright may still call the browser connected: its disconnect event comes later
        printer._browser.is_connected = lambda: True
        assert printer.print_pdf(html)[:5] == b"%PDF-" and printer.launches == 2
    finally:
        printer.close()


def test_the_brief_loads_plotly_from_one_local_file(warehouse_path: Path) -> None:
    from dashboard.briefing import template

    html = render(build("CHN"), "zh")
    assert f'<script src="{template.plotly_path().as_uri()}">' in html
    assert template.plotly_path().is_file() and len(html) < 500_000   # plotly.js (4.6 MB) is not inlined
    assert "https://" not in html.split("<script", 1)[1]


def test_the_cache_makes_a_brief_once_and_logs_the_print(tmp_path: Path) -> None:
    target = tmp_path / "run-1" / "CHN-en-abc.pdf"
    calls: list[int] = []

    def make() -> bytes:
        calls.append(1)
        return b"%PDF-1.4 made once"

    assert brief_cache.cached(target, make) == target
    assert brief_cache.cached(target, make) == target
    assert calls == [1] and target.read_bytes() == b"%PDF-1.4 made once"
    log = brief_cache.prints(target.parent)
    assert [r["file"] for r in log] == [target.name] and log[0]["pid"] == os.getpid()
    assert not list(target.parent.glob("*.part"))


def test_a_failed_print_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "run-1" / "CHN-en-abc.pdf"

    def fail() -> bytes:
        raise pdf.BriefingError("Chromium could not print the brief: test")

    with pytest.raises(pdf.BriefingError):
        brief_cache.cached(target, fail)
    assert not target.exists() and brief_cache.prints(target.parent) == []
