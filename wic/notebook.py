"""JupyterLab for the notebooks: on a loopback host, with this interpreter's kernel, fetching nothing outside."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from etl import config

CONFIG = Path(__file__).resolve().parent / "jupyter_lab_config.json"   # no news feed, update check or PyPI lookups


def default_root() -> Path:
    """The project's notebooks folder."""
    return config.REPO_ROOT / "notebooks"


def jupyter_command(root: Path, host: str, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line: ``root`` as the file browser's root, the python3 kernel of this interpreter."""
    return [sys.executable, "-m", "jupyterlab", f"--config={CONFIG}", f"--ServerApp.ip={host}",
            f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}", f"--ServerApp.open_browser={open_browser}",
            "--MappingKernelManager.default_kernel_name=python3",
            f"--ServerApp.allow_root={os.geteuid() == 0}"]   # containers and CI run as root


def run(root: Path, host: str, port: int, open_browser: bool) -> None:
    """Replace this process with JupyterLab (its own signal handling then stops the server and its kernels)."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise RuntimeError("JupyterLab is not installed here: `make notebook` installs the notebook extra")
    if not root.is_dir():
        raise RuntimeError(f"no notebooks folder at {root}")
    os.environ["WIC_WAREHOUSE"] = str(config.warehouse_path())   # kernels start in the notebooks' folder
    command = jupyter_command(root, host, port, open_browser)
    sys.stdout.flush()
    os.execv(command[0], command)
