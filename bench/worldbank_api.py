"""Benchmark the World Bank API download (`wic etl --source worldbank`'s extract): one indicator at a time against
several at a time, from the local fake API (tests/fake_worldbank.py, on 127.0.0.1, serving the mirror in the API's
real JSON shape) run in its own process, with every answer delayed by ``--latency`` seconds as a network would.
Each pass downloads the same indicators into a fresh folder with a fresh page cache; wall time, median of
``--repeat`` passes, and the ratio against one at a time in the same run are printed."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.snapshot.worldbank import extract  # noqa: E402
from etl.snapshot.worldbank.http import WorldBankClient  # noqa: E402
from wic.cli import _worldbank_codes  # noqa: E402

SERVER = """
import sys, threading
sys.path.insert(0, {tests!r})
from fake_worldbank import FakeWorldBank
fake = FakeWorldBank().start()
if {latency} > 0:
    fake.add_fault("timeout", delay={latency}, times=None)
print(fake.port, flush=True)
threading.Event().wait()
"""


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each answer is delayed (default 0.1)")
    parser.add_argument("--repeat", type=int, default=3, help="passes per setting (default 3)")
    parser.add_argument("--downloads", default="1,2,4,8", help="indicators at a time to compare (default 1,2,4,8)")
    args = parser.parse_args()
    codes = _worldbank_codes("catalog")
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(tests=str(REPO / "tests"), latency=args.latency)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}/v2"
        print(f"{len(codes)} catalog indicators and the country list from the fake API in its own process; "
              f"every answer delayed {args.latency:g} s")
        print(f"{'at a time':>10} {'median s':>9} {'runs s':>24} {'requests':>9} {'vs one at a time':>17}")
        first = None
        for n in (int(x) for x in args.downloads.split(",")):
            runs, requests = [], 0
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    client = WorldBankClient(base, cache_dir=Path(tmp) / "cache")
                    start = time.perf_counter()
                    result = extract(codes, Path(tmp) / "out", client=client, downloads=n)
                    runs.append(time.perf_counter() - start)
                    client.close()
                    requests = result.pages_fetched
            median = statistics.median(runs)
            first = first or median
            print(f"{n:>10} {median:9.2f} {', '.join(f'{r:.2f}' for r in runs):>24} {requests:>9} "
                  f"{first / median:16.2f}x")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
