"""`wic serve`: gunicorn by default and nothing left running after a stop; a working loopback-only dev mode."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest
from click.testing import CliRunner
from conftest import wait_until

from wic import cli, serve


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a new server could bind ``port`` on 127.0.0.1."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, from /proc/<pid>/task/*/children."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped does not count)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state not in ("Z", "X")


def answers(url: str, proc: subprocess.Popen[bytes]) -> bool:
    """Whether ``url`` answers 200; fails at once if the server process has ended."""
    assert proc.poll() is None, f"the server ended with exit {proc.returncode}"
    try:
        return bool(urlopen(url, timeout=2).status == 200)
    except OSError:
        return False


def start(warehouse_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``wic serve ARGS`` on a free port against the session warehouse."""
    port = free_port()
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse_path)}
    proc = subprocess.Popen([sys.executable, "-m", "wic", "serve", "--port", str(port), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, port


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_server_leaves_no_process_and_frees_its_port(warehouse_path: Path, sig: int) -> None:
    proc, port = start(warehouse_path, "--workers", "2", "--threads", "1")
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz", proc), "gunicorn to answer /healthz")
        below = descendants(proc.pid)
        assert len(below) == 3, f"expected gunicorn's master and 2 workers below wic, found {below}"
        assert all(b"gunicorn" in Path(f"/proc/{p}/cmdline").read_bytes() for p in below)   # the default
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 128 + sig
        err = proc.stderr.read().decode() if proc.stderr else ""
        assert f"wic serve: stopped by {signal.Signals(sig).name}; the server has shut down" in err
        wait_until(lambda: not any(alive(p) for p in below), "gunicorn's master and workers to exit", timeout=60)
        wait_until(lambda: port_is_free(port), f"port {port} to be free", timeout=30)
    finally:
        for p in [proc.pid, *descendants(proc.pid)]:
            if alive(p):
                os.kill(p, signal.SIGKILL)
        proc.wait(timeout=30)


def test_dev_mode_starts_serves_a_page_and_stops(warehouse_path: Path) -> None:
    proc, port = start(warehouse_path, "--dev")
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/", proc), "the dev server to serve the overview page")
        page = urlopen(f"http://127.0.0.1:{port}/map", timeout=10).read().decode()
        assert "WIC Digital Economy Observatory" in page and '"ui":true' in page.replace(" ", "")   # dev tools
        below = descendants(proc.pid)   # the reloader's child serves
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        wait_until(lambda: not any(alive(p) for p in below), "the reloader's child to exit", timeout=60)
        wait_until(lambda: port_is_free(port), f"port {port} to be free", timeout=30)
    finally:
        for p in [proc.pid, *descendants(proc.pid)]:
            if alive(p):
                os.kill(p, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_dev_mode_is_refused_off_loopback(host: str) -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--dev", "--host", host])
    assert result.exit_code == 2
    assert f"refused on {host}, use a loopback host" in result.output


def test_dev_and_prod_exclude_each_other() -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--debug", "--prod"])
    assert result.exit_code == 2 and "--dev and --prod exclude each other" in result.output


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("10.0.0.1", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback
