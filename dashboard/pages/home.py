"""Home page: what the warehouse holds and how fresh it is."""

from __future__ import annotations

import json

import dash
from dash import html

from etl import read

dash.register_page(__name__, path="/", title="WIC Digital Economy Observatory")


def _facts() -> html.Div:
    runs = read.runs()
    last = runs.iloc[0]
    counts = json.loads(last["row_counts"])
    sources = read.sources()
    total = read.membership_counts().iloc[-1]
    return html.Div([
        html.P(f"Warehouse built {last['finished_at']:%Y-%m-%d %H:%M} UTC from {last['source']} "
               f"(run {last['run_id']})."),
        html.Ul([
            html.Li(f"{counts['observations']:,} observations of {counts['indicators']} indicators "
                    f"for {counts['countries']} countries and groups"),
            html.Li(f"{counts['members']} publicly named WIC members, out of {total['members_qualifier']} "
                    f"{total['members']} reported on {total['as_of']:%Y-%m-%d}"),
        ]),
        html.H2("Sources"),
        html.Ul([html.Li(f"{s.title} — {s.publisher}; license {s.license}; vintage {s.vintage}")
                 for s in sources.itertuples()]),
        html.P("The interactive views are under construction."),
    ])


def layout(**_query: str) -> html.Div:
    """The home page."""
    try:
        return _facts()
    except read.WarehouseMissing as exc:
        return html.Div(html.P(str(exc)))
