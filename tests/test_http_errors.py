"""HTTP errors: unknown pages and assets answer 404, over-long addresses 414 and headers 431, as the API's JSON under
/api/ and as a page elsewhere, always with the security headers; through the Flask client and a real gunicorn."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, wait_until
from flask.testing import FlaskClient

from dashboard import limits
from dashboard.api import document

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
PAGES = ["/", "/map", "/country", "/compare", "/index", "/explorer", "/membership", "/sources", "/briefing", "/map/"]
UNKNOWN_PAGES = ["/nosuchpage", "/no/such/page", "/404", "/_dash-layoutx", "/index.php", "/MAP"]
UNKNOWN_ASSETS = ["/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/nope.js",
                  "/_dash-component-suites/dash/../../etc/passwd", "/_dash-component-suites/os/x.js",
                  "/_dash-component-suites/dash_ag_grid/x", "/assets/nope.css", "/topojson/nope.json"]
LONG = "x" * (limits.MAX_TARGET + 100)
BIG = "b" * (limits.MAX_FIELD + 100)


def secured(headers: Any) -> bool:
    return all(name in headers for name in HEADERS)


def api_error(body: bytes, status: int, code: str) -> None:
    error = json.loads(body)["error"]
    assert error["status"] == status and error["code"] == code and error["message"]


@pytest.mark.parametrize("path", PAGES)
def test_known_pages_answer_200(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", UNKNOWN_PAGES)
def test_unknown_pages_answer_404_with_the_friendly_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and secured(response.headers)
    assert b"_dash-renderer" in response.data or b"dash-renderer" in response.data   # the app shell: it shows /404


@pytest.mark.parametrize("path", UNKNOWN_ASSETS)
def test_unknown_assets_answer_404_not_500(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and secured(response.headers)
    assert b"Page not found" in response.data and b"Traceback" not in response.data


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/x", "/api/v2/observations", "/api/v1/nope"])
def test_unknown_api_paths_answer_json_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json" and secured(response.headers)
    api_error(response.data, 404, "not_found")


def test_a_wrong_method_is_405_as_json_or_page(client: FlaskClient) -> None:
    api = client.post("/api/v1/sources")
    assert api.status_code == 405 and api.mimetype == "application/json" and secured(api.headers)
    page = client.post("/map")
    assert page.status_code == 405 and page.mimetype == "text/html" and secured(page.headers)
    assert b"Method not allowed" in page.data and "GET" in page.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/sources", "/api/v1/observations", "/map", "/_dash-component-suites/x"])
def test_a_long_address_is_414(client: FlaskClient, path: str) -> None:
    response = client.get(f"{path}?q={LONG}")
    assert response.status_code == 414 and secured(response.headers)
    if path.startswith("/api/"):
        api_error(response.data, 414, "uri_too_long")
    else:
        assert response.mimetype == "text/html" and b"Address too long" in response.data
    assert client.get(f"{path}?q={'x' * (limits.MAX_TARGET - 100 - len(path))}").status_code != 414


@pytest.mark.parametrize("path", ["/api/v1/sources", "/"])
def test_a_large_header_is_431(client: FlaskClient, path: str) -> None:
    one = client.get(path, headers={"X-Big": BIG})
    many = client.get(path, headers={f"X-H{i}": "h" * 4000 for i in range(10)})
    for response in (one, many):
        assert response.status_code == 431 and secured(response.headers)
        if path.startswith("/api/"):
            api_error(response.data, 431, "header_too_large")
        else:
            assert b"Request headers too large" in response.data
    assert client.get(path, headers={"X-Big": "b" * (limits.MAX_FIELD - 200)}).status_code == 200


def test_the_openapi_document_describes_404_414_and_431() -> None:
    doc = document()
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        for status in ("404", "414", "431"):
            assert status in responses, f"{path} does not describe {status}"
            assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["description"]
    assert "uri_too_long" in codes and "header_too_large" in codes


# --- through a real gunicorn --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # The server may answer and close before reading everything: the answer is still there to read.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def get(port: int, target: str, extra: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode("latin-1")


@pytest.fixture(scope="module")
def server(warehouse_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse_path)}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--workers", "1", "--port",
                             str(port)], env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError("server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))
        try:
            return raw(port, get(port, "/healthz"))[0] == 200
        except OSError:
            return False

    wait_until(healthy, "the dashboard server to answer /healthz", timeout=90)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.parametrize(("target", "extra", "status", "code"), [
    ("/nosuchpage", "", 404, None),
    ("/_dash-component-suites/nope/x.js", "", 404, None),
    ("/_dash-component-suites/dash/nope.js", "", 404, None),
    ("/api/x", "", 404, "not_found"),
    (f"/api/v1/sources?q={LONG}", "", 414, "uri_too_long"),          # the app's limit
    (f"/map?q={LONG}", "", 414, None),
    ("/api/v1/sources", f"X-Big: {BIG}\r\n", 431, "header_too_large"),
    ("/map", f"X-Big: {BIG}\r\n", 431, None),
    ("/api/v1/sources?q=" + "x" * 1_100_000, "", 414, "uri_too_long"),  # beyond gunicorn's own bound
    ("/api/v1/sources", "X-Big: " + "b" * 40_000 + "\r\n", 431, "header_too_large"),
], ids=["page", "suite-package", "suite-file", "api", "api-414", "page-414", "api-431", "page-431",
        "gunicorn-414", "gunicorn-431"])
def test_the_real_server_answers_errors_with_headers(server: int, target: str, extra: str, status: int,
                                                     code: str | None) -> None:
    got, headers, body = raw(server, get(server, target, extra))
    assert got == status
    assert secured(headers), headers
    if code:
        assert headers["Content-Type"].startswith("application/json")
        api_error(body, status, code)
    else:
        assert headers["Content-Type"].startswith("text/html") and b"Traceback" not in body


def test_the_real_server_serves_pages_and_the_api(server: int) -> None:
    assert raw(server, get(server, "/map"))[0] == 200
    first, second = (raw(server, get(server, "/api/v1/sources?limit=7")) for _ in range(2))
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert first[1]["X-Cache"] == "miss" and second[1]["X-Cache"] == "hit"   # one worker: its response cache
