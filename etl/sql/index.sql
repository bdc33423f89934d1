-- Digital Development Index tables (etl/index/store.py). Recomputed from observations on every build.

CREATE TABLE index_meta (
    key   VARCHAR PRIMARY KEY,   -- config | latest_year | first_year | years | not_covered
    value VARCHAR NOT NULL       -- JSON
);

CREATE TABLE index_pillars (
    id             VARCHAR PRIMARY KEY,
    position       INTEGER NOT NULL,
    name_en        VARCHAR NOT NULL,
    name_zh        VARCHAR NOT NULL,
    description_en VARCHAR,
    description_zh VARCHAR,
    wic_dimension  VARCHAR,          -- the WIC index dimension it corresponds to
    weight         DOUBLE NOT NULL,  -- default weight, the pillars' weights summing to one
    n_indicators   INTEGER NOT NULL
);

CREATE TABLE index_indicators (
    code              VARCHAR PRIMARY KEY,
    pillar            VARCHAR NOT NULL,
    position          INTEGER NOT NULL,   -- order in the configuration
    weight            DOUBLE NOT NULL,    -- weight within the pillar
    higher_is_better  BOOLEAN NOT NULL,
    log               BOOLEAN NOT NULL,   -- x -> log10(max(x, 0) + log_shift)
    log_shift         DOUBLE NOT NULL,
    natural_goalposts BOOLEAN NOT NULL,   -- goalposts given in the configuration, else pooled quantiles
    lower             DOUBLE NOT NULL,    -- goalposts on the transformed scale
    upper             DOUBLE NOT NULL,
    lower_value       DOUBLE NOT NULL,    -- the goalposts in the indicator's own unit
    upper_value       DOUBLE NOT NULL,
    mean              DOUBLE NOT NULL,    -- z-score parameters on the transformed scale
    sd                DOUBLE NOT NULL,
    n_obs             INTEGER NOT NULL,   -- observed country-years the parameters come from
    skewness          DOUBLE,             -- of the observed values before and after the transform
    kurtosis          DOUBLE,             -- (excess kurtosis)
    skewness_transformed DOUBLE,
    kurtosis_transformed DOUBLE
);

CREATE TABLE index_years (
    year          SMALLINT PRIMARY KEY,
    n_with_data   INTEGER NOT NULL,   -- countries with at least one indicator value
    n_ranked      INTEGER NOT NULL,
    imputed_share DOUBLE NOT NULL,    -- share of the ranked countries' values that are carried forward
    published     BOOLEAN NOT NULL,   -- scores of this year are in the tables below
    latest        BOOLEAN NOT NULL
);

CREATE TABLE index_indicator_scores (
    iso3        VARCHAR NOT NULL,
    year        SMALLINT NOT NULL,
    indicator   VARCHAR NOT NULL,
    pillar      VARCHAR NOT NULL,
    value       DOUBLE NOT NULL,     -- the value used, in the indicator's unit
    source_year SMALLINT NOT NULL,   -- the year it was observed
    imputed     BOOLEAN NOT NULL,    -- carried forward from source_year
    minmax      DOUBLE NOT NULL,     -- 0-100 scores (higher = better)
    zscore      DOUBLE NOT NULL      -- one row per (iso3, year, indicator); no key constraint, for load speed
);

CREATE TABLE index_pillar_scores (
    iso3          VARCHAR NOT NULL,
    year          SMALLINT NOT NULL,
    pillar        VARCHAR NOT NULL,
    normalization VARCHAR NOT NULL,  -- minmax | zscore
    score         DOUBLE NOT NULL,   -- weighted mean of the available indicator scores
    rank          DOUBLE,            -- among countries ranked in the index that year
    ranked        BOOLEAN NOT NULL,  -- the country is ranked in the index that year
    n_available   INTEGER NOT NULL,
    n_indicators  INTEGER NOT NULL,
    n_imputed     INTEGER NOT NULL   -- one row per (iso3, year, pillar, normalization)
);

CREATE TABLE index_scores (
    iso3          VARCHAR NOT NULL,
    year          SMALLINT NOT NULL,
    score         DOUBLE,            -- null when not ranked
    rank          DOUBLE,
    ranked        BOOLEAN NOT NULL,
    reason        VARCHAR,           -- why not ranked, e.g. 'innovation: 1 of 4 indicators'
    n_available   INTEGER NOT NULL,
    n_indicators  INTEGER NOT NULL,
    n_imputed     INTEGER NOT NULL,
    normalization VARCHAR NOT NULL,  -- the default settings these scores use
    aggregation   VARCHAR NOT NULL,
    PRIMARY KEY (iso3, year)
);

CREATE TABLE index_uncertainty (
    iso3                    VARCHAR NOT NULL,
    year                    SMALLINT NOT NULL,   -- the latest index year
    rank                    DOUBLE NOT NULL,     -- with the default settings
    median_rank             DOUBLE,
    p5_rank                 DOUBLE,
    p95_rank                DOUBLE,
    share_ranked            DOUBLE NOT NULL,     -- share of draws in which the country was eligible
    most_influential_pillar VARCHAR,             -- whose weight correlates most with the rank over draws
    influence               DOUBLE,              -- that correlation (negative: more weight, better rank)
    draws                   INTEGER NOT NULL,
    PRIMARY KEY (iso3, year)
);

CREATE TABLE index_sensitivity (
    iso3                      VARCHAR NOT NULL,
    year                      SMALLINT NOT NULL,
    pillar                    VARCHAR NOT NULL,
    weight_rank_corr          DOUBLE,   -- correlation over draws of this pillar's weight with the rank
    rank_without_pillar       DOUBLE,   -- rank when this pillar gets weight zero
    rank_shift_without_pillar DOUBLE,   -- that rank minus the default rank
    pillar_rank               DOUBLE,   -- rank on this pillar with the default settings
    pillar_rank_p5            DOUBLE,   -- over draws of normalisation and carry-forward window
    pillar_rank_p95           DOUBLE,
    PRIMARY KEY (iso3, year, pillar)
);

CREATE TABLE index_coherence (
    year              SMALLINT NOT NULL,
    level             VARCHAR NOT NULL,   -- indicator | pillar | index | all_indicators
    id                VARCHAR NOT NULL,
    pillar            VARCHAR,
    n_countries       INTEGER NOT NULL,
    n_items           INTEGER NOT NULL,
    r_pillar          DOUBLE,             -- indicator vs the mean of the rest of its pillar
    r_index           DOUBLE,
    best_other_pillar VARCHAR,
    r_best_other      DOUBLE,
    cronbach_alpha    DOUBLE,
    wrong_direction   BOOLEAN NOT NULL,
    weak              BOOLEAN NOT NULL,
    note              VARCHAR,
    PRIMARY KEY (level, id)
);

CREATE TABLE index_correlations (
    year SMALLINT NOT NULL,
    a    VARCHAR NOT NULL,   -- indicator code, pillar id or 'index'
    b    VARCHAR NOT NULL,
    r    DOUBLE,
    n    INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
