"""A bounded, loopback-only campaign of crafted and fuzzed HTTP requests against a real `wic serve --prod`.

Unknown asset paths, long addresses and headers, bad parameters on every API endpoint (from the server's own
OpenAPI document), malformed and fuzzed callback payloads to /_dash-update-component (from its own
/_dash-dependencies), odd methods and broken HTTP. Prints counts (requests, 2xx/3xx/4xx/5xx, answers without the
security headers, dropped connections) and exits 1 on any 5xx, dropped connection or answer without the headers.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from dash_payloads import payload  # noqa: E402  (real payloads from the app's own dependencies)

SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options")
ODD = ["", "abc", "-1", "0", "1e309", "99999999999999999999", "NaN", "null", "true", "'; DROP TABLE observations;--",
       "<script>alert(1)</script>", "../../etc/passwd", "%00", "中国", "😀", "x" * 300, " ", ",", ",,", "CHN,,USA",
       "\\", "${jndi:ldap://127.0.0.1/x}", "=1+1", "1.5", "2023-01-01", "[]", "{}"]
JUNK: list[Any] = [None, "", "x" * 5000, 10**30, -1, 1.5e308, [], {}, [[[[[]]]]], {"a": {"b": {"c": None}}}, True,
                   ["CHN"] * 500, "'; DROP", "<img src=x onerror=alert(1)>", {"props": {"children": "x"}}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Campaign:
    """Sends requests and counts their outcomes."""

    def __init__(self, port: int):
        self.port = port
        self.counts: Counter[str] = Counter()
        self.failures: list[str] = []

    def _record(self, label: str, status: int, headers: dict[str, str]) -> None:
        self.counts["requests"] += 1
        self.counts[f"{status // 100}xx"] += 1
        if status >= 500:
            self.failures.append(f"{status} {label[:160]}")
        if not all(h in headers for h in SECURITY):
            self.counts["without security headers"] += 1
            self.failures.append(f"no security headers ({status}) {label[:160]}")

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        """One request through http.client."""
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            con.request(method, path, body=body, headers=headers or {})
            response = con.getresponse()
            response.read()
            self._record(f"{method} {path}", response.status, {k.lower(): v for k, v in response.getheaders()})
        except (OSError, http.client.HTTPException) as exc:
            self.counts["requests"] += 1
            self.counts["dropped connections"] += 1
            self.failures.append(f"dropped: {method} {path[:120]}: {exc!r}")
        finally:
            con.close()

    def raw(self, data: bytes, label: str) -> None:
        """Raw bytes on a socket: the answer's status line and headers are parsed by hand."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):   # answered and closed early
                sock.sendall(data)
            chunks = []
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except (ConnectionResetError, TimeoutError):
                pass
        head = b"".join(chunks).partition(b"\r\n\r\n")[0].decode("latin-1")
        if not head.startswith("HTTP/"):
            self.counts["requests"] += 1
            self.counts["closed without an answer"] += 1   # e.g. gunicorn on bytes that are not HTTP at all
            return
        lines = head.split("\r\n")
        headers = {k.lower(): v for k, _, v in (ln.partition(": ") for ln in lines[1:])}
        self._record(label, int(lines[0].split()[1]), headers)


def asset_paths(rng: random.Random) -> Iterator[str]:
    """Unknown, malformed and hostile paths under the asset routes."""
    packages = ["dash", "dash_ag_grid", "plotly", "os", "nope", "..", "%2e%2e", "dash.dcc", "flask", "sys"]
    files = ["nope.js", "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "dash_renderer.min.js", "x.v1m2.js",
             "deps/react.js", "a" * 300 + ".js", "%00.js", "x.css", "", "favicon.ico", "x.map"]
    for package in packages:
        for name in files:
            yield f"/_dash-component-suites/{package}/{name}"
    for prefix in ("/assets/", "/topojson/", "/_dash-layout/", "/_favicon.ico/", "/briefing/", "/static/", "/api/"):
        for name in rng.sample(files, 5):
            yield prefix + name
    yield from ("/nosuchpage", "/404", "/index.php", "/.env", "/.git/config", "/wp-admin", "//", "/%2e%2e/",
                "/map/../../etc/passwd", "/MAP", "/map%00", "/" + "a/" * 200)


def _fill(template: str, names: list[str], value: str) -> str:
    for name in names:
        template = template.replace("{" + name + "}", quote(value, safe=""))
    return template


def api_paths(doc: dict[str, Any], rng: random.Random, per_param: int) -> Iterator[str]:
    """Bad, odd and unknown parameters for every endpoint of the OpenAPI document."""
    for template, item in doc["paths"].items():
        params = item["get"].get("parameters", [])
        in_path = [p["name"] for p in params if p["in"] == "path"]
        base = _fill(template, in_path, "CHN" if "iso3" in template else "IT.NET.USER.ZS")
        for value in rng.sample(ODD, min(per_param, len(ODD))):
            if in_path:
                yield _fill(template, in_path, value)
            for p in params:
                if p["in"] == "query":
                    yield f"{base}?{p['name']}={quote(value, safe='')}"
                    yield f"{base}?{p['name']}={quote(value, safe='')}&{p['name']}={quote(value, safe='')}"
        yield f"{base}?nosuchparameter=1"
        yield f"{base}?limit=10&offset=999999999"
        yield f"{base}?format=xml"
        yield f"{base}?" + "&".join(f"p{i}=1" for i in range(300))


def callback_bodies(deps: list[dict[str, Any]], rng: random.Random, per_callback: int) -> Iterator[bytes]:
    """Malformed payloads, and well-formed ones with fuzzed values, for every server callback."""
    yield from (b"", b"{", b"null", b"[]", b"\"x\"", b"{\"output\": 1}", b"\xff\xfe", b"{}" * 1000,
                json.dumps({"output": "nope.children", "outputs": {"id": "nope", "property": "children"},
                            "inputs": [], "changedPropIds": []}).encode())
    for dep in deps:
        if dep.get("clientside_function"):
            continue
        for _ in range(per_callback):
            body = payload(dep, [rng.choice(JUNK) for _ in dep["inputs"]],
                           [rng.choice(JUNK) for _ in dep.get("state", [])])
            if rng.random() < 0.15:
                body.pop(rng.choice(list(body)))
            elif rng.random() < 0.1:
                body["inputs"] = rng.choice(JUNK)
            yield json.dumps(body).encode()


def main() -> int:
    """Start the server, run the campaign, print the counts; 1 on any 5xx or missing header."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--per-param", type=int, default=6, help="odd values per API parameter (default 6)")
    parser.add_argument("--per-callback", type=int, default=8, help="fuzzed payloads per callback (default 8)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--workers", "2", "--port",
                               str(port)], cwd=REPO, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    campaign = Campaign(port)
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                con.request("GET", "/healthz")
                if con.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 2
            time.sleep(0.2)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        con.request("GET", "/api/v1/openapi.json")
        doc = json.loads(con.getresponse().read())
        con.request("GET", "/_dash-dependencies")
        deps = json.loads(con.getresponse().read())
        groups: dict[str, int] = {}

        def count(name: str, before: int) -> None:
            groups[name] = campaign.counts["requests"] - before

        n = campaign.counts["requests"]
        for path in asset_paths(rng):
            campaign.request("GET", path)
        count("unknown and hostile paths", n)
        n = campaign.counts["requests"]
        for size in (1_000, 4_000, 4_100, 7_900, 8_100, 9_000, 16_000, 65_000, 300_000, 1_100_000):
            campaign.raw(f"GET /api/v1/sources?q={'x' * size} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                         .encode(), f"api address of {size:,} bytes")
            campaign.raw(f"GET /map?q={'x' * size} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                         .encode(), f"page address of {size:,} bytes")
        for size in (4_000, 8_100, 9_000, 20_000, 40_000, 100_000):
            for path in ("/api/v1/sources", "/"):
                campaign.raw(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {'b' * size}\r\nConnection: close"
                             "\r\n\r\n".encode(), f"{path} with a header of {size:,} bytes")
        for headers in (50, 99, 150, 1000):
            many = "".join(f"X-H{i}: {'h' * 100}\r\n" for i in range(headers))
            campaign.raw(f"GET /api/v1/sources HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}Connection: close\r\n\r\n"
                         .encode(), f"{headers} headers")
        count("long addresses and headers", n)
        n = campaign.counts["requests"]
        for path in api_paths(doc, rng, args.per_param):
            campaign.request("GET", path)
        count("bad API parameters", n)
        n = campaign.counts["requests"]
        for body in callback_bodies(deps, rng, args.per_callback):
            campaign.request("POST", "/_dash-update-component", body, {"Content-Type": "application/json"})
        campaign.request("POST", "/_dash-update-component", b"{}", {"Content-Type": "text/plain"})
        count("malformed and fuzzed callbacks", n)
        n = campaign.counts["requests"]
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "POST"):
            for path in ("/api/v1/sources", "/map", "/healthz", "/_dash-dependencies"):
                campaign.request(method, path)
        for data in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                     b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"):
            campaign.raw(data, repr(data[:40]))
        count("odd methods and broken HTTP", n)
    finally:
        server.terminate()
        server.wait(timeout=30)
    c = campaign.counts
    print(f"{c['requests']:,} requests in {time.monotonic() - started:.1f} s against wic serve --prod on 127.0.0.1:"
          f"{port}: " + ", ".join(f"{name} {n:,}" for name, n in groups.items()))
    print(f"2xx {c['2xx']:,}  3xx {c['3xx']:,}  4xx {c['4xx']:,}  5xx {c['5xx']:,}  "
          f"without security headers {c['without security headers']:,}  dropped connections "
          f"{c['dropped connections']:,}  closed without an answer (not HTTP) {c['closed without an answer']:,}")
    for failure in campaign.failures[:15]:
        print("  ", failure)
    return 1 if c["5xx"] or c["without security headers"] or c["dropped connections"] else 0


if __name__ == "__main__":
    sys.exit(main())
