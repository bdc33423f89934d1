"""Request size limits: the app answers 414 and 431 itself; gunicorn's own, higher bounds only stop floods.

gunicorn reads its settings from ``dashboard/gunicorn_conf.py`` (``wic serve`` passes it); requests beyond its
bounds get :func:`write_error`'s JSON answer, with the same security headers as the app's.
"""

from __future__ import annotations

import json
import socket
from typing import Any

MAX_TARGET = 8000          # bytes of the request target (path and query) the app serves; 414 above
MAX_FIELD = 8190           # bytes of one header line (name, ': ', value); 431 above
MAX_HEADERS = 32768        # bytes of all header lines; 431 above
GUNICORN_REQUEST_LINE = 0  # gunicorn's "unlimited", which it caps at 1 MiB
GUNICORN_FIELD_SIZE = 32768
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin",
                    "Permissions-Policy": "geolocation=(), camera=(), microphone=()"}
_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
          431: "header_too_large", 500: "internal_error", 501: "not_implemented"}


def error_bytes(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP/1.1 error answer: the API's JSON error shape, security headers, connection closed."""
    body = json.dumps({"error": {"status": status, "code": _CODES.get(status, "http_error"),
                                 "message": f"{reason}: {message}"[:300] if message else reason}}).encode()
    head = [f"HTTP/1.1 {status} {reason}", "Connection: close", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Cache-Control: no-store",
            *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error`` for requests it rejects before the app sees them."""
    from gunicorn import util

    util.write_nonblock(sock, error_bytes(status_int, reason, mesg))


def install_gunicorn_errors(*_: Any) -> None:
    """Make gunicorn answer its own rejections with :func:`write_error` (a gunicorn server hook)."""
    from gunicorn import util

    util.write_error = write_error
