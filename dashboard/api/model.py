"""The HTTP API's vocabulary: parameters, columns and endpoints, declared once for routes and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

PREFIX = "/api/v1"
ParamType = Literal["string", "integer", "boolean", "codes"]
ColumnType = Literal["string", "integer", "number", "boolean", "date", "date-time"]


class ApiError(Exception):
    """An error answered as JSON: ``{"error": {"status", "code", "message", "parameter", ...}}``."""

    def __init__(self, status: int, code: str, message: str, *, parameter: str | None = None,
                 value: str | None = None, suggestions: Sequence[str] = ()):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.parameter, self.value, self.suggestions = parameter, value, list(suggestions)

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.parameter is not None:
            error["parameter"] = self.parameter
        if self.value is not None:
            error["value"] = self.value
        if self.suggestions:
            error["suggestions"] = self.suggestions
        return {"error": error}


@dataclass(frozen=True)
class Param:
    """A query or path parameter: how it is parsed, validated and documented."""

    name: str
    type: ParamType
    description: str
    location: Literal["query", "path"] = "query"
    required: bool = False
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    max_items: int | None = None
    example: Any = None
    pattern: str | None = None       # a string parameter's values match this regular expression (whole value)


@dataclass(frozen=True)
class Column:
    """One field of a response row: its JSON type, whether it may be null or absent, and what it means."""

    name: str
    type: ColumnType
    description: str = ""
    nullable: bool = True
    optional: bool = False


@dataclass(frozen=True)
class Table:
    """A handler's rows: the whole result, or one page of it when ``total`` is given."""

    frame: pd.DataFrame
    total: int | None = None


@dataclass(frozen=True)
class Document:
    """A handler's free-form JSON document (the index)."""

    body: dict[str, Any]


Handler = Callable[[Mapping[str, Any]], "Table | Document"]


@dataclass(frozen=True)
class Endpoint:
    """A GET endpoint: ``list`` answers paginated rows, ``item`` one row, ``document`` free-form JSON."""

    path: str
    operation_id: str
    summary: str
    description: str
    kind: Literal["list", "item", "document"]
    handler: Handler
    params: tuple[Param, ...] = ()
    columns: tuple[Column, ...] = ()
    document_schema: dict[str, Any] = field(default_factory=dict)
    not_found: bool = False          # the endpoint can answer 404 for an unknown code
    uses_warehouse: bool = True      # the answer depends on the warehouse (so is cached by its vintage)
    versioned: bool = True           # with uses_warehouse: answers as of a past run with ``vintage=``
    tag: str = "data"

    @property
    def all_params(self) -> tuple[Param, ...]:
        """The declared parameters plus paging and format for ``list`` and format for ``item`` endpoints, and
        ``vintage`` for those that read the warehouse."""
        from dashboard.api.endpoints import FORMAT, LIMIT, OFFSET, VINTAGE

        extra = {"list": (LIMIT, OFFSET, FORMAT), "item": (FORMAT,), "document": ()}[self.kind]
        versioned = (VINTAGE,) if self.uses_warehouse and self.versioned else ()
        return self.params + versioned + extra

    @property
    def flask_rule(self) -> str:
        """The Flask URL rule (path parameters may contain slashes, so that they reach the handler)."""
        rule = self.path
        for p in self.params:
            if p.location == "path":
                rule = rule.replace("{" + p.name + "}", f"<path:{p.name}>")
        return rule
