"""Static files with their version in the URL are cached for a year; pages and unversioned files are not."""

from __future__ import annotations

import re
from typing import Any

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
