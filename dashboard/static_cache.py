"""Static files: fingerprinted ones (Dash's ``?m=`` assets, its versioned component suites, the plotly.js bundle
and the map shapes) are kept by the browser for a year, so a second visit downloads nothing; and the pages load
the small plotly.js bundle built by ``make assets`` (core plus the trace types the charts use) instead of
Dash's full one, precompressed once per worker."""

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


def headers(response: flask.Response) -> flask.Response:
    """An after-request hook: a year's caching for versioned static files."""
    if enabled() and response.status_code == 200 and long_lived(flask.request.path,
                                                                flask.request.query_string.decode("latin-1")):
        response.headers["Cache-Control"] = LONG
        response.headers.pop("Pragma", None)
    return response


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


def register(app: Any) -> None:
    """Serve the small bundle and load it on every page before Dash's scripts (dcc.Graph then uses it)."""
    app.server.add_url_rule(PLOTLY_URL, "plotly_bundle", serve_plotly)
    url = plotly_url()
    if url:
        app.config.external_scripts.append(url)
    elif small_bundle():
        log.warning("%s missing (run `make assets`): pages load Dash's full plotly.js", plotly_bundle_path())
