-- The catalogue of named queries that Orleans' ADO.NET providers read at start:
-- they run "SELECT QueryKey, QueryText FROM OrleansQuery", so the table keeps that (case-folded) name.
-- Each later migration registers the queries of one provider here.
CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

-- Orleans and Npgsql pass UTC DateTimes; stored as timestamptz, shown in UTC to anyone who looks.
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
END $$;
