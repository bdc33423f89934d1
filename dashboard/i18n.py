"""UI strings and language rules from dashboard/locales/<lang>.yaml (etl.locale), display names, number formatting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from etl import config
from etl.locale import DEFAULT_LANG as DEFAULT_LANG
from etl.locale import _field
from etl.locale import catalog as catalog
from etl.locale import joined as joined
from etl.locale import langs_of as langs_of
from etl.locale import localized as localized
from etl.locale import read_catalog as read_catalog
from etl.locale import rule as rule
from etl.locale import t as t
from etl.numbers import fmt as fmt
from etl.numbers import fmt_delta as fmt_delta
from etl.numbers import ordinal as ordinal

LOCALES = config.LOCALES_DIR
LANGS = langs_of(catalog())
HTML_LANG = {code: rule("html_lang", code) for code in LANGS}   # the BCP 47 tag of each language, from its file


def lang_of(value: object) -> str:
    """A valid language code from a query value (English when missing or unknown)."""
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def html_lang(lang: str) -> str:
    """The BCP 47 tag of a language, for lang attributes ('zh-Hans')."""
    return rule("html_lang", lang)


def in_language(row: Mapping[str, Any] | object, field: str, lang: str) -> str:
    """``<field>_<lang>``, or ``<field>`` itself on pages in the default language (the base field is English);
    '' when the row has no text in ``lang``."""
    value = _field(row, f"{field}_{lang}")
    if not (isinstance(value, str) and value.strip()) and lang == DEFAULT_LANG:
        value = _field(row, field)
    return value if isinstance(value, str) else ""


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
