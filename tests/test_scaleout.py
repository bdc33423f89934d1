"""Two `wic serve` instances behind Debian's nginx on loopback: an ETL publishes a new vintage while a load runs
through the proxy (no errors, every instance moves to the new run), and a brief asked of both instances at once is
printed once (the shared brief cache).

Slow by nature (two gunicorn servers, nginx, a full ETL and a printed brief: about a minute): the one test of the
deployment.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO, replace_file, wait_until

from dashboard.briefing import brief_cache

FILE = "datahub-wdi/AG.LND.AGRI.ZS.csv"   # outside the catalog: no group value, derived series or index uses it
ABW = "/api/v1/observations?indicator=AG.LND.AGRI.ZS&country=ABW&year_from=1961&year_to=1961"
LOAD = [ABW, "/api/v1/observations?indicator=IT.NET.USER.ZS&group=WIC&year_from=2015", "/api/v1/indicators?limit=50",
        "/api/v1/countries?limit=20", "/api/v1", "/healthz"]


def _cluster_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wic_deploy_cluster", REPO / "deploy" / "cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def cluster(own_warehouse: Path, mirror_copy: Path, tmp_path: Path) -> Iterator[Any]:
    env = {"WIC_WAREHOUSE": str(own_warehouse), "WIC_CACHE": str(tmp_path / "shared-cache"),
           "WIC_MIRROR": str(mirror_copy.parent)}
    with _cluster_module().Cluster(2, workers=1, threads=4, env=env, folder=tmp_path / "cluster") as c:
        yield c


@pytest.mark.slow
def test_a_new_vintage_reaches_both_instances_under_load(cluster: Any, mirror_copy: Path) -> None:
    status, headers, body = _get(cluster.url + ABW)
    assert status == 200
    old_run = headers["X-Run-Id"]
    assert json.loads(body)["meta"]["vintage"]["run_id"] == old_run
    assert [r["value"] for r in json.loads(body)["data"]] == [pytest.approx(11.1111111111111)]

    stop = threading.Event()
    errors: list[str] = []
    seen: list[tuple[str, str]] = []   # (instance, run) of every answer through the proxy

    def load(offset: int) -> int:
        n = 0
        while not stop.is_set():
            path = LOAD[(offset + n) % len(LOAD)]
            n += 1
            try:
                status, headers, _ = _get(cluster.url + path)
            except OSError as exc:
                errors.append(f"{path}: {exc}")
                continue
            if status != 200:
                errors.append(f"{path}: {status}")
            elif "X-Run-Id" in headers:
                seen.append((headers["X-Instance"], headers["X-Run-Id"]))
        return n

    replace_file(mirror_copy / FILE, (mirror_copy / FILE).read_text(encoding="utf-8").replace(
        "Aruba,ABW,1961,11.1111111111111", "Aruba,ABW,1961,12.5").encode())
    with ThreadPoolExecutor(4) as pool:
        counts = [pool.submit(load, i) for i in range(4)]
        try:
            etl = subprocess.run([sys.executable, "-m", "wic", "etl", "--force", "--quiet"], env=cluster.env,
                                 capture_output=True, text=True, timeout=900, check=False)
            assert etl.returncode == 0, etl.stderr[-2000:]
            instances = {inst for inst, _ in seen}

            def everyone_moved() -> bool:
                direct = {_get(u + ABW)[1].get("X-Run-Id") for u in cluster.instance_urls()}
                return len(direct) == 1 and direct != {old_run} \
                    and {inst for inst, run in seen if run != old_run} == instances
            wait_until(everyone_moved, "both instances to answer from the new run, through the proxy and directly")
        finally:
            stop.set()
        total = sum(c.result() for c in counts)
    assert errors == [], errors[:10]
    assert len(instances) == 2, f"the proxy used {instances}"
    assert total > 50
    status, headers, body = _get(cluster.url + ABW)
    assert headers["X-Run-Id"] != old_run and [r["value"] for r in json.loads(body)["data"]] == [12.5]

    # The same brief asked of both instances at once: printed by one, served by both from the shared cache.
    brief = "/briefing/pdf?country=ABW&lang=en"
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda u: _get(u + brief), cluster.instance_urls()))
    assert [a[0] for a in answers] == [200, 200] and answers[0][2] == answers[1][2]
    assert answers[0][2][:5] == b"%PDF-"
    run_folder = Path(cluster.env["WIC_CACHE"]) / "briefings" / headers["X-Run-Id"].replace("/", "_")
    prints = [p for p in brief_cache.prints(run_folder) if str(p["file"]).startswith("ABW-en-")]
    assert len(prints) == 1, prints
    assert prints[0]["instance"] in {f"{socket.gethostname()}:{p}" for p in cluster.ports}   # named by wic serve
