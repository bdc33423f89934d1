"""The endpoints of ``/api/v1``: parameters, row fields and handlers, all reading through :mod:`etl.read`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final

import pandas as pd

from dashboard.api.model import PREFIX, ApiError, Column, Document, Endpoint, Param, Table
from etl import facts, read
from etl import vintages as kept_files

MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000
MAX_CODES = 100
YEAR_MIN, YEAR_MAX = 1900, 2100

LIMIT = Param("limit", "integer", f"Rows per page (at most {MAX_LIMIT}).", default=1000, minimum=1,
              maximum=MAX_LIMIT, example=100)
OFFSET = Param("offset", "integer", "Rows to skip; follow `links.next` (or the `Link` header) for the next page.",
               default=0, minimum=0, maximum=MAX_OFFSET)
FORMAT = Param("format", "string", "`json` (default) or `csv`; overrides the Accept header.", enum=("json", "csv"))
VINTAGE = Param("vintage", "string", "Answer as of that ETL run: a run id of /api/v1/vintages (default: the live "
                "warehouse).", example="20261201T100347Z-23da45", pattern=kept_files.RUN_ID.pattern)


def _codes_param(name: str, what: str, example: Sequence[str], *, required: bool = False) -> Param:
    return Param(name, "codes", f"{what}: repeat the parameter or separate codes with commas.", required=required,
                 max_items=MAX_CODES, example=list(example))


INDICATOR = _codes_param("indicator", "Indicator codes (see /api/v1/indicators)", ["IT.NET.USER.ZS"], required=True)
COUNTRY = _codes_param("country", "Country or group codes; a group code such as `WLD` or `WIC` selects the group's "
                       "own value", ["CHN", "USA", "WIC"])
GROUP = _codes_param("group", "Group codes (see /api/v1/groups) whose member countries are selected, e.g. `WIC` for "
                     "the WIC member countries; combined with `country` as a union", ["WIC"])


def _year(name: str, description: str) -> Param:
    return Param(name, "integer", description, minimum=YEAR_MIN, maximum=YEAR_MAX, example=2015)


@contextmanager
def _known(parameter: str) -> Iterator[None]:
    """Answer :class:`etl.read.UnknownCode` as a 404 naming the parameter, with the read API's suggestions."""
    try:
        yield
    except read.UnknownCode as exc:
        raise ApiError(404, "unknown_code", str(exc), parameter=parameter, value=exc.code,
                       suggestions=exc.suggestions) from exc


def _places(p: Mapping[str, Any]) -> list[str] | None:
    """The ``country`` codes plus the member countries of the ``group`` codes, or None for all."""
    places: list[str] = []
    if p.get("country"):
        with _known("country"):
            read.check_countries(p["country"])
        places += p["country"]
    if p.get("group"):
        with _known("group"):
            places += read.group_countries(p["group"])
    if p.get("country") is None and p.get("group") is None:
        return None
    return sorted(set(places))


# --- handlers ------------------------------------------------------------------------------------------

def vintage_json(vintage: Mapping[str, Any]) -> dict[str, str | None]:
    """:func:`etl.read.data_vintage` as JSON: ``run_id``, ``built_at`` (date-time), ``last_updated`` (date)."""
    built, updated = vintage.get("built_at"), vintage.get("last_updated")
    return {"run_id": vintage.get("run_id"),
            "built_at": built.isoformat() if built is not None else None,
            "last_updated": (updated.date() if isinstance(updated, datetime) else updated).isoformat()
            if updated is not None else None}


def _index(p: Mapping[str, Any]) -> Document:
    return Document({
        "name": "WIC Digital Economy Observatory API",
        "version": "1",
        "openapi": f"{PREFIX}/openapi.json",
        "endpoints": [{"path": ep.path, "summary": ep.summary} for ep in ENDPOINTS],
        "vintage": vintage_json(read.data_vintage()),
    })


def _openapi(p: Mapping[str, Any]) -> Document:
    from dashboard.api.openapi import document

    return Document(document())


def _indicators(p: Mapping[str, Any]) -> Table:
    return Table(read.indicators(catalog_only=p["catalog"], search=p.get("search")))


def _indicator(p: Mapping[str, Any]) -> Table:
    with _known("code"):
        read.check_indicators([p["code"]])
    frame = read.indicators()
    return Table(frame[frame["code"] == p["code"]])


def _with_membership(frame: pd.DataFrame) -> pd.DataFrame:
    try:
        wic = read.group_countries("WIC")
    except read.UnknownCode:          # a register that names no member's country
        wic = []
    frame = frame.copy()
    frame["wic_member"] = frame["iso3"].isin(wic)
    return frame


def _countries(p: Mapping[str, Any]) -> Table:
    places = _places({"group": p.get("group")})
    frame = read.countries(include_aggregates=p["aggregates"])
    if places is not None:
        frame = frame[frame["iso3"].isin(places)]
    return Table(_with_membership(frame))


def _country(p: Mapping[str, Any]) -> Table:
    with _known("iso3"):
        read.check_countries([p["iso3"]])
    frame = read.countries(include_aggregates=True)
    return Table(_with_membership(frame[frame["iso3"] == p["iso3"]]))


def _groups(p: Mapping[str, Any]) -> Table:
    return Table(read.groups())


def _check_years(p: Mapping[str, Any]) -> None:
    lo, hi = p.get("year_from"), p.get("year_to")
    if lo is not None and hi is not None and lo > hi:
        raise ApiError(400, "bad_parameter", f"year_from ({lo}) is after year_to ({hi})", parameter="year_from",
                       value=str(lo))


def _observations(p: Mapping[str, Any]) -> Table:
    _check_years(p)
    with _known("indicator"):
        read.check_indicators(p["indicator"])
    places = _places(p)
    frame, total = read.observations_page(p["indicator"], places, year_from=p.get("year_from"),
                                          year_to=p.get("year_to"), limit=p["limit"], offset=p["offset"],
                                          with_flags=True)
    return Table(frame, total)


def _latest(p: Mapping[str, Any]) -> Table:
    with _known("indicator"):
        read.check_indicators(p["indicator"])
    return Table(read.latest(p["indicator"], _places(p), max_year=p.get("max_year")))


def _members(p: Mapping[str, Any]) -> Table:
    return Table(read.members())


def _membership_counts(p: Mapping[str, Any]) -> Table:
    return Table(read.membership_counts())


def _sources(p: Mapping[str, Any]) -> Table:
    return Table(read.sources())


def _index_scores(p: Mapping[str, Any]) -> Table:
    latest = read.index_latest_year()
    year = p.get("year") or latest
    published = set(read.index_years().query("published")["year"].astype(int))
    if year is None or year not in published:
        raise ApiError(404, "unknown_code", f"no published index for {year}; published years: "
                       f"{', '.join(map(str, sorted(published))) or 'none'}", parameter="year", value=str(year))
    frame = read.index_scores(year)
    places = _places(p)
    if places is not None:
        frame = frame[frame["iso3"].isin(places)]
    columns = ["iso3", "name_en", "name_zh", "year", "score", "rank", "ranked", "reason"]
    frame = frame[columns].copy()
    carried = read.index_carried_inputs(year)
    frame = frame.merge(carried, on="iso3", how="left")
    frame["n_inputs"] = frame["n_inputs"].fillna(0).astype(int)
    frame["n_carried"] = frame["n_carried"].fillna(0).astype(int)
    frame["oldest_carried"] = frame["oldest_carried"].astype("Int64")
    bands = read.index_uncertainty()[["iso3", "median_rank", "p5_rank", "p95_rank"]] if year == latest else None
    if bands is None:
        for column in ("median_rank", "p5_rank", "p95_rank"):
            frame[column] = None
    else:
        frame = frame.merge(bands, on="iso3", how="left")
    frame["rank"] = frame["rank"].astype("Int64")
    return Table(frame.reset_index(drop=True))


def _facts(p: Mapping[str, Any]) -> Table:
    iso3 = str(p["country"]).strip().upper()
    with _known("country"):
        read.check_countries([iso3])
    codes = p.get("indicator") or None
    if codes:
        with _known("indicator"):
            read.check_indicators(codes)
    return Table(pd.DataFrame(facts.flat_rows(iso3, codes), columns=facts.FLAT_COLUMNS))


# --- row fields ----------------------------------------------------------------------------------------

S: Final = "string"
INT: Final = "integer"
N: Final = "number"
B: Final = "boolean"

INDICATOR_COLUMNS = (
    Column("code", S, "Indicator code (World Bank WDI code where there is one)", nullable=False),
    Column("name_en", S, "Short English name (catalog) or the source's title", nullable=False),
    Column("name_zh", S, "Chinese name (catalog indicators)"),
    Column("title", S, "The source's full title", nullable=False),
    Column("unit", S, "Unit"),
    Column("unit_zh", S, "Unit in Chinese"),
    Column("pillar", S, "Pillar of the digital-economy catalog"),
    Column("in_catalog", B, "In the curated digital-economy catalog", nullable=False),
    Column("higher_is_better", B, "Direction: whether a higher value is better"),
    Column("log_scale", B, "Best shown on a log scale", nullable=False),
    Column("topic", S, "The source's topic"),
    Column("source_org", S, "Source organization"),
    Column("dataset", S, "Dataset it was loaded from: its source's id in /api/v1/sources (worldbank-api when the "
           "WDI came through the live API; derived when computed here)", nullable=False),
    Column("license", S, "License"),
    Column("last_updated", "date", "When the source last updated the series"),
    Column("definition", S, "Definition"),
    Column("agg_method", S, "How group values are computed: weighted_mean, sum or none"),
    Column("agg_weight", S, "Weight indicator for weighted means"),
    Column("note", S, "Note"),
)

COUNTRY_COLUMNS = (
    Column("iso3", S, "ISO 3166-1 alpha-3, or a World Bank / own group code", nullable=False),
    Column("iso2", S, "ISO 3166-1 alpha-2"),
    Column("iso_numeric", S, "ISO 3166-1 numeric"),
    Column("name_en", S, "English name", nullable=False),
    Column("name_zh", S, "Chinese name"),
    Column("is_aggregate", B, "A group, not an economy", nullable=False),
    Column("is_computed", B, "A group of this observatory (WIC member countries)", nullable=False),
    Column("in_wb_list", B, "A World Bank economy or aggregate", nullable=False),
    Column("wb_region_id", S, "World Bank region code"),
    Column("wb_region", S, "World Bank region"),
    Column("wb_admin_region", S, "World Bank administrative region"),
    Column("income_id", S, "World Bank income group code"),
    Column("income", S, "World Bank income group"),
    Column("lending_id", S, "World Bank lending type code"),
    Column("lending", S, "World Bank lending type"),
    Column("capital", S, "Capital city"),
    Column("longitude", N, "Longitude of the capital"),
    Column("latitude", N, "Latitude of the capital"),
    Column("m49", S, "UN M49 code"),
    Column("un_region", S, "UN M49 region"),
    Column("un_subregion", S, "UN M49 sub-region"),
    Column("un_intermediate", S, "UN M49 intermediate region"),
    Column("continent", S, "Continent code"),
    Column("ldc", B, "Least developed country (UN)"),
    Column("lldc", B, "Landlocked developing country (UN)"),
    Column("sids", B, "Small island developing state (UN)"),
    Column("is_independent", S, "Independence status (ISO)"),
    Column("wic_member", B, "Home of at least one publicly named WIC member", nullable=False),
)

GROUP_COLUMNS = (
    Column("code", S, "Group code", nullable=False),
    Column("kind", S, "world, region, income, lending or wic", nullable=False),
    Column("name_en", S, "English name", nullable=False),
    Column("name_zh", S, "Chinese name"),
    Column("is_computed", B, "A group of this observatory", nullable=False),
    Column("n_countries", INT, "Member countries", nullable=False),
)

OBSERVATION_COLUMNS = (
    Column("iso3", S, "Country or group code", nullable=False),
    Column("indicator", S, "Indicator code", nullable=False),
    Column("year", INT, "Year", nullable=False),
    Column("value", N, "Value, in the indicator's unit", nullable=False),
    Column("source", S, "The step that loaded it (wdi, worldbank-api, gapminder, egdi, gtmi, oecd_dgi, eu_egov, "
           "sdg_ict; see /sources), derived (computed here from source series) or computed (a group value "
           "computed here)", nullable=False),
    Column("computed", B, "Not published by the source: a group value or a derived indicator computed here",
           nullable=False),
    Column("carried", B, "A group value some of whose countries' values are carried forward from up to 3 earlier "
           "years (see /api/v1/facts for how many)", nullable=False),
)

LATEST_COLUMNS = (*OBSERVATION_COLUMNS[:4],
                  Column("computed", B, "A group value computed here, not published by the source", nullable=False))

MEMBER_COLUMNS = (
    Column("member_id", INT, "Member number in the register", nullable=False),
    Column("name", S, "Member's name", nullable=False),
    Column("category", S, "Kind of member", nullable=False),
    Column("country_iso3", S, "The member's country: an organization's headquarters, an individual's nationality "
           "or base (see country_basis)"),
    Column("country_en", S, "That country's English name"),
    Column("country_zh", S, "That country's Chinese name"),
    Column("evidence", S, "What shows membership"),
    Column("first_reported", "date", "First public report of membership", nullable=False),
    Column("source_url", S, "Source"),
    Column("source_title", S, "Source title"),
    Column("confidence", S, "high, medium or low", nullable=False),
    Column("note", S, "Note"),
    Column("country_basis", S, "What country_iso3 holds: headquarters (organizations) or nationality_or_base "
           "(individuals)"),
)

COUNT_COLUMNS = (
    Column("as_of", "date", "Date of the report", nullable=False),
    Column("members", INT, "Members reported", nullable=False),
    Column("members_qualifier", S, "exact, about, more than ...", nullable=False),
    Column("countries_and_regions", INT, "Countries and regions reported"),
    Column("countries_qualifier", S, "Qualifier of that number"),
    Column("continents", INT, "Continents reported"),
    Column("occasion", S, "Occasion of the report"),
    Column("source_url", S, "Source"),
    Column("source_title", S, "Source title"),
    Column("confidence", S, "high, medium or low"),
)

INDEX_COLUMNS = (
    Column("iso3", S, "Country code", nullable=False),
    Column("name_en", S, "English name"),
    Column("name_zh", S, "Chinese name"),
    Column("year", INT, "Index year", nullable=False),
    Column("score", N, "Index score, 0-100 (null when not ranked)"),
    Column("rank", INT, "Rank among ranked countries (null when not ranked)"),
    Column("ranked", B, "Whether the country has enough data to be ranked", nullable=False),
    Column("reason", S, "Why the country is not ranked"),
    Column("n_inputs", INT, "Indicators with a value behind the score", nullable=False),
    Column("n_carried", INT, "Of those, how many are carried forward from an earlier year", nullable=False),
    Column("oldest_carried", INT, "The earliest year a carried input comes from"),
    Column("median_rank", N, "Median rank over the Monte Carlo draws (latest year only)"),
    Column("p5_rank", N, "5th percentile of the rank over the draws (latest year only)"),
    Column("p95_rank", N, "95th percentile of the rank over the draws (latest year only)"),
)

FACT_COLUMNS = (
    Column("iso3", S, "Country or group code", nullable=False),
    Column("indicator", S, "Indicator code", nullable=False),
    Column("value", N, "The latest value, in the indicator's unit"),
    Column("year", INT, "Its year"),
    Column("source", S, "The step that loaded it (see /sources), derived or computed"),
    Column("computed", B, "Not published by the source (a group value or derived indicator computed here)",
           nullable=False),
    Column("carried", B, "Some of the group's countries are carried forward from earlier years", nullable=False),
    Column("partial", B, "The countries with a value cover less than all of the group's weight", nullable=False),
    Column("method", S, "How a group value is computed: weighted_mean or sum"),
    Column("weight", S, "The weight indicator of a group value (population for sums)"),
    Column("coverage", N, "Share of the group's weight with a value (0-1)"),
    Column("n_reporting", INT, "Group countries reporting in the year"),
    Column("n_carried", INT, "Group countries carried forward from up to 3 earlier years"),
    Column("n_members", INT, "Countries in the group"),
    Column("carried_share", N, "Share of the covered weight that is carried forward (0-1)"),
    Column("oldest_carried", INT, "The earliest year a carried value comes from"),
    Column("rank", INT, "Rank among the economies with a latest value in the window (1 = best)"),
    Column("n_ranked", INT, "How many economies are ranked"),
    Column("window_from", INT, "The ranking window's first year (the reference year minus 3)"),
    Column("window_to", INT, "The ranking window's last year (the newest year with data)"),
    Column("member_rank", INT, "Rank among the WIC member countries in the same window"),
    Column("n_member_ranked", INT, "How many member countries are ranked"),
    Column("not_ranked", S, "Why there is no rank: stale (latest value older than the window), history_only "
           "(a series no longer updated), group or none"),
    Column("change", N, "The change over 5 years (or the nearest year within one), in the indicator's unit"),
    Column("change_year", INT, "The later year of the change"),
    Column("change_base_year", INT, "The earlier year of the change"),
    Column("change_base_value", N, "The value in that year"),
    Column("text_en", S, "The fact as the profile and the brief state it, in English", nullable=False),
    Column("text_zh", S, "The fact as the profile and the brief state it, in Chinese", nullable=False),
)

SOURCE_COLUMNS = (
    Column("id", S, "Source id", nullable=False),
    Column("title", S, "Title", nullable=False),
    Column("title_zh", S, "Chinese title"),
    Column("publisher", S, "Publisher"),
    Column("license", S, "License"),
    Column("origin", S, "Where the data came from"),
    Column("url", S, "Address"),
    Column("vintage", S, "The source's vintage"),
    Column("description", S, "What was loaded"),
)

VINTAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The ETL run that built the warehouse and the newest source update.",
    "properties": {
        "run_id": {"type": "string", "nullable": True},
        "built_at": {"type": "string", "format": "date-time", "nullable": True},
        "last_updated": {"type": "string", "format": "date", "nullable": True},
    },
    "required": ["run_id", "built_at", "last_updated"],
    "additionalProperties": False,
}

INDEX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "openapi": {"type": "string"},
        "endpoints": {"type": "array", "items": {
            "type": "object", "properties": {"path": {"type": "string"}, "summary": {"type": "string"}},
            "required": ["path", "summary"]}},
        "vintage": {"$ref": "#/components/schemas/Vintage"},
    },
    "required": ["name", "version", "openapi", "endpoints", "vintage"],
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(PREFIX, "index", "The API's endpoints and the data vintage",
             "Lists the endpoints and names the ETL run that built the data.", "document", _index,
             document_schema=INDEX_SCHEMA, tag="meta"),
    Endpoint(f"{PREFIX}/openapi.json", "openapi", "This OpenAPI 3 document",
             "Generated from the same declarations as the routes.", "document", _openapi,
             document_schema={"type": "object"}, uses_warehouse=False, tag="meta"),
    Endpoint(f"{PREFIX}/indicators", "listIndicators", "Indicators with their catalog metadata",
             "The digital-economy catalog first (in pillar order), then every other indicator by code.", "list",
             _indicators, (Param("catalog", "boolean", "Only the curated digital-economy catalog.", default=False),
                           Param("search", "string", "Words in the code or the English or Chinese name.",
                                 example="broadband")),
             INDICATOR_COLUMNS),
    Endpoint(f"{PREFIX}/indicators/{{code}}", "getIndicator", "One indicator's metadata",
             "404 with suggestions for an unknown code.", "item", _indicator,
             (Param("code", "string", "Indicator code.", location="path", required=True,
                    example="IT.NET.USER.ZS"),), INDICATOR_COLUMNS, not_found=True),
    Endpoint(f"{PREFIX}/countries", "listCountries", "Countries with their classifications",
             "Economies (and, with aggregates=true, groups) with World Bank, UN and ISO classifications and WIC "
             "membership; `group` keeps the member countries of the given groups.", "list", _countries,
             (GROUP, Param("aggregates", "boolean", "Include groups (WLD, regions, income groups, WIC).",
                           default=False)), COUNTRY_COLUMNS, not_found=True),
    Endpoint(f"{PREFIX}/countries/{{iso3}}", "getCountry", "One country's or group's classifications",
             "404 with suggestions for an unknown code.", "item", _country,
             (Param("iso3", "string", "Country or group code.", location="path", required=True, example="CHN"),),
             COUNTRY_COLUMNS, not_found=True),
    Endpoint(f"{PREFIX}/groups", "listGroups", "Country groups and their sizes",
             "World, World Bank regions, income groups and lending types, and WIC (the member countries).", "list",
             _groups, (), GROUP_COLUMNS),
    Endpoint(f"{PREFIX}/observations", "listObservations", "Observations as tidy rows",
             "Rows `iso3, indicator, year, value, source, computed, carried` ordered by indicator, country and "
             "year, the same rows as `etl.read.observations(..., with_flags=True)` and `wic query`.", "list",
             _observations,
             (INDICATOR, COUNTRY, GROUP, _year("year_from", "First year."), _year("year_to", "Last year."),
              Param("flags", "boolean", "Kept for old links: `source`, `computed` and `carried` are always "
                    "included.", default=True)),
             OBSERVATION_COLUMNS, not_found=True),
    Endpoint(f"{PREFIX}/latest", "listLatest", "The latest value per country and indicator",
             "For each country (or group) and indicator, the value of the latest year with data (at or before "
             "`max_year`).", "list", _latest,
             (INDICATOR, COUNTRY, GROUP, _year("max_year", "Latest year to consider.")), LATEST_COLUMNS,
             not_found=True),
    Endpoint(f"{PREFIX}/members", "listMembers", "Publicly named WIC members",
             "The membership register: publicly named members only, each with its evidence and source.", "list",
             _members, (), MEMBER_COLUMNS),
    Endpoint(f"{PREFIX}/membership-counts", "listMembershipCounts", "Official WIC membership totals over time",
             "Each reported total with its qualifier (exact, about, more than) and source.", "list",
             _membership_counts, (), COUNT_COLUMNS),
    Endpoint(f"{PREFIX}/index-scores", "listIndexScores", "Digital Development Index scores and ranks",
             "The index computed here from open indicators (World Bank WDI, UN EGDI, World Bank GTMI; see "
             "/api/v1/sources) with the default method (min-max, arithmetic, equal "
             "weights): score, rank or why a country is not ranked, and, for the latest year, the Monte Carlo rank "
             "interval. Not the WIC's own World Internet Development Index.", "list", _index_scores,
             (_year("year", "Index year (default: the latest published)."), COUNTRY, GROUP), INDEX_COLUMNS,
             not_found=True),
    Endpoint(f"{PREFIX}/facts", "listFacts", "A country's or group's facts: value, year, rank, change, flags",
             "For each headline indicator (or the `indicator` codes): the latest value and year, the rank among "
             "economies whose latest value lies in the window (and among WIC member countries), the 5-year change "
             "with both years, and how a group value was computed (coverage, countries carried forward). The same "
             "facts the country profile, the briefs and `wic facts` state.", "list", _facts,
             (Param("country", "string", "Country or group code.", required=True, example="CHN"),
              _codes_param("indicator", "Indicator codes (default: the headline indicators)", ["IT.NET.USER.ZS"])),
             FACT_COLUMNS, not_found=True),
    Endpoint(f"{PREFIX}/sources", "listSources", "Sources with publisher, license and vintage",
             "Every source loaded into the warehouse; `meta.vintage` names the run that built it.", "list",
             _sources, (), SOURCE_COLUMNS),
)


# --- change log ----------------------------------------------------------------------------------------------

def _changes(p: Mapping[str, Any]) -> Table:
    with _known("since" if p.get("since") else "indicator"):
        return Table(read.changes(since=p.get("since"), indicators=p.get("indicator") or None))


CHANGE_COLUMNS = (
    Column("run_id", S, "The ETL run that made the change", nullable=False),
    Column("previous_run", S, "The run that built the warehouse it replaced"),
    Column("indicator", S, "Indicator code", nullable=False),
    Column("source", S, "Source of the new value (of the old one for a removal)", nullable=False),
    Column("iso3", S, "Country or group code", nullable=False),
    Column("year", INT, "Year", nullable=False),
    Column("change", S, "added, removed or revised", nullable=False),
    Column("old_value", N, "The value before the run (null when added)"),
    Column("new_value", N, "The value after the run (null when removed)"),
)

ENDPOINTS = (*ENDPOINTS, Endpoint(
    f"{PREFIX}/changes", "listChanges", "What each ETL run changed",
    "Observations added, removed and revised (old and new value) by each run against the warehouse it replaced, "
    "oldest run first; the same rows as `wic changes` and `etl.read.changes`.", "list", _changes,
    (Param("since", "string", "Only the runs after this run id (see /api/v1 `vintage.run_id`)."),
     _codes_param("indicator", "Only these indicator codes", ["IT.NET.USER.ZS"])),
    CHANGE_COLUMNS, not_found=True))


# --- kept vintages -------------------------------------------------------------------------------------------

def _vintages(p: Mapping[str, Any]) -> Table:
    return Table(read.vintages())


VINTAGE_COLUMNS = (
    Column("run_id", S, "The ETL run that built the warehouse; pass it as `vintage=` to any data endpoint",
           nullable=False),
    Column("started_at", "date-time", "When the run started", nullable=False),
    Column("finished_at", "date-time", "When the run finished"),
    Column("source", S, "mirror or worldbank", nullable=False),
    Column("observations", INT, "Observations in that warehouse"),
    Column("live", B, "The warehouse served now", nullable=False),
)

ENDPOINTS = (*ENDPOINTS, Endpoint(
    f"{PREFIX}/vintages", "listVintages", "The kept past warehouses (vintages)",
    "The runs whose warehouses are kept (newest first, the live one included), as `wic vintages`; every data "
    "endpoint answers as of one of them with `vintage=RUN`.", "list", _vintages, (), VINTAGE_COLUMNS,
    versioned=False, tag="meta"))
