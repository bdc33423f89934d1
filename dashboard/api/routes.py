"""The Flask side of ``/api/v1``: parameter parsing, JSON and CSV bodies, caching headers and JSON errors."""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import flask
import pandas as pd
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from dashboard import downloads
from dashboard.api.endpoints import ENDPOINTS, vintage_json
from dashboard.api.model import PREFIX, ApiError, Column, Document, Endpoint, Param, Table
from dashboard.instance import instance
from etl import citation, read

log = logging.getLogger(__name__)

CACHE_CONTROL = "public, max-age=300"
_INTEGER = re.compile(r"-?[0-9]{1,18}")
Record = dict[str, Any]


# --- parameters ----------------------------------------------------------------------------------------

def _bad(p: Param, message: str, value: str | None = None) -> ApiError:
    return ApiError(400, "bad_parameter", f"{p.name}: {message}", parameter=p.name, value=value)


def _parse_one(p: Param, raw: str) -> Any:
    if p.type == "integer":
        if not _INTEGER.fullmatch(raw):
            raise _bad(p, f"expected an integer, got {raw!r}", raw)
        value = int(raw)
        if (p.minimum is not None and value < p.minimum) or (p.maximum is not None and value > p.maximum):
            raise _bad(p, f"{value} is out of range [{p.minimum}, {p.maximum}]", raw)
        return value
    if p.type == "boolean":
        if raw not in ("true", "false"):
            raise _bad(p, f"expected true or false, got {raw!r}", raw)
        return raw == "true"
    if p.enum and raw not in p.enum:
        raise ApiError(400, "bad_parameter", f"{p.name}: expected one of {', '.join(p.enum)}, got {raw!r}",
                       parameter=p.name, value=raw, suggestions=p.enum)
    if not 1 <= len(raw) <= 200:
        raise _bad(p, "expected 1 to 200 characters", raw)
    if p.pattern is not None and not re.fullmatch(p.pattern, raw):
        raise _bad(p, f"expected a value like {p.example}, got {raw!r}", raw)
    return raw


def _parse_codes(p: Param, raws: Sequence[str]) -> list[str]:
    codes = [code for raw in raws for code in raw.split(",")]
    for code in codes:
        if not code or len(code) > 64:
            raise _bad(p, "expected codes of 1 to 64 characters separated by commas", ",".join(raws))
    codes = list(dict.fromkeys(codes))
    if p.max_items is not None and len(codes) > p.max_items:
        raise _bad(p, f"at most {p.max_items} codes per request", None)
    return sorted(codes)


def parse(ep: Endpoint, args: MultiDict[str, str], path_args: Mapping[str, str]) -> dict[str, Any]:
    """Validate a request's parameters against the endpoint's declarations; :class:`ApiError` (400) if bad."""
    params = {p.name: p for p in ep.all_params}
    query_names = [p.name for p in ep.all_params if p.location == "query"]
    for name in args:
        if name not in query_names:
            close = difflib.get_close_matches(name, query_names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            accepted = ", ".join(query_names) or "none"
            raise ApiError(400, "unknown_parameter", f"unknown parameter {name!r}{hint} (accepted: {accepted})",
                           parameter=name, suggestions=close)
    out: dict[str, Any] = {}
    for p in params.values():
        raws = [path_args[p.name]] if p.location == "path" else args.getlist(p.name)
        if not raws:
            if p.required:
                raise _bad(p, "required")
            out[p.name] = p.default
        elif p.type == "codes":
            out[p.name] = _parse_codes(p, raws)
        elif len(raws) > 1:
            raise _bad(p, "given more than once", ",".join(raws))
        else:
            out[p.name] = _parse_one(p, raws[0])
    return out


def _query_string(ep: Endpoint, params: Mapping[str, Any], **override: Any) -> str:
    """The canonical query string of parsed parameters (defaults left out, codes comma-separated)."""
    pairs = []
    values = {**params, **override}
    for p in ep.all_params:
        value = values.get(p.name)
        if p.location == "path" or value is None or (value == p.default and p.name not in override):
            continue
        if p.type == "codes":
            value = ",".join(value)
        elif p.type == "boolean":
            value = "true" if value else "false"
        pairs.append((p.name, str(value)))
    return urlencode(pairs, safe=",")


def _self_path(ep: Endpoint, params: Mapping[str, Any]) -> str:
    path = ep.path
    for p in ep.all_params:
        if p.location == "path":
            path = path.replace("{" + p.name + "}", str(params[p.name]))
    return path


# --- bodies --------------------------------------------------------------------------------------------

def _is_null(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _convert(kind: str, v: Any) -> Any:
    if _is_null(v):
        return None
    if kind == "string":
        return str(v)
    if kind == "integer":
        return int(v)
    if kind == "number":
        f = float(v)
        return f if math.isfinite(f) else None
    if kind == "boolean":
        return bool(v)
    if kind == "date":
        return (v.date() if isinstance(v, datetime) else v).isoformat()
    ts = pd.Timestamp(v)
    return (ts if ts.tzinfo else ts.tz_localize(UTC)).isoformat()


def records(frame: pd.DataFrame, columns: Sequence[Column]) -> list[Record]:
    """The frame's rows as JSON-ready dicts with exactly the declared fields (optional ones if present)."""
    present = [c for c in columns if c.name in frame.columns or not c.optional]
    values = [[_convert(c.type, v) for v in frame[c.name].tolist()] for c in present]
    names = [c.name for c in present]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)] if present else []


def _csv_cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def to_csv(rows: Sequence[Record], columns: Sequence[str]) -> str:
    """Rows as CSV with a header line: empty for null, ``true``/``false``, floats that round-trip, no formulas."""
    return downloads.csv_text([list(columns), *([_csv_cell(row[c]) for c in columns] for row in rows)])


def _json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# --- responses -----------------------------------------------------------------------------------------

def error_response(exc: ApiError) -> flask.Response:
    """A JSON error that is never cached."""
    resp = flask.Response(_json(exc.body()), status=exc.status, mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _representation(ep: Endpoint, params: Mapping[str, Any]) -> str:
    if ep.kind == "document":
        return "json"
    if params.get("format"):
        return str(params["format"])
    best = flask.request.accept_mimetypes.best_match(["application/json", "text/csv"], default="application/json")
    return "csv" if best == "text/csv" else "json"


def _http_date(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _not_modified(etag: str, last_modified: datetime | None, *, early: bool = False) -> str | None:
    """The tag to answer 304 with if the client's validators still hold, else None."""
    # Early (before the handler has validated the query) only a tag issued for this very query and run counts;
    # `*` and If-Modified-Since wait until the query is known to be good.
    req = flask.request
    if "If-None-Match" in req.headers:
        if req.if_none_match.star_tag:
            return None if early else etag
        # Weak comparison; a compressing layer may have suffixed the tag (e.g. Flask-Compress's "tag:gzip").
        tags = req.if_none_match.as_set(include_weak=True)
        return next((t for t in sorted(tags) if t == etag or t.startswith(f"{etag}:")), None)
    since = req.if_modified_since
    if early or since is None or last_modified is None:
        return None
    return etag if last_modified <= since else None


def _body(ep: Endpoint, params: Mapping[str, Any], result: Table | Document, fmt: str,
          vintage: Mapping[str, Any] | None) -> tuple[str, dict[str, str]]:
    """The body text and extra headers of a successful answer."""
    if isinstance(result, Document):
        return _json(result.body), {}
    headers: dict[str, str] = {}
    frame = result.frame
    meta: dict[str, Any] = {"vintage": vintage_json(vintage or {})}
    if ep.kind == "list":
        limit, offset = params["limit"], params["offset"]
        total = len(frame) if result.total is None else result.total
        if result.total is None:
            frame = frame.iloc[offset:offset + limit]
        rows = records(frame, ep.columns)
        following = offset + len(rows) if offset + len(rows) < total and rows else None
        base = ep.path
        next_link = f"{base}?{_query_string(ep, params, offset=following)}" if following is not None else None
        query = _query_string(ep, params)
        meta.update(total=total, count=len(rows), limit=limit, offset=offset)
        body: dict[str, Any] = {"data": rows, "meta": meta,
                                "links": {"self": f"{base}?{query}" if query else base, "next": next_link}}
        headers["X-Total-Count"] = str(total)
        if next_link:
            headers["Link"] = f'<{next_link}>; rel="next"'
    else:
        rows = records(frame, ep.columns)
        body = {"data": rows[0], "meta": meta}
    if fmt == "csv":
        names = [c.name for c in ep.columns if c.name in frame.columns or not c.optional]
        return to_csv(rows, names), headers
    return _json(body), headers


def _warehouse(run_id: str | None) -> read.Warehouse:
    """The live warehouse, or the kept one of ``run_id`` (``vintage=``); 400 naming the kept runs if not kept."""
    if run_id is None:
        return read.open_warehouse()
    try:
        return read.open_warehouse(vintage=run_id)
    except read.UnknownVintage as exc:   # a well-formed run id that is not kept: like an unknown code
        raise ApiError(404, "unknown_code", f"vintage: {exc}", parameter="vintage", value=run_id,
                       suggestions=exc.available[::-1][:5]) from exc


def respond(ep: Endpoint, path_args: Mapping[str, str]) -> flask.Response:
    """Answer one GET of an endpoint: validate, check the cache validators, run the handler, serialize."""
    req = flask.request
    params = parse(ep, req.args, path_args)
    fmt = _representation(ep, params)
    vintage: dict[str, Any] | None = None
    last_modified: datetime | None = None
    etag: str | None = None
    db = _warehouse(params.get("vintage")) if ep.uses_warehouse else None
    if db is not None:
        vintage = db.memo(("api", "vintage"), lambda: read.data_vintage(db=db))   # one query per generation
        if vintage["built_at"] is not None:
            last_modified = _http_date(vintage["built_at"])
        key = _json([vintage["run_id"], _self_path(ep, params), _query_string(ep, params), fmt])
        etag = hashlib.sha256(key.encode()).hexdigest()[:32]
        if matched := _not_modified(etag, last_modified, early=True):
            return _finish(flask.Response(status=304), matched, last_modified)
        with read.using(db):
            result = ep.handler(params)
    else:
        result = ep.handler(params)
    text, headers = _body(ep, params, result, fmt, vintage)
    if etag is None:
        etag = hashlib.sha256(text.encode()).hexdigest()[:32]
    if matched := _not_modified(etag, last_modified):
        return _finish(flask.Response(status=304), matched, last_modified)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    resp = flask.Response(text, mimetype=mimetype)
    resp.headers.update(headers)
    if vintage is not None and vintage["run_id"] is not None:
        resp.headers["X-Run-Id"] = str(vintage["run_id"])   # which vintage answered (also in meta.vintage)
    if vintage is not None:   # CSV has no room for it without breaking parsers: the run id travels in headers
        resp.headers["X-Data-Vintage"] = str(vintage["run_id"])
        resp.headers["X-Citation"] = citation.vintage_text(vintage, "en")
    return _finish(resp, etag, last_modified)


def _finish(resp: flask.Response, etag: str, last_modified: datetime | None) -> flask.Response:
    resp.set_etag(etag)
    if last_modified is not None:
        resp.last_modified = last_modified
    resp.headers["Cache-Control"] = CACHE_CONTROL
    resp.headers["Vary"] = "Accept"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Instance"] = instance()   # which server instance answered (behind a proxy)
    return resp


def _view(ep: Endpoint) -> Callable[..., flask.Response]:
    def view(**path_args: str) -> flask.Response:
        try:
            return respond(ep, path_args)
        except ApiError as exc:
            return error_response(exc)
        except read.WarehouseMissing as exc:
            return error_response(ApiError(503, "no_warehouse", str(exc)))

    view.__name__ = f"api_{ep.operation_id}"
    view.__doc__ = ep.summary
    return view


def _no_such_endpoint(rest: str = "") -> flask.Response:
    paths = [ep.path for ep in ENDPOINTS]
    close = difflib.get_close_matches(flask.request.path, paths, n=3, cutoff=0.6)
    return error_response(ApiError(404, "not_found", f"no endpoint {flask.request.path}; see {PREFIX}",
                                   suggestions=close))


def _http_error(exc: HTTPException) -> flask.Response | HTTPException:
    """JSON bodies for HTTP errors under the API's prefix; other paths get the server's error page."""
    if not flask.request.path.startswith(PREFIX):
        from dashboard import http_errors

        return http_errors.http_error(exc)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.code or 500, "http_error")
    resp = error_response(ApiError(exc.code or 500, code, exc.description or exc.name))
    if exc.code == 405:
        resp.headers["Allow"] = "GET, HEAD, OPTIONS"
    return resp


def _server_error(exc: Exception) -> flask.Response:
    log.exception("unexpected error answering %s", flask.request.full_path)
    return error_response(ApiError(500, "internal_error", "internal error; the request has been logged"))


def register(server: flask.Flask) -> None:
    """Serve ``/api/v1`` (every endpoint of :data:`ENDPOINTS`) from a Flask app, e.g. the Dash app's server."""
    bp = flask.Blueprint("api_v1", __name__)
    for ep in ENDPOINTS:
        bp.add_url_rule(ep.flask_rule, endpoint=ep.operation_id, view_func=_view(ep), methods=["GET"])
    index = next(ep for ep in ENDPOINTS if ep.path == PREFIX)
    bp.add_url_rule(f"{PREFIX}/", endpoint="index_slash", view_func=_view(index), methods=["GET"])
    bp.add_url_rule(f"{PREFIX}/<path:rest>", endpoint="no_such_endpoint", view_func=_no_such_endpoint,
                    methods=["GET"])
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _server_error)
    server.register_blueprint(bp)
    # Routing errors happen before any blueprint is chosen (e.g. a path the URL rules cannot match at all),
    # so they are caught on the app, for the API's prefix only.
    server.register_error_handler(404, _http_error)
    server.register_error_handler(405, _http_error)
