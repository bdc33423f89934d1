"""Structured facts and the sentences made from them.

Every number a brief prints is a :class:`Num`: its value, how it is written, and ``ref``, the query that gives
it (a tuple such as ``("obs", "CHN", "IT.NET.USER.ZS", 2023)``). A :class:`Sentence` is an English and a Chinese
template whose slots are filled with numbers or labels (names, units); its text is a list of segments, so a test
can map every number in the rendered text back to its fact and re-run the query (see ``tests/test_briefing.py``).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard import i18n

# How a number is written: "value" i18n.fmt (thousands separators, million/万/亿); "year" plain; "int" a count
# with separators; "rank" an ordinal (1st, 2nd; Chinese templates write 第{rank}); "abs" the absolute value of
# a (signed) change, via i18n.fmt; "pct" an absolute relative change in per cent, 0 or 1 decimal; "score" one
# decimal.
STYLES = ("value", "year", "int", "rank", "abs", "pct", "score")


@dataclass(frozen=True)
class Num:
    """A number with its provenance: ``ref`` names the query (kind, arguments) that gives ``value``."""

    value: float
    style: str
    ref: tuple[Any, ...]

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown number style {self.style!r}")
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            raise ValueError(f"a fact needs a value: {self.ref}")

    def text(self, lang: str) -> str:
        """The number as printed in ``lang``."""
        v = self.value
        if self.style == "year":
            return str(int(v))
        if self.style == "int":
            return f"{int(v):,}"
        if self.style == "rank":
            return i18n.ordinal(int(v), lang) if i18n.rule("ordinal_ranks", lang) == "yes" else str(int(v))
        if self.style == "abs":
            return i18n.fmt(abs(v), lang)
        if self.style == "pct":
            return f"{abs(v):,.0f}" if abs(v) >= 10 else f"{abs(v):.1f}"
        if self.style == "score":
            return f"{v:.1f}"
        return i18n.fmt(v, lang)


@dataclass(frozen=True)
class Label:
    """A non-numeric slot value (a name, a unit, a list of names) in both languages."""

    en: str
    zh: str

    def text(self, lang: str) -> str:
        """The label in ``lang``."""
        return str(getattr(self, lang, None) or self.en)   # the languages the narrative templates are written in


Slot = Num | Label


@dataclass(frozen=True)
class Sentence:
    """One sentence of narrative: templates in English and Chinese with named slots."""

    key: str
    en: str
    zh: str
    slots: Mapping[str, Slot] = field(default_factory=dict)

    def segments(self, lang: str) -> list[tuple[str, Slot | None]]:
        """The text as (piece, slot) pairs: template text has slot None; numbers and labels carry theirs."""
        out: list[tuple[str, Slot | None]] = []
        for literal, name, _spec, _conv in string.Formatter().parse(str(getattr(self, lang, None) or self.en)):
            if literal.startswith(".") and out and out[-1][0].endswith("."):
                literal = literal[1:]          # "Korea, Rep." ends the sentence with one full stop, not two
            if literal:
                out.append((literal, None))
            if name is not None:
                slot = self.slots[name]
                out.append((slot.text(lang), slot))
        return out

    def text(self, lang: str) -> str:
        """The sentence in ``lang``."""
        return "".join(piece for piece, _ in self.segments(lang))

    def numbers(self) -> list[Num]:
        """The facts this sentence states."""
        return [s for s in self.slots.values() if isinstance(s, Num)]


def label(en: str, zh: str | None = None) -> Label:
    """A label; the Chinese falls back to the English."""
    return Label(en, zh if zh else en)


def join_labels(items: list[Label], lang_sep: tuple[str, str] = ("; ", "、")) -> Label:
    """Several labels as one list ("A; B; C" / "A、B、C": names may contain commas)."""
    return Label(lang_sep[0].join(i.en for i in items), lang_sep[1].join(i.zh for i in items))
