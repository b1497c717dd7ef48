-- The read model: typed tables that the API queries for lists, search and statistics.
-- Grains stay the single writers; these rows are projected from the change log, asynchronously and
-- idempotently (a row only moves forward in version), by the silo that holds the projection lock.

CREATE TABLE IF NOT EXISTS projection_checkpoint (
    name        text PRIMARY KEY,
    tx          xid8 NOT NULL,
    seq         bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rm_listing (
    id               text PRIMARY KEY,
    kind             text NOT NULL,
    status           text NOT NULL,
    region           text NOT NULL,
    city             text,
    platform_id      text NOT NULL,
    owner_id         text NOT NULL,
    title            text NOT NULL,
    title_en         text,
    summary          text NOT NULL,
    field            text NOT NULL,
    industry_code    text,
    ipc_class        text,
    trl              integer NOT NULL,
    price_model      text NOT NULL,
    price_amount_cny numeric(16, 2),
    keywords         text[] NOT NULL DEFAULT '{}',
    expires_on       date,
    version          integer NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    published_at     timestamptz
) WITH (fillfactor = 80);
-- Lists page newest first by id (ids sort by creation time) within the usual filters.
CREATE INDEX IF NOT EXISTS rm_listing_by_status ON rm_listing (status, id DESC);
CREATE INDEX IF NOT EXISTS rm_listing_by_region_kind ON rm_listing (region, kind, status, id DESC);

CREATE TABLE IF NOT EXISTS rm_user (
    id           text PRIMARY KEY,
    display_name text NOT NULL,
    role         text NOT NULL,
    region       text NOT NULL,
    organization text,
    city         text,
    version      integer NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS rm_platform (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    name_en     text,
    kind        text NOT NULL,
    home_region text NOT NULL,
    url         text,
    version     integer NOT NULL,
    created_at  timestamptz NOT NULL
);
