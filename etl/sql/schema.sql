-- Warehouse schema. The ETL is the only writer; readers attach the file read-only.

CREATE TABLE countries (
    iso3            VARCHAR PRIMARY KEY,   -- ISO 3166-1 alpha-3, or World Bank / own aggregate code
    iso2            VARCHAR,
    iso_numeric     VARCHAR,
    name_en         VARCHAR NOT NULL,
    name_zh         VARCHAR,
    is_aggregate    BOOLEAN NOT NULL,
    is_computed     BOOLEAN NOT NULL DEFAULT false,  -- a group of our own (WIC member countries)
    in_wb_list      BOOLEAN NOT NULL,                -- a World Bank economy or aggregate
    wb_region_id    VARCHAR,
    wb_region       VARCHAR,
    wb_admin_region VARCHAR,
    income_id       VARCHAR,
    income          VARCHAR,
    lending_id      VARCHAR,
    lending         VARCHAR,
    capital         VARCHAR,
    longitude       DOUBLE,
    latitude        DOUBLE,
    m49             VARCHAR,
    un_region       VARCHAR,
    un_subregion    VARCHAR,
    un_intermediate VARCHAR,
    continent       VARCHAR,
    ldc             BOOLEAN,
    lldc            BOOLEAN,
    sids            BOOLEAN,
    is_independent  VARCHAR
);

CREATE TABLE group_members (
    group_code VARCHAR NOT NULL,   -- WLD, a WB region (EAS...), income group (HIC...), lending type, or WIC
    kind       VARCHAR NOT NULL,   -- world | region | income | lending | wic
    iso3       VARCHAR NOT NULL
);

CREATE TABLE pillars (
    id             VARCHAR PRIMARY KEY,
    position       INTEGER NOT NULL,
    name_en        VARCHAR NOT NULL,
    name_zh        VARCHAR NOT NULL,
    description_en VARCHAR,
    description_zh VARCHAR
);

CREATE TABLE indicators (
    code             VARCHAR PRIMARY KEY,
    name_en          VARCHAR NOT NULL,   -- short display name (catalog) or the source's title
    name_zh          VARCHAR,
    title            VARCHAR NOT NULL,   -- the source's full title
    unit             VARCHAR,
    unit_zh          VARCHAR,
    topic            VARCHAR,
    definition       VARCHAR,
    source_org       VARCHAR,
    dataset          VARCHAR NOT NULL,   -- wdi | gapminder | worldbank-api
    license          VARCHAR,
    last_updated     DATE,
    in_catalog       BOOLEAN NOT NULL,
    catalog_order    INTEGER,
    pillar           VARCHAR,
    higher_is_better BOOLEAN,
    log_scale        BOOLEAN NOT NULL DEFAULT false,
    agg_method       VARCHAR,            -- weighted_mean | sum | none (for computed group values)
    agg_weight       VARCHAR,
    note             VARCHAR
);

CREATE TABLE observations (
    iso3      VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    year      SMALLINT NOT NULL,
    value     DOUBLE NOT NULL,
    source    VARCHAR NOT NULL,     -- wdi | gapminder | worldbank-api | computed
    computed  BOOLEAN NOT NULL      -- a group value computed here, not published by the source
);

CREATE TABLE aggregate_coverage (
    iso3        VARCHAR NOT NULL,   -- the group
    indicator   VARCHAR NOT NULL,
    year        SMALLINT NOT NULL,
    n_reporting INTEGER NOT NULL,   -- group members with a value
    n_members   INTEGER NOT NULL,
    coverage    DOUBLE NOT NULL,    -- share of the group's weight (or population, for sums) with a value
    published   BOOLEAN NOT NULL,   -- coverage reached the threshold, so a value is in observations
    n_carried   INTEGER NOT NULL,   -- members whose value is carried forward from an earlier year
    carried_share DOUBLE NOT NULL,  -- share of the covered weight that is carried forward
    oldest_carried SMALLINT,        -- the earliest year a carried value comes from
    method      VARCHAR NOT NULL,   -- weighted_mean | sum
    weight      VARCHAR NOT NULL    -- the weight indicator (population for sums: coverage only)
);

CREATE TABLE members (
    member_id      INTEGER PRIMARY KEY,
    name           VARCHAR NOT NULL,
    category       VARCHAR NOT NULL,
    country_iso3   VARCHAR,
    evidence       VARCHAR,
    first_reported DATE NOT NULL,
    source_url     VARCHAR,
    source_title   VARCHAR,
    confidence     VARCHAR NOT NULL,
    note           VARCHAR,
    country_basis  VARCHAR            -- what country_iso3 is: headquarters (organizations) or nationality_or_base
);

CREATE TABLE membership_counts (
    as_of                 DATE PRIMARY KEY,
    members               INTEGER NOT NULL,
    members_qualifier     VARCHAR NOT NULL,
    countries_and_regions INTEGER,
    countries_qualifier   VARCHAR,
    continents            INTEGER,
    occasion              VARCHAR,
    source_url            VARCHAR,
    source_title          VARCHAR,
    confidence            VARCHAR
);

CREATE TABLE sources (
    id          VARCHAR PRIMARY KEY,
    title       VARCHAR NOT NULL,
    title_zh    VARCHAR,
    publisher   VARCHAR,
    license     VARCHAR,
    origin      VARCHAR,
    url         VARCHAR,
    vintage     VARCHAR,
    description VARCHAR,
    loaded_from VARCHAR            -- mirror path or API base URL of the run that loaded it
);

CREATE TABLE etl_runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    source      VARCHAR NOT NULL,   -- mirror | worldbank
    status      VARCHAR NOT NULL,   -- ok (failed runs are logged in runs.jsonl beside the warehouse)
    code_version VARCHAR NOT NULL,
    steps       JSON,               -- step -> loaded | reused
    row_counts  JSON,               -- table -> rows
    checksums   JSON,               -- step -> {file -> sha256}
    warnings    JSON,
    schema_version VARCHAR          -- etl.schema.version() of the code that built it (the reader checks it)
);
