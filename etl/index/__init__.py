"""The Digital Development Index: a transparent composite of open indicators (OECD/JRC Handbook method).

The method is configuration (``etl/meta/index.yaml``); the steps are pure functions on pandas/numpy:

- :mod:`etl.index.config`       load and check the configuration
- :mod:`etl.index.transform`    carry-forward imputation, log transform, goalposts, min-max and z-score
- :mod:`etl.index.aggregate`    pillar means, the eligibility rule, arithmetic/geometric aggregation, ranks
- :mod:`etl.index.scores`       the country x year x indicator panel and the scores of every year
- :mod:`etl.index.uncertainty`  seeded Monte Carlo rank intervals and pillar influence; leave-one-out
- :mod:`etl.index.coherence`    correlations, Cronbach's alpha, wrong-direction flags
- :mod:`etl.index.reweight`     fast re-weighting for the dashboard
- :mod:`etl.index.tables`       the one module with SQL: read observations, write the ``index_*`` tables
"""

from __future__ import annotations

from etl.index.config import IndexConfig, load_config
from etl.index.reweight import Precomputed, precompute, rescore
from etl.index.scores import IndexResult, compute
from etl.index.tables import store

__all__ = ["IndexConfig", "IndexResult", "Precomputed", "compute", "load_config", "precompute", "rescore",
           "store"]
