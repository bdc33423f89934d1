"""The page shown for an unknown path: friendly and bilingual; the server answers it with HTTP 404."""

from __future__ import annotations

import dash
from dash import html

from dashboard import components
from dashboard.i18n import pick
from dashboard.state import Query

dash.register_page(__name__, path="/404", title="Not found · WIC Digital Economy Observatory")


def layout(**query: object) -> html.Div:
    """Not found."""
    lang = Query.parse(query).lang
    body = html.Div([html.H1(pick("Page not found", "页面不存在", lang)),
                     html.P(pick("Choose a view from the menu above.", "请从上方菜单选择视图。", lang))])
    return components.page_frame("/404", lang, query, body)
