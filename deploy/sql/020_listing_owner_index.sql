-- A submitted listing is compared with its owner's other listings for possible duplicates (issue #6): the owner's
-- newest few hundred, found by this index instead of a scan of the read model.
CREATE INDEX IF NOT EXISTS rm_listing_by_owner ON rm_listing (owner_id, id DESC);
