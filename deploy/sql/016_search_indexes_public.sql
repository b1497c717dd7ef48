-- Search and matching only ever look at listings everyone may see, so their indexes hold only those. An edit of
-- a draft or of a listing in review (most edits: owners rework a listing before it is published) then costs its
-- gram indexes nothing, where each edit used to rewrite hundreds of GIN entries a summary. The queries repeat
-- the same status predicate, which is what lets the planner use a partial index.
DROP INDEX IF EXISTS rm_listing_title_grams;
DROP INDEX IF EXISTS rm_listing_keyword_grams;
DROP INDEX IF EXISTS rm_listing_summary_grams;
DROP INDEX IF EXISTS rm_listing_keyword_set;

CREATE INDEX IF NOT EXISTS rm_listing_public_title_grams ON rm_listing USING gin (search_grams(ARRAY[title]))
    WITH (fastupdate = off) WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired');
CREATE INDEX IF NOT EXISTS rm_listing_public_keyword_grams ON rm_listing USING gin (search_grams(keywords))
    WITH (fastupdate = off) WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired');
CREATE INDEX IF NOT EXISTS rm_listing_public_summary_grams ON rm_listing USING gin (search_grams(ARRAY[summary]))
    WITH (fastupdate = off) WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired');
CREATE INDEX IF NOT EXISTS rm_listing_public_keyword_set ON rm_listing USING gin (search_keyword_set(keywords))
    WITH (fastupdate = off) WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired');
