-- The change feed's long polls wait on one LISTEN per API process instead of each polling the change log: a
-- listing's change notifies the channel when its transaction commits (NOTIFY is transactional, and the same
-- notification repeated within a transaction is delivered once). The payload is the service id.
CREATE OR REPLACE FUNCTION bashu_notify_listing_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bashu_listing_changes', NEW.service_id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS change_log_notify ON change_log;
CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
    FOR EACH ROW WHEN (NEW.state_name = 'listing') EXECUTE FUNCTION bashu_notify_listing_change();

-- Every reader of the change log (the feed, the projection, the webhooks) waits for transactions older than its
-- position to end, so one transaction left open and idle (a forgotten psql session, a tool that hung) would hold
-- all of them back. Every new session of this database ends such a transaction after 30 s; the API sets its own
-- (Bashu:IdleInTransactionTimeout) and a session may still set a longer one for itself.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L', current_database(), '30s');
END $$;
