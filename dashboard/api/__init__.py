"""The read-only HTTP data API under ``/api/v1``, served by the dashboard's Flask server.

Every endpoint is declared once in :mod:`dashboard.api.endpoints`; the routes (:mod:`dashboard.api.routes`) and
the OpenAPI document (:mod:`dashboard.api.openapi`) are both built from those declarations. Data comes only
from :mod:`etl.read`.
"""

from __future__ import annotations

from dashboard.api.openapi import document
from dashboard.api.routes import register

__all__ = ["document", "register"]
