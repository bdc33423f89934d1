"""A per-worker cache of whole answers to API GETs and Dash callbacks, per generation of the warehouse file.

Every answer of ``/api/v1`` and of ``/_dash-update-component`` is a pure function of the request and of the
warehouse file; the file only changes by an atomic swap. So a successful answer is kept under (the identity of
the file generation serving the request, the request line, the body's hash, the headers that change the answer)
and replayed byte for byte; a swapped file has another identity, so nothing is served from an older one. Bounded
in bytes (LRU).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from etl import read

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
MAX_BYTES = 16 * 1024 * 1024      # per worker (a worker holds about 330 MiB)
MAX_ENTRY = 1024 * 1024           # larger answers (e.g. big downloads) are not kept
MAX_REQUEST_BODY = 64 * 1024      # callback payloads are small; larger ones are not cached
VARY = ("HTTP_HOST", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
        "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "CONTENT_TYPE")


def _generation() -> tuple[int, int, int, int] | None:
    """The generation of the warehouse that serves requests now (while a new file warms, the previous one)."""
    try:
        return read.open_warehouse().generation_key()
    except OSError:   # no warehouse, or one of another schema: nothing is kept
        return None


class ResponseCache:
    """WSGI middleware around the dashboard's server; ``X-Cache: hit`` or ``miss`` says what happened."""

    def __init__(self, app: WSGIApp, max_bytes: int = MAX_BYTES):
        self.app, self.max_bytes = app, max_bytes
        self._entries: OrderedDict[tuple[Any, ...], tuple[str, list[tuple[str, str]], bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size

    def _key(self, environ: dict[str, Any]) -> tuple[Any, ...] | None:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
        if method == "GET" and path.startswith("/api/v1"):
            digest = ""
        elif method == "POST" and path == "/_dash-update-component":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return None
            if not 0 < length <= MAX_REQUEST_BODY:
                return None
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if len(body) != length:
                return None
            digest = hashlib.sha256(body).hexdigest()
        else:
            return None
        generation = _generation()
        if generation is None:
            return None
        return (generation, method, path, environ.get("QUERY_STRING", ""), digest,
                *(environ.get(name, "") for name in VARY))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, [*headers, ("X-Cache", "hit")])
            return [body]
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, [*headers, ("X-Cache", "miss")], exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        cacheable = (seen.get("status", "").startswith("200") and len(body) <= MAX_ENTRY
                     and not any(name.lower() == "set-cookie" for name, _ in seen.get("headers", [])))
        if cacheable and _generation() == key[0]:   # the file did not change while answering
            self._store(key, (seen["status"], seen["headers"], body))
        return [body]

    def _store(self, key: tuple[Any, ...], entry: tuple[str, list[tuple[str, str]], bytes]) -> None:
        size = len(entry[2]) + 512
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes and self._entries:
                _, old = self._entries.popitem(last=False)
                self._size -= len(old[2]) + 512
