"""`wic notebook` (what `make notebook` runs): JupyterLab on 127.0.0.1 lists the notebooks through its REST API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from click.testing import CliRunner
from conftest import REPO, wait_until
from test_serve import alive, descendants, free_port, port_is_free

from wic import cli

NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))


def test_jupyterlab_starts_and_lists_the_notebooks(warehouse_path: Path, tmp_path: Path) -> None:
    port, token = free_port(), "wic-test-token"
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse_path), "JUPYTER_TOKEN": token,
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    log = tmp_path / "jupyter.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "wic", "notebook", "--port", str(port), "--no-browser"],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"

    def contents() -> list[str] | None:
        assert proc.poll() is None, f"JupyterLab ended with exit {proc.returncode}: {log.read_text()}"
        try:
            with urlopen(f"{base}/api/contents?token={token}", timeout=5) as answer:
                return sorted(item["name"] for item in json.load(answer)["content"] if item["type"] == "notebook")
        except OSError:
            return None

    try:
        wait_until(contents, "JupyterLab to answer /api/contents", timeout=120)
        assert NOTEBOOKS and contents() == NOTEBOOKS   # notebooks/ is its root
        try:
            urlopen(f"{base}/api/contents", timeout=5)
            raise AssertionError("JupyterLab answered without the token")
        except HTTPError as exc:
            assert exc.code == 403
        with urlopen(f"{base}/api/kernelspecs?token={token}", timeout=5) as answer:
            assert json.load(answer)["default"] == "python3"   # the kernel of this environment's interpreter
        text = log.read_text()
        assert "Extension Manager is 'readonly'" in text   # no extension lookups on PyPI
    finally:
        below = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        wait_until(lambda: not any(alive(p) for p in below), "JupyterLab's kernels to exit", timeout=60)
        wait_until(lambda: port_is_free(port), f"port {port} to be free", timeout=30)


def test_notebook_needs_the_warehouse(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["notebook", "--no-browser"],
                                env={"WIC_WAREHOUSE": str(tmp_path / "none.duckdb")})
    assert result.exit_code == 1
    assert "wic notebook: error: no warehouse at" in result.stderr and "build it with `wic etl`" in result.stderr
