"""The Digital Development Index: a transparent composite of open indicators (OECD/JRC Handbook method).

The method is configuration (``etl/meta/index.yaml``); the steps are pure functions on numpy:

- :mod:`etl.index.config`       load and check the configuration
- :mod:`etl.index.columns`      tables as numpy columns (pandas DataFrames on demand)
- :mod:`etl.index.transform`    carry-forward imputation, log transform, goalposts, min-max and z-score
- :mod:`etl.index.aggregate`    pillar means, the eligibility rule, arithmetic/geometric aggregation, ranks
- :mod:`etl.index.scores`       the country x year x indicator panel and the scores of every year
- :mod:`etl.index.uncertainty`  seeded Monte Carlo rank intervals and pillar influence; leave-one-out
- :mod:`etl.index.coherence`    correlations, Cronbach's alpha, wrong-direction flags
- :mod:`etl.index.reweight`     fast re-weighting for the dashboard
- :mod:`etl.index.tables`       the one module with SQL: read observations, write the ``index_*`` tables

The names below are imported when first used, so that reading the configuration does not import numpy (the ETL
reads it while its other work runs). The ETL computes and writes the index without pandas; the tables' pandas
forms (``IndexResult.scores`` and the like) import it when first asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from etl.index.config import IndexConfig, load_config

if TYPE_CHECKING:
    from etl.index.reweight import Precomputed, precompute, rescore
    from etl.index.scores import IndexResult, compute
    from etl.index.tables import store

__all__ = ["IndexConfig", "IndexResult", "Precomputed", "compute", "load_config", "precompute", "rescore",
           "store"]
_LAZY = {"Precomputed": "reweight", "precompute": "reweight", "rescore": "reweight", "IndexResult": "scores",
         "compute": "scores", "store": "tables"}


def __getattr__(name: str) -> Any:
    """Import a name of :data:`__all__` from its module on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"etl.index.{_LAZY[name]}"), name)
