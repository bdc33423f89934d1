"""A process that imports the ETL once and forks a `wic` command per request, so a test can start many real ETL
runs (each its own process, killable with a real signal) without paying Python's start-up and the steps' imports
each time. Run as a script: one JSON request per line on stdin, the child's pid and then its exit on stdout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent


class Forks:
    """A fork server: :meth:`start` runs ``wic <argv>`` in a new child process; :meth:`wait` is its exit code
    (negative: the signal that ended it, as :class:`subprocess.Popen` reports it)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=REPO, env=os.environ.copy())
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line, f"the fork server ended (exit {self.proc.poll()})"
        return line

    def start(self, argv: list[str], env: dict[str, str], stderr: Path) -> int:
        """Start ``wic <argv>`` with ``env`` set and its stderr in ``stderr``; its pid."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "stderr": str(stderr)}) + "\n")
        self.proc.stdin.flush()
        return int(self._line().removeprefix("pid "))

    def wait(self) -> int:
        """The exit code of the child started last, once it has ended."""
        return int(self._line().removeprefix("exit "))

    def running(self, pid: int) -> bool:
        """Whether the child ``pid`` has not ended yet."""
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        return state not in ("Z", "X")

    def close(self) -> None:
        """End the fork server."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _child(request: dict, out: IO[str]) -> None:
    os.environ.update(request["env"])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(err, 2)
    out.close()
    from wic.cli import run

    code = 1
    try:
        code = run(request["argv"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """Answer requests until stdin closes (the fork server's main loop)."""
    from etl import aggregates, build, catalog, changes, derived, index, steps_reuse  # noqa: F401 - imported once
    from etl.index import tables  # noqa: F401 - etl.index imports its pandas modules lazily: import them here
    from wic import cli  # noqa: F401

    build._steps_for("mirror")   # imports every step's module
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request, sys.stdout)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    serve()
