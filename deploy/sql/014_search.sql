-- Chinese and English search over the read model (issue #5). No segmenter for PostgreSQL 15 is packaged
-- and trigrams cannot serve 1–2 character queries, so each searched field is indexed as the set of its
-- grams: every character and every pair of neighbouring characters (CJK needs no segmentation), plus the
-- trigrams inside runs of ASCII letters and digits (English bigrams are too common to narrow anything).
-- All grams come from lower(), as ILIKE compares, so every row containing a query contains all of the
-- query's grams: the index never loses a hit, and a substring recheck removes the rows it lets through.

-- Every pair of neighbouring characters: the non-overlapping pairs from the first character and from the
-- second. The regular expression engine walks the text once each time; subscripting a character array or a
-- window function over the characters made one summary cost milliseconds.
CREATE OR REPLACE FUNCTION search_pairs(lowered text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
AS $$
    SELECT m[1] FROM regexp_matches(lowered, '(..)', 'g') AS m
    UNION ALL
    SELECT m[1] FROM regexp_matches(substr(lowered, 2), '(..)', 'g') AS m
$$;

-- Every three neighbouring letters or digits inside an ASCII word, the same way, word by word.
CREATE OR REPLACE FUNCTION search_word_triples(lowered text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 20
AS $$
    SELECT t[1]
      FROM regexp_matches(lowered, '[a-z0-9]{3,}', 'g') AS w(word),
           generate_series(1, 3) AS start,
           regexp_matches(substr(w.word[1], start), '([a-z0-9]{3})', 'g') AS t
$$;

-- The grams of some pieces of text (a title, a summary, the keywords), never across two pieces. Repeats
-- stay in: GIN drops them when it extracts the keys, and sorting them out here cost a quarter of the time.
-- Its cost is declared high because it is (about 0.3 ms for a summary): a plan that computes it for every row
-- of the table instead of reading the index must look as expensive as it is.
CREATE OR REPLACE FUNCTION search_grams(parts text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
RETURN ARRAY(
    SELECT g.gram
      FROM unnest(parts) AS p(part), LATERAL (SELECT lower(p.part) AS lowered) l,
           LATERAL (SELECT unnest(string_to_array(l.lowered, NULL))
                    UNION ALL SELECT search_pairs(l.lowered)
                    UNION ALL SELECT search_word_triples(l.lowered)) AS g(gram));

-- The grams a row must hold to contain the query: a subset of what search_grams gives every containing text.
-- ASCII words use their trigrams (their bigrams are too common to narrow anything); a pair with a CJK or
-- other character stays a bigram; a 1-character query is its own gram; a query with neither (a 2-character
-- ASCII word, say) uses all its pairs.
CREATE OR REPLACE FUNCTION search_query_grams(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    WITH q AS (SELECT lower(query) AS lowered),
    picked AS (SELECT search_word_triples(q.lowered) AS gram FROM q
               UNION SELECT p FROM q, search_pairs(q.lowered) p WHERE p !~ '^[a-z0-9]{2}$')
    SELECT CASE
        WHEN length(q.lowered) = 1 THEN ARRAY[q.lowered]
        WHEN EXISTS (SELECT 1 FROM picked) THEN ARRAY(SELECT gram FROM picked)
        ELSE ARRAY(SELECT DISTINCT search_pairs(q.lowered))
    END
      FROM q);

-- One index per field, because relevance ranks by field (title, then keywords, then summary) and each
-- tier of a search asks its own field; small fields keep their indexes small. fastupdate off: the
-- projection updates rows one batch at a time, and a pending list would slow the queries that follow.
CREATE INDEX IF NOT EXISTS rm_listing_title_grams ON rm_listing USING gin (search_grams(ARRAY[title])) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS rm_listing_keyword_grams ON rm_listing USING gin (search_grams(keywords)) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS rm_listing_summary_grams ON rm_listing USING gin (search_grams(ARRAY[summary])) WITH (fastupdate = off);

-- Newest first among the statuses everyone may see: the early-stopping scan that answers common terms. An
-- id is "region-ULID", so the ULID alone orders by creation time across both regions (the id breaks ties).
CREATE INDEX IF NOT EXISTS rm_listing_public_newest ON rm_listing ((split_part(id, '-', 2)) DESC, id DESC)
    WHERE status IN ('Published', 'Negotiating', 'Traded', 'Expired');

-- Matching looks up listings that share a keyword (case-insensitive, whole keyword).
CREATE OR REPLACE FUNCTION search_keyword_set(keywords text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT lower(btrim(k)) FROM unnest(keywords) k WHERE btrim(k) <> '');

CREATE INDEX IF NOT EXISTS rm_listing_keyword_set ON rm_listing USING gin (search_keyword_set(keywords)) WITH (fastupdate = off);
