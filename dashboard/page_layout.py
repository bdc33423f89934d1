"""The page a browser opened, served inside ``/_dash-layout``, so its first chart needs no router round trip.

Dash's pages router fills the page container by a callback once ``dcc.Location`` reports the URL as it mounts:
HTML, scripts, ``/_dash-layout``, then a POST for the page, then its lazy component chunks. Here
``/_dash-layout`` already holds the page of the address that asked for it (the request's same-origin
``Referer``, which Dash's renderer sends with its fetch) and a ``dcc.Location`` that holds that address, so
nothing changes as it mounts and the router only answers later navigation (links, back and forward). Without a
usable Referer the plain container is served and the router fills it as before. The page's HTML preloads
``/_dash-layout``, ``/_dash-dependencies`` and the lazy chunk that draws its first chart or grid
(``preload_links``), so they arrive while the scripts are evaluated. The other chunks (dropdown, markdown,
slider) are not preloaded: a preloaded chunk is run as soon as Dash asks for it, and its components then render
before the first chart (measured: the membership page 1068 -> 852 ms, the index 1202 -> 978 ms).

What the first chart does not need waits until it is painted (``defer``; assets/later.js sets it): the charts after
the first one, and the options of long dropdowns (Dash's dropdown indexes every option for its search as it
mounts: about 110 ms for the profile's two) beyond the selected ones.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import dash
import flask
from dash import ClientsideFunction, Input, Output, clientside_callback, dcc, html
from dash._pages import _parse_query_string, _path_to_page
from dash._utils import to_json

from etl import read

LOCATION, CONTENT, STORE, DUMMY = "_pages_location", "_pages_content", "_pages_store", "_pages_dummy"
LATER = "wic-later"   # the deferred props: {"wait": whether a chart or grid comes first, "props": {id: {prop: value}}}
LONG_DROPDOWN = 40    # options; a shorter dropdown indexes them in a few milliseconds
# the lazy chunk each component type loads as it first renders (Dash's webpack chunks)
CHUNKS = {"Graph": ("dash/dcc/async-graph.js",),
          "Markdown": ("dash/dcc/async-markdown.js", "dash/dcc/async-highlight.js"),
          "Dropdown": ("dash/dcc/async-dropdown.js",), "Slider": ("dash/dcc/async-slider.js",),
          "RangeSlider": ("dash/dcc/async-slider.js",), "AgGrid": ("dash_ag_grid/async-community.js",)}
# the chunks that draw a first chart or grid: the only ones preloaded (see above)
FIRST_PAINT = frozenset({"dash/dcc/async-graph.js", "dash_ag_grid/async-community.js"})
# what a chart page loads, preloaded until this worker has served the page once (and knows its own)
DEFAULT_CHUNKS = ("dash/dcc/async-graph.js",)
KEPT = 64   # the last pages served, kept as bytes per warehouse generation (a second visit's 304 is cheap)
log = logging.getLogger("dashboard")
_chunks: dict[str, tuple[str, ...]] = {}   # path -> the chunks its page loads
_lock = threading.Lock()


def address(referer: str | None, host: str) -> tuple[str, str] | None:
    """(path, "?query" or "") of a same-origin Referer, else None."""
    if not referer or len(referer) > 8192:
        return None
    parts = urlsplit(referer)
    if parts.scheme not in ("http", "https") or parts.netloc != host or not parts.path.startswith("/"):
        return None
    return parts.path, f"?{parts.query}" if parts.query else ""


def page_of(app: dash.Dash, path: str, search: str) -> tuple[Any, Any]:
    """(layout, title) of the page at ``path`` with ``search``, as Dash's router gives them (its 404 page when
    no page has that path)."""
    page, variables = _path_to_page(app.strip_relative_path(path))
    if page == {}:
        page = next(p for m, p in dash.page_registry.items() if m.split(".")[-1] == "not_found_404")
    layout, title = page.get("layout", ""), page["title"]
    if callable(layout):
        layout = layout(**{**(variables or {}), **_parse_query_string(search)})
    if callable(title):
        title = title(**(variables or {}))
    return layout, title


def defer(tree: Any) -> dict[str, Any]:
    """Take out of ``tree`` what its first chart does not need (every figure after the first, a long dropdown's
    options other than the selected ones) and return it for assets/later.js: ``{"wait", "props"}``."""
    props: dict[str, dict[str, Any]] = {}
    first = True
    wait = False
    nodes: list[Any] = [tree, *tree._traverse()] if hasattr(tree, "_traverse") else []
    for node in nodes:
        cid = getattr(node, "id", None)
        if not isinstance(cid, str):
            continue
        kind = type(node).__name__   # (not isinstance: Dash's component classes do not declare their props)
        if kind == "Graph" and getattr(node, "figure", None) is not None:
            wait = True
            if first:
                first = False
            else:
                props[cid] = {"figure": node.figure}
                del node.figure
        elif kind == "AgGrid":
            wait = True
        elif kind == "Dropdown" and len(getattr(node, "options", None) or ()) > LONG_DROPDOWN:
            value = getattr(node, "value", None)
            chosen = set(value) if isinstance(value, list) else {value}
            props[cid] = {"options": node.options}
            node.options = [o for o in node.options if isinstance(o, dict) and o.get("value") in chosen]
    return {"wait": wait, "props": props}


def container(path: str, search: str, href: str, layout: Any, title: Any) -> html.Div:
    """Dash's page container already holding the page, with a location that matches the browser's, and what waits
    for the first chart."""
    later = defer(layout)
    return html.Div([html.Div([
        dcc.Location(id=LOCATION, refresh="callback-nav", pathname=path, search=search, href=href),
        html.Div(layout, id=CONTENT, disable_n_clicks=True),
        dcc.Store(id=STORE, data={"title": title}),
        html.Div(id=DUMMY, disable_n_clicks=True),
        dcc.Store(id=LATER, data=later), dcc.Store(id=f"{LATER}-sink"),
    ])])


clientside_callback(ClientsideFunction("wic_later", "apply"), Output(f"{LATER}-sink", "data"), Input(LATER, "data"))


def chunks(tree: Any) -> tuple[str, ...]:
    """The lazy chunks the components of ``tree`` load, in a stable order."""
    types = {type(node).__name__ for node in [tree, *tree._traverse()]}
    return tuple(sorted({chunk for t in types for chunk in CHUNKS.get(t, ())}))


def serve(app: dash.Dash) -> flask.Response | None:
    """``/_dash-layout`` with the page of the request's Referer in it, or None (Dash's own layout then)."""
    where = address(flask.request.headers.get("Referer"), flask.request.host)
    if where is None:
        return None
    path, search = where
    href = flask.request.headers["Referer"].split("#", 1)[0]
    host = flask.request.host_url

    def build() -> tuple[str, tuple[str, ...]]:
        # the page is built as for its own address: ?lang= and the host as its HTML request saw them
        with app.server.test_request_context(path + search, base_url=host):
            layout, title = page_of(app, path, search)
        tree = container(path, search, href, layout, title)
        return to_json(tree), chunks(tree)

    try:
        body, loads = read.open_warehouse().memo(("page-layout", host, href), build, bounded=True,
                                                 pool="page-layouts", limit=KEPT)
    except Exception:   # noqa: BLE001 - the router then builds the page and reports what failed
        log.exception("the page of %s could not be put in the layout", path)
        return None
    with _lock:
        if path in _chunks or len(_chunks) < KEPT:   # any address may ask: what is kept stays bounded
            _chunks[path] = loads
    response = flask.Response(body, mimetype="application/json")
    response.headers["Vary"] = "Referer"
    return response


def preload_links(path: str, prefix: str = "/") -> str:
    """``<link rel=preload>`` tags for ``/_dash-layout``, ``/_dash-dependencies`` and those of the lazy chunks the
    page at ``path`` loaded when it was last served that draw its first chart or grid (``prefix``: Dash's requests
    prefix)."""
    with _lock:
        known = _chunks.get(path, DEFAULT_CHUNKS)
    tags = [f'<link rel="preload" href="{prefix}{name}" as="fetch" crossorigin="anonymous">'
            for name in ("_dash-layout", "_dash-dependencies")]
    tags += [f'<link rel="preload" href="{prefix}_dash-component-suites/{chunk}" as="script">' for chunk in known
             if chunk in FIRST_PAINT]
    return "\n".join(tags)
