"""Cache headers for static files: fingerprinted ones (Dash's ``?m=`` assets, its versioned component suites,
Plotly's bundle and the map shapes) are kept by the browser for a year, so a second visit downloads nothing."""

from __future__ import annotations

import os
import re

import flask

FINGERPRINT = re.compile(r"\.v[\w]+m\d+\.")   # Dash's "name.v4_4_1m1796120359.min.js"

YEAR = 31_536_000
LONG = f"public, max-age={YEAR}, immutable"


def enabled() -> bool:
    """Off only for benchmarks that measure the baseline (``WIC_STATIC_CACHE=0``)."""
    return os.environ.get("WIC_STATIC_CACHE", "1") != "0"


def long_lived(path: str, query: str) -> bool:
    """Whether a URL names one exact version of a file (its name or query changes when the file does)."""
    if path.startswith("/assets/"):
        return "m=" in query
    if path.startswith("/_dash-component-suites/"):
        return bool(FINGERPRINT.search(path))   # package version and file time are in the name
    return path.startswith("/topojson/")   # the pinned npm package's shapes


def headers(response: flask.Response) -> flask.Response:
    """An after-request hook: a year's caching for versioned static files."""
    if enabled() and response.status_code == 200 and long_lived(flask.request.path,
                                                                flask.request.query_string.decode("latin-1")):
        response.headers["Cache-Control"] = LONG
        response.headers.pop("Pragma", None)
    return response
