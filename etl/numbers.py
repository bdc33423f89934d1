"""Numbers for people, in English and Chinese: thousands separators, million/billion or 万/亿, ordinals."""

from __future__ import annotations

import functools
import math

from etl.locale import rule


@functools.cache
def _rules(lang: str) -> tuple[str, list[str], bool]:
    """The language's rules for numbers (read once: a table of a few hundred numbers asked for them each time):
    the text for no data, its words for large numbers, and whether it counts in myriads."""
    return rule("no_data", lang), rule("number_words", lang).split("|"), rule("number_style", lang) == "myriad"


def _decimals(value: float) -> int:
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def fmt(value: float | None, lang: str, *, decimals: int | None = None) -> str:
    """A number for people: thousands separators; from one million in the language's words (million/billion,
    万/亿)."""
    no_data, words, myriad = _rules(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return no_data
    size = abs(value)
    if myriad:   # 亿 (10^8), and 万 (10^4) from one million, as English says million
        if size >= 1e8:
            return f"{value / 1e8:,.{2 if size < 1e10 else 0}f}{words[0]}"
        if size >= 1e6:   # 196,616 stays in full beside its peers
            return f"{value / 1e4:,.0f}{words[1]}"
    else:
        for threshold, word in zip((1e12, 1e9, 1e6), words, strict=False):
            if size >= threshold:
                return f"{value / threshold:,.{2 if size < threshold * 100 else 1}f}{word}"
    places = _decimals(value) if decimals is None else decimals
    return f"{value:,.{places}f}"


def fmt_delta(delta: float, lang: str) -> str:
    """A signed change written as :func:`fmt` writes its size ('+27.9', '−0.47'); '0' rather than '-0.00'."""
    size = fmt(abs(delta), lang)
    if set(size) <= set("0.,"):
        return "0"
    return ("+" if delta > 0 else "−") + size


def ordinal(n: int, lang: str) -> str:
    """1st, 2nd, 3rd, 11th ... or 第1 (the language's ``_locale.ordinal`` pattern)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return rule("ordinal", lang).format(n=n, suffix=suffix)
