"""N ``wic serve`` instances behind Debian's nginx on one machine, loopback only (the scale-out layout).

Every instance reads the same published warehouse (``WIC_WAREHOUSE``) and the same brief cache (``WIC_CACHE``);
each has its own gunicorn workers, response cache and Chromium. nginx runs in the foreground with its prefix,
pid, logs and temp folders in one folder. ``python deploy/cluster.py --instances 2 --port 8080`` runs it until
Ctrl-C; the tests and ``bench/scaleout.py`` use :class:`Cluster`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf.template"
NGINX = ("nginx", "/usr/sbin/nginx")
START_TIMEOUT = 120.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx() -> str:
    """Debian's nginx, or an error naming what to install."""
    for name in NGINX:
        found = shutil.which(name) or (name if Path(name).exists() else None)
        if found:
            return found
    raise SystemExit("nginx is missing: install Debian's `nginx` (make system-deps)")


def render_nginx(listen: str, upstreams: list[str], prefix: Path) -> str:
    """The nginx configuration from deploy/nginx.conf.template for these addresses and this prefix."""
    servers = "\n".join(f"        server {u} max_fails=3 fail_timeout=5s;" for u in upstreams)
    # As root, nginx's workers would switch to `nobody`, who cannot use a private temp prefix.
    user = "user root;" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {"prefix": str(prefix), "listen": listen, "servers": servers, "user": user}.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = START_TIMEOUT) -> None:
    """Wait until ``url`` answers 200, or fail if ``proc`` exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(proc.args)} exited with {proc.returncode} before {url} answered")  # type: ignore[arg-type]
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)   # a poll interval, not a wait for something to happen
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


class Cluster:
    """``instances`` gunicorn servers and one nginx in front of them, all on 127.0.0.1."""

    def __init__(self, instances: int = 2, *, workers: int = 1, threads: int = 4, port: int | None = None,
                 env: dict[str, str] | None = None, folder: Path | None = None) -> None:
        self.env = {**os.environ, **(env or {})}
        self.folder = folder or Path(tempfile.mkdtemp(prefix="wic-cluster-"))
        self.ports = [free_port() for _ in range(instances)]
        self.port = port or free_port()
        self.workers, self.threads = workers, threads
        self.procs: list[subprocess.Popen[bytes]] = []
        self.proxy: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def instance_urls(self) -> list[str]:
        """Each instance's own base URL (bypassing the proxy)."""
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def start(self) -> Cluster:
        """Start the instances, wait until each answers, then start nginx and wait until it answers."""
        logs = self.folder / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for port in self.ports:
            with open(logs / f"instance-{port}.log", "wb") as log:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "wic", "serve", "--host", "127.0.0.1", "--port", str(port),
                     "--workers", str(self.workers), "--threads", str(self.threads)],
                    env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        for port, proc in zip(self.ports, self.procs, strict=True):
            wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        prefix = self.folder / "nginx"
        prefix.mkdir(exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(render_nginx(f"127.0.0.1:{self.port}", [f"127.0.0.1:{p}" for p in self.ports], prefix))
        command = [nginx(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected {conf}: {check.stderr.strip().splitlines()[-1]}")
        with open(logs / "nginx.log", "wb") as log:
            self.proxy = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_ready(f"{self.url}/healthz", self.proxy)
        return self

    def stop(self) -> None:
        """Stop nginx, then every instance (SIGTERM, then SIGKILL after 30 s), each by its own pid."""
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGQUIT)   # nginx's graceful stop
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*([self.proxy] if self.proxy else []), *self.procs]:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        self.procs.clear()
        self.proxy = None

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=2, help="gunicorn instances (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="workers per instance (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1 (default 8080)")
    args = parser.parse_args()
    with Cluster(args.instances, workers=args.workers, threads=args.threads, port=args.port) as cluster:
        print(f"nginx on {cluster.url} in front of {', '.join(cluster.instance_urls())}; logs in {cluster.folder}; "
              "Ctrl-C stops", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
