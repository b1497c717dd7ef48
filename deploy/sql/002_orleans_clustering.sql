-- Cluster membership for Orleans' ADO.NET clustering provider.
-- One version row per deployment (cluster id): every membership change bumps it, which is how
-- Orleans detects concurrent writers. Members are keyed by their silo address (ip, port, generation).

CREATE TABLE IF NOT EXISTS cluster_version (
    deployment_id text PRIMARY KEY,
    version       integer NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS cluster_member (
    deployment_id   text NOT NULL REFERENCES cluster_version (deployment_id) ON DELETE CASCADE,
    address         text NOT NULL,
    port            integer NOT NULL,
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,
    proxy_port      integer,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Inserts a member and bumps the table version, but only if the caller saw the current version.
CREATE OR REPLACE FUNCTION bashu_cluster_insert_member(
    p_deployment_id text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cluster_version SET version = version + 1, updated_at = now()
     WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN RETURN false; END IF;

    INSERT INTO cluster_member (deployment_id, address, port, generation, silo_name, host_name, status,
                                proxy_port, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
            p_proxy_port, p_start_time, p_i_am_alive_time)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN RAISE no_data_found; END IF;  -- the member exists: undo the version bump
    RETURN true;
EXCEPTION WHEN no_data_found THEN
    RETURN false;
END $$;

-- Updates a member's status and suspicions and bumps the table version, under the same condition.
CREATE OR REPLACE FUNCTION bashu_cluster_update_member(
    p_deployment_id text, p_version integer, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cluster_version SET version = version + 1, updated_at = now()
     WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN RETURN false; END IF;

    UPDATE cluster_member
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN RAISE no_data_found; END IF;  -- no such member: undo the version bump
    RETURN true;
EXCEPTION WHEN no_data_found THEN
    RETURN false;
END $$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO cluster_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created);
$q$),
('InsertMembershipKey', $q$
SELECT bashu_cluster_insert_member(@DeploymentId, @Version, @Address, @Port, @Generation,
    @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime);
$q$),
('UpdateMembershipKey', $q$
SELECT bashu_cluster_update_member(@DeploymentId, @Version, @Address, @Port, @Generation,
    @Status, @SuspectTimes, @IAmAliveTime);
$q$),
('UpdateIAmAlivetimeKey', $q$
UPDATE cluster_member SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),
-- The version row always comes back, with the member columns null when there is no such member:
-- Orleans reads the table version from the first row.
('MembershipReadRowKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
  FROM cluster_version v
  LEFT JOIN cluster_member m
    ON m.deployment_id = v.deployment_id
   AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId;
$q$),
('MembershipReadAllKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
  FROM cluster_version v
  LEFT JOIN cluster_member m ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId;
$q$),
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
  FROM cluster_member
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM cluster_version WHERE deployment_id = @DeploymentId;
$q$),
-- Silos that stopped sending "I am alive" before the given time and are not active (dead, or never
-- finished joining) are removed, so the table does not grow with every restart.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM cluster_member
 WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3;
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
