"""World Bank API v2 HTTP client: deadlines, retries, a page cap, same-host redirects and an on-disk page cache.

Every page body is kept in the cache so that an interrupted run resumes; a download whose header changes
between pages starts again from page 1.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import random
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests

from etl import config
from etl.atomic import write_atomic
from etl.errors import InputError, SourceError
from etl.snapshot.worldbank.parse import (
    IndicatorMeta,
    Observation,
    PageHeader,
    Retryable,
    check_code,
    flatten_country,
    parse_body,
    parse_observation,
    text_of,
)

log = logging.getLogger(__name__)

DEFAULT_PER_PAGE = 20000
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
DEFAULT_CACHE_TTL = 24 * 3600.0
DEFAULT_REQUEST_DEADLINE = 120.0      # seconds for one request, body included, however slowly it trickles
DEFAULT_RUN_DEADLINE = 2 * 3600.0     # seconds for everything one client does
DEFAULT_MAX_PAGES = 1000              # per download: 20 million rows at 20,000 a page
MAX_REDIRECTS = 5
READ_CHUNK = 64 * 1024
USER_AGENT = "wic-observatory-etl/0.1 (+World Internet Conference Digital Economy Observatory)"

_DATE_RE = re.compile(r"^\d{4}(:\d{4})?$")
_CACHE_ENTRY_RE = re.compile(r"^[A-Za-z0-9._-]+-[0-9a-f]{16}$")

Params = Mapping[str, str]


@dataclass(frozen=True)
class Page:
    """One parsed response page and whether it came from the on-disk cache."""

    header: PageHeader
    rows: list[Any]
    from_cache: bool


@dataclass
class Download:
    """All pages of one endpoint+params, checked for a consistent header and ``rows == total``."""

    url: str
    header: PageHeader
    pages: list[list[Any]]
    pages_fetched: int = 0
    pages_cached: int = 0
    restarts: int = 0

    @property
    def rows(self) -> list[Any]:
        """All rows, pages concatenated."""
        return [row for page in self.pages for row in page]


@dataclass
class IndicatorData:
    """The non-null observations of one indicator plus download statistics."""

    code: str
    observations: list[Observation]
    lastupdated: str | None
    total: int
    null_rows: int
    skipped_rows: int
    pages_fetched: int
    pages_cached: int
    restarts: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class CountryList:
    """Flattened ``/country`` rows in the mirror's ``wb_api_country_list`` column layout."""

    rows: list[dict[str, str]]
    pages_fetched: int
    pages_cached: int


class _Restart(Exception):
    """The data changed (or the cache was inconsistent) during a download: start again from page 1."""


class WorldBankClient:
    """World Bank Indicators API v2 client with timeouts, retries, pagination checks and a page cache."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache_dir: Path | None = None,
        per_page: int = DEFAULT_PER_PAGE,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        retry_after_max: float = 60.0,
        max_restarts: int = 3,
        refresh: bool = False,
        cache_ttl: float | None = DEFAULT_CACHE_TTL,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        run_deadline: float = DEFAULT_RUN_DEADLINE,
        max_pages: int = DEFAULT_MAX_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure; ``cache_dir=None`` disables the page cache, ``cache_ttl=None`` never expires pages.

        ``request_deadline`` bounds one request from connect to the last byte, ``run_deadline`` everything
        this client does (retries and backoff included); ``max_pages`` caps the pages of one download.
        """
        if per_page < 1:
            raise ValueError(f"per_page must be >= 1, got {per_page}")
        if max_retries < 0 or max_restarts < 0:
            raise ValueError("max_retries and max_restarts must be >= 0")
        if request_deadline <= 0 or run_deadline <= 0 or max_pages < 1:
            raise ValueError("request_deadline and run_deadline must be > 0 and max_pages >= 1")
        self.base_url = (base_url or config.worldbank_api_url()).rstrip("/")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.per_page = per_page
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.max_restarts = max_restarts
        self.refresh = refresh
        self.cache_ttl = cache_ttl
        self._sleep = sleep
        self.request_deadline = request_deadline
        self.run_deadline = run_deadline
        self.max_pages = max_pages
        self._clock = clock
        self._run_ends = clock() + run_deadline
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["Accept"] = "application/json"

    # -- lifecycle

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> WorldBankClient:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on exit."""
        self.close()

    # -- URLs and cache

    def url(self, path: str, params: Params | None = None) -> str:
        """Absolute URL of ``path`` (relative to the base URL) with the query ``params``."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        return f"{url}?{urlencode(dict(params))}" if params else url

    def _cache_entry(self, path: str, params: Params) -> Path | None:
        if self.cache_dir is None:
            return None
        key = "\n".join([self.base_url, path, *(f"{k}={params[k]}" for k in sorted(params))])
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/"))[:120] or "root"
        return self.cache_dir / f"{slug}-{digest}"

    def _drop_cache(self, path: str, params: Params) -> None:
        entry = self._cache_entry(path, params)
        if entry is not None and entry.exists():
            shutil.rmtree(entry, ignore_errors=True)

    def clear_cache(self) -> None:
        """Delete every cached page this client could have written (nothing else in ``cache_dir``)."""
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return
        for entry in self.cache_dir.iterdir():
            if entry.is_dir() and _CACHE_ENTRY_RE.match(entry.name):
                shutil.rmtree(entry, ignore_errors=True)

    def _read_cached(self, file: Path, url: str, page: int) -> Page | None:
        try:
            if self.cache_ttl is not None and time.time() - file.stat().st_mtime > self.cache_ttl:
                return None
            body = file.read_bytes()
        except OSError:
            return None
        try:
            header, rows = parse_body(body, url, page)
        except (Retryable, InputError, SourceError) as exc:
            log.warning("discarding unreadable cached page %s (%s)", file, exc)
            with contextlib.suppress(OSError):
                file.unlink()
            return None
        return Page(header, rows, from_cache=True)

    # -- HTTP

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.backoff_max, self.backoff_base * 2**attempt) * random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_max))
        return delay

    def _remaining(self, url: str) -> float:
        """Seconds left of the run deadline; a clear error once it has passed."""
        left = self._run_ends - self._clock()
        if left <= 0:
            raise SourceError(f"{url}: the run deadline of {self.run_deadline:g} s has passed; giving up")
        return left

    def _request(self, url: str, page: int) -> tuple[bytes, PageHeader, list[Any]]:
        """GET ``url`` with retries; return the body and its parsed header and rows."""
        reason = "no attempt made"
        for attempt in range(self.max_retries + 1):
            self._remaining(url)
            try:
                return self._attempt(url, page)
            except Retryable as exc:
                reason = exc.reason
                if attempt == self.max_retries:
                    break
                delay = self._backoff(attempt, exc.retry_after)
                log.warning("%s: %s; retry %d/%d in %.2fs", url, reason, attempt + 1, self.max_retries, delay)
                self._sleep(min(delay, self._remaining(url)))
        raise SourceError(f"{url}: giving up after {self.max_retries + 1} attempts; last error: {reason}")

    def _attempt(self, url: str, page: int) -> tuple[bytes, PageHeader, list[Any]]:
        ends = self._clock() + min(self.request_deadline, self._remaining(url))
        resp = self._get_same_host(url, ends)
        try:
            status = resp.status_code
            if status == 429 or status >= 500:
                raise Retryable(f"HTTP {status} {resp.reason}", _retry_after(resp.headers.get("Retry-After")))
            if status != 200:
                raise SourceError(f"{url}: HTTP {status} {resp.reason}: {resp.text[:200].strip()}")
            body = self._read_body(resp, url, ends)
        finally:
            resp.close()
        header, rows = parse_body(body, url, page)
        return body, header, rows

    def _get_same_host(self, url: str, ends: float) -> requests.Response:
        """GET ``url``, following redirects only within the API's own scheme, host and port."""
        origin = urlsplit(self.base_url)[:2]
        for _ in range(MAX_REDIRECTS + 1):
            left = ends - self._clock()
            if left <= 0:
                raise Retryable(f"no answer within the request deadline of {self.request_deadline:g} s")
            try:
                resp = self.session.get(url, timeout=(min(self.timeout[0], left), min(self.timeout[1], left)),
                                        stream=True, allow_redirects=False)
            except requests.Timeout as exc:
                raise Retryable(f"timeout ({type(exc).__name__})") from exc
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                raise Retryable(f"connection error ({type(exc).__name__}: {exc})") from exc
            except requests.RequestException as exc:
                raise SourceError(f"{url}: request failed: {exc}") from exc
            if not resp.is_redirect:
                return resp
            target = urljoin(url, resp.headers.get("Location", ""))
            resp.close()
            if urlsplit(target)[:2] != origin:
                raise SourceError(f"{url}: redirect to another host refused ({target})")
            url = target
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read_body(self, resp: requests.Response, url: str, ends: float) -> bytes:
        """The whole body, cut off at the request deadline however slowly the bytes arrive."""
        chunks: list[bytes] = []
        try:
            while True:
                if self._clock() > ends:
                    raise Retryable(f"body not complete within the request deadline of "
                                     f"{self.request_deadline:g} s ({sum(map(len, chunks))} bytes received)")
                chunk = resp.raw.read1(READ_CHUNK, decode_content=True) if hasattr(resp.raw, "read1") \
                    else resp.raw.read(READ_CHUNK, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
        except (requests.RequestException, OSError, urllib3_errors()) as exc:
            raise Retryable(f"connection error while reading ({type(exc).__name__}: {exc})") from exc
        body = b"".join(chunks)
        expected = resp.headers.get("Content-Length")
        if expected and expected.isdigit() and "Content-Encoding" not in resp.headers and len(body) < int(expected):
            raise Retryable(f"body cut short: {len(body)} of {expected} bytes")
        return body

    # -- pages

    def fetch_page(self, path: str, params: Params, page: int, *, use_cache: bool = True) -> Page:
        """One page of ``path`` with ``params``: from the cache if present and fresh, else over HTTP."""
        query = {**params, "page": str(page)}
        url = self.url(path, query)
        entry = self._cache_entry(path, params)
        file = entry / f"page-{page:05d}.json" if entry is not None else None
        if file is not None and use_cache and not self.refresh and file.is_file():
            cached = self._read_cached(file, url, page)
            if cached is not None:
                return cached
        body, header, rows = self._request(url, page)
        if file is not None:
            write_atomic(file, body)
        return Page(header, rows, from_cache=False)

    def fetch_all(self, path: str, params: Params | None = None) -> Download:
        """Every page of ``path``, restarting from page 1 if the data changes while downloading."""
        query = {"format": "json", "per_page": str(self.per_page), **(params or {})}
        restarts = 0
        use_cache = True
        counts = [0, 0]  # pages fetched, pages read from cache: over all attempts
        while True:
            try:
                download = self._fetch_all_once(path, query, use_cache, counts)
            except _Restart as exc:
                self._drop_cache(path, query)
                use_cache = False
                restarts += 1
                if restarts > self.max_restarts:
                    raise SourceError(
                        f"{self.url(path, query)}: {exc}; gave up after {self.max_restarts} restarts"
                    ) from None
                log.warning("%s: %s; restarting from page 1", self.url(path, query), exc)
                continue
            download.restarts = restarts
            download.pages_fetched, download.pages_cached = counts
            return download

    def _check_pages(self, url: str, h: PageHeader) -> None:
        """The header's page count must follow from its total and page size, and stay under the cap."""
        if h.total == 0 and h.pages in (0, 1):
            return   # the real empty answer has page, pages, per_page and total all 0
        if h.total < 0 or h.per_page < 1:
            raise InputError(url, f"page 1: impossible header total={h.total} per_page={h.per_page}", field="total")
        expected = max(1, math.ceil(h.total / h.per_page))
        if h.pages != expected:
            raise InputError(url, f"page 1: the header says {h.pages} pages but total {h.total} at {h.per_page} "
                                  f"per page makes {expected}", field="pages", value=str(h.pages))
        if expected > self.max_pages:
            raise InputError(url, f"page 1: {expected} pages ({h.total} rows at {h.per_page} per page) exceed the "
                                  f"cap of {self.max_pages} pages", field="total", value=str(h.total))

    def _fetch_all_once(self, path: str, query: Params, use_cache: bool, counts: list[int]) -> Download:
        url = self.url(path, query)
        pages: list[list[Any]] = []
        first: PageHeader | None = None
        cached = 0
        page = 1
        while True:
            got = self.fetch_page(path, query, page, use_cache=use_cache)
            h = got.header
            counts[1 if got.from_cache else 0] += 1
            cached += got.from_cache
            if first is None:
                first = h
                self._check_pages(url, h)
            elif (h.pages, h.total, h.lastupdated) != (first.pages, first.total, first.lastupdated):
                raise _Restart(
                    f"page {page}: header changed from pages={first.pages} total={first.total} "
                    f"lastupdated={first.lastupdated} to pages={h.pages} total={h.total} "
                    f"lastupdated={h.lastupdated}"
                )
            if h.pages > 0 and h.page != page:
                raise InputError(url, f"asked for page {page}, the response says page {h.page}")
            pages.append(got.rows)
            if page >= h.pages:
                break
            page += 1
        assert first is not None
        received = sum(len(p) for p in pages)
        if received != first.total:
            if cached:
                raise _Restart(f"{received} rows but header total {first.total} (cached pages discarded)")
            raise InputError(
                url,
                f"received {received} rows in {len(pages)} page(s) but the header's total is {first.total}",
            )
        return Download(url, first, pages)

    # -- endpoints

    def indicator_data(self, code: str, *, date: str | None = None) -> IndicatorData:
        """All non-null observations of indicator ``code`` for every country and aggregate."""
        check_code(code)
        params: dict[str, str] = {}
        if date is not None:
            if not _DATE_RE.match(date):
                raise InputError("date", "expected YYYY or YYYY:YYYY", value=date)
            params["date"] = date
        dl = self.fetch_all(f"country/all/indicator/{quote(code, safe='.-_')}", params)
        observations: dict[tuple[str, int], Observation] = {}
        warnings: list[str] = []
        null_rows = skipped = 0
        for page_no, rows in enumerate(dl.pages, start=1):
            where = f"{dl.url} (page {page_no})"
            for row_no, row in enumerate(rows, start=1):
                obs = parse_observation(row, code, where, row_no)
                if obs is None:
                    null_rows += 1
                    continue
                if obs.country_code == "":
                    skipped += 1
                    continue
                key = (obs.country_code, obs.year)
                if key in observations:
                    warnings.append(
                        f"{code}: duplicate row for {key[0]} {key[1]} on page {page_no}; kept the first"
                    )
                    continue
                observations[key] = obs
        if skipped:
            warnings.append(f"{code}: skipped {skipped} row(s) with an empty countryiso3code")
        return IndicatorData(
            code=code,
            observations=[observations[k] for k in sorted(observations)],
            lastupdated=dl.header.lastupdated,
            total=dl.header.total,
            null_rows=null_rows,
            skipped_rows=skipped,
            pages_fetched=dl.pages_fetched,
            pages_cached=dl.pages_cached,
            restarts=dl.restarts,
            warnings=warnings,
        )

    def indicator_metadata(self, code: str) -> IndicatorMeta:
        """Name, definition, source and topics of indicator ``code``."""
        check_code(code)
        dl = self.fetch_all(f"indicator/{quote(code, safe='.-_')}")
        rows = [r for r in dl.rows if isinstance(r, dict)]
        match = [r for r in rows if str(r.get("id", "")).upper() == code.upper()] or rows
        if not match:
            raise InputError(dl.url, f"no metadata row for indicator {code}")
        row = match[0]
        source_obj = row.get("source")
        source: dict[str, Any] = source_obj if isinstance(source_obj, dict) else {}
        topics_obj = row.get("topics")
        topics: list[Any] = topics_obj if isinstance(topics_obj, list) else []
        return IndicatorMeta(
            id=text_of(row.get("id")) or code,
            name=text_of(row.get("name")),
            unit=text_of(row.get("unit")),
            source_id=text_of(source.get("id")),
            source=text_of(source.get("value")),
            source_note=text_of(row.get("sourceNote")),
            source_organization=text_of(row.get("sourceOrganization")),
            # topic labels verbatim (the API and the mirror both carry e.g. "Infrastructure ")
            topics=tuple(
                t["value"]
                for t in topics
                if isinstance(t, dict) and isinstance(t.get("value"), str) and t["value"]
            ),
            pages_fetched=dl.pages_fetched,
            pages_cached=dl.pages_cached,
        )

    def countries(self) -> CountryList:
        """Every economy and aggregate, flattened like the mirror's ``wb_api_country_list`` CSV."""
        dl = self.fetch_all("country")
        out: list[dict[str, str]] = []
        for page_no, rows in enumerate(dl.pages, start=1):
            for row_no, row in enumerate(rows, start=1):
                out.append(flatten_country(row, f"{dl.url} (page {page_no})", row_no))
        return CountryList(out, dl.pages_fetched, dl.pages_cached)


def urllib3_errors() -> type[Exception]:
    """The base class of urllib3's errors (a truncated or reset body raises one while reading)."""
    import urllib3.exceptions

    return urllib3.exceptions.HTTPError


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
