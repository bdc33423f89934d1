"""The World Bank API's JSON shapes: a page's ``[header, rows]``, data rows, country rows, error messages."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from etl.errors import InputError, SourceError

# API error ids (sent with HTTP 200) worth retrying: 105 = "Service currently unavailable".
TRANSIENT_API_ERROR_IDS = frozenset({"105"})
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class PageHeader:
    """The first element of a successful API response (``per_page`` etc. coerced to int)."""

    page: int
    pages: int
    per_page: int
    total: int
    lastupdated: str | None = None
    sourceid: str | None = None


@dataclass(frozen=True)
class Observation:
    """One non-null data point."""

    country_name: str
    country_code: str
    year: int
    value: float


@dataclass(frozen=True)
class IndicatorMeta:
    """Indicator metadata from ``/indicator/<CODE>``."""

    id: str
    name: str
    unit: str
    source_id: str
    source: str
    source_note: str
    source_organization: str
    topics: tuple[str, ...]
    pages_fetched: int = 0
    pages_cached: int = 0


class Retryable(Exception):
    """A failure that another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def check_code(code: str) -> None:
    if not isinstance(code, str) or not _CODE_RE.match(code) or ".." in code:
        raise InputError("indicator codes", "not a World Bank indicator code", value=str(code))


def text_of(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _as_int(value: object, name: str, url: str, page: int) -> int:
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int):
        return value
    else:
        ok = isinstance(value, str) and value.strip().lstrip("-").isdigit()
    if not ok:
        raise InputError(url, f"page {page}: header field is not an integer", field=name, value=repr(value))
    return int(str(value))


def parse_body(body: bytes, url: str, page: int) -> tuple[PageHeader, list[Any]]:
    """Parse one response body; truncated/invalid JSON is retryable, API error messages are not."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Retryable(f"invalid or truncated JSON on page {page} ({len(body)} bytes): {exc}") from exc
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict) and "message" in data[0]:
        messages = data[0]["message"] if isinstance(data[0]["message"], list) else [data[0]["message"]]
        parts = []
        ids = set()
        for m in messages:
            if isinstance(m, dict):
                ids.add(str(m.get("id", "")))
                parts.append(f"{m.get('id', '?')} {m.get('key', '')}: {m.get('value', '')}".strip())
            else:
                parts.append(str(m))
        text = "; ".join(parts) or "unspecified error"
        if ids & TRANSIENT_API_ERROR_IDS:
            raise Retryable(f"World Bank API error {text}")
        raise SourceError(f"{url} (page {page}): World Bank API error {text}")
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], dict)):
        raise InputError(url, f"page {page}: expected a [header, rows] JSON array", value=str(body[:120]))
    raw = data[0]
    header = PageHeader(
        page=_as_int(raw.get("page"), "page", url, page),
        pages=_as_int(raw.get("pages"), "pages", url, page),
        per_page=_as_int(raw.get("per_page"), "per_page", url, page),
        total=_as_int(raw.get("total"), "total", url, page),
        lastupdated=raw.get("lastupdated") if isinstance(raw.get("lastupdated"), str) else None,
        sourceid=str(raw["sourceid"]) if raw.get("sourceid") is not None else None,
    )
    rows = data[1]
    if rows is None:
        if header.total != 0:
            raise InputError(url, f"page {page}: rows are null but the header's total is {header.total}")
        rows = []
    if not isinstance(rows, list):
        raise InputError(url, f"page {page}: rows element is not a JSON array", value=type(rows).__name__)
    return header, rows


def parse_observation(row: object, code: str, where: str, row_no: int) -> Observation | None:
    """One data row -> Observation; None for a null value; country_code "" for rows to skip."""
    if not isinstance(row, dict):
        raise InputError(where, "data row is not an object", row=row_no)
    value = row.get("value")
    if value is None:
        return None
    indicator = row.get("indicator")
    ind_id = indicator.get("id") if isinstance(indicator, dict) else None
    if isinstance(ind_id, str) and ind_id.upper() != code.upper():
        raise InputError(
            where,
            f"row belongs to another indicator than {code}",
            row=row_no,
            field="indicator.id",
            value=ind_id,
        )
    iso3 = row.get("countryiso3code")
    iso3 = iso3.strip() if isinstance(iso3, str) else ""
    country = row.get("country")
    name = text_of(country.get("value")) if isinstance(country, dict) else ""
    date = row.get("date")
    try:
        year = int(str(date).strip())
    except ValueError:
        raise InputError(where, "date is not a year", row=row_no, field="date", value=str(date)) from None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(where, "value is not a number", row=row_no, field="value", value=repr(value))
    try:
        number = float(value)
    except ValueError:
        raise InputError(
            where, "value is not numeric", row=row_no, field="value", value=repr(value)
        ) from None
    if not math.isfinite(number):
        raise InputError(where, "value is not finite", row=row_no, field="value", value=repr(value))
    return Observation(name, iso3, year, number)


def flatten_country(row: object, where: str, row_no: int) -> dict[str, str]:
    """A ``/country`` row -> the mirror's flat columns (labels stripped, lowercase is_aggregate)."""
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"].strip():
        raise InputError(where, "country row without an id", row=row_no)

    def part(key: str) -> tuple[str, str]:
        obj = row.get(key)
        if obj is None:
            return "", ""
        if not isinstance(obj, dict):
            raise InputError(where, "expected an object", row=row_no, field=key, value=repr(obj))
        return text_of(obj.get("id")), text_of(obj.get("value"))

    region_id, region = part("region")
    admin_id, admin = part("adminregion")
    income_id, income = part("incomeLevel")
    lending_id, lending = part("lendingType")
    return {
        "iso3": row["id"].strip(),
        "iso2": text_of(row.get("iso2Code")),
        "name": text_of(row.get("name")),
        "region_id": region_id,
        "region": region,
        "adminregion_id": admin_id,
        "adminregion": admin,
        "income_level_id": income_id,
        "income_level": income,
        "lending_type_id": lending_id,
        "lending_type": lending,
        "capital_city": text_of(row.get("capitalCity")),
        "longitude": text_of(row.get("longitude")),
        "latitude": text_of(row.get("latitude")),
        "is_aggregate": "true" if region == "Aggregates" else "false",
    }
