"""Building links that carry the view's state (and language) in the query string."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode


def href(path: str, query: Mapping[str, object] | None = None, **changes: object) -> str:
    """``path?query`` with ``changes`` applied; empty, None and default values are left out."""
    merged = {**(query or {}), **changes}
    items = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        items.append((key, ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)))
    return path + ("?" + urlencode(items, safe=",") if items else "")
