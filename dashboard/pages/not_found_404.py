"""The page shown for an unknown path: friendly and bilingual; the server answers it with HTTP 404."""

from __future__ import annotations

import dash
from dash import html

from dashboard import components
from dashboard.i18n import t
from dashboard.state import Query

dash.register_page(__name__, path="/404", title=components.page_title("notfound"))


def layout(**query: object) -> html.Div:
    """Not found."""
    lang = Query.parse(query).lang
    body = html.Div([html.H1(t("not_found_404.page_not_found", lang)),
                     html.P(t("not_found_404.choose_a_view_from_the", lang))])
    return components.page_frame("/404", lang, query, body)
