"""Load: a realistic mix (half HTTP API calls, half recorded Dash callback payloads) against `wic serve --prod`.

The load generator runs on the same machine. Closed loop: each client sends its next request when the previous
one is answered. Every client draws its own requests at random from the views and queries of bench/dashboard.py
(indicators, years, countries, groups) and never replays a sequence, so cache hits are only the requests that
happen to repeat; the hit rate is printed. In one run, for the same request sequences: the server without its
response cache (every answer computed afresh: the baseline) and with it, at 20 and 50 clients; then a soak
at 50 clients with the cache, checking errors and the workers' memory (RSS) growth.
Targets (issue #15): 50 clients p95 < 300 ms; soak: 0 errors, worker memory growth < 10 %.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from etl import config  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_dashboard", Path(__file__).resolve().parent / "dashboard.py")
assert _spec is not None and _spec.loader is not None
_callbacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_callbacks)
requests_for = _callbacks.requests_for   # the callback payloads of bench/dashboard.py

INDICATORS = ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6", "GB.XPD.RSDV.GD.ZS"]
COUNTRIES = ["CHN", "USA", "DEU", "BRA", "KEN", "IND", "JPN", "RWA", "GBR", "MYS"]
GROUPS = ["WIC", "WLD", "HIC", "LMY", "EAS", "SSF"]
REPO = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def api_path(rng: random.Random) -> str:
    """One API call of the kind a notebook or a script makes."""
    ind, places, group = rng.choice(INDICATORS), ",".join(rng.sample(COUNTRIES, 3)), rng.choice(GROUPS)
    return rng.choice([
        f"/api/v1/observations?indicator={ind}&country={places}",
        f"/api/v1/observations?indicator={ind}&group={group}&year_from=2010",
        f"/api/v1/latest?indicator={ind}&group={group}",
        "/api/v1/indicators?catalog=true", "/api/v1/indicators", "/api/v1/countries", f"/api/v1/countries/{places[:3]}",
        "/api/v1/groups", "/api/v1/members", "/api/v1/membership-counts", "/api/v1/sources",
        f"/api/v1/index-scores?group={group}", f"/api/v1/indicators/{ind}",
    ])


def requests_of(deps: list[dict[str, Any]], seed: int) -> Iterator[tuple[str, str, bytes | None]]:
    """A client's endless, never replayed requests (method, path, body): half API calls, half callbacks."""
    rng = random.Random(seed)
    while True:
        if rng.random() < 0.5:
            yield "GET", api_path(rng), None
        else:
            view = rng.choice(["map", "profile", "compare", "explorer"])
            yield "POST", "/_dash-update-component", json.dumps(requests_for(deps, rng)[view]).encode()


class Server:
    """`wic serve --prod` on a free loopback port."""

    def __init__(self, workers: int | None, threads: int | None, cache: bool):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        extra = (["--workers", str(workers)] if workers else []) + (["--threads", str(threads)] if threads else [])
        env = {**os.environ, "WIC_RESPONSE_CACHE": "1" if cache else "0"}
        self.proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--port", str(self.port),
                                      *extra], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not self._healthy():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            con.request("GET", "/healthz")
            return con.getresponse().status == 200
        except OSError:
            return False

    def workers_rss(self) -> dict[int, int]:
        """Resident memory (bytes) of each worker process: the leaves under `wic serve` (then gunicorn's master)."""
        def children(pid: int) -> list[int]:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

        leaves, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            below = children(pid)
            todo.extend(below)
            if not below and pid != self.proc.pid:
                leaves.append(pid)
        out = {}
        for child in leaves:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[int(child)] = int(line.split()[1]) * 1024
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def run(port: int, deps: list[dict[str, Any]], seeds: range, seconds: float) -> dict[str, Any]:
    """One client per seed, each sending its requests until ``seconds`` have passed: latencies (ms), errors."""
    stop = time.monotonic() + seconds
    times: list[float] = []
    errors: list[str] = []
    hits = [0]
    lock = threading.Lock()

    def client(seed: int) -> None:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        mine_hits = 0
        plan = requests_of(deps, seed)
        while time.monotonic() < stop:
            method, path, body = next(plan)
            headers = {"Accept-Encoding": "gzip"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            start = time.perf_counter()
            try:
                con.request(method, path, body=body, headers=headers)
                response = con.getresponse()
                response.read()
                status = response.status
                mine_hits += response.getheader("X-Cache") == "hit"
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                with lock:
                    errors.append(f"{path[:50]}: {exc!r}")
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - start) * 1000)
            if status not in (200, 204) and status:
                with lock:
                    errors.append(f"{status} {path[:60]}")
        with lock:
            times.extend(mine)
            hits[0] += mine_hits

    threads = [threading.Thread(target=client, args=(seed,)) for seed in seeds]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"times": times, "errors": errors, "wall": wall, "hits": hits[0]}


def line(label: str, result: dict[str, Any]) -> str:
    t = result["times"]
    return (f"{label:34} {len(t):7,} req {len(t) / result['wall']:7.1f}/s  p50 {statistics.median(t):7.1f} ms  "
            f"p95 {pct(t, 95):7.1f} ms  p99 {pct(t, 99):7.1f} ms  errors {len(result['errors'])}  "
            f"cache hits {result['hits'] / max(1, len(t)):.0%}")


def main() -> None:
    """Run the comparison and the soak; print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="seconds per measured load level (default 20)")
    parser.add_argument("--soak", type=float, default=60, help="seconds of the soak at 50 clients (default 60)")
    parser.add_argument("--workers", type=int, default=None, help="server workers (default: wic serve's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: wic serve's)")
    args = parser.parse_args()
    if not config.warehouse_path().exists():
        subprocess.run([sys.executable, "-m", "etl.cli", "etl", "--quiet"], check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; load generator on the same "
          f"machine; warehouse {config.warehouse_path()}")
    results: dict[tuple[bool, int], dict[str, Any]] = {}
    soak: dict[str, Any] = {}
    for cache in (False, True):
        server = Server(args.workers, args.threads, cache)
        try:
            con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            con.request("GET", "/_dash-dependencies")
            deps = json.loads(con.getresponse().read())
            run(server.port, deps, range(1000, 1010), 5)   # warm every worker and thread (other requests)
            for clients, first in ((20, 0), (50, 20)):   # other clients each time: no request is replayed
                results[(cache, clients)] = res = run(server.port, deps, range(first, first + clients), args.seconds)
                print(line(f"{'response cache' if cache else 'baseline (no cache)'}, {clients} clients", res))
            if cache:
                before = server.workers_rss()
                soak = run(server.port, deps, range(100, 150), args.soak)
                after = server.workers_rss()
                soak["rss"] = (before, after)
        finally:
            server.stop()
    print(line(f"soak {args.soak:.0f} s, 50 clients, cache", soak))
    before, after = soak["rss"]
    growth = max((after[p] - before[p]) / before[p] * 100 for p in before if p in after)
    print("worker RSS MiB before -> after soak: " + ", ".join(
        f"{before[p] / 2**20:.0f} -> {after.get(p, 0) / 2**20:.0f}" for p in sorted(before)) +
          f"; largest growth {growth:.1f} %")
    for clients in (20, 50):
        base, new = pct(results[(False, clients)]["times"], 95), pct(results[(True, clients)]["times"], 95)
        print(f"{clients} clients: p95 {base:.1f} -> {new:.1f} ms ({base / new:.1f}x)")
    for error in (soak["errors"] + [e for r in results.values() for e in r["errors"]])[:5]:
        print("error:", error)
    p95 = pct(results[(True, 50)]["times"], 95)
    errors = len(soak["errors"]) + sum(len(r["errors"]) for r in results.values())
    print(f"targets: 50-client p95 < 300 ms: {p95:.1f} ms; soak errors 0: {len(soak['errors'])}; "
          f"memory growth < 10 %: {growth:.1f} %; all errors: {errors}")


if __name__ == "__main__":
    main()
