"""HTTP errors of the whole server: real 404s for unknown pages and assets, the app's own 414 and 431 limits, and
every error as JSON under ``/api/`` (the API's error shape) or as a small bilingual page elsewhere."""

from __future__ import annotations

import html
import logging
from typing import Any

import dash
import flask
from werkzeug.exceptions import HTTPException

from dashboard import limits

log = logging.getLogger("dashboard")
API = "/api"
SUITES = "/_dash-component-suites/"
CATCH_ALL = {"/", "/<path:path>"}   # Dash's index routes: every other GET path lands there
TITLES = {404: ("Page not found", "页面不存在"), 405: ("Method not allowed", "不允许的请求方法"),
          414: ("Address too long", "网址过长"), 431: ("Request headers too large", "请求头过大")}
CODES = {404: "not_found", 405: "method_not_allowed", 414: "uri_too_long", 431: "header_too_large"}


def is_api(path: str) -> bool:
    """Whether ``path`` is under the HTTP API's prefix."""
    return path == API or path.startswith(API + "/")


def page(status: int, message: str = "") -> flask.Response:
    """A small bilingual error page (no scripts, so the strict CSP holds)."""
    en, zh = TITLES.get(status, ("Request not served", "无法处理该请求"))
    detail = f"<p>{html.escape(message)}</p>" if message else ""
    body = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{status} · {en}</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'></head><body>"
            f"<h1>{en} · <span lang='zh'>{zh}</span></h1>{detail}"
            "<p><a href='/'>WIC Digital Economy Observatory · 世界互联网大会数字经济观察</a></p></body></html>")
    resp = flask.Response(body, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def answer(status: int, message: str) -> flask.Response:
    """The error as the API's JSON under ``/api/``, as a page elsewhere."""
    if is_api(flask.request.path):
        from dashboard.api.model import ApiError
        from dashboard.api.routes import error_response

        return error_response(ApiError(status, CODES.get(status, "http_error"), message))
    return page(status, message)


def over_limits(environ: dict[str, Any]) -> tuple[int, str] | None:
    """(414 or 431, why) if the request is larger than the app's limits, else None."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
        environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""))
    if len(target.encode("latin-1", "replace")) > limits.MAX_TARGET:
        return 414, f"the address is longer than {limits.MAX_TARGET:,} bytes"
    total = 0
    for key, value in environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            size = len(key) - (5 if key.startswith("HTTP_") else 0) + 2 + len(str(value))
            if size > limits.MAX_FIELD:
                name = key[5:] if key.startswith("HTTP_") else key
                return 431, f"header {name.replace('_', '-').title()} is longer than {limits.MAX_FIELD:,} bytes"
            total += size
    if total > limits.MAX_HEADERS:
        return 431, f"the headers are larger than {limits.MAX_HEADERS:,} bytes in all"
    return None


def _known_page(path: str) -> bool:
    stripped = path.strip("/")
    for info in dash.page_registry.values():
        if info.get("path_template"):
            return True   # a templated page may match anything: never call it unknown
        if stripped == str(info["path"]).strip("/") and info["path"] != "/404":
            return True
    return False


def register(server: flask.Flask) -> None:
    """Install the limits, the 404 status of unknown pages and the error pages on the dashboard's server."""

    @server.before_request
    def check_limits() -> flask.Response | None:
        found = over_limits(flask.request.environ)
        return answer(*found) if found else None

    @server.after_request
    def unknown_page_is_404(response: flask.Response) -> flask.Response:
        # Dash's catch-all serves the app shell for any path; the shell shows the friendly 404 page, and the
        # status now says so too.
        rule = flask.request.url_rule
        if (rule is not None and rule.rule in CATCH_ALL and response.status_code == 200
                and not _known_page(flask.request.path)):
            if is_api(flask.request.path):
                return answer(404, f"no endpoint {flask.request.path}; see /api/v1")
            response.status_code = 404
            response.headers["Cache-Control"] = "no-store"
        return response


def http_error(exc: HTTPException) -> flask.Response:
    """An HTTP error (404, 405, ...) as JSON under ``/api/`` or as the error page."""
    status = exc.code or 500
    resp = answer(status, "" if status == 404 and not is_api(flask.request.path) else (exc.description or exc.name))
    if status == 405:
        resp.headers["Allow"] = ", ".join(sorted(getattr(exc, "valid_methods", None) or ["GET"]))
    return resp


def unknown_asset(exc: Exception) -> flask.Response | None:
    """A 404 for a failure serving ``/_dash-component-suites/...`` (an unknown package or file); None otherwise."""
    if not flask.request.path.startswith(SUITES):
        return None
    log.warning("no such component asset %s (%s)", flask.request.path, type(exc).__name__)
    return page(404, "no such file")
