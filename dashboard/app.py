"""The Dash app shell: pages register themselves; this module only builds the app."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import html

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def create_app() -> dash.Dash:
    """Build the Dash app with every page under ``dashboard/pages``."""
    app = dash.Dash(__name__, use_pages=True, pages_folder=str(PAGES_DIR), title="WIC Digital Economy Observatory",
                    serve_locally=True, suppress_callback_exceptions=True)
    app.layout = html.Div([
        html.Header(html.H1("WIC Digital Economy Observatory · 世界互联网大会数字经济观察")),
        html.Main(dash.page_container),
    ], style={"fontFamily": "system-ui, sans-serif", "maxWidth": "960px", "margin": "0 auto", "padding": "1rem"})
    return app
