"""Scale-out: throughput of 1 against 2 `wic serve` instances behind nginx (deploy/cluster.py), in one run.

Closed loop on the same machine: ``--clients`` clients each send their next request when the previous one is
answered, for ``--seconds`` per layout, drawing HTTP API calls at random from bench/load.py's mix (the same seed
for both layouts). The baseline is one instance behind the same proxy; the figure is requests per second, the
p50/p95 latency and the errors. Both layouts give each instance ``--workers`` gunicorn workers, so two
instances have twice the workers: on a 2-core machine the cores, not the instances, are the limit.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import random
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cluster = _module("wic_deploy_cluster", REPO / "deploy" / "cluster.py")
load = _module("bench_load", REPO / "bench" / "load.py")


def run(port: int, clients: int, seconds: float, seed: int) -> dict[str, float]:
    """Requests per second, p50 and p95 (ms) and errors of ``clients`` closed-loop clients on 127.0.0.1:port."""
    latencies: list[float] = []
    errors: list[str] = []
    instances: set[str] = set()
    deadline = time.monotonic() + seconds
    guard = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            path = load.api_path(rng)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                status, who = resp.status, resp.getheader("X-Instance") or ""
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, who = 0, str(exc)
            took = time.perf_counter() - started
            with guard:
                if status == 200:
                    latencies.append(took)
                    instances.add(who)
                else:
                    errors.append(f"{status} {path}")
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"rps": len(latencies) / elapsed, "p50": load.pct(latencies, 50) * 1000 if latencies else 0.0,
            "p95": load.pct(latencies, 95) * 1000 if latencies else 0.0, "errors": len(errors),
            "requests": len(latencies), "instances": len(instances)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.clients} clients x {args.seconds:.0f} s per layout; {args.workers} workers x {args.threads} "
          f"threads per instance")
    results = {}
    for n in (1, 2):
        with cluster.Cluster(n, workers=args.workers, threads=args.threads) as c:
            run(c.port, args.clients, 5.0, args.seed + 99)   # warm every worker (imports, lookups, cache)
            results[n] = run(c.port, args.clients, args.seconds, args.seed)
        r = results[n]
        print(f"{n} instance{'s' if n > 1 else ' '} behind nginx: {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  "
              f"p95 {r['p95']:6.1f} ms  {r['requests']:.0f} requests, {r['errors']:.0f} errors, "
              f"answered by {r['instances']:.0f} instance(s)")
    print(f"2 instances against 1: {results[2]['rps'] / results[1]['rps']:.2f}x the throughput, "
          f"p95 {results[2]['p95'] / results[1]['p95']:.2f}x")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
