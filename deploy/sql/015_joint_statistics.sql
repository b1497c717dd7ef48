-- Joint statistics (联合统计), read-model lag, and the academic registry's entries.
--
-- Counters: the joint statistics must answer in milliseconds at a million listings, so they are never a
-- GROUP BY over rm_listing at request time. Statement-level triggers on the read-model tables keep the
-- counters by delta in the same transaction as the rows (the projector's batch, or a rebuild's swap): a
-- listing that changes status leaves its old bucket (-1) and enters its new one (+1). Buckets that drop to
-- zero stay as rows with n = 0; readers skip them.

CREATE TABLE IF NOT EXISTS rm_listing_counts (
    region  text NOT NULL,
    kind    text NOT NULL,
    status  text NOT NULL,
    field   text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (region, kind, status, field)
);

-- New listings per month: the month of creation in China's time (Asia/Shanghai), not UTC.
CREATE TABLE IF NOT EXISTS rm_listing_monthly (
    month   date NOT NULL,
    region  text NOT NULL,
    kind    text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (month, region, kind)
);

CREATE TABLE IF NOT EXISTS rm_user_counts (
    role    text NOT NULL,
    region  text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (role, region)
);

CREATE OR REPLACE FUNCTION bashu_listing_month(p_created_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$ SELECT date_trunc('month', p_created_at AT TIME ZONE 'Asia/Shanghai')::date $$;

-- The rows that entered (+1) and left (-1) in this statement. A transition table exists only for the event
-- that fired, so the query naming them is chosen by event (PL/pgSQL lets dynamic SQL see them too).
CREATE OR REPLACE FUNCTION bashu_delta_rows(p_event text, p_columns text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_event
        WHEN 'INSERT' THEN format('SELECT %s, 1 AS d FROM new_rows', p_columns)
        WHEN 'UPDATE' THEN format('SELECT %1$s, -1 AS d FROM old_rows UNION ALL SELECT %1$s, 1 FROM new_rows', p_columns)
        ELSE format('SELECT %s, -1 AS d FROM old_rows', p_columns)
    END
$$;

CREATE OR REPLACE FUNCTION bashu_count_listings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH delta AS (%s),
        counted AS (
            INSERT INTO rm_listing_counts AS c (region, kind, status, field, n)
            SELECT region, kind, status, field, sum(d) FROM delta GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0
            ON CONFLICT (region, kind, status, field) DO UPDATE SET n = c.n + EXCLUDED.n)
        INSERT INTO rm_listing_monthly AS m (month, region, kind, n)
        SELECT bashu_listing_month(created_at), region, kind, sum(d) FROM delta GROUP BY 1, 2, 3 HAVING sum(d) <> 0
        ON CONFLICT (month, region, kind) DO UPDATE SET n = m.n + EXCLUDED.n
        $q$, bashu_delta_rows(TG_OP, 'region, kind, status, field, created_at'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bashu_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH delta AS (%s)
        INSERT INTO rm_user_counts AS c (role, region, n)
        SELECT role, region, sum(d) FROM delta GROUP BY 1, 2 HAVING sum(d) <> 0
        ON CONFLICT (role, region) DO UPDATE SET n = c.n + EXCLUDED.n
        $q$, bashu_delta_rows(TG_OP, 'role, region'));
    RETURN NULL;
END $$;

-- PostgreSQL allows a transition table only on a trigger with one event: three triggers per table.
CREATE TRIGGER rm_listing_count_insert AFTER INSERT ON rm_listing
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_listings();
CREATE TRIGGER rm_listing_count_update AFTER UPDATE ON rm_listing
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_listings();
CREATE TRIGGER rm_listing_count_delete AFTER DELETE ON rm_listing
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_listings();
CREATE TRIGGER rm_user_count_insert AFTER INSERT ON rm_user
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_users();
CREATE TRIGGER rm_user_count_update AFTER UPDATE ON rm_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_users();
CREATE TRIGGER rm_user_count_delete AFTER DELETE ON rm_user
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bashu_count_users();

-- Counters for the rows already there (a deployment that had a read model before this migration).
INSERT INTO rm_listing_counts (region, kind, status, field, n)
SELECT region, kind, status, field, count(*) FROM rm_listing GROUP BY 1, 2, 3, 4;
INSERT INTO rm_listing_monthly (month, region, kind, n)
SELECT bashu_listing_month(created_at), region, kind, count(*) FROM rm_listing GROUP BY 1, 2, 3;
INSERT INTO rm_user_counts (role, region, n)
SELECT role, region, count(*) FROM rm_user GROUP BY 1, 2;

-- Read-model lag: each projected batch records, for each of its changes, the milliseconds between the
-- writing transaction (change_log.recorded_at) and the end of the batch that projected it. Rows older than
-- ten minutes are deleted by the projector as it goes.
CREATE TABLE IF NOT EXISTS projection_lag (
    projected_at timestamptz NOT NULL,
    lag_ms       integer[] NOT NULL
);
CREATE INDEX IF NOT EXISTS projection_lag_by_time ON projection_lag (projected_at);

-- Members of the yearly joint academic lists (学会, 学术活动, 论文). The source document gives each 2020
-- list's size but names no member, so no entry is seeded: administrators register them through the API.
CREATE TABLE IF NOT EXISTS academic_entry (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year         integer NOT NULL,
    list_kind    text NOT NULL,
    region       text NOT NULL CHECK (region IN ('sichuan', 'chongqing')),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    organization text,
    detail       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, list_kind, name),
    FOREIGN KEY (year, list_kind) REFERENCES academic_list (year, list_kind)
);
CREATE INDEX IF NOT EXISTS academic_entry_by_kind ON academic_entry (list_kind, year, region, id);

-- Rebuilding the read model without downtime (./bashu rebuild-read-model): fresh tables "<table>_next" are
-- filled beside the live ones, then swapped in by name in one transaction. These two functions keep what
-- belongs to the table, not to its rows: storage options, indexes (under their names) and triggers.
CREATE OR REPLACE FUNCTION bashu_prepare_rebuild(p_table text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_options text[];
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', p_table || '_next');
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', p_table || '_next', p_table);
    SELECT reloptions INTO v_options FROM pg_class WHERE oid = p_table::regclass;
    IF v_options IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I SET (%s)', p_table || '_next', array_to_string(v_options, ', '));
    END IF;
END $$;

-- Call inside the swapping transaction. The live table is dropped: readers that queued behind the swap's
-- lock read the new table by its old name.
CREATE OR REPLACE FUNCTION bashu_swap_in_rebuilt(p_table text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_next text := p_table || '_next';
    v_old_names text[];
    v_new_names text[];
    r record;
BEGIN
    EXECUTE format('LOCK TABLE %I, %I IN ACCESS EXCLUSIVE MODE', p_table, v_next);
    -- pg_get_triggerdef names the table with its schema.
    FOR r IN SELECT pg_get_triggerdef(t.oid) AS def, format('%I.%I', n.nspname, c.relname) AS qualified
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE t.tgrelid = p_table::regclass AND NOT t.tgisinternal LOOP
        EXECUTE replace(r.def, ' ON ' || r.qualified || ' ', ' ON ' || v_next::regclass::text || ' ');
    END LOOP;
    -- An index of the new table matches the live one that has the same uniqueness and definition after its name.
    SELECT coalesce(array_agg(o.relname::text), '{}'), coalesce(array_agg(n.relname::text), '{}') INTO v_old_names, v_new_names
      FROM pg_index oi
      JOIN pg_class o ON o.oid = oi.indexrelid
      JOIN pg_index ni ON ni.indrelid = v_next::regclass AND ni.indisunique = oi.indisunique
                      AND substring(pg_get_indexdef(ni.indexrelid) FROM ' USING .*') = substring(pg_get_indexdef(oi.indexrelid) FROM ' USING .*')
      JOIN pg_class n ON n.oid = ni.indexrelid
     WHERE oi.indrelid = p_table::regclass;
    EXECUTE format('DROP TABLE %I', p_table);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', v_next, p_table);
    FOR i IN 1 .. coalesce(array_length(v_old_names, 1), 0) LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', v_new_names[i], v_old_names[i]);
    END LOOP;
END $$;
