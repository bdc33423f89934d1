"""Static files with their version in the URL are cached for a year; pages and unversioned files are not."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from dashboard import static_cache


def test_versioned_static_files_are_cached_for_a_year(client: Any) -> None:
    html = client.get("/compare").get_data(as_text=True)
    assets = re.findall(r'src="(/assets/[^"]+\?m=[^"]+)"', html)
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assert assets and suites
    for path in (assets[0], suites[0], "/topojson/world_110m.json"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == static_cache.LONG, path
    assert "immutable" not in client.get("/compare").headers.get("Cache-Control", "")
    assert "immutable" not in client.get("/assets/share.js").headers.get("Cache-Control", "")
    assert not static_cache.long_lived("/_dash-component-suites/dash/dcc/async-graph.js", "")
    assert static_cache.long_lived("/_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m17961.js", "")


def test_pages_load_the_small_fingerprinted_plotly_bundle(client: Any) -> None:
    html = client.get("/map").get_data(as_text=True)
    urls = re.findall(r'src="(/static/plotly\.min\.js\?v=[0-9a-f]+)"', html)
    assert len(urls) == 1 and "package_data/plotly.min.js" not in html
    raw = client.get(urls[0])
    packed = client.get(urls[0], headers={"Accept-Encoding": "gzip, br"})
    assert raw.status_code == packed.status_code == 200 and raw.headers["Cache-Control"] == static_cache.LONG
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == raw.data
    assert raw.data == static_cache.plotly_bundle_path().read_bytes()
    stock = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").stat().st_size
    assert len(raw.data) < stock / 2   # only the trace types used
    assert client.get(urls[0], headers={"If-None-Match": raw.headers["ETag"]}).status_code == 304
    assert "immutable" not in client.get("/static/plotly.min.js?v=0").headers.get("Cache-Control", "")


def test_the_bundle_registers_every_trace_type_the_dashboard_draws() -> None:
    traces = {name.lower() for name in dir(go) if isinstance(getattr(go, name), type)
              and issubclass(getattr(go, name), BaseTraceType)}
    root = Path(static_cache.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in [*root.glob("*.py"), *root.glob("pages/*.py")])
    used = {t for t in re.findall(r'"type": "(\w+)"', source) if t in traces}
    used |= {name.lower() for name in re.findall(r"go\.(\w+)\(", source) if name.lower() in traces}
    registered = {"scatter", *re.findall(r"plotly\.js/lib/(\w+)'", (root / "plotly_bundle.js").read_text())}
    assert used >= {"scatter", "bar", "choropleth", "scattergeo"} and used <= registered, used - registered


def test_static_files_are_compressed_once_and_revalidate_with_304(client: Any) -> None:
    html = client.get("/map").get_data(as_text=True)
    suite = re.findall(r'src="(/_dash-component-suites/dash/dcc/dash_core_components\.v[^"]+)"', html)[0]
    packed = client.get(suite, headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and packed.headers["Cache-Control"] == static_cache.LONG
    assert client.get(suite, headers={"Accept-Encoding": "br"}).data == packed.data
    kept = static_cache.CompressedOnce()
    kept.set("br;" + suite, b"x")
    kept.set("br;", b"y")   # an answer that is not a versioned file is never kept
    assert kept.get("br;" + suite) == b"x" and kept.get("br;") is None
    for path in ("/topojson/world_110m.json", "/_dash-component-suites/dash/dcc/async-graph.js",
                 "/_dash-layout", "/_dash-dependencies"):
        first = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        assert first.status_code == 200 and first.headers["Content-Encoding"] in ("br", "gzip"), path
        assert "Expires" not in first.headers, path   # no second, shorter lifetime beside Cache-Control
        again = client.get(path, headers={"Accept-Encoding": "gzip, br", "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.data, path
    assert client.get("/_dash-layout").headers["Cache-Control"] == "no-cache"
    assert "ETag" not in client.get("/map").headers   # pages change with the data: neither kept nor tagged
