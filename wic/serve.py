"""Serving the dashboard: gunicorn in production (signals passed on), Flask's server in development."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except OSError:
            return False


def _die_with_parent() -> None:
    """Ask the kernel to send SIGTERM to this process when its parent dies (Linux), so no server outlives it."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """The gunicorn command line of the production server."""
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
            "--graceful-timeout", "20", "--access-logfile", "-",
            "--no-control-socket",   # gunicorn's control socket is one path per user: servers would share it
            "--config", "python:dashboard.gunicorn_conf",   # request limits and JSON rejections, from any cwd
            "dashboard.wsgi:server"]


def production(host: str, port: int, workers: int, threads: int) -> int:
    """Run gunicorn as a child, pass SIGTERM/SIGINT/SIGHUP on as a stop, and wait until it has shut down.

    Returns gunicorn's exit code, or 128 + the signal's number after a stop.
    """
    received: list[int] = []
    child: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, frame: object) -> None:
        received.append(signum)
        for proc in child:   # SIGINT: gunicorn's quick shutdown; SIGTERM and SIGHUP: its graceful one
            proc.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    for sig in STOP_SIGNALS:   # before the child exists: a stop that lands in between is not lost
        signal.signal(sig, forward)
    # The instance's name in X-Instance and the brief cache's print log: several instances may share one cache.
    env = {**os.environ, "WIC_INSTANCE": os.environ.get("WIC_INSTANCE") or f"{socket.gethostname()}:{port}"}
    child.append(subprocess.Popen(gunicorn_command(host, port, workers, threads), preexec_fn=_die_with_parent,
                                  env=env))
    if received:
        forward(received[0], None)
    code = child[0].wait()
    if received:
        name = signal.Signals(received[0]).name
        print(f"wic serve: stopped by {name}; the server has shut down", file=sys.stderr)
        return 128 + received[0]
    return code


def development(host: str, port: int) -> None:
    """Flask's server with the reloader and the debugger, and Dash's dev tools (loopback hosts only)."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        _die_with_parent()   # the reloader's child: stop with the process that watches the files
    from dashboard.app import create_app

    app = create_app(dev=True)
    app.server.run(host=host, port=port, debug=True, use_reloader=True, use_debugger=True)
