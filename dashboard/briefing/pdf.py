"""Print a brief to A4 PDF with the process's long-lived headless Chromium, cached on disk per warehouse run.

The HTML (plotly.js loaded from its local file) is printed by :mod:`.printer`; :mod:`.brief_cache` makes sure a
brief is printed once per run, code and language, whichever process or instance asks first.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from dashboard import i18n, printer
from dashboard.briefing import brief_cache, template
from dashboard.briefing.build import BriefingError, build, check_subject
from etl import config, read
from etl.atomic import copy_atomic, write_atomic

HERE = Path(__file__).resolve().parent


def check_lang(lang: str) -> str:
    """``en`` or ``zh``; :class:`BriefingError` otherwise."""
    if lang not in i18n.LANGS:
        raise BriefingError(f"unknown language {lang!r}: choose one of {', '.join(i18n.LANGS)}")
    return lang


def print_pdf(html_text: str) -> bytes:
    """The PDF of an HTML document (A4, no header or footer), or :class:`BriefingError` with the reason."""
    try:
        return printer.PRINTER.print_pdf(html_text)
    except printer.PrintError as exc:
        raise BriefingError(str(exc)) from exc


def html_to_pdf(html_text: str, out: Path) -> Path:
    """Print an HTML document to ``out``; the file appears atomically."""
    data = print_pdf(html_text)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
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
    """The brief's PDF, printed once per warehouse run, code and language (across processes sharing the cache)."""
    code, lang = check_subject(code), check_lang(lang)
    path = cache_path(code, lang)
    if not path.exists():   # start the browser and compile plotly.js while the brief's data is gathered
        printer.PRINTER.warm(printer.script_page(template.plotly_path()))
    return brief_cache.cached(path, lambda: print_pdf(template.render(build(code), lang)))


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


def default_name(code: str, lang: str) -> str:
    """The file name a brief is written to when none is given: ``brief-CODE-LANG.pdf``."""
    return f"brief-{code}-{lang}.pdf"


def write_brief(code: str, lang: str = "en", out: Path | None = None) -> Path:
    """Write the brief of ``code`` in ``lang`` to ``out`` (default ``brief-CODE-LANG.pdf``); the path written."""
    lang = check_lang(lang)
    code = check_subject(code)
    target = check_output(out if out is not None else Path(default_name(code, lang)))
    source = cached_pdf(code, lang)
    try:
        copy_atomic(source, target)
    except OSError as exc:
        raise BriefingError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
