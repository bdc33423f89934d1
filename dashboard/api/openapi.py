"""The OpenAPI 3 document of ``/api/v1``, generated from the endpoint declarations that also build the routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard import limits
from dashboard.api.model import Column, Endpoint, Param

OPENAPI_VERSION = "3.0.3"

_COLUMN_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}

_ERROR = {"$ref": "#/components/schemas/Error"}


def param_schema(p: Param) -> dict[str, Any]:
    """The JSON schema of one parameter's value, exactly what the parser accepts."""
    schema: dict[str, Any]
    if p.type == "codes":
        schema = {"type": "array", "minItems": 1,
                  "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^,]+$"}}
        if p.max_items is not None:
            schema["maxItems"] = p.max_items
    elif p.type == "integer":
        schema = {"type": "integer"}
        if p.minimum is not None:
            schema["minimum"] = p.minimum
        if p.maximum is not None:
            schema["maximum"] = p.maximum
    elif p.type == "boolean":
        schema = {"type": "boolean"}
    elif p.enum:
        schema = {"type": "string", "enum": list(p.enum)}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": 200}
        if p.location == "path":
            schema["pattern"] = "^[^/]+$"
        if p.pattern is not None:
            schema["pattern"] = f"^{p.pattern}$"
    if p.default is not None:
        schema["default"] = p.default
    return schema


def _parameter(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "in": p.location, "description": p.description,
                           "required": p.required or p.location == "path", "schema": param_schema(p)}
    if p.type == "codes":
        out.update(style="form", explode=True)
    if p.example is not None:
        out["example"] = p.example
    return out


def row_schema(columns: Sequence[Column]) -> dict[str, Any]:
    """The JSON schema of one response row."""
    properties = {}
    for c in columns:
        prop = dict(_COLUMN_TYPES[c.type])
        if c.nullable:
            prop["nullable"] = True
        if c.description:
            prop["description"] = c.description
        properties[c.name] = prop
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": [c.name for c in columns if not c.optional]}


def _success(ep: Endpoint) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "ETag": {"description": "Changes with the ETL run and the query.", "schema": {"type": "string"}},
        "Cache-Control": {"schema": {"type": "string"}},
        "X-Instance": {"description": "The server instance that answered (behind a proxy).",
                       "schema": {"type": "string"}},
    }
    if ep.uses_warehouse:
        headers["Last-Modified"] = {"description": "When the ETL run finished.", "schema": {"type": "string"}}
        headers["X-Run-Id"] = {"description": "The ETL run of the warehouse that answered (as in `meta.vintage`).",
                               "schema": {"type": "string"}}
    if ep.kind == "document":
        return {"description": ep.summary, "headers": headers,
                "content": {"application/json": {"schema": ep.document_schema}}}
    meta: dict[str, Any] = {"vintage": {"$ref": "#/components/schemas/Vintage"}}
    data: dict[str, Any] = row_schema(ep.columns)
    required = ["data", "meta"]
    body: dict[str, Any] = {"type": "object", "properties": {"data": data, "meta": {}}}
    if ep.kind == "list":
        headers["X-Total-Count"] = {"description": "Rows in all pages.", "schema": {"type": "integer"}}
        headers["Link"] = {"description": "`<url>; rel=\"next\"` when there is a next page.",
                           "schema": {"type": "string"}}
        body["properties"]["data"] = {"type": "array", "items": data}
        meta.update({name: {"type": "integer", "minimum": 0} for name in ("total", "count", "limit", "offset")})
        body["properties"]["links"] = {"type": "object", "properties": {
            "self": {"type": "string"}, "next": {"type": "string", "nullable": True}}, "required": ["self", "next"]}
        required.append("links")
    body["properties"]["meta"] = {"type": "object", "properties": meta, "required": sorted(meta)}
    body["required"] = required
    return {"description": ep.summary, "headers": headers, "content": {
        "application/json": {"schema": body},
        "text/csv": {"schema": {"type": "string", "description": "The rows with a header line, UTF-8. A text cell "
                                                 "that starts with =, +, -, @, tab or CR is prefixed with a "
                                                 "single quote so no spreadsheet runs it as a formula."}},
    }}


def _operation(ep: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": _success(ep),
                                 "304": {"description": "Not modified: the ETag in If-None-Match still holds."}}
    responses["400"] = {"description": "A parameter is missing, unknown or out of range.",
                        "content": {"application/json": {"schema": _ERROR}}}
    if ep.not_found:
        responses["404"] = {"description": "Unknown code; the error names the parameter and suggests codes.",
                            "content": {"application/json": {"schema": _ERROR}}}
    else:
        responses["404"] = {"description": "No such endpoint (any unknown path under /api/ answers this way).",
                            "content": {"application/json": {"schema": _ERROR}}}
    responses["414"] = {"description": f"The address (path and query) is longer than {limits.MAX_TARGET:,} bytes.",
                        "content": {"application/json": {"schema": _ERROR}}}
    responses["431"] = {"description": f"A header line is longer than {limits.MAX_FIELD:,} bytes, or all "
                                       f"headers are larger than {limits.MAX_HEADERS:,} bytes.",
                        "content": {"application/json": {"schema": _ERROR}}}
    if ep.uses_warehouse:
        responses["503"] = {"description": "The warehouse has not been built yet.",
                            "content": {"application/json": {"schema": _ERROR}}}
    return {"operationId": ep.operation_id, "summary": ep.summary, "description": ep.description,
            "tags": [ep.tag], "parameters": [_parameter(p) for p in ep.all_params], "responses": responses}


def document(endpoints: Sequence[Endpoint] | None = None) -> dict[str, Any]:
    """The OpenAPI 3 document of the given endpoints (default: all of ``/api/v1``)."""
    if endpoints is None:
        from dashboard.api.endpoints import ENDPOINTS

        endpoints = ENDPOINTS
    from dashboard.api.endpoints import VINTAGE_SCHEMA

    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "WIC Digital Economy Observatory API",
            "version": "1",
            "description": "Read-only access to the observatory's warehouse: the same numbers as the dashboard "
                           "and `etl.read`. Lists are paginated (`limit`, `offset`, `links.next`) and come as "
                           "JSON or CSV (`format=csv` or `Accept: text/csv`). Responses carry an ETag tied to "
                           "the ETL run and the query; send it back in If-None-Match for a 304.",
            "license": {"name": "Data: see /api/v1/sources (mostly CC BY 4.0)"},
        },
        "paths": {ep.path: {"get": _operation(ep)} for ep in endpoints},
        "components": {"schemas": {
            "Vintage": VINTAGE_SCHEMA,
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string", "description": "bad_parameter, unknown_parameter, unknown_code, "
                                                              "not_found, method_not_allowed, uri_too_long, "
                                                              "header_too_large, no_warehouse"},
                    "message": {"type": "string"},
                    "parameter": {"type": "string", "description": "The parameter at fault."},
                    "value": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "string"}},
                }}}},
        }},
    }
