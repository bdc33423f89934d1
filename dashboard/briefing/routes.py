"""Flask routes of the briefings: the brief as HTML (for the dashboard's iframe), as PDF, and its scripts."""

from __future__ import annotations

from typing import Any

import flask

from dashboard import i18n
from dashboard.briefing import template
from dashboard.briefing.build import BriefingError, build, check_subject, subjects
from dashboard.briefing.pdf import cached_pdf, check_lang

DEFAULT = "CHN"
# The brief's own policy: scripts from this host only, framed only by this host's pages.
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; "
       "base-uri 'none'; form-action 'none'")


def params(args: Any) -> tuple[str, str, list[str]]:
    """(code, lang, problems) from a request's query: unknown values fall back to the defaults."""
    problems = []
    lang = args.get("lang") or i18n.DEFAULT_LANG
    if lang not in i18n.LANGS:
        problems.append(f"lang={lang!s:.40}")
        lang = i18n.DEFAULT_LANG
    raw = (args.get("country") or DEFAULT).strip().upper()
    code = raw if raw in subjects() else DEFAULT
    if code != raw:
        problems.append(f"country={raw:.40}")
    return code, lang, problems


def register(server: flask.Flask) -> None:
    """Add ``/briefing/html``, ``/briefing/pdf`` and ``/briefing/assets/<name>`` to the server."""

    @server.route("/briefing/html")
    def briefing_html() -> Any:
        """The brief as one HTML page (scripts linked from this host)."""
        code, lang, problems = params(flask.request.args)
        notices = [i18n.t("warning.ignored", lang, items=", ".join(problems))] if problems else []
        response = flask.Response(template.render(build(code), lang, standalone=False, notices=notices),
                                  mimetype="text/html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @server.route("/briefing/pdf")
    def briefing_pdf() -> Any:
        """The brief as an A4 PDF (printed once per warehouse run and cached on disk)."""
        try:
            code = check_subject(flask.request.args.get("country") or DEFAULT)
            lang = check_lang(flask.request.args.get("lang") or i18n.DEFAULT_LANG)
        except BriefingError as exc:
            return flask.Response(f"{exc}\n", status=400, mimetype="text/plain")
        path = cached_pdf(code, lang)
        return flask.send_file(path, mimetype="application/pdf", as_attachment=True,
                               download_name=f"wic-brief-{code}-{lang}.pdf", max_age=300)

    @server.route("/briefing/assets/<name>")
    def briefing_assets(name: str) -> Any:
        """plotly.js from the Python package and the brief's chart script."""
        if name == "plotly.min.js":
            return flask.send_file(template.plotly_path(), mimetype="text/javascript", max_age=86400)
        if name == "brief.js":
            return flask.Response(template.CHART_JS, mimetype="text/javascript",
                                  headers={"Cache-Control": "public, max-age=300"})
        flask.abort(404)
