"""Work run in a thread of its own, whose result (or what it raised) is handed to whoever waits for it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


def interrupt_until_done(cursor: Any, thread: Any) -> None:
    """Interrupt ``cursor`` until ``thread``, which runs its statements, has ended: an interrupt reaches only a
    statement already running, so one sent while the thread is in Python, or between statements, would be lost."""
    while thread.is_alive():
        cursor.interrupt()
        thread.join(0.05)   # a bounded wait for the thread's end, not a pause


class Worker(Generic[T]):
    """``work()`` in a daemon thread named ``name``, started at once (DuckDB and hashlib release the GIL)."""

    def __init__(self, name: str, work: Callable[[], T]) -> None:
        self.thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._result: T | None = None
        self._error: BaseException | None = None
        self.thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread by result()
            self._error = exc

    def join(self) -> None:
        """Wait for the work to end (a signal still interrupts the wait)."""
        self.thread.join()

    def result(self) -> T:
        """Wait for the work; raise what it raised, else return what it returned."""
        self.join()
        if self._error is not None:
            raise self._error
        return cast(T, self._result)

    def interrupt(self, cursor: Any) -> None:
        """Interrupt ``cursor``, on which the work runs its statements, until the work has ended."""
        interrupt_until_done(cursor, self.thread)
