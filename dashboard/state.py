"""Reading a view's settings from its URL: each value is checked and, when invalid, replaced with a notice."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from dashboard import i18n
from etl import read


class Seen(dict[str, object]):
    """A query whose reads are recorded, so the parameters a page never looked at can be reported."""

    def __init__(self, raw: Mapping[str, object]):
        super().__init__(raw)
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> object:
        self.read.add(key)
        return super().__getitem__(key)


@dataclass
class Query:
    """A page's query parameters as received, and what had to be replaced."""

    raw: Mapping[str, object]
    lang: str = "en"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> Query:
        """Start from the raw query of a page's ``layout(**query)``."""
        raw = Seen(raw)
        q = cls(raw=raw, lang=i18n.lang_of(raw.get("lang")))
        if raw.get("lang") not in (None, *i18n.LANGS):
            q.problems.append(f"lang={raw.get('lang')!s:.40}")
        return q

    def _text(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def indicator(self, key: str, default: str) -> str:
        """An indicator code known to the warehouse."""
        value = self._text(key)
        if value is None:
            return default
        if value in read.indicator_codes():
            return value
        self.problems.append(f"{key}={value:.40}")
        return default

    def country(self, key: str, default: str | None, allowed: Collection[str] | None = None) -> str | None:
        """A country or group code known to the warehouse (and in ``allowed`` if given)."""
        value = self._text(key)
        if value is None:
            return default
        value = value.upper()
        if value in (allowed if allowed is not None else read.country_codes()):
            return value
        self.problems.append(f"{key}={value:.40}")
        return default

    def countries(self, key: str, default: Sequence[str], allowed: Collection[str] | None = None,
                  limit: int = 12) -> list[str]:
        """A comma-separated list of known codes (unknown ones dropped with a notice)."""
        value = self._text(key)
        if value is None:
            return list(default)
        known = allowed if allowed is not None else read.country_codes()
        out = []
        for code in value.upper().split(","):
            code = code.strip()
            if code in known and code not in out:
                out.append(code)
            elif code:
                self.problems.append(f"{key}: {code:.20}")
        if len(out) > limit:
            self.problems.append(f"{key}: {limit}+ ({', '.join(c[:20] for c in out[limit:limit + 4])})")
        return out[:limit] if out else list(default)

    def year(self, key: str, default: int | None, years: Collection[int]) -> int | None:
        """A year among ``years``."""
        value = self._text(key)
        if value is None:
            return default
        try:
            year = int(value)
        except ValueError:
            year = None
        if year is not None and year in years:
            return year
        self.problems.append(f"{key}={value:.20}")
        return default

    def choice(self, key: str, default: str, allowed: Collection[str]) -> str:
        """One of ``allowed``."""
        value = self._text(key)
        if value is None:
            return default
        if value in allowed:
            return value
        self.problems.append(f"{key}={value:.40}")
        return default

    def flag(self, key: str, default: bool) -> bool:
        """A yes/no switch written as 1 or 0."""
        return bool(int(self.choice(key, "1" if default else "0", ("0", "1"))))

    def unknown(self) -> list[str]:
        """Parameters in the URL that the page never read (``?foo=bar``)."""
        read_keys = self.raw.read if isinstance(self.raw, Seen) else set(self.raw)
        return [k for k in self.raw if k not in read_keys]

    def notices(self) -> list[str]:
        """The notices to show when something in the URL was replaced or not understood; call it last."""
        out = []
        if self.problems:
            out.append(i18n.t("warning.ignored", self.lang, items=", ".join(self.problems[:6])))
        unknown = self.unknown()
        if unknown:
            out.append(i18n.t("warning.unknown", self.lang, items=", ".join(f"{k:.30}" for k in unknown[:6])))
        return out
