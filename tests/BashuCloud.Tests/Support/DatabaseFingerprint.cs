namespace BashuCloud.Tests.Support;

/// <summary>
/// What a refused request must leave as it was: grain state (an md5 of every payload with its version), the change
/// log, the audit trail, the read model, keys, webhook subscriptions, the registry and idempotency keys. Webhook
/// deliveries and rate-limit counters are left out: the dispatcher and the limiter change them on their own. So are
/// the grains a test's concurrent good traffic wrote (<see cref="TakeAsync"/>'s keys), whose writes are checked apart.
/// </summary>
public static class DatabaseFingerprint
{
    private const string Sql = """
        SELECT concat_ws(' | ',
            (SELECT 'grain_state ' || count(*) || ' v' || coalesce(sum(version), 0) || ' ' || coalesce(md5(string_agg(
                state_name || '/' || grain_key || '/' || version || '/' || coalesce(payload::text, ''), ',' ORDER BY state_name, grain_key, grain_n0, grain_n1)), '-')
               FROM grain_state WHERE grain_key <> ALL($1)),
            (SELECT 'change_log ' || count(*) || ' max ' || coalesce(max(seq), 0) FROM change_log WHERE grain_key <> ALL($1)),
            (SELECT 'audit_event ' || count(*) FROM audit_event WHERE entity_key <> ALL($1)),
            (SELECT 'rm_listing ' || count(*) || ' v' || coalesce(sum(version), 0) FROM rm_listing WHERE id <> ALL($1)),
            (SELECT 'rm_user ' || count(*) FROM rm_user),
            (SELECT 'rm_deal ' || count(*) FROM rm_deal),
            (SELECT 'api_key ' || count(*) || ' revoked ' || count(revoked_at) || ' expiring ' || count(expires_at) FROM api_key),
            (SELECT 'webhook_subscription ' || count(*) || ' revoked ' || count(revoked_at) FROM webhook_subscription),
            (SELECT 'academic_entry ' || count(*) FROM academic_entry),
            (SELECT 'idempotency_key ' || count(*) FROM idempotency_key))
        """;

    /// <param name="database">The platform's database.</param>
    /// <param name="leaveOut">Grain keys (listing ids, external listings' keys) whose rows are not part of the fingerprint.</param>
    public static Task<string> TakeAsync(TestDatabase database, IEnumerable<string>? leaveOut = null) =>
        database.ScalarAsync<string>(Sql, (object)(leaveOut ?? []).ToArray());
}
