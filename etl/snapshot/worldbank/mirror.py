"""Write a World Bank API download in exactly the offline mirror's layout, so the offline loader reads it unchanged.

``datahub-wdi/<CODE>.csv`` + ``<CODE>.datapackage.json`` per indicator and
``wb-country-metadata/wb_api_country_list_2024-06.csv``; each file is written atomically.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from etl import config
from etl.atomic import write_atomic
from etl.snapshot.worldbank.http import IndicatorData, WorldBankClient
from etl.snapshot.worldbank.parse import IndicatorMeta, Observation, check_code

WDI_SUBDIR = "datahub-wdi"
COUNTRY_SUBDIR = "wb-country-metadata"
COUNTRY_FILE = "wb_api_country_list_2024-06.csv"
# Indicators downloaded at a time. One at a time, every request's round trip is waited for in turn; the API's
# "429 Too Many Requests" answers, should a few at a time be too many, are retried after their Retry-After.
DOWNLOADS = 4
T = TypeVar("T")
WDI_COLUMNS = ("Country Name", "Country Code", "Year", "Value")
COUNTRY_COLUMNS = (
    "iso3",
    "iso2",
    "name",
    "region_id",
    "region",
    "adminregion_id",
    "adminregion",
    "income_level_id",
    "income_level",
    "lending_type_id",
    "lending_type",
    "capital_city",
    "longitude",
    "latitude",
    "is_aggregate",
)


@dataclass
class IndicatorReport:
    """What :func:`extract` did for one indicator (pages count data and metadata requests)."""

    code: str
    name: str
    rows: int
    lastupdated: str | None
    skipped_rows: int
    null_rows: int
    pages_fetched: int
    pages_cached: int
    restarts: int
    csv_path: Path | None  # None when the indicator had no data (no files are written then)
    datapackage_path: Path | None


@dataclass
class ExtractResult:
    """Summary of an :func:`extract` run."""

    out_dir: Path
    indicators: dict[str, IndicatorReport] = field(default_factory=dict)
    countries: int = 0
    country_csv: Path | None = None
    country_pages_fetched: int = 0
    country_pages_cached: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def pages_fetched(self) -> int:
        """Pages requested over HTTP in this run."""
        return self.country_pages_fetched + sum(r.pages_fetched for r in self.indicators.values())

    @property
    def pages_cached(self) -> int:
        """Pages read from the on-disk cache in this run."""
        return self.country_pages_cached + sum(r.pages_cached for r in self.indicators.values())


def extract(
    codes: list[str],
    out_dir: Path,
    *,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    client: WorldBankClient | None = None,
    progress: bool = False,
    date: str | None = None,
    downloads: int = DOWNLOADS,
) -> ExtractResult:
    """Download ``codes`` and the country list into ``out_dir`` in the offline mirror's file layout.

    ``downloads`` indicators are fetched at a time (each one's pages in order); their files are written in the
    order of ``codes``, so a failure leaves the files of the indicators before it, as one at a time would.
    """
    wanted = list(dict.fromkeys(codes))
    for code in wanted:
        check_code(code)
    if downloads < 1:
        raise ValueError(f"downloads must be >= 1, got {downloads}")
    if client is not None and (base_url is not None or cache_dir is not None):
        raise ValueError("pass either client or base_url/cache_dir, not both")
    own = client is None
    if client is None:
        client = WorldBankClient(
            base_url, cache_dir=cache_dir if cache_dir is not None else config.cache_dir() / "worldbank-api"
        )
    out_dir = Path(out_dir)
    result = ExtractResult(out_dir=out_dir)
    api = client

    def fetch(code: str) -> tuple[IndicatorMeta, IndicatorData]:
        return api.indicator_metadata(code), api.indicator_data(code, date=date)

    slots = threading.BoundedSemaphore(downloads)
    jobs: deque[Future[tuple[IndicatorMeta, IndicatorData]]] = deque()
    try:
        countries = client.countries()
        result.country_csv = out_dir / COUNTRY_SUBDIR / COUNTRY_FILE
        write_atomic(result.country_csv, _country_csv(countries.rows))
        result.countries = len(countries.rows)
        result.country_pages_fetched = countries.pages_fetched
        result.country_pages_cached = countries.pages_cached
        written: set[Path] = set()
        # a window of downloads ahead of the one written next: at most that many indicators are held in memory
        ahead = iter(wanted)
        jobs.extend(_start(fetch, code, slots) for code in itertools.islice(ahead, 2 * downloads))
        bar = tqdm(total=len(wanted), desc="World Bank API", unit="indicator", disable=not progress)
        for code in wanted:
            bar.set_postfix_str(code)
            meta, data = jobs.popleft().result()
            jobs.extend(_start(fetch, c, slots) for c in itertools.islice(ahead, 1))
            written.update(_write_indicator(result, out_dir, code, meta, data))
            bar.update()
        bar.close()
        _remove_stale(out_dir / WDI_SUBDIR, written)
    finally:
        for job in jobs:   # after a failure or a stop: the downloads not started never are
            job.cancel()
        if own:
            client.close()
    return result


def _start(fetch: Callable[[str], T], code: str, slots: threading.BoundedSemaphore) -> Future[T]:
    """``fetch(code)`` on a daemon thread once one of the ``slots`` is free: a stop is not held up by a download
    in flight, as it would be by a thread pool's threads, which the interpreter waits for at exit."""
    future: Future[T] = Future()

    def work() -> None:
        with slots:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fetch(code))
            except BaseException as exc:  # noqa: BLE001 - handed to the thread that writes the files
                future.set_exception(exc)

    threading.Thread(target=work, name=f"worldbank-api-{code}", daemon=True).start()
    return future


def _write_indicator(result: ExtractResult, out_dir: Path, code: str, meta: IndicatorMeta,
                     data: IndicatorData) -> list[Path]:
    """Write one downloaded indicator's files (none when it has no data) and record it; the paths written."""
    result.warnings.extend(data.warnings)
    # name files by the API's spelling of the code (the loader wants e.g. IT.NET.BBND.P2.csv)
    file_code = meta.id if meta.id.upper() == code.upper() else code
    csv_path: Path | None = out_dir / WDI_SUBDIR / f"{file_code}.csv"
    pkg_path: Path | None = out_dir / WDI_SUBDIR / f"{file_code}.datapackage.json"
    if data.observations:
        assert csv_path is not None and pkg_path is not None
        write_atomic(csv_path, _wdi_csv(data.observations))
        write_atomic(pkg_path, _datapackage(file_code, meta, data.lastupdated))
    else:
        # the loader rejects a header-only CSV, so an empty indicator gets no files at all
        result.warnings.append(f"{code}: no data (API total {data.total}); no files written")
        csv_path = pkg_path = None
    result.indicators[code] = IndicatorReport(
        code=code,
        name=meta.name,
        rows=len(data.observations),
        lastupdated=data.lastupdated,
        skipped_rows=data.skipped_rows,
        null_rows=data.null_rows,
        pages_fetched=data.pages_fetched + meta.pages_fetched,
        pages_cached=data.pages_cached + meta.pages_cached,
        restarts=data.restarts,
        csv_path=csv_path,
        datapackage_path=pkg_path,
    )
    return [p for p in (csv_path, pkg_path) if p is not None]


def _remove_stale(folder: Path, written: set[Path]) -> None:
    """Delete indicator files an earlier extract left that this one did not ask for: the loader reads the
    whole folder, so it must hold exactly what was asked for."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.endswith((".csv", ".datapackage.json")) and path not in written:
            path.unlink(missing_ok=True)


def _csv_bytes(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)  # default dialect: minimal quoting, CRLF line ends, as in the mirror
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _wdi_csv(observations: Iterable[Observation]) -> bytes:
    ordered = sorted(observations, key=lambda o: (o.country_code, o.year))
    return _csv_bytes(WDI_COLUMNS, ((o.country_name, o.country_code, o.year, repr(o.value)) for o in ordered))


def _country_csv(rows: list[dict[str, str]]) -> bytes:
    return _csv_bytes(COUNTRY_COLUMNS, ([r[c] for c in COUNTRY_COLUMNS] for r in rows))


def _datapackage(code: str, meta: IndicatorMeta, lastupdated: str | None) -> bytes:
    """A datapackage.json shaped like the mirror's (datahub ``name``/``indicator`` are lower-case codes)."""
    pkg: dict[str, Any] = {
        "title": meta.name,
        "name": code.lower(),
        "worldbank": {
            "indicator": code.lower(),
            "id": meta.id,
            "lastupdated": lastupdated,
            "source": meta.source,
            "sourceId": meta.source_id,
            "sourceOrganization": meta.source_organization,
            "unit": meta.unit,
        },
        "readme": meta.source_note,
        "licenses": [{"name": "CC-BY-4.0"}],
        "keywords": list(meta.topics),
        "resources": [
            {
                "name": "data",
                "title": "Indicator data",
                "path": f"{code}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": "Country Name", "type": "string", "description": "Country or Region name"},
                        {"name": "Country Code", "type": "string", "description": "World Bank 3-letter code"},
                        {"name": "Year", "type": "year", "description": "Year"},
                        {"name": "Value", "type": "number", "description": meta.source_note},
                    ]
                },
            }
        ],
    }
    return (json.dumps(pkg, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
