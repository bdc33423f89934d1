"""A local fake of the World Bank Indicators API v2 that serves the offline mirror in the real JSON shape.

Runs a real HTTP server on 127.0.0.1 (ephemeral port) in a background thread. Endpoints:

- ``/v2/country`` - the real rows of ``wb-api-examples/m-muecke-worldbank-fixtures/wb-country.rows.json``;
- ``/v2/country/all/indicator/<CODE>`` - ``datahub-wdi/<CODE>.csv`` as API rows, plus ``null`` rows for every
  (economy, year) without data inside the file's year range, plus (by default) one row with an empty
  ``countryiso3code``, as the real API sends for a few aggregates;
- ``/v2/indicator/<CODE>`` - built from ``datahub-wdi/<CODE>.datapackage.json``.

Unknown indicator codes get the real HTTP-200 error body. Faults (:class:`Fault`) are injected per test,
and every request is recorded in :attr:`FakeWorldBank.requests`.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from etl import config
from etl.steps import step_meta

HOST = "127.0.0.1"
DEFAULT_LASTUPDATED = "2026-07-13"
UPDATED_LASTUPDATED = "2026-07-14"
INVALID_VALUE = {"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}
FIXTURES = "wb-api-examples/m-muecke-worldbank-fixtures"
FAULT_KINDS = frozenset(
    {"status", "timeout", "api_error", "truncate", "disconnect", "update_data", "drop_row", "trickle", "redirect",
     "header", "gather"}
)


@dataclass
class Fault:
    """One injected fault: applies to requests whose path contains ``path`` (and, if set, to ``page``).

    kinds: ``status`` (HTTP ``status``, optional ``retry_after`` header), ``timeout`` (sleep ``delay`` s, then
    answer), ``api_error`` (HTTP 200 with the API's error-message body), ``truncate`` (a valid prefix of the
    JSON body with a matching Content-Length), ``disconnect`` (announce the full length, send half, close),
    ``update_data`` (the indicator's data is updated just before this request is answered: one more year of
    null rows and ``lastupdated`` moves on), ``drop_row`` (the page loses its first row, header unchanged).
    ``trickle`` (announce the full length, send the first ``trickle_bytes`` bytes one every ``delay`` s, then the
    rest), ``redirect`` (HTTP 302 to ``location``; a path keeps the fake's own host), ``header`` (the page
    header's fields are replaced by ``header``, e.g. ``{"pages": 10**9}``), ``gather`` (each request is held
    until ``count`` are held at once, then every one goes on and ``gathered`` is set; or after ``delay`` s).
    ``times`` is how many matching requests are hit (None: all of them).
    """

    kind: str
    path: str = ""
    page: int | None = None
    times: int | None = 1
    status: int = 502
    retry_after: str | None = None
    delay: float = 2.0
    error: dict[str, str] = field(default_factory=lambda: dict(INVALID_VALUE))
    trickle_bytes: int = 10
    location: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    count: int = 2
    hits: int = 0
    gathered: bool = False
    held: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    path: str
    query: dict[str, str]
    target: str
    client: str
    host_header: str
    at: float

    @property
    def page(self) -> int:
        """The requested page (1 if absent)."""
        return int(self.query.get("page", "1") or 1)


@dataclass
class _Dataset:
    rows: list[dict[str, Any]]
    lastupdated: str


# ------------------------------------------------------------------------------------ mirror loading


@functools.lru_cache(maxsize=4)
def _country_fixture(raw: Path) -> tuple[dict[str, Any], ...]:
    with open(raw / FIXTURES / "wb-country.rows.json", encoding="utf-8") as fh:
        return tuple(json.load(fh))


@functools.lru_cache(maxsize=4)
def _topic_ids(raw: Path) -> dict[str, str]:
    with open(raw / FIXTURES / "wb-topic.rows.json", encoding="utf-8") as fh:
        return {t["value"].strip(): t["id"] for t in json.load(fh)}


@functools.lru_cache(maxsize=1)
def _gapminder_series() -> dict[str, tuple[str, dict[str, Any]]]:
    """WDI code -> (Gapminder concept, its spec) for the series the mirror holds only in Gapminder form."""
    meta = step_meta("gapminder")
    return {spec["code"]: (concept, spec) for concept, spec in meta["series"].items()}


def _gapminder_csv(raw: Path, code: str) -> tuple[tuple[str, str, int, float], ...]:
    concept, _ = _gapminder_series()[code]
    folder = raw / "gapminder-systema-globalis"
    overrides = step_meta("gapminder").get("geo_codes") or {}
    with open(folder / "ddf--entities--geo--country.csv", encoding="utf-8", newline="") as fh:
        geos = {r["country"]: (overrides.get(r["country"]) or r["iso3166_1_alpha3"].upper(), r["name"])
                for r in csv.DictReader(fh)}
    with open(folder / f"ddf--datapoints--{concept}--by--geo--time.csv", encoding="utf-8", newline="") as fh:
        return tuple((geos[r["geo"]][1], geos[r["geo"]][0], int(r["time"]), float(r[concept]))
                     for r in csv.DictReader(fh) if geos[r["geo"]][0])


@functools.lru_cache(maxsize=64)
def _mirror_csv(raw: Path, code: str) -> tuple[tuple[str, str, int, float], ...]:
    if code in _gapminder_series():
        return _gapminder_csv(raw, code)
    with open(raw / "datahub-wdi" / f"{code}.csv", encoding="utf-8", newline="") as fh:
        return tuple(
            (r["Country Name"], r["Country Code"], int(r["Year"]), float(r["Value"]))
            for r in csv.DictReader(fh)
        )


def _find_code(raw: Path, code: str) -> str | None:
    """The mirror's spelling of ``code`` (the API is case-insensitive), or None if the mirror lacks it."""
    for candidate in (code, code.upper()):
        if candidate in _gapminder_series():
            return candidate
        if (
            re.fullmatch(r"[A-Za-z0-9._-]+", candidate)
            and (raw / "datahub-wdi" / f"{candidate}.csv").is_file()
        ):
            return candidate
    return None


# ------------------------------------------------------------------------------------------- server


class FakeWorldBank:
    """The fake API server; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        raw: Path | None = None,
        *,
        lastupdated: str = DEFAULT_LASTUPDATED,
        blank_iso3_row: bool = True,
        data_per_page_as_string: bool = False,
        meta_per_page_as_string: bool = True,
    ) -> None:
        self.raw = (raw or config.raw_dir()).resolve()
        self.lastupdated = lastupdated
        self.blank_iso3_row = blank_iso3_row
        self.data_per_page_as_string = data_per_page_as_string
        self.meta_per_page_as_string = meta_per_page_as_string
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._datasets: dict[str, _Dataset] = {}
        self._lock = threading.RLock()
        self._gate = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeWorldBank:
        """Bind to 127.0.0.1 on an ephemeral port and serve in a daemon thread."""
        server = ThreadingHTTPServer((HOST, 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWorldBank:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Base URL to give the client, e.g. ``http://127.0.0.1:PORT/v2``."""
        return f"http://{HOST}:{self.port}/v2"

    # -- test helpers

    def add_fault(self, kind: str, path: str = "", **kwargs: Any) -> Fault:
        """Register a :class:`Fault` and return it (its ``hits`` counts the requests it affected)."""
        fault = Fault(kind, path, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget faults and recorded requests."""
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def _gather(self, fault: Fault) -> None:
        """Hold a request until ``fault.count`` requests are held at once (or ``fault.delay`` s have passed)."""
        with self._gate:
            fault.held += 1
            if fault.held >= fault.count:
                fault.gathered = True
                self._gate.notify_all()
            self._gate.wait_for(lambda: fault.gathered, timeout=fault.delay)
            fault.held -= 1

    def requests_to(self, path_part: str) -> list[RecordedRequest]:
        """Recorded requests whose path contains ``path_part``."""
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    def mirror_rows(self, code: str) -> set[tuple[str, int, float]]:
        """The mirror CSV of ``code`` as a set of (country code, year, value)."""
        return {(c, y, v) for _, c, y, v in _mirror_csv(self.raw, code)}

    def dataset(self, code: str) -> _Dataset:
        """The API rows served for indicator ``code`` (built from the mirror on first use)."""
        with self._lock:
            if code not in self._datasets:
                self._datasets[code] = self._build_dataset(code)
            return self._datasets[code]

    def update_indicator(self, code: str, lastupdated: str = UPDATED_LASTUPDATED) -> None:
        """Simulate a data update: one more year of null rows for every economy, and a new ``lastupdated``."""
        with self._lock:
            ds = self.dataset(code)
            years = [int(r["date"]) for r in ds.rows]
            new_year = max(years) + 1 if years else 2030
            seen: dict[str, dict[str, Any]] = {}
            for r in ds.rows:
                if r["countryiso3code"]:
                    seen.setdefault(r["countryiso3code"], r)
            extra = [dict(r, date=str(new_year), value=None) for r in seen.values()]
            self._datasets[code] = _Dataset(extra + ds.rows, lastupdated)

    # -- content

    def _build_dataset(self, code: str) -> _Dataset:
        mirror = _mirror_csv(self.raw, code)
        countries = _country_fixture(self.raw)
        iso2 = {c["id"]: c["iso2Code"] for c in countries}
        order = {c["id"]: i for i, c in enumerate(countries)}
        title = self._datapackage(code).get("title", code)
        indicator = {"id": code, "value": title}
        by_code: dict[str, dict[int, float]] = {}
        names: dict[str, str] = {}
        for name, iso3, year, value in mirror:
            by_code.setdefault(iso3, {})[year] = value
            names.setdefault(iso3, name)
        years = [y for _, _, y, _ in mirror]
        lo, hi = (min(years), max(years)) if years else (0, -1)
        rows: list[dict[str, Any]] = []
        for iso3 in sorted(by_code, key=lambda c: (order.get(c, len(order)), c)):
            values = by_code[iso3]
            for year in range(hi, lo - 1, -1):  # the API lists the latest year first
                found = values.get(year)
                rows.append(
                    {
                        "indicator": dict(indicator),
                        "country": {"id": iso2.get(iso3, iso3[:2]), "value": names[iso3]},
                        "countryiso3code": iso3,
                        "date": str(year),
                        "value": _json_number(found) if found is not None else None,
                        "unit": "",
                        "obs_status": "",
                        "decimal": 0,
                    }
                )
        if self.blank_iso3_row and rows:
            rows.append(
                {
                    "indicator": dict(indicator),
                    "country": {"id": "XY", "value": "Not classified"},
                    "countryiso3code": "",
                    "date": str(hi),
                    "value": 1.5,
                    "unit": "",
                    "obs_status": "",
                    "decimal": 1,
                }
            )
        return _Dataset(rows, self.lastupdated)

    def _datapackage(self, code: str) -> dict[str, Any]:
        if code in _gapminder_series():
            spec = _gapminder_series()[code][1]
            return {"title": spec["title"], "readme": spec["definition"].strip(), "keywords": [spec["topic"]]}
        path = self.raw / "datahub-wdi" / f"{code}.datapackage.json"
        if not path.is_file():
            return {}
        with open(path, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
        return data

    def _indicator_meta_row(self, code: str) -> dict[str, Any]:
        pkg = self._datapackage(code)
        topic_ids = _topic_ids(self.raw)
        return {
            "id": code,
            "name": pkg.get("title", ""),
            "unit": "",
            "source": {"id": "2", "value": "World Development Indicators"},
            "sourceNote": pkg.get("readme", ""),
            "sourceOrganization": "World Bank staff estimates (fake: the mirror has no source organisation)",
            "topics": [{"id": topic_ids.get(k.strip(), ""), "value": k} for k in pkg.get("keywords", [])],
        }

    # -- request handling (called from the handler threads)

    def _take_fault(self, path: str, page: int) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and (fault.page is None or fault.page == page):
                    if fault.times is not None and fault.hits >= fault.times:
                        continue
                    fault.hits += 1
                    return fault
        return None

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def respond(self, path: str, query: dict[str, str], fault: Fault | None) -> tuple[int, Any, bool]:
        """(status, JSON document, drop_first_row) for a request; raises LookupError for unknown paths."""
        if query.get("format", "").lower() != "json":
            return 400, {"error": "the fake only speaks format=json"}, False
        per_page_raw = query.get("per_page", "50")
        page_raw = query.get("page", "1")
        if not (per_page_raw.isdigit() and page_raw.isdigit()) or int(per_page_raw) < 1:
            return 200, [{"message": [dict(INVALID_VALUE)]}], False
        per_page, page = int(per_page_raw), int(page_raw)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:1] != ["v2"]:
            raise LookupError(path)
        parts = [p.lower() if i < len(parts) - 1 else p for i, p in enumerate(parts)]
        if parts[1:] in (["country"], ["countries"]):
            rows = list(_country_fixture(self.raw))
            return 200, _paginate(rows, page, per_page, self.meta_per_page_as_string, None), False
        if (
            len(parts) == 5
            and parts[1] in ("country", "countries")
            and parts[2] == "all"
            and parts[3]
            in (
                "indicator",
                "indicators",
            )
        ):
            code = _find_code(self.raw, parts[4])
            if code is None:
                return 200, [{"message": [dict(INVALID_VALUE)]}], False
            if fault is not None and fault.kind == "update_data":
                self.update_indicator(code)
            ds = self.dataset(code)
            selected = _filter_dates(ds.rows, query.get("date"))
            if selected is None:
                return 200, [{"message": [dict(INVALID_VALUE)]}], False
            doc = _paginate(selected, page, per_page, self.data_per_page_as_string, ds.lastupdated)
            return 200, doc, fault is not None and fault.kind == "drop_row"
        if len(parts) == 3 and parts[1] in ("indicator", "indicators"):
            code = _find_code(self.raw, parts[2])
            if code is None:
                return 200, [{"message": [dict(INVALID_VALUE)]}], False
            rows = [self._indicator_meta_row(code)]
            return 200, _paginate(rows, page, per_page, self.meta_per_page_as_string, None), False
        raise LookupError(path)


def _json_number(value: float) -> float | int:
    """Integral values as JSON integers (the API sends ``31270``), others as floats."""
    return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < 2**53 else value


def _filter_dates(rows: list[dict[str, Any]], date: str | None) -> list[dict[str, Any]] | None:
    if not date:
        return rows
    m = re.fullmatch(r"(\d{4})(?::(\d{4}))?", date)
    if not m:
        return None
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return [r for r in rows if lo <= int(r["date"]) <= hi]


def _paginate(
    rows: list[Any], page: int, per_page: int, per_page_as_string: bool, lastupdated: str | None
) -> list[Any]:
    total = len(rows)
    if total == 0:
        # the real empty result: page/pages/per_page/total all 0, null rows
        return [
            {"page": 0, "pages": 0, "per_page": 0, "total": 0, "sourceid": None, "lastupdated": None},
            None,
        ]
    pages = math.ceil(total / per_page)
    header: dict[str, Any] = {
        "page": page,
        "pages": pages,
        "per_page": str(per_page) if per_page_as_string else per_page,
        "total": total,
    }
    if lastupdated is not None:
        header["sourceid"] = "2"
        header["lastupdated"] = lastupdated
    return [header, rows[(page - 1) * per_page : page * per_page]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeWorldBank/1.0"
    timeout = 30

    @property
    def fake(self) -> FakeWorldBank:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._get()  # a suppressed error means the client gave up (e.g. after its read timeout)

    def _get(self) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        req = RecordedRequest(
            path=split.path,
            query=query,
            target=self.path,
            client=self.client_address[0],
            host_header=self.headers.get("Host", ""),
            at=time.monotonic(),
        )
        fake = self.fake
        fake._record(req)
        fault = fake._take_fault(split.path, req.page if query.get("page", "1").isdigit() else 1)
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = f"<html><body><h1>{fault.status} injected fault</h1></body></html>".encode()
            self._send(fault.status, body, "text/html", headers)
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "gather":
            fake._gather(fault)
        if fault is not None and fault.kind == "api_error":
            self._send_json(200, [{"message": [dict(fault.error)]}])
            return
        if fault is not None and fault.kind == "redirect":
            self._send(302, b"", "text/html", {"Location": fault.location})
            return
        try:
            status, doc, drop_first = fake.respond(split.path, query, fault)
        except LookupError:
            self._send(404, b"<html><body>Page not found</body></html>", "text/html")
            return
        if drop_first and isinstance(doc, list) and len(doc) == 2 and doc[1]:
            doc = [doc[0], doc[1][1:]]
        if fault is not None and fault.kind == "header" and isinstance(doc, list) and isinstance(doc[0], dict):
            doc = [{**doc[0], **fault.header}, *doc[1:]]
        body = json.dumps(doc, separators=(",", ":")).encode("utf-8")
        if fault is not None and fault.kind == "truncate":
            self._send(status, body[: max(1, len(body) // 2)], "application/json;charset=utf-8")
            return
        if fault is not None and fault.kind == "trickle":
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(min(fault.trickle_bytes, len(body))):
                self.wfile.write(body[i: i + 1])
                self.wfile.flush()
                time.sleep(fault.delay)
            self.wfile.write(body[fault.trickle_bytes:])
            self.wfile.flush()
            return
        if fault is not None and fault.kind == "disconnect":
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, body, "application/json;charset=utf-8")

    def _send_json(self, status: int, doc: Any) -> None:
        self._send(status, json.dumps(doc).encode("utf-8"), "application/json;charset=utf-8")

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
