"""The charts other sites may embed: ``/embed/<name>`` shows one chart of a page with its caption, summary,
source and share menu, from the same URL query as the page (dashboard/pages/embed.py)."""

from __future__ import annotations

from typing import Any

from dash.development.base_component import Component

PREFIX = "/embed/"

# name -> (page module, graph id)
EMBEDS: dict[str, tuple[str, str]] = {
    "map": ("pages.map", "map-graph"),
    "compare": ("pages.compare", "compare-lines"),
    "bubbles": ("pages.compare", "compare-bubbles"),
    "country": ("pages.country", "country-trend"),
    "country-index": ("pages.country", "country-index"),
    "index": ("pages.index", "index-rank"),
    "index-pillars": ("pages.index", "index-pillar"),
    "membership-counts": ("pages.membership", "membership-counts"),
    "membership-map": ("pages.membership", "membership-map"),
    "membership-categories": ("pages.membership", "membership-categories"),
    "membership-by-country": ("pages.membership", "membership-by-country"),
    "overview-counts": ("pages.overview", "overview-counts"),
    "overview-gaps": ("pages.overview", "overview-gaps"),
    "overview-lag": ("pages.overview", "overview-lag"),
}
ROUTES = {graph: PREFIX + name for name, (_, graph) in EMBEDS.items()}


def route(graph_id: str) -> str | None:
    """The embed route of a chart, or None when it has none."""
    return ROUTES.get(graph_id)


def take_block(tree: Any, graph_id: str) -> Any | None:
    """Remove the chart block of ``graph_id`` (its ``data-chart``) from a layout tree and return it."""
    children = getattr(tree, "children", None)
    if not isinstance(children, (list, Component)):
        return None
    items = children if isinstance(children, list) else [children]
    for i, child in enumerate(items):
        if getattr(child, "data-chart", None) == graph_id:
            if isinstance(children, list):
                children.pop(i)
            else:
                tree.children = None
            return child
        if (found := take_block(child, graph_id)) is not None:
            return found
    return None
