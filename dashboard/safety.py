"""Callbacks never fail with a 500: bad or crafted input becomes a friendly message."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from dash.exceptions import PreventUpdate

from dashboard import figures

log = logging.getLogger("dashboard")
F = TypeVar("F", bound=Callable[..., Any])
ERROR_TEXT = ("Sorry, this view could not be drawn with these settings. "
              "抱歉，无法按这些设置绘制该视图。")


def guarded(fallback: Callable[[], Any]) -> Callable[[F], F]:
    """Wrap a callback: any exception is logged and ``fallback()`` is returned instead."""
    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception:  # noqa: BLE001 - the point is to catch everything
                log.exception("callback %s failed with %r", func.__name__, args)
                return fallback()
        return inner  # type: ignore[return-value]
    return wrap


def chart_fallback(extra: int) -> Callable[[], tuple[Any, ...]]:
    """Fallback for a callback returning (figure, caption, summary, table, ...): a message figure."""
    return lambda: (figures.message(ERROR_TEXT), "", ERROR_TEXT, None, *([None] * extra))


def safe_layout(func: F) -> F:
    """Wrap a page's ``layout``: a failure shows a friendly page (HTTP 200), not an error."""
    @functools.wraps(func)
    def inner(**query: Any) -> Any:
        try:
            return func(**query)
        except Exception:  # noqa: BLE001 - any failure gets the friendly page
            log.exception("layout %s failed for %r", func.__module__, query)
            from dash import html

            return html.Div([html.H1("WIC Digital Economy Observatory"), html.P(ERROR_TEXT, className="notice"),
                             html.A("Home · 首页", href="/")], className="page")
    return inner  # type: ignore[return-value]
