"""Callbacks whose answers orjson writes in one pass: Dash components in the outputs are given as the JSON objects
they encode to, so Plotly's encoder does not fall back to walking every element of every figure in Python."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import dash
from dash.development.base_component import Component

F = TypeVar("F", bound=Callable[..., Any])


def plain(value: Any) -> Any:
    """``value`` with every Dash component (in lists, tuples and components' props) as its JSON object; anything
    else as it is (a figure is a dict of lists and numpy arrays: left alone, never walked)."""
    if isinstance(value, Component):
        encoded = value.to_plotly_json()
        encoded["props"] = {k: plain(v) for k, v in encoded["props"].items()}
        return encoded
    if isinstance(value, (list, tuple)) and any(isinstance(v, (Component, list, tuple)) for v in value):
        return [plain(v) for v in value]
    return value


def callback(*dependencies: Any, **options: Any) -> Callable[[F], F]:
    """``dash.callback`` registering the function with its outputs :func:`plain`; the function itself is returned
    unchanged (the layouts that call it keep their components)."""
    register = dash.callback(*dependencies, **options)

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def served(*args: Any, **kwargs: Any) -> Any:
            out = func(*args, **kwargs)
            return tuple(plain(v) for v in out) if isinstance(out, tuple) else plain(out)

        register(served)
        return func
    return wrap
