"""Briefings: the printable two-page council brief of a country or group, shown as the PDF will print it,
with a PDF download (the same template as ``wic brief``)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import components, i18n
from dashboard.briefing import subjects
from dashboard.i18n import t
from dashboard.safety import guarded, safe_layout
from dashboard.state import Query
from dashboard.urls import href
from etl import read

PATH = "/briefing"
dash.register_page(__name__, path=PATH, title=components.page_title("nav.briefing"), order=6)

DEFAULT = "CHN"
GROUP_ORDER = {"wic": 0, "world": 1, "region": 2, "income": 3}


class ID:
    """Component ids of this page."""

    SUBJECT = "briefing-subject"
    FRAME = "briefing-frame"
    PDF = "briefing-pdf"
    LANG = "briefing-lang"


def subject_options(lang: str) -> list[dict[str, Any]]:
    """Groups first (WIC, world, regions, income groups), then every country, by name."""
    kinds = subjects()
    table = read.country_table()
    rows = table[table["iso3"].isin(list(kinds))].to_dict("records")
    rows.sort(key=lambda r: (GROUP_ORDER.get(kinds[r["iso3"]], 9), i18n.name(r, lang)))
    return [{"label": f"{i18n.name(r, lang)} ({r['iso3']})", "value": r["iso3"],
             "search": f"{r['name_en']} {r.get('name_zh') or ''}"} for r in rows]


@safe_layout
def layout(**query: object) -> html.Div:
    """The brief of one country or group (``?country=CHN&lang=zh``; groups: WIC, WLD, regions, income groups)."""
    q = Query.parse(query)
    lang = q.lang
    code = q.country("country", DEFAULT, set(subjects())) or DEFAULT
    params = {"country": code, "lang": lang}
    body = html.Div([
        html.H1(t("nav.briefing", lang)),
        html.P(t("briefing.a_two_page_brief_for", lang), className="lead"),
        html.Div([
            components.labelled(t("briefing.country_or_group", lang), dcc.Dropdown(
                id=ID.SUBJECT, options=subject_options(lang), value=code, clearable=False), ID.SUBJECT, "wide"),
            html.A(t("briefing.download_pdf", lang), id=ID.PDF, href=href("/briefing/pdf", params),
                   className="play", download=f"wic-brief-{code}-{lang}.pdf"),
        ], className="controls"),
        html.Iframe(id=ID.FRAME, src=href("/briefing/html", params), title=t("nav.briefing", lang),
                    className="brief-frame fit-frame"),   # assets/frame_fit.js sizes it to the brief
        dcc.Store(id=ID.LANG, data=lang),
    ])
    return components.page_frame(PATH, lang, query, body, q.notices())


@callback(Output("_pages_location", "search", allow_duplicate=True), Input(ID.SUBJECT, "value"),
          State(ID.LANG, "data"), prevent_initial_call=True)
@guarded(lambda: dash.no_update)
def on_subject(code: str, lang: str) -> Any:
    """Another country or group: open its brief (the page is rebuilt from the URL)."""
    if code not in subjects():
        return dash.no_update
    return href("", {"country": code, "lang": i18n.lang_of(lang)})
