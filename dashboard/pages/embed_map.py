"""The map alone, for embedding in other sites (``/embed/map?indicator=…&year=…``): the chart with its caption,
summary, source and share menu; the page's controls are hidden and follow the URL. Only /embed/ pages may be
framed (dashboard/embed_headers.py)."""

from __future__ import annotations

import dash
from dash import html

from dashboard import components
from dashboard.safety import safe_layout

PATH = "/embed/map"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.map"))


@safe_layout
def layout(**query: object) -> html.Div:
    """The map page's view in the embed frame (assets/style.css hides all but the chart)."""
    return html.Div(dash.page_registry["pages.map"]["layout"](**query), className="embed")
