"""Framing: every page answers ``frame-ancestors 'none'`` except the /embed/ pages, which any site may frame."""

from __future__ import annotations

import flask

PREFIX = "/embed/"


def headers(response: flask.Response) -> flask.Response:
    """An after-request hook that runs after the security headers are set (register it before them)."""
    if flask.request.path.startswith(PREFIX):
        csp = response.headers.get("Content-Security-Policy", "")
        response.headers["Content-Security-Policy"] = csp.replace("frame-ancestors 'none'", "frame-ancestors *")
        response.headers.pop("X-Frame-Options", None)
    return response
