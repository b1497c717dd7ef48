-- Deals in the read model (issue #6), for the joint statistics: one row per deal, projected from the deal grains'
-- stored state like the listings. A deal's contract amount and registration are copied out of the state, so that
-- turnover and the technology flowing between the provinces are sums over rows: a deal has at most one contract,
-- so each contract is counted once.
CREATE TABLE IF NOT EXISTS rm_deal (
    id                text PRIMARY KEY,
    listing_id        text NOT NULL,
    listing_kind      text NOT NULL,
    stage             text NOT NULL,
    seller_id         text NOT NULL,
    seller_region     text NOT NULL,
    buyer_id          text NOT NULL,
    buyer_region      text NOT NULL,
    broker_id         text,
    contract_cny      numeric(16, 2),
    registration_no   text,
    registered_at     timestamptz,
    broker_credit_cny numeric(16, 2),
    version           integer NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_deal_by_listing ON rm_deal (listing_id);
-- Registered contracts, the ones the statistics count, by where they flow.
CREATE INDEX IF NOT EXISTS rm_deal_registered ON rm_deal (seller_region, buyer_region) WHERE registered_at IS NOT NULL;
