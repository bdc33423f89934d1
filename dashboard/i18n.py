"""UI strings from dashboard/locales/<lang>.yaml (one file per language), display names, number formatting."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from etl.numbers import fmt as fmt
from etl.numbers import fmt_delta as fmt_delta
from etl.numbers import ordinal as ordinal

LOCALES = Path(__file__).with_name("locales")
DEFAULT_LANG = "en"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: the same documents, ten times faster to read
HTML_LANG = {"en": "en", "zh": "zh-Hans"}   # the BCP 47 tag of each language, for lang attributes


def read_catalog(directory: Path) -> dict[str, dict[str, str]]:
    """The UI strings of every language in ``directory`` (one ``<lang>.yaml`` per language: key -> text)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of keys to strings")
        out[path.stem] = {str(k): str(v) for k, v in data.items()}
    return out


def langs_of(catalog: Mapping[str, object]) -> tuple[str, ...]:
    """The language codes of a catalog: the default first, then the others sorted."""
    return (DEFAULT_LANG, *sorted(code for code in catalog if code != DEFAULT_LANG))


@functools.cache
def catalog() -> dict[str, dict[str, str]]:
    """The UI strings, read once from dashboard/locales."""
    return read_catalog(LOCALES)


LANGS = langs_of(catalog())


def lang_of(value: object) -> str:
    """A valid language code from a query value (English when missing or unknown)."""
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def t(key: str, lang: str, /, **values: Any) -> str:
    """The UI string ``key`` in ``lang`` (English when that language lacks it), formatted with ``values``."""
    strings = catalog()
    text = strings.get(lang, {}).get(key)
    if text is None:
        text = strings[DEFAULT_LANG][key]
    return text.format(**values) if values else text


def plural(key: str, n: int, lang: str, /, **values: Any) -> str:
    """``key_one`` or ``key_other`` by ``n`` (languages without plurals give both the same text)."""
    return t(f"{key}_{'one' if n == 1 else 'other'}", lang, n=n, **values)


def qualifier(word: str, lang: str) -> str:
    """A count qualifier ("about", "more than") in ``lang``."""
    key = "qualifier." + word.replace(" ", "_")
    return t(key, lang) if key in catalog()[DEFAULT_LANG] else word


def qualified(total: int, word: str, lang: str) -> str:
    """'about 170' or '约170'."""
    return t("qualified", lang, qualifier=qualifier(word, lang), total=total).strip()


def month(day: dt.date, lang: str) -> str:
    """'July 2022' or '2022年7月'."""
    return t("month_year", lang, month=t(f"month.{day.month:02d}", lang), year=day.year)


def with_unit(value: str, unit: str, lang: str) -> str:
    """A value and its unit: '81.7 % of population' or '81.7（占人口百分比）'; '%' sticks to the number."""
    if not unit:
        return value
    if unit == "%":
        return value + unit
    return t("with_unit", lang, value=value, unit=unit)


def _field(row: Any, name: str) -> object:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def name(row: Mapping[str, Any] | object, lang: str) -> str:
    """The display name of a country or indicator row (``name_<lang>`` when known, else ``name_en``)."""
    value = _field(row, f"name_{lang}")
    return str(value) if isinstance(value, str) and value else str(_field(row, "name_en"))


def unit(row: Mapping[str, Any], lang: str) -> str:
    """An indicator's unit in ``lang`` (``unit_<lang>`` when known, else ``unit``)."""
    value = row.get(f"unit_{lang}")
    if isinstance(value, str) and value:
        return value
    value = row.get("unit")
    return str(value) if isinstance(value, str) else ""
