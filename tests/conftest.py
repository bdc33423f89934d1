"""Shared fixtures: one warehouse built per session from the real mirror by the real loader."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import duckdb
import pytest

from etl import config, read
from etl.build import RunReport
from etl.steps import Context

pytest_plugins = ["count_check"]   # a collected test without a result fails the run (tests/count_check.py)

REPO = Path(__file__).resolve().parent.parent
# Debian's headless shell: the Blink of its chromium without the browser's window machinery (what Playwright
# itself runs for headless tests); the three browser-test files took 260 s of test time instead of 331 s with the
# full browser. test_briefing_pdf still draws a standalone brief in the full one.
CHROMIUM = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
OUTSIDE: list[str] = []   # every request a browser test saw leave 127.0.0.1 (test_browser.Watched records them)

# A machine may set PYTHONDONTWRITEBYTECODE: then every process of the suite (and every ETL, server and worker it
# starts) compiles each module it imports from source again, about a second per new process. Cache bytecode.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def build_warehouse(target: Path, **ctx_overrides: object) -> RunReport:
    """Run the real ETL into ``target``."""
    from etl import build

    return build.run(Context.default(**ctx_overrides), target=target, force=True)


def _shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's warehouse file: built here, or under pytest-xdist by the first worker to take the lock and
    read by the others (the tests never write it: those that rebuild or break one use ``own_warehouse``)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        target = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
        build_warehouse(target)
        return target
    folder = tmp_path_factory.getbasetemp().parent / "warehouse"   # the run's folder, shared by its workers
    folder.mkdir(exist_ok=True)
    target, done = folder / "warehouse.duckdb", folder / "built"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # released when the build is done (or the builder dies)
        if not done.exists():
            build_warehouse(target)
            done.write_text(str(target))
    return target


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's warehouse, built once from the real mirror; also the default for the read API."""
    if not config.raw_dir().is_dir():
        pytest.exit(f"the data mirror is missing at {config.raw_dir()} (set WIC_MIRROR)", returncode=2)
    target = _shared_warehouse(tmp_path_factory)
    old = os.environ.get("WIC_WAREHOUSE")
    os.environ["WIC_WAREHOUSE"] = str(target)
    yield target
    if old is None:
        os.environ.pop("WIC_WAREHOUSE", None)
    else:
        os.environ["WIC_WAREHOUSE"] = old


@pytest.fixture(scope="session")
def dash_app(warehouse_path: Path) -> Any:
    """The dashboard, created once per session: Dash hands the pages' callbacks to the first app that serves."""
    from dashboard.app import create_app

    return create_app()


@pytest.fixture(scope="session")
def app(dash_app: Any) -> Any:
    """The session's dashboard app."""
    return dash_app


@pytest.fixture(scope="session")
def client(dash_app: Any) -> Iterator[Any]:
    """A Flask test client of the session's app."""
    with dash_app.server.test_client() as c:
        yield c


@pytest.fixture(scope="session")
def deps(client: Any) -> list[dict[str, Any]]:
    """Every callback the app serves, as the browser learns them from `/_dash-dependencies`."""
    return client.get("/_dash-dependencies").get_json()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(warehouse_path: Path) -> Iterator[str]:
    """The production server (`wic serve --prod`, two workers) on the session's warehouse, for the browser tests
    (one per module)."""
    port = free_port()
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse_path)}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--prod", "--workers", "2", "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError("server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))
        try:
            return bool(urlopen(base + "/healthz", timeout=1).status == 200)
        except OSError:
            return False

    wait_until(healthy, "the dashboard server to answer /healthz", timeout=60)
    yield base
    proc.terminate()
    proc.wait(timeout=60)
    assert OUTSIDE == [], f"requests left 127.0.0.1: {OUTSIDE[:5]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium headless shell through Playwright, launched once per module: Playwright's sync API keeps an
    asyncio loop running in this thread while it is open, which would fail every later test that starts one."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium-headless-shell is missing: `make test` installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def db(warehouse_path: Path) -> read.Warehouse:
    """A read handle on the session's warehouse."""
    return read.open_warehouse(warehouse_path)


@pytest.fixture
def own_warehouse(warehouse_path: Path, tmp_path: Path) -> Path:
    """A private copy of the session's warehouse, for tests that rebuild or break it."""
    target = tmp_path / "wh" / "warehouse.duckdb"
    target.parent.mkdir()
    shutil.copyfile(warehouse_path, target)
    return target


@pytest.fixture
def mirror_copy(tmp_path: Path) -> Path:
    """A writable mirror: folders of symlinks to the real files, so a test can replace one file."""
    root = tmp_path / "mirror" / "raw"
    raw = config.raw_dir()
    for f in sorted(raw.rglob("*")):
        if f.is_file() and f.parent != raw:
            (root / f.relative_to(raw)).parent.mkdir(parents=True, exist_ok=True)
            (root / f.relative_to(raw)).symlink_to(f)
    return root


@pytest.fixture
def members_copy(tmp_path: Path) -> Path:
    """A writable copy of the members folder."""
    dest = tmp_path / "members"
    shutil.copytree(REPO / "data" / "members", dest)
    return dest


def replace_file(path: Path, content: bytes) -> None:
    """Replace a (symlinked) mirror file with new bytes."""
    path.unlink()
    path.write_bytes(content)


_POLL = threading.Event()   # never set: waiting on it is the pause between two checks of a condition


def wait_until(condition: Callable[[], object], what: str, timeout: float = 120.0) -> None:
    """Check ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds.

    The result never depends on the machine's speed: a slow machine only takes more checks.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        _POLL.wait(0.01)


@contextmanager
def warming(wh: read.Warehouse, work: Callable[[], object] = lambda: None) -> Iterator[None]:
    """``wh.switch_warm`` in a thread of its own, held inside its warm-up (after ``work``, run on the new file)
    for the block: as a server's watcher warming a swapped-in file while requests go on."""
    entered, release = threading.Event(), threading.Event()

    def warm() -> None:
        work()
        entered.set()
        release.wait(60)

    switching = threading.Thread(target=wh.switch_warm, args=(warm,))
    switching.start()
    try:
        wait_until(entered.is_set, "the warm-up to open the new file")
        yield
    finally:
        release.set()
        switching.join(60)


def swap_in_edited(live: Path, tmp: Path, sql: str, params: Sequence[Any] = ()) -> None:
    """Swap in, as the ETL does (``os.replace``), a copy of the warehouse ``live`` changed by ``sql``."""
    new = tmp / f"next-{time.monotonic_ns()}.duckdb"
    shutil.copyfile(live, new)
    con = duckdb.connect(str(new))
    con.execute(sql, list(params))
    con.close()
    os.replace(new, live)
