"""Printed briefs: A4 PDFs from headless Chromium, two pages (at most two for sparse economies), no blank pages,
charts drawn, Chinese set in the CJK font; the CLI and the PDF route; the brief in a real browser, offline and
inside the dashboard page under its Content-Security-Policy.

One English and one Chinese brief (PDF and a PNG per page) are kept in artifacts/briefings/ to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dashboard.briefing import build, render, write_brief
from etl import cli, read

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "briefings"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
KEEP = {("CHN", "en"), ("CHN", "zh")}



@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    """Chromium, its headless shell (the printer's) and pdftoppm are installed by `make test`: their absence is a
    failure, not a skip."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (make system-deps)"
    assert shutil.which("chromium-headless-shell"), "Debian's chromium-headless-shell is missing (make system-deps)"
    assert shutil.which("pdftoppm"), "poppler-utils' pdftoppm is missing (make system-deps)"


@pytest.fixture(scope="module")
def pdf_cache(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[Path]:
    """A private PDF cache (WIC_CACHE) for this module."""
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("WIC_CACHE")
    os.environ["WIC_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("WIC_CACHE", None)
    else:
        os.environ["WIC_CACHE"] = old


def pages(pdf: Path, out: Path, dpi: int = 30) -> list[np.ndarray]:
    """Every page of ``pdf`` as a grey-scale image (pdftoppm)."""
    prefix = out / pdf.stem
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    images = []
    for path in sorted(out.glob(f"{pdf.stem}-*.pgm")):
        data = path.read_bytes()
        head = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        assert head is not None
        width, height = int(head.group(1)), int(head.group(2))
        images.append(np.frombuffer(data[head.end():head.end() + width * height], np.uint8).reshape(height, width))
    return images


def text_of(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(("code", "lang"), [("CHN", "en"), ("CHN", "zh"), ("WIC", "en"), ("EAS", "zh"),
                                            ("HIC", "en"), ("USA", "zh"), ("XKX", "zh"), ("TUV", "en"),
                                            ("AIA", "en")])
def test_printed_brief(code: str, lang: str, pdf_cache: Path, tmp_path: Path) -> None:
    keep = (code, lang) in KEEP
    folder = ARTIFACTS if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pdf = write_brief(code, lang, folder / f"brief-{code}-{lang}.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    images = pages(pdf, tmp_path)
    brief = build(code)
    sparse = sum(f.year is not None for f in brief.freshness) < 25
    assert len(images) == 2 or (sparse and 1 <= len(images) <= 2), f"{len(images)} pages"
    for i, image in enumerate(images, start=1):
        h, w = image.shape
        assert abs(h / w - 297 / 210) < 0.01, "not A4"
        ink = float((image < 200).mean())
        assert image.std() > 12 and ink > 0.02, f"page {i} looks blank (std {image.std():.1f}, ink {ink:.3f})"
    first = text_of(pdf, 1)
    if brief.trends:
        # The charts' axes are text in the PDF: drawn charts have tick labels (years), an empty div has none.
        ticks = len(re.findall(r"\b20(?:05|10|15|20)\b", first))
        assert ticks >= 4 * min(2, len(brief.trends)), f"charts not drawn? {ticks} year ticks on page 1"
    if lang == "zh":
        # Skia embeds the glyphs as unnamed Type 3 fonts, so check that the font the CSS asks for is the one the
        # system has (not a fallback without Chinese glyphs), and that the Chinese text is there.
        match = subprocess.run(["fc-match", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True, text=True,
                               check=True).stdout
        assert "Noto Sans CJK" in match, match
        assert "摘要" in first and "关键数据" in first
    if keep:
        for old in folder.glob(f"brief-{code}-{lang}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(folder / f"brief-{code}-{lang}")], check=True)
        assert len(list(folder.glob(f"brief-{code}-{lang}-*.png"))) == len(images)


def test_cli_writes_a_pdf(pdf_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``wic brief`` writes the brief and keeps it in the cache; the cyclic collector is paused while it gathers
    the brief's data (a short process: its objects live to its end) and is on again after."""
    import gc

    from dashboard.briefing import pdf

    collecting: list[bool] = []

    def gathered(code: str) -> Any:
        collecting.append(gc.isenabled())
        return build(code)

    monkeypatch.setattr(pdf, "build", gathered)
    out = tmp_path / "kenya.pdf"
    assert gc.isenabled()
    assert cli.main(["brief", "ken", "--lang", "zh", "--out", str(out)]) == 0
    assert collecting == [False] and gc.isenabled()
    assert out.read_bytes()[:5] == b"%PDF-"
    assert f"wrote {out}" in capsys.readouterr().out
    cached = list(pdf_cache.glob("briefings/*/KEN-zh-*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == out.read_bytes()
    run = str(read.data_vintage()["run_id"])
    assert cached[0].parent.name == run.replace("/", "_")


def test_cli_writes_the_briefs_of_every_member_and_the_codes_given(pdf_cache: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``wic brief --members KEN,CHN``: every WIC member country's brief and Kenya's, in order, each printed once
    and each the subject's own brief; a bad code among several stops the command before anything is written."""
    from dashboard.briefing import brief_cache

    folder = tmp_path / "council"
    folder.mkdir()
    assert cli.main(["brief", "--members", "KEN,chn", "--lang", "zh", "--out-dir", str(folder)]) == 0
    subjects = ["KEN", "CHN"] + [c for c in read.group_members("WIC") if c not in ("KEN", "CHN")]
    written = [folder / f"brief-{code}-zh.pdf" for code in subjects]
    assert capsys.readouterr().out.splitlines() == [f"wrote {p} ({p.stat().st_size:,} bytes)" for p in written]
    assert sorted(folder.iterdir()) == sorted(written) and len(written) == 16
    names = read.display_names("zh")
    for code, pdf in zip(subjects, written, strict=True):   # each file is its subject's brief (its title)
        assert names[code] in "".join(text_of(pdf, 1).split()), code
    run = str(read.data_vintage()["run_id"]).replace("/", "_")
    printed = [str(p["file"]) for p in brief_cache.prints(pdf_cache / "briefings" / run) if "-zh-" in str(p["file"])]
    assert len(printed) == len(set(printed)) and {f.split("-")[0] for f in printed} >= set(subjects)   # each once
    other = tmp_path / "none"
    other.mkdir()
    assert cli.main(["brief", "CHN", "XXX", "--out-dir", str(other)]) == 1
    assert "unknown country or group 'XXX'" in capsys.readouterr().err and list(other.iterdir()) == []
    assert cli.main(["brief", "CHN", "KEN", "--out", str(other / "b.pdf")]) == 2
    assert "--out names the file of one brief" in capsys.readouterr().err


def test_pdf_route(pdf_cache: Path, dash_app: Any) -> None:
    client = dash_app.server.test_client()
    response = client.get("/briefing/pdf?country=WIC&lang=zh")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"
    assert 'filename=wic-brief-WIC-zh.pdf' in response.headers["Content-Disposition"]
    assert list(pdf_cache.glob("briefings/*/WIC-zh-*.pdf"))
    response.close()


# --- in a real browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def test_standalone_brief_draws_its_charts_offline(browser: Any, tmp_path: Path, warehouse_path: Path) -> None:
    page_file = tmp_path / "brief.html"
    page_file.write_text(render(build("BRA"), "zh"), encoding="utf-8")
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "about:"))
            else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    page.wait_for_selector("html[data-charts]", timeout=20000)
    n = int(page.get_attribute("html", "data-charts") or 0)
    assert n == page.locator(".plot").count() and 4 <= n <= 6
    assert page.locator(".plot svg.main-svg").count() >= n
    assert outside == [] and errors == []
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Noto Sans CJK SC"')
    page.close()


@pytest.fixture(scope="module")
def server(dash_app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = make_server("127.0.0.1", port, dash_app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.shutdown()


def test_dashboard_page_embeds_the_brief(browser: Any, server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/briefing?country=KEN&lang=zh")
    page.wait_for_selector("#briefing-frame", timeout=20000)
    frame = page.frame_locator("#briefing-frame")
    frame.locator("html[data-charts]").wait_for(timeout=20000)
    assert frame.locator(".plot svg.main-svg").count() >= 4
    assert "肯尼亚" in frame.locator("h1").inner_text()
    assert page.locator("#briefing-pdf").get_attribute("href") == "/briefing/pdf?country=KEN&lang=zh"
    assert errors == [], errors
    page.close()
