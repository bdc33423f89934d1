"""English and Chinese: UI strings, names of countries and indicators, and number formatting."""

from __future__ import annotations

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


def read_catalog(directory: Path) -> dict[str, dict[str, str]]:
    """The UI strings of every language in ``directory`` (one ``<lang>.yaml`` per language: key -> text)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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


QUALIFIERS_ZH = {"about": "约", "more than": "超过", "exact": "", "nearly": "近", "around": "约", "at least": "至少"}


def lang_of(value: object) -> str:
    """A valid language code from a query value (English when missing or unknown)."""
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def pick(en: str, zh: str, lang: str) -> str:
    """Choose between an English and a Chinese text (for strings used by one page only)."""
    return zh if lang == "zh" else en


def t(key: str, lang: str, /, **values: Any) -> str:
    """The UI string ``key`` in ``lang`` (English when that language lacks it), formatted with ``values``."""
    strings = catalog()
    text = strings.get(lang, {}).get(key)
    if text is None:
        text = strings[DEFAULT_LANG].get(key)
    if text is None:  # not yet moved into the files
        en, zh = globals()["STRINGS"][key]
        text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def qualifier(word: str, lang: str) -> str:
    """A count qualifier ("about", "more than") in ``lang``."""
    if lang == "zh":
        return QUALIFIERS_ZH.get(word, word)
    return "" if word == "exact" else word


def name(row: Mapping[str, Any], lang: str) -> str:
    """The display name of a country or indicator row: Chinese when asked and known, else English."""
    if lang == "zh" and isinstance(row.get("name_zh"), str) and row["name_zh"]:
        return str(row["name_zh"])
    return str(row["name_en"])


def unit(row: Mapping[str, Any], lang: str) -> str:
    """An indicator's unit in ``lang``."""
    if lang == "zh" and isinstance(row.get("unit_zh"), str) and row["unit_zh"]:
        return str(row["unit_zh"])
    value = row.get("unit")
    return str(value) if isinstance(value, str) else ""


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 member', '2 members' (English; Chinese needs no plural)."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def are(n: int) -> str:
    """'is' for one, 'are' for more."""
    return "is" if n == 1 else "are"
