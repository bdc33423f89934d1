"""Each chart alone, for embedding in other sites (``/embed/<name>?…``, names in dashboard/embeds.py): the chart
with its caption, summary, source and share menu, from the same URL query as its page, whose other parts stay
hidden but keep working. Only /embed/ pages may be framed (dashboard/embed_headers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import html

from dashboard import components, embeds
from dashboard.safety import safe_layout


def embed_layout(name: str) -> Callable[..., html.Div]:
    """The layout of ``/embed/<name>``: the page's view with only the named chart visible."""
    page, graph = embeds.EMBEDS[name]

    @safe_layout
    def layout(**query: Any) -> html.Div:
        tree = dash.page_registry[page]["layout"](**query)
        block = embeds.take_block(tree, graph)
        if block is None:   # the page could not draw this view: show what it shows
            return html.Div(tree, className="embed")
        return html.Div([block, html.Div(tree, className="embed-rest", hidden=True)], className="embed",
                        **components.aria(data_chart=name))
    return layout


for _name in embeds.EMBEDS:
    dash.register_page(f"{__name__}.{_name}", path=embeds.PREFIX + _name,
                       title=components.page_title("nav." + embeds.EMBEDS[_name][0].split(".")[1]),
                       layout=embed_layout(_name))
