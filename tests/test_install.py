"""Installs: declared dependencies match the imports and the lock files; a built wheel works on its own."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.request import urlopen

import pytest
from conftest import REPO, wait_until
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
OWN = {"etl", "dashboard", "wic"}


def _requirements(group: str | None = None) -> list[Requirement]:
    project = PYPROJECT["project"]
    texts = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(t) for t in texts]


def _pins(lock: str) -> dict[str, list[tuple[Version, str]]]:
    """Each package of a lock file with its pinned versions and their environment markers."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (REPO / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if match:
            pins.setdefault(canonicalize_name(match[1]), []).append((Version(match[2]), (match[3] or "").strip()))
    return pins


def _imported_distributions() -> dict[str, set[str]]:
    """The distributions whose modules the code imports, with the files that import them."""
    stdlib = set(sys.stdlib_module_names)
    owners = metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in OWN:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                         else [])
                for name in names:
                    top = name.split(".")[0]
                    if top in stdlib or top in OWN or top == "__future__":
                        continue
                    for dist in owners.get(top, [top]):
                        found.setdefault(canonicalize_name(dist), set()).add(str(path.relative_to(REPO)))
    return found


def test_every_imported_package_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(r.name) for r in _requirements()}
    undeclared = {dist: sorted(files) for dist, files in _imported_distributions().items() if dist not in declared}
    assert undeclared == {}, f"imported but not in [project] dependencies: {undeclared}"


@pytest.mark.parametrize(("lock", "groups"), [("run.txt", [None]),
                                              ("dev.txt", [None, "test", "lint", "notebook"])])
def test_the_lock_pins_every_requirement_within_its_bounds(lock: str, groups: list[str | None]) -> None:
    pins = _pins(lock)
    for group in groups:
        for req in _requirements(group):
            versions = pins.get(canonicalize_name(req.name))
            assert versions, f"{req.name} ({group or 'dependencies'}) is not pinned in requirements/{lock}"
            for version, marker in versions:
                assert req.specifier.contains(version, prereleases=True), f"{lock}: {req.name}=={version} " \
                                                                         f"outside {req.specifier} ({marker})"


def test_the_run_lock_has_no_test_tools() -> None:
    pins = _pins("run.txt")
    tools = {"pytest", "hypothesis", "schemathesis", "ruff", "mypy", "jupyterlab", "frictionless", "nbclient",
             "ipykernel", "uv"}   # playwright is not one: the served PDF briefs are printed through it
    extras = ("test", "lint", "notebook")
    assert tools <= {canonicalize_name(r.name) for group in extras for r in _requirements(group)}
    assert sorted(tools & set(pins)) == []


def test_the_lock_files_have_hashes() -> None:
    for lock in ("run.txt", "dev.txt"):
        text = (REPO / "requirements" / lock).read_text(encoding="utf-8")
        pinned = re.findall(r"^[A-Za-z0-9._-]+==", text, flags=re.M)
        entries = re.split(r"^(?=[A-Za-z0-9._-]+==)", text, flags=re.M)[1:]
        assert len(entries) == len(pinned) > 20
        assert all("--hash=sha256:" in entry for entry in entries), f"{lock}: a pin without a hash"


def test_the_installed_versions_are_within_the_bounds() -> None:
    for group in (None, "test"):
        for req in _requirements(group):
            version = Version(metadata.version(req.name))
            assert req.specifier.contains(version, prereleases=True), f"installed {req.name} {version} {req.specifier}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built offline from a clean copy of the tracked files."""
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes((REPO / name).read_bytes())
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(out), str(src)], check=True, capture_output=True)
    return next(out.glob("wic_observatory-*.whl"))


def test_the_wheel_ships_the_metadata_sql_and_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for tracked in subprocess.run(["git", "ls-files", "etl", "dashboard", "wic"], cwd=REPO, capture_output=True,
                                  text=True, check=True).stdout.split():
        assert tracked in names, f"the wheel lacks {tracked}"
    assert {"etl/sources/wdi.meta.yaml", "etl/sql/schema.sql", "dashboard/assets/url_state.js"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "wic = wic.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_wheel_runs_info_and_serves_a_page(wheel: Path, warehouse_path: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # the dependencies `make test` installed, after the venv's own packages: only the wheel brings etl and wic
    (site / "locked-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"WIC_WAREHOUSE": str(warehouse_path)}
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import etl, wic; print(etl.__file__, wic.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), where
    info = subprocess.run([str(venv / "bin" / "wic"), "info"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert info.returncode == 0, info.stderr
    assert f"warehouse: {warehouse_path}" in info.stdout and re.search(r"observations\s+2,1\d\d,\d{3}", info.stdout)

    from test_serve import free_port

    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "wic"), "serve", "--port", str(port), "--workers", "1"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                return bool(urlopen(base + "/healthz", timeout=2).status == 200)
            except OSError:
                return False

        wait_until(up, "the wheel's server to answer /healthz", timeout=90)
        page = urlopen(base + "/country?country=KEN", timeout=30).read().decode()
        assert "/assets/url_state.js" in page and "/assets/style.css" in page
        assert b"history" in urlopen(base + "/assets/url_state.js", timeout=10).read()
        assert urlopen(base + "/api/v1/indicators/IT.NET.USER.ZS", timeout=10).status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
