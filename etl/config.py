"""Every path the project uses, from one place; each is overridable by an environment variable."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
META_DIR = Path(__file__).resolve().parent / "meta"
LOCALES_DIR = REPO_ROOT / "dashboard" / "locales"   # the language files, shipped with the code like META_DIR


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def mirror_dir() -> Path:
    """Root of the offline data mirror (``WIC_MIRROR``, default ``../shared/data`` beside the checkout)."""
    return _env_path("WIC_MIRROR", REPO_ROOT.parent / "shared" / "data")


def raw_dir() -> Path:
    """The mirror's ``raw/`` folder of unmodified public files."""
    return mirror_dir() / "raw"


def members_dir() -> Path:
    """Folder of the membership fact files (``WIC_MEMBERS_DIR``, default ``data/members``)."""
    return _env_path("WIC_MEMBERS_DIR", REPO_ROOT / "data" / "members")


def warehouse_path() -> Path:
    """The live DuckDB warehouse (``WIC_WAREHOUSE``, default ``data/warehouse.duckdb``)."""
    return _env_path("WIC_WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb")


def cache_dir() -> Path:
    """Raw API pages and other downloads (``WIC_CACHE``, default ``data/cache``)."""
    return _env_path("WIC_CACHE", REPO_ROOT / "data" / "cache")


def worldbank_api_url() -> str:
    """Base URL of the World Bank Indicators API v2 (``WIC_WORLDBANK_URL``)."""
    return os.environ.get("WIC_WORLDBANK_URL", "https://api.worldbank.org/v2").rstrip("/")


def plotly_bundle_path() -> Path:
    """The plotly.js bundle built by ``make assets`` (``build/plotly/plotly.min.js``; ``WIC_PLOTLY_JS`` overrides)."""
    return _env_path("WIC_PLOTLY_JS", REPO_ROOT / "build" / "plotly" / "plotly.min.js")


def small_bundle() -> bool:
    """Whether pages load the small bundle (``WIC_PLOTLY_BUNDLE=stock``: Dash's full plotly.js, for benchmarks)."""
    return os.environ.get("WIC_PLOTLY_BUNDLE", "small") != "stock"


def brief_plotly_path() -> Path:
    """The one plotly.js the briefs load: the pages' small bundle when ``make assets`` built it (a third of the full
    one to compile), else the full one shipped inside the Python ``plotly`` package (found without importing it)."""
    small = plotly_bundle_path()
    if small_bundle() and small.is_file():
        return small
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.origin is not None, "the plotly package is a dependency"
    return Path(spec.origin).resolve().parent / "package_data" / "plotly.min.js"


DEFAULT_KEEP_VINTAGES = 5


def keep_vintages() -> int:
    """How many runs' warehouses to keep, the live one included (``WIC_KEEP_VINTAGES``, default 5; 0 keeps none)."""
    raw = os.environ.get("WIC_KEEP_VINTAGES", "").strip()
    if not raw:
        return DEFAULT_KEEP_VINTAGES
    if not raw.isdigit():
        raise ValueError(f"WIC_KEEP_VINTAGES: expected a whole number of runs to keep (0 or more), got {raw!r}")
    return int(raw)
