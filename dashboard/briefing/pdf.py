"""Print a brief to A4 PDF with headless Chromium (Debian's ``chromium``), cached per warehouse run.

The standalone HTML (plotly.js inlined) is written to a private temporary folder and printed with
``--print-to-pdf``; ``--virtual-time-budget`` lets the charts' scripts finish before the page is printed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from dashboard import i18n
from dashboard.briefing import template
from dashboard.briefing.build import BriefingError, build, check_subject
from etl import config, read
from etl.atomic import copy_atomic

HERE = Path(__file__).resolve().parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FALLBACK = Path("/usr/bin/chromium")
TIMEOUT = 120
# Chromium phones home by itself (component updates, variations, safe browsing, ...): switch every such service
# off, use no proxy (no auto-detection lookups), and resolve no name at all: the brief is a local file.
OFFLINE = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pings",
           "--disable-domain-reliability", "--disable-field-trial-config", "--disable-breakpad",
           "--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update",
           "--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--no-service-autorun",
           "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
           "AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
           "--dns-prefetch-disable", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND")


def chromium() -> str:
    """The Chromium executable, or :class:`BriefingError` naming what to install."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if FALLBACK.exists():
        return str(FALLBACK)
    raise BriefingError("no Chromium found to print the brief: install Debian's `chromium` (make system-deps)")


def check_lang(lang: str) -> str:
    """``en`` or ``zh``; :class:`BriefingError` otherwise."""
    if lang not in i18n.LANGS:
        raise BriefingError(f"unknown language {lang!r}: choose one of {', '.join(i18n.LANGS)}")
    return lang


def html_to_pdf(html_text: str, out: Path) -> Path:
    """Print an HTML document to ``out`` (A4, no header or footer); the file appears atomically."""
    with tempfile.TemporaryDirectory(prefix="wic-brief-") as tmp:
        folder = Path(tmp)
        source, target = folder / "brief.html", folder / "brief.pdf"
        source.write_text(html_text, encoding="utf-8")
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", *OFFLINE, "--disable-dev-shm-usage",
                   "--no-first-run", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
                   f"--user-data-dir={folder / 'profile'}", "--window-size=1024,1400",
                   "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw",
                   "--no-pdf-header-footer", f"--print-to-pdf={target}", source.as_uri()]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False,
                                  env={**os.environ, "HOME": str(folder)})
        except subprocess.TimeoutExpired as exc:
            raise BriefingError(f"Chromium did not finish printing within {TIMEOUT} s") from exc
        if not target.exists() or target.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise BriefingError(f"Chromium could not print the brief (exit {proc.returncode}): {tail[0]}")
        copy_atomic(target, out)
    return out


@cache
def template_version() -> str:
    """A short hash of the brief's code, so a cached PDF is redone when the template changes."""
    digest = hashlib.sha256()
    for name in sorted(p.name for p in HERE.glob("*.py")):
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:12]


def cache_path(code: str, lang: str) -> Path:
    """Where the PDF of (the current warehouse run, code, language, template version) is kept."""
    run = str(read.data_vintage()["run_id"] or "unknown").replace("/", "_")
    return config.cache_dir() / "briefings" / run / f"{code}-{lang}-{template_version()}.pdf"


def cached_pdf(code: str, lang: str) -> Path:
    """The brief's PDF, printed once per warehouse run, code and language."""
    code, lang = check_subject(code), check_lang(lang)
    path = cache_path(code, lang)
    if not path.exists():
        html_to_pdf(template.render(build(code), lang), path)
    return path


def check_output(out: Path) -> Path:
    """An output path we can write to, or :class:`BriefingError` naming it (checked before the slow part)."""
    out = out.expanduser()
    if out.is_dir():
        raise BriefingError(f"cannot write {out}: it is a directory")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise BriefingError(f"cannot write {out}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise BriefingError(f"cannot write {out}: permission denied")
    return out


def write_brief(code: str, lang: str = "en", out: Path | None = None) -> Path:
    """Write the brief of ``code`` in ``lang`` to ``out`` (default ``brief-CODE-LANG.pdf``); the path written."""
    lang = check_lang(lang)
    code = check_subject(code)
    target = check_output(out if out is not None else Path(f"brief-{code}-{lang}.pdf"))
    source = cached_pdf(code, lang)
    try:
        copy_atomic(source, target)
    except OSError as exc:
        raise BriefingError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
