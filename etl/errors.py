"""Errors the ETL reports to people: each names the file, row and field it is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """Bad input: a file (or URL), and where known the 1-based line, the field and the offending value."""

    source: str | Path
    message: str
    row: int | None = None
    field: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = str(self.source)
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field {self.field!r}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value!r})"
        return text


class SourceError(Exception):
    """A remote source failed in a way retries could not fix (HTTP errors, API error messages)."""


class Stopped(BaseException):
    """The process was asked to stop by a signal (SIGINT, SIGTERM, SIGHUP); raised where it was."""

    def __init__(self, signum: int, *, completed: bool = False):
        import signal

        self.signum, self.completed = signum, completed
        when = " after the run had completed" if completed else ""
        super().__init__(f"stopped by {signal.Signals(signum).name}{when}")


_received: list[int] = []


def stop_requested() -> int | None:
    """The first stop signal received since :func:`stop_on_signals`, if any.

    A signal that arrives inside a DuckDB query interrupts it with DuckDB's own error; this tells the caller
    that the real cause was a stop.
    """
    return _received[0] if _received else None


def stop_on_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped`, so that cleanup runs as for any other error."""
    import signal

    def handler(signum: int, frame: object) -> None:
        _received.append(signum)
        raise Stopped(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
