"""The one citation of a data vintage that every download, bundle and brief quotes: run id, build time, sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from etl.locale import t


def _stamp(value: Any, fmt: str) -> str:
    if value is None:
        return "?"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(fmt) if hasattr(value, "strftime") else str(value)


def vintage_text(vintage: Mapping[str, Any], lang: str = "en", *, advice: bool = True,
                 compact: bool = False) -> str:
    """The citation line of :func:`etl.read.data_vintage` (``run_id``, ``built_at``, ``last_updated``).

    ``compact`` (the brief's footer, whose two pages have no room to spare) leaves out the newest source update,
    which the brief lists per indicator.
    """
    text = t("citation.compact" if compact else "citation.full", lang,
             run_id=vintage.get("run_id") or "?", built=_stamp(vintage.get("built_at"), "%Y-%m-%d %H:%M"),
             updated=_stamp(vintage.get("last_updated"), "%Y-%m-%d"))
    return text + (t("citation.advice", lang) if advice else "")


def current(lang: str = "en", *, db: Any = None) -> str:
    """The citation line of the warehouse ``db`` reads (default: the configured one, or a vintage in use)."""
    from etl import read

    return vintage_text(read.data_vintage(db=db), lang)
