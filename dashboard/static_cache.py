"""Static files: fingerprinted ones (Dash's ``?m=`` assets, its versioned component suites, the plotly.js bundle
and the map shapes) are kept by the browser for a year, so a second visit downloads nothing; and the pages load
the small plotly.js bundle built by ``make assets`` (core plus the trace types the charts use) instead of
Dash's full one, precompressed once per worker. Each page loads only the big bundles it draws with: plotly.js
on pages with a chart (elsewhere dcc.Graph fetches it when one appears), AG Grid on the explorer (links to it
load it as a new page)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

import flask

from etl import config

log = logging.getLogger("dashboard")
FINGERPRINT = re.compile(r"\.v[\w]+m\d+\.")   # Dash's "name.v4_4_1m1796120359.min.js"

YEAR = 31_536_000
LONG = f"public, max-age={YEAR}, immutable"
PLOTLY_URL = "/static/plotly.min.js"
GRID_PAGES = ("/explorer",)   # the pages with a dash_ag_grid table
GRID_SCRIPT = "/_dash-component-suites/dash_ag_grid/"
SCRIPT_TAG = re.compile(r'<script src="([^"]+)"></script>\n?')


def enabled() -> bool:
    """Off only for benchmarks that measure the baseline (``WIC_STATIC_CACHE=0``)."""
    return os.environ.get("WIC_STATIC_CACHE", "1") != "0"


plotly_bundle_path = config.plotly_bundle_path
small_bundle = config.small_bundle


@functools.lru_cache(maxsize=4)
def _bundle(path: Path, mtime_ns: int) -> tuple[bytes, bytes, str]:
    raw = path.read_bytes()
    return raw, gzip.compress(raw, compresslevel=9, mtime=0), hashlib.sha256(raw).hexdigest()[:16]


def bundle() -> tuple[bytes, bytes, str] | None:
    """The bundle's bytes, gzipped bytes and fingerprint, or None when it has not been built."""
    path = plotly_bundle_path()
    try:
        return _bundle(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None


def plotly_url() -> str | None:
    """The fingerprinted URL of the small bundle, or None when pages load Dash's full plotly.js."""
    built = bundle() if small_bundle() else None
    return f"{PLOTLY_URL}?v={built[2]}" if built else None


def long_lived(path: str, query: str) -> bool:
    """Whether a URL names one exact version of a file (its name or query changes when the file does)."""
    if path.startswith("/assets/"):
        return "m=" in query
    if path.startswith("/_dash-component-suites/"):
        return bool(FINGERPRINT.search(path))   # package version and file time are in the name
    if path == PLOTLY_URL:
        built = bundle()
        return built is not None and query == f"v={built[2]}"
    return path.startswith("/topojson/")   # the pinned npm package's shapes


REVALIDATED = ("/_dash-layout", "/_dash-dependencies")   # the same for every page: a second visit gets a 304


def headers(response: flask.Response) -> flask.Response:
    """An after-request hook: a year's caching for versioned static files; Dash's layout and dependencies carry
    an ETag of their bytes (Flask-Compress then answers a matching If-None-Match with 304)."""
    if not enabled() or response.status_code != 200:
        return response
    if long_lived(flask.request.path, flask.request.query_string.decode("latin-1")):
        response.headers["Cache-Control"] = LONG
        response.headers.pop("Pragma", None)
        response.headers.pop("Expires", None)   # send_file's own, shorter one
    elif flask.request.path in REVALIDATED and flask.request.method == "GET" and not response.is_streamed:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:20])
        response.headers["Cache-Control"] = "no-cache"
    return response


class CompressedOnce:
    """Flask-Compress's cache: the compressed bytes of each long-lived static file, kept by the worker so it is
    compressed once (every other answer is compressed afresh: its key is empty)."""

    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        """The kept bytes of ``key`` ("<algorithm>;<url>"), if any."""
        return self._items.get(key) if key.partition(";")[2] else None

    def set(self, key: str, value: bytes) -> None:
        """Keep the bytes of a long-lived file."""
        if key.partition(";")[2]:
            self._items[key] = value


def compressed_key(request: flask.Request) -> str:
    """Flask-Compress's cache key: the URL of a long-lived static file, else empty (not kept)."""
    query = request.query_string.decode("latin-1")
    return request.full_path if enabled() and request.method == "GET" and long_lived(request.path, query) else ""


def serve_plotly() -> Any:
    """The small plotly.js bundle, gzipped when the browser accepts it."""
    built = bundle()
    if built is None:
        return flask.jsonify(error=f"{plotly_bundle_path()} missing: run `make assets`"), 503
    raw, packed, tag = built
    if flask.request.if_none_match.contains(tag):
        return flask.Response(status=304, headers={"ETag": f'"{tag}"'})
    gzipped = "gzip" in flask.request.headers.get("Accept-Encoding", "")
    response = flask.Response(packed if gzipped else raw, mimetype="text/javascript")
    response.headers.update({"ETag": f'"{tag}"', "Vary": "Accept-Encoding", "Cache-Control": "no-cache"})
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response


def chart_pages() -> frozenset[str]:
    """Paths of the pages that draw a chart as they load: each page with an embeddable chart, and its embeds."""
    import dash

    from dashboard import embeds

    modules = {module for module, _ in embeds.EMBEDS.values()}
    return frozenset([page["path"] for name, page in dash.page_registry.items() if name in modules]
                     + [embeds.PREFIX + name for name in embeds.EMBEDS])


def page_scripts(scripts: str, path: str, charts: frozenset[str]) -> str:
    """Dash's ``<script>`` tags for the page at ``path``: without AG Grid off the explorer, and without the
    plotly.js bundle on pages that draw no chart as they load (``charts``)."""
    def keep(tag: re.Match[str]) -> str:
        src = tag.group(1)
        if src.startswith(GRID_SCRIPT) and path not in GRID_PAGES:
            return ""
        if src.startswith(PLOTLY_URL) and path not in charts:
            return ""
        return tag.group(0)

    return SCRIPT_TAG.sub(keep, scripts) if enabled() else scripts


def register(app: Any) -> None:
    """Serve the small bundle, load it before Dash's scripts on chart pages (dcc.Graph then uses it) and name it
    in ``<meta name="wic-plotly">`` for dcc.Graph to fetch on other pages (assets/plotly_url.js)."""
    app.server.add_url_rule(PLOTLY_URL, "plotly_bundle", serve_plotly)
    url = plotly_url()
    if url:
        app.config.external_scripts.append(url)
        app.config.meta_tags.append({"name": "wic-plotly", "content": url})
    elif small_bundle():
        log.warning("%s missing (run `make assets`): pages load Dash's full plotly.js", plotly_bundle_path())
