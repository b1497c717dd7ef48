-- Each region's expiry sweeper asks, every check period, for its region's public listings whose expiry date has
-- passed, oldest date first (ListingExpiryGrain). Only published and negotiating listings with a date can expire,
-- a small part of the read model, so the index holds only those; the query repeats the predicate.
CREATE INDEX IF NOT EXISTS rm_listing_expiring ON rm_listing (region, expires_on, id)
    WHERE status IN ('Published', 'Negotiating') AND expires_on IS NOT NULL;
