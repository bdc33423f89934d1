"""Snapshot of the live World Bank Indicators API v2: HTTP client, response parsers and the mirror writer."""

from etl.snapshot.worldbank.http import WorldBankClient
from etl.snapshot.worldbank.mirror import COUNTRY_COLUMNS, ExtractResult, extract

__all__ = ["COUNTRY_COLUMNS", "ExtractResult", "WorldBankClient", "extract"]
