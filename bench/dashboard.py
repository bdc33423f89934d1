"""Benchmark the dashboard's callbacks on the production server against the full mirror warehouse.

Posts real `/_dash-update-component` payloads (from the app's own `/_dash-dependencies`) for the map, country
profile, compare and explorer views: p50/p95 latency for one client and for 20 concurrent clients, errors and
response bytes. In the same run, the map callback written the naive way (the whole observations table in
pandas, filtered per request) against the real one, both in-process.
Then every page's server callback in-process (map and its years, profile, compare lines and bubbles, explorer,
overview, index ranking and pillars, the membership page with its counts chart and its views, sources catalog), cold
(the first request for an indicator once the warm-up a server's worker runs at start has run; for the pages without
one, the first after a new vintage), warm, first after a
new vintage and the same once the warm-up has run (as each worker's watcher runs it when a new vintage appears),
against the naive version: the same rows selected from the whole observations table in pandas (for the pages without
an indicator, their whole tables loaded) plus the warm callback (the same figure); the same again in CPU time of the
process (all its threads), steadier than wall time on a loaded machine. ``--pages-only`` skips the server.
Targets (issue #3): p95 < 50 ms for one client, < 250 ms with 20 clients on 2 cores, no errors, >= 5x the naive;
(issue #13) cold >= 5x the naive on every page.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dash_payloads import payload  # noqa: E402

from etl import config, read  # noqa: E402

YEARS = list(range(2005, 2024))
INDICATORS = ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6", "GB.XPD.RSDV.GD.ZS"]
COUNTRIES = ["CHN", "USA", "DEU", "BRA", "KEN", "IND", "JPN", "RWA", "GBR", "MYS"]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def requests_for(deps: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """One randomized, realistic payload per view."""
    def dep(key: str) -> dict[str, Any]:
        return next(d for d in deps if key in d["output"])

    ind, year, iso3 = rng.choice(INDICATORS), rng.choice(YEARS), rng.choice(COUNTRIES)
    places = rng.sample(COUNTRIES, 4) + ["WIC", "WLD"]
    explorer = dep("explorer-grid.rowData")
    ex_values = {"explorer-indicators": [ind, rng.choice(INDICATORS)], "explorer-countries": places,
                 "explorer-from": 2000, "explorer-to": 2024}
    return {
        "map": payload(dep("map-graph.figure"), [ind, year, "linear", "", ["outline"]], ["en"]),
        "profile": payload(dep("country-trend.figure"), [ind], [iso3, "en"]),
        "compare": payload(dep("compare-lines.figure"), [places, ind, "linear", "absolute", 2015,
                                                          "NY.GDP.PCAP.PP.KD", "IT.NET.USER.ZS", "SP.POP.TOTL",
                                                          "region"], ["en"]),
        "explorer": payload(explorer, [ex_values.get(i["id"]) for i in explorer["inputs"]],
                            ["en" if s["property"] == "data" else None for s in explorer["state"]]),
    }


FAILURES: list[str] = []


def post(session: requests.Session, url: str, body: dict[str, Any]) -> tuple[float, int, int]:
    """Seconds, status and bytes of one callback request (failures are kept to be shown)."""
    start = time.perf_counter()
    response = session.post(url, json=body, timeout=30)
    if response.status_code != 200:
        FAILURES.append(f"{response.status_code} {body['output'][:60]}: {response.text[:200]}")
    return time.perf_counter() - start, response.status_code, len(response.content)


def naive_map(full: Any, indicator: str, year: int) -> dict[str, Any]:
    """The map callback the naive way: filter the whole table in pandas per request, then the same figure."""
    from dashboard import figures, i18n
    from dashboard.pages import map as page

    part = full[(full["indicator"] == indicator) & (full["year"] == year)]
    shapes = page.shapes("en")
    keep = {c for c, _ in shapes}
    values = [(c, v) for c, v in zip(part["iso3"].tolist(), part["value"].tolist(), strict=True) if c in keep]
    meta = read.indicator_meta(indicator)
    rows = page.map_rows(values, read.display_names("en"), i18n.unit(meta, "en"), year, "en")
    return figures.choropleth([r[:3] for r in rows], shapes, title="", note="", colorbar="", log=False)


def naive_rows(full: Any, view: str, body: dict[str, Any]) -> int:
    """The rows a view's request needs, selected the naive way: the whole table filtered in pandas."""
    values = {i["id"]: i["value"] for i in body["inputs"]}
    if view == "map":
        part = full[(full["indicator"] == values["map-indicator"]) & (full["year"] == values["map-year"])]
    elif view == "profile":
        iso3 = next(s["value"] for s in body["state"] if isinstance(s["value"], str) and len(s["value"]) == 3)
        part = full[(full["indicator"] == body["inputs"][0]["value"]) & (full["iso3"] == iso3)]
    elif view == "compare":
        part = full[(full["indicator"] == values["compare-indicator"]) & full["iso3"].isin(values["compare-countries"])]
    elif view == "map-years":   # the years with data: every row of the indicator
        part = full[full["indicator"] == values["map-indicator"]]["year"].drop_duplicates()
    elif view == "bubbles":
        part = full[full["indicator"].isin([values["compare-x"], values["compare-y"], values["compare-size"]])
                    & (full["year"] >= 2000)]
    else:
        part = full[full["indicator"].isin(values["explorer-indicators"])
                    & full["iso3"].isin(values["explorer-countries"])]
    return len(part)


# Every page's server callbacks. Those of an indicator are cold on the first request for an indicator (the
# warehouse already open); the others read no observations of an indicator and are cold on the first request after
# a new vintage (the file opened afresh). Every view is also measured first after a new vintage ("new vintage").
BY_INDICATOR = ("map", "map-years", "profile", "compare", "bubbles", "explorer")
BY_VINTAGE = ("overview", "index-rank", "index-pillar", "membership", "membership-map", "sources")
PILLAR_WEIGHTS = [20, 20, 20, 20, 20]
READS_OBSERVATIONS = (*BY_INDICATOR, "overview")


def page_requests(deps: list[dict[str, Any]], indicator: str, rng: random.Random) -> dict[str, dict[str, Any]]:
    """One realistic payload per page callback (:data:`BY_INDICATOR` about ``indicator``)."""
    def dep(key: str) -> dict[str, Any]:
        return next(d for d in deps if key in d["output"] and not d.get("clientside_function"))

    year, iso3 = rng.choice(YEARS), rng.choice(COUNTRIES)
    places = rng.sample(COUNTRIES, 4) + ["WIC", "WLD"]
    explorer = dep("explorer-grid.rowData")
    ex_values = {"explorer-indicators": [indicator, rng.choice(INDICATORS)], "explorer-countries": places,
                 "explorer-from": 2000, "explorer-to": 2024}
    rank = dep("index-rank.figure")
    return {
        "map": payload(dep("map-graph.figure"), [indicator, year, "linear", "", ["outline"]], ["en"]),
        "map-years": payload(dep("map-year.min"), [indicator], [year]),
        "profile": payload(dep("country-trend.figure"), [indicator], [iso3, "en"]),
        "compare": payload(dep("compare-lines.figure"), [places, indicator, "linear", "absolute", 2015,
                                                          "NY.GDP.PCAP.PP.KD", "IT.NET.USER.ZS", "SP.POP.TOTL",
                                                          "region"], ["en"]),
        "bubbles": payload(dep("compare-bubbles.figure"), [indicator, "IT.NET.USER.ZS", "SP.POP.TOTL", "region",
                                                            places], ["en", None]),
        "explorer": payload(explorer, [ex_values.get(i["id"]) for i in explorer["inputs"]],
                            ["en" if s["property"] == "data" else None for s in explorer["state"]]),
        "overview": payload(dep("_pages_content.children"), ["/", "?lang=en"]),
        "index-rank": payload(rank, [*PILLAR_WEIGHTS, "minmax", "arithmetic", "", ""][:len(rank["inputs"])],
                              ["en"]),
        "index-pillar": payload(dep("index-pillar.figure"), [iso3, "minmax"], ["en"]),
        "membership": payload(dep("_pages_content.children"), ["/membership", "?lang=en"]),   # counts: in the page
        "membership-map": payload(dep("membership-map.figure"), ["", ""], ["en"]),
        "sources": payload(dep("sources-catalog.children"), [""], ["en"]),
    }


def naive_tables(view: str) -> list[str]:
    """The whole tables a naive version of a view reads after a new vintage (:data:`BY_VINTAGE`)."""
    return {"overview": ["observations", "membership_counts", "members"],
            "index-rank": ["index_scores", "index_pillar_scores", "index_uncertainty"],
            "index-pillar": ["index_pillar_scores", "index_sensitivity", "index_indicator_scores"],
            "membership": ["membership_counts", "members"], "membership-map": ["members"],
            "sources": ["indicators", "pillars"]}[view]


def page_figures(client: Any, deps: list[dict[str, Any]], *, n_cold: int, n_warm: int, rng: random.Random,
                 full: Any = None) -> dict[str, dict[str, list[float]]]:
    """Milliseconds of every page callback in-process: ``cold``, ``warm``, ``vintage`` (first after a new vintage),
    ``warmed`` (the same once the warm-up has run, as each worker's watcher runs it on a new vintage) and, with
    ``full`` (the observations table in pandas), ``naive``: the naive selection of the same rows (the
    whole table filtered per request; for :data:`BY_VINTAGE`, its whole tables loaded) plus the warm callback."""
    wh = read.open_warehouse()
    fresh = [c for c in read.indicators()["code"] if c not in INDICATORS]
    rng.shuffle(fresh)

    cpu: list[float] = []   # the process's CPU milliseconds of the last post (all its threads, DuckDB's too)

    def post(body: dict[str, Any]) -> float:
        start, used = time.perf_counter(), time.process_time()
        response = client.post("/_dash-update-component", json=body)
        ms = (time.perf_counter() - start) * 1000
        cpu[:] = [(time.process_time() - used) * 1000]
        if response.status_code != 200:
            FAILURES.append(f"{response.status_code} {body['output'][:60]}: {response.text[:200]}")
        return ms

    from dashboard.app import warm_up

    out: dict[str, dict[str, list[float]]] = {v: {"cold": [], "warm": [], "vintage": [], "warmed": [], "naive": [],
                                                  "cold_cpu": [], "warm_cpu": [], "naive_cpu": []}
                                              for v in (*BY_INDICATOR, *BY_VINTAGE)}
    warm_up()   # what each worker does before its first request (dashboard.wsgi): cold below is as a server sees it
    for ind in INDICATORS:   # the warm set, asked once
        for body in page_requests(deps, ind, rng).values():
            post(body)
    asked: list[tuple[str, dict[str, Any], float, float]] = []   # (view, body, warm ms, warm CPU ms) for naive
    for view in (*BY_INDICATOR, *BY_VINTAGE):
        for _ in range(n_cold):
            if view in BY_VINTAGE:
                wh.close()   # what a swap does: the next request opens the file afresh, every memo empty
            body = page_requests(deps, fresh.pop(), rng)[view]
            out[view]["cold"].append(post(body))
            out[view]["cold_cpu"].append(cpu[0])
            warm = post(body)
            asked.append((view, body, warm, cpu[0]))
        for _ in range(n_warm):
            out[view]["warm"].append(post(page_requests(deps, rng.choice(INDICATORS), rng)[view]))
            out[view]["warm_cpu"].append(cpu[0])
        for _ in range(max(1, n_cold // 4)):
            wh.close()
            out[view]["vintage"].append(post(page_requests(deps, fresh.pop(), rng)[view]))
            wh.close()
            warm_up()   # what each worker's watcher does when a new vintage appears (dashboard.wsgi)
            out[view]["warmed"].append(post(page_requests(deps, fresh.pop(), rng)[view]))
    # The naive versions run after every real request: their scans of the whole table (gigabytes at 10x) would
    # otherwise evict the caches the next real request finds warm in a server.
    for view, body, warm, warm_cpu in asked if full is not None else []:
        start, used = time.perf_counter(), time.process_time()
        if view in BY_VINTAGE:
            for table in naive_tables(view):
                wh.frame(f"SELECT * FROM {table}")   # noqa: S608 - table names from the list above
        else:
            naive_rows(full, view, body)
        out[view]["naive"].append((time.perf_counter() - start) * 1000 + warm)
        out[view]["naive_cpu"].append((time.process_time() - used) * 1000 + warm_cpu)
    return out


def cold_per_page(app: Any, full: Any, rng: random.Random) -> None:
    """Each page's callback in-process, cold, warm and first after a new vintage, against the naive version."""
    client = app.server.test_client()
    response = client.get("/_dash-dependencies")
    if response.status_code != 200:
        raise SystemExit(f"/_dash-dependencies failed: {response.status_code}")
    figures = page_figures(client, response.get_json(), n_cold=12, n_warm=20, rng=rng, full=full)
    load = os.getloadavg()[0]
    print(f"every page callback in-process (load average {load:.1f}; cold: first request for an indicator, or for "
          f"{', '.join(BY_VINTAGE)} first after a new vintage), p50 / p95 ms:")
    print(f"{'page callback':18} {'cold p50':>9} {'cold p95':>9} {'warm p95':>9} {'new vintage':>12} "
          f"{'warmed up':>10} {'naive p50':>10} {'naive/cold':>11} {'naive/warm':>11}")
    for view, f in figures.items():
        c, nv = statistics.median(f["cold"]), statistics.median(f["naive"])
        print(f"{view:18} {c:9.1f} {pct(f['cold'], 95):9.1f} {pct(f['warm'], 95):9.1f} "
              f"{pct(f['vintage'], 95):12.1f} {pct(f['warmed'], 95):10.1f} {nv:10.1f} {nv / c:10.1f}x "
              f"{nv / statistics.median(f['warm']):10.1f}x"
              + ("" if view in READS_OBSERVATIONS else "  (reads no observations: naive = its small tables)"))
    print("naive/warm: what naive/cold would be if the first request for an indicator cost what a repeated one does "
          "(the naive version is the warm callback plus the pandas filter; the warm and cold requests ask for "
          "different indicators, so a page's cold p50 can be below its warm one)")
    print("the same in CPU time of this process (all its threads; steadier than wall time on a loaded machine), ms:")
    print(f"{'page callback':18} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'naive p50':>10} {'naive/cold':>11}")
    for view, f in figures.items():
        c, nv = statistics.median(f["cold_cpu"]), statistics.median(f["naive_cpu"])
        print(f"{view:18} {c:9.1f} {pct(f['cold_cpu'], 95):9.1f} {statistics.median(f['warm_cpu']):9.1f} "
              f"{nv:10.1f} {nv / max(c, 1e-9):10.1f}x")
    worst = min((statistics.median(f["naive"]) / statistics.median(f["cold"]), view) for view, f in figures.items()
                if view in READS_OBSERVATIONS)
    print(f"target (issue #13) cold >= 5x the naive on every page that reads observations: worst {worst[0]:.1f}x "
          f"({worst[1]})")


def server_figures(args: argparse.Namespace) -> tuple[dict[str, list[float]], list[float], int]:
    """One client per view, then concurrent clients, against `wic serve --prod`: per-view times, all times of the
    concurrent clients and their errors."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workers = (["--workers", str(args.workers)] if args.workers else []) + (
        ["--threads", str(args.threads)] if args.threads else [])
    server = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--port", str(port), *workers],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        deps = session.get(base + "/_dash-dependencies").json()
        url = base + "/_dash-update-component"
        rng = random.Random(7)
        for _ in range(10):   # warm every worker
            for body in requests_for(deps, rng).values():
                post(session, url, body)
        print(f"machine: {os.cpu_count()} cores; server: gunicorn, {args.workers or (os.cpu_count() or 1) + 1} "
              f"workers x {args.threads or 2} threads; "
              f"warehouse: {config.warehouse_path()}")
        print(f"{'view':10} {'1 client p50 ms':>16} {'p95 ms':>8} {'bytes':>9} {'errors':>7}")
        singles: dict[str, list[float]] = {}
        for view in ("map", "profile", "compare", "explorer"):
            times, errors, size = [], 0, 0
            for _ in range(args.requests):
                seconds, status, size = post(session, url, requests_for(deps, rng)[view])
                times.append(seconds * 1000)
                errors += status != 200
            singles[view] = times
            print(f"{view:10} {statistics.median(times):16.1f} {pct(times, 95):8.1f} {size:9,} {errors:7}")

        def client(seed: int) -> tuple[list[float], int]:
            local, r = requests.Session(), random.Random(seed)
            out, errs = [], 0
            for _ in range(args.per_client):
                view = r.choice(["map", "profile", "compare", "explorer"])
                seconds, status, _ = post(local, url, requests_for(deps, r)[view])
                out.append(seconds * 1000)
                errs += status != 200
            return out, errs

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(client, range(args.clients)))
        wall = time.perf_counter() - start
        all_times = [t for times, _ in results for t in times]
        errors = sum(e for _, e in results)
        print(f"{args.clients} concurrent clients, {len(all_times)} mixed requests in {wall:.1f} s: "
              f"p50 {statistics.median(all_times):.1f} ms, p95 {pct(all_times, 95):.1f} ms, errors {errors}")
    finally:
        server.terminate()
        server.wait(timeout=60)   # a loaded machine takes a while to stop the workers
    return singles, all_times, errors


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="requests per view for one client")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--per-client", type=int, default=12, help="requests per concurrent client")
    parser.add_argument("--workers", type=int, default=None, help="server workers (default: wic serve's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: wic serve's)")
    parser.add_argument("--pages-only", action="store_true",
                        help="only the in-process comparison of every page callback with its naive version")
    args = parser.parse_args()
    if not config.warehouse_path().exists():
        subprocess.run([sys.executable, "-m", "etl.cli", "etl", "--quiet"], check=True)
    singles: dict[str, list[float]] = {}
    all_times: list[float] = []
    errors = 0
    if not args.pages_only:
        singles, all_times, errors = server_figures(args)
    rng = random.Random(7)

    from dashboard.app import create_app, warm_up

    app = create_app()   # pages register themselves with the app (once per process)
    warm_up()   # as each server worker does before its first request
    from dashboard.pages import map as page

    full = read.open_warehouse().frame("SELECT iso3, indicator, year, value FROM observations")
    cases = [(rng.choice(INDICATORS), rng.choice(YEARS)) for _ in range(30)]
    for ind, year in cases[:3]:
        page.render(ind, year, "linear", "", ["outline"], "en")
        naive_map(full, ind, year)
    warm, cold, naive = [], [], []
    first_time = list(read.indicators(catalog_only=True)["code"])
    rng.shuffle(first_time)
    for code in first_time[:30]:   # cold: an indicator asked for the first time
        if code in INDICATORS:
            continue
        t = time.perf_counter()
        page.render(code, 2020, "linear", "", ["outline"], "en")
        cold.append((time.perf_counter() - t) * 1000)
    for ind, year in cases:
        t = time.perf_counter()
        page.render(ind, year, "linear", "", ["outline"], "en")
        warm.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        naive_map(full, ind, year)
        naive.append((time.perf_counter() - t) * 1000)
    n = statistics.median(naive)
    print(f"map callback in-process, median of {len(cases)}: naive (whole table in pandas, {len(full):,} rows, "
          f"filtered per request) {n:.1f} ms; real, warm (the indicator's rows kept) "
          f"{statistics.median(warm):.1f} ms: {n / statistics.median(warm):.1f}x; real, cold (first request for an "
          f"indicator, {len(cold)} indicators) {statistics.median(cold):.1f} ms: {n / statistics.median(cold):.1f}x")
    cold_per_page(app, full, rng)
    for failure in FAILURES[:5]:
        print("failed:", failure)
    if singles:
        print(f"targets: 1-client p95 < 50 ms: {max(pct(t, 95) for t in singles.values()):.1f} ms (worst view); "
              f"20-client p95 < 250 ms: {pct(all_times, 95):.1f} ms; errors 0: {errors}")


if __name__ == "__main__":
    main()
