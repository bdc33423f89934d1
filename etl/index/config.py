"""The index configuration (``etl/meta/index.yaml``), parsed and checked into typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl.config import META_DIR
from etl.errors import InputError
from etl.inputs import load_yaml

INDEX_FILE = META_DIR / "index.yaml"
INDEX_SQL = Path(__file__).resolve().parent.parent / "sql" / "index.sql"   # the index tables' DDL
NORMALIZATIONS = ("minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a pillar: direction, transform and goalposts policy."""

    code: str
    pillar: str
    higher_is_better: bool = True
    log: bool = False
    log_shift: float = 0.0
    goalposts: tuple[float, float] | None = None   # fixed natural goalposts in the indicator's unit
    weight: float = 1.0                            # weight within the pillar
    edition_years: int = 1                         # publication cycle: a biennial survey's edition is current 2 years


@dataclass(frozen=True)
class PillarSpec:
    """A pillar: names, default weight and its indicators in order."""

    id: str
    name_en: str
    name_zh: str
    weight: float
    indicators: tuple[IndicatorSpec, ...]
    description_en: str = ""
    description_zh: str = ""
    wic_dimension: str = ""
    wic_dimension_zh: str = ""


@dataclass(frozen=True)
class MonteCarloSpec:
    """Settings of the uncertainty analysis."""

    draws: int = 1000
    seed: int = 0
    weight_perturbation: float = 0.5
    normalizations: tuple[str, ...] = NORMALIZATIONS
    aggregations: tuple[str, ...] = AGGREGATIONS
    carry_forward_years: tuple[int, ...] = (3,)


@dataclass(frozen=True)
class IndexConfig:
    """The whole index method."""

    pillars: tuple[PillarSpec, ...]
    first_year: int = 2010
    min_ranked_share_of_peak: float = 0.75
    max_imputed_share: float = 1.0
    carry_forward_years: int = 3
    min_share_per_pillar: float = 0.5
    normalization: str = "minmax"
    aggregation: str = "arithmetic"
    lower_quantile: float = 0.0
    upper_quantile: float = 1.0
    zscore_center: float = 50.0
    zscore_scale: float = 10.0
    geometric_floor: float = 1.0
    monte_carlo: MonteCarloSpec = field(default_factory=MonteCarloSpec)
    weak_correlation: float = 0.3
    not_covered: tuple[dict[str, str], ...] = ()
    name_en: str = "Digital Development Index"
    name_zh: str = "数字发展指数"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def indicators(self) -> tuple[IndicatorSpec, ...]:
        """Every indicator, pillar by pillar."""
        return tuple(i for p in self.pillars for i in p.indicators)

    @property
    def codes(self) -> list[str]:
        """Every indicator code, pillar by pillar."""
        return [i.code for i in self.indicators]

    @property
    def pillar_ids(self) -> list[str]:
        """Pillar ids in order."""
        return [p.id for p in self.pillars]

    @property
    def weights(self) -> dict[str, float]:
        """Default pillar weights, normalised to sum to one."""
        total = sum(p.weight for p in self.pillars)
        return {p.id: p.weight / total for p in self.pillars}


def _number(path: Path, value: Any, where: str, *, low: float | None = None, high: float | None = None,
            integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(path, "must be a number", field=where, value=str(value))
    if integer and int(value) != value:
        raise InputError(path, "must be a whole number", field=where, value=str(value))
    if low is not None and value < low:
        raise InputError(path, f"must be at least {low}", field=where, value=str(value))
    if high is not None and value > high:
        raise InputError(path, f"must be at most {high}", field=where, value=str(value))
    return float(value)


def _choice(path: Path, value: Any, where: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(path, f"must be one of {allowed}", field=where, value=str(value))
    return str(value)


def _indicator(path: Path, entry: dict, pillar: str, where: str) -> IndicatorSpec:
    if not isinstance(entry, dict) or not entry.get("code"):
        raise InputError(path, "an indicator needs a code", field=f"{where}.code")
    code = str(entry["code"])
    hib = entry.get("higher_is_better", True)
    if hib not in (True, False):
        raise InputError(path, f"{code}: higher_is_better must be true or false", field=f"{where}.higher_is_better",
                         value=str(hib))
    log = bool(entry.get("log", False))
    shift = _number(path, entry.get("log_shift", 0), f"{where}.log_shift", low=0) if log else 0.0
    goalposts = entry.get("goalposts")
    gp: tuple[float, float] | None = None
    if goalposts is not None:
        if not isinstance(goalposts, list) or len(goalposts) != 2:
            raise InputError(path, f"{code}: goalposts must be [lower, upper]", field=f"{where}.goalposts",
                             value=str(goalposts))
        lo = _number(path, goalposts[0], f"{where}.goalposts[0]")
        hi = _number(path, goalposts[1], f"{where}.goalposts[1]")
        if not hi > lo:
            raise InputError(path, f"{code}: upper goalpost must exceed the lower", field=f"{where}.goalposts",
                             value=str(goalposts))
        if log and lo + shift <= 0:
            raise InputError(path, f"{code}: log goalposts need lower + log_shift > 0", field=f"{where}.goalposts",
                             value=str(goalposts))
        gp = (lo, hi)
    weight = _number(path, entry.get("weight", 1), f"{where}.weight", low=0)
    if weight <= 0:
        raise InputError(path, f"{code}: weight must be positive", field=f"{where}.weight", value=str(weight))
    edition = int(_number(path, entry.get("edition_years", 1), f"{where}.edition_years", low=1, integer=True))
    return IndicatorSpec(code=code, pillar=pillar, higher_is_better=bool(hib), log=log, log_shift=shift,
                         goalposts=gp, weight=weight, edition_years=edition)


def parse_config(data: dict[str, Any], path: Path = INDEX_FILE) -> IndexConfig:
    """Check a parsed configuration mapping; errors name the file and key."""
    pillars: list[PillarSpec] = []
    seen_codes: set[str] = set()
    seen_ids: set[str] = set()
    for i, entry in enumerate(data.get("pillars") or []):
        where = f"pillars[{i}]"
        for key in ("id", "name_en", "name_zh"):
            if not entry.get(key):
                raise InputError(path, f"pillar #{i + 1} lacks {key!r}", field=f"{where}.{key}")
        pid = str(entry["id"])
        if pid in seen_ids:
            raise InputError(path, f"pillar {pid} is listed twice", field=f"{where}.id", value=pid)
        seen_ids.add(pid)
        weight = _number(path, entry.get("weight", 1), f"{where}.weight", low=0)
        inds = []
        for j, ind in enumerate(entry.get("indicators") or []):
            spec = _indicator(path, ind, pid, f"{where}.indicators[{j}]")
            if spec.code in seen_codes:
                raise InputError(path, f"{spec.code} is listed twice", field=f"{where}.indicators[{j}].code",
                                 value=spec.code)
            seen_codes.add(spec.code)
            inds.append(spec)
        if not inds:
            raise InputError(path, f"pillar {pid} has no indicators", field=f"{where}.indicators")
        pillars.append(PillarSpec(id=pid, name_en=entry["name_en"], name_zh=entry["name_zh"], weight=weight,
                                  indicators=tuple(inds), description_en=entry.get("description_en") or "",
                                  description_zh=entry.get("description_zh") or "",
                                  wic_dimension=entry.get("wic_dimension") or "",
                                  wic_dimension_zh=entry.get("wic_dimension_zh") or ""))
    if not pillars:
        raise InputError(path, "the index has no pillars", field="pillars")
    if sum(p.weight for p in pillars) <= 0:
        raise InputError(path, "pillar weights must not all be zero", field="pillars")
    years = data.get("years") or {}
    norm = data.get("normalization") or {}
    gp = norm.get("goalposts") or {}
    zs = norm.get("zscore") or {}
    agg = data.get("aggregation") or {}
    mc = data.get("monte_carlo") or {}
    lower_q = _number(path, gp.get("lower_quantile", 0.0), "normalization.goalposts.lower_quantile", low=0, high=1)
    upper_q = _number(path, gp.get("upper_quantile", 1.0), "normalization.goalposts.upper_quantile", low=0, high=1)
    if not upper_q > lower_q:
        raise InputError(path, "upper_quantile must exceed lower_quantile", field="normalization.goalposts")
    default_window = int(_number(path, data.get("carry_forward_years", 3), "carry_forward_years", low=0,
                                 integer=True))
    windows = tuple(int(_number(path, w, "monte_carlo.carry_forward_years", low=0, integer=True))
                    for w in mc.get("carry_forward_years", [default_window]))
    monte_carlo = MonteCarloSpec(
        draws=int(_number(path, mc.get("draws", 1000), "monte_carlo.draws", low=1, integer=True)),
        seed=int(_number(path, mc.get("seed", 0), "monte_carlo.seed", low=0, integer=True)),
        weight_perturbation=_number(path, mc.get("weight_perturbation", 0.5), "monte_carlo.weight_perturbation",
                                    low=0, high=0.99),
        normalizations=tuple(_choice(path, n, "monte_carlo.normalizations", NORMALIZATIONS)
                             for n in mc.get("normalizations", NORMALIZATIONS)),
        aggregations=tuple(_choice(path, a, "monte_carlo.aggregations", AGGREGATIONS)
                           for a in mc.get("aggregations", AGGREGATIONS)),
        carry_forward_years=windows or (default_window,),
    )
    if not monte_carlo.normalizations or not monte_carlo.aggregations:
        raise InputError(path, "monte_carlo needs at least one normalization and aggregation", field="monte_carlo")
    return IndexConfig(
        pillars=tuple(pillars),
        first_year=int(_number(path, years.get("first", 2010), "years.first", low=1900, integer=True)),
        min_ranked_share_of_peak=_number(path, years.get("min_ranked_share_of_peak", 0.75),
                                         "years.min_ranked_share_of_peak", low=0, high=1),
        max_imputed_share=_number(path, years.get("max_imputed_share", 1.0), "years.max_imputed_share", low=0,
                                  high=1),
        carry_forward_years=default_window,
        min_share_per_pillar=_number(path, data.get("min_share_per_pillar", 0.5), "min_share_per_pillar",
                                     low=0, high=1),
        normalization=_choice(path, norm.get("default", "minmax"), "normalization.default", NORMALIZATIONS),
        aggregation=_choice(path, agg.get("default", "arithmetic"), "aggregation.default", AGGREGATIONS),
        lower_quantile=lower_q, upper_quantile=upper_q,
        zscore_center=_number(path, zs.get("center", 50), "normalization.zscore.center"),
        zscore_scale=_number(path, zs.get("scale", 10), "normalization.zscore.scale", low=1e-9),
        geometric_floor=_number(path, agg.get("geometric_floor", 1.0), "aggregation.geometric_floor", low=1e-9),
        monte_carlo=monte_carlo,
        weak_correlation=_number(path, (data.get("coherence") or {}).get("weak_correlation", 0.3),
                                 "coherence.weak_correlation", low=-1, high=1),
        not_covered=tuple(dict(x) for x in data.get("not_covered") or []),
        name_en=data.get("name_en") or "Digital Development Index",
        name_zh=data.get("name_zh") or "数字发展指数",
        raw=data,
    )


def load_config(path: Path = INDEX_FILE) -> IndexConfig:
    """Read and check ``etl/meta/index.yaml`` (or another file of the same shape)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:                      # no libyaml: the shared pure-Python reader
        return parse_config(load_yaml(path), path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read metadata: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(path, "metadata must be a mapping")
    return parse_config(data, path)
