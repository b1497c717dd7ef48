using BashuCloud.Api.Infrastructure;
using BashuCloud.Users;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Audit;

/// <summary>One entry of an audit trail: the change from one version to the next, and who asked for it.</summary>
public sealed record AuditTrailEntry(
    int VersionBefore, int VersionAfter, string Action, string ActorId, UserRole ActorRole, DateTimeOffset At, string? Detail);

/// <summary>An entity's audit trail, oldest first.</summary>
public sealed record AuditTrailResponse(string Id, IReadOnlyList<AuditTrailEntry> Entries);

/// <summary>
/// Reads the append-only audit trail PostgreSQL keeps beside the grain state (deploy/sql/018_audit_trail.sql). Only
/// reads: the trail is written by the state writes themselves, and the database refuses any rewrite.
/// </summary>
public sealed class AuditTrail(NpgsqlDataSource database, IOptions<ApiSettings> settings)
{
    /// <summary>The entries of <paramref name="key"/> in version order; <paramref name="entity"/> is the grain state name ("listing").</summary>
    public async Task<IReadOnlyList<AuditTrailEntry>> ReadAsync(string entity, string key, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT version_before, version_after, action, actor_id, actor_role, at, detail
              FROM audit_event
             WHERE service_id = $1 AND entity = $2 AND entity_key = $3
             ORDER BY version_after
            """);
        command.Parameters.Add(new() { Value = settings.Value.ServiceId });
        command.Parameters.Add(new() { Value = entity });
        command.Parameters.Add(new() { Value = key });
        var entries = new List<AuditTrailEntry>();
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            entries.Add(new(
                rows.GetInt32(0), rows.GetInt32(1), rows.GetString(2), rows.GetString(3), Enum.Parse<UserRole>(rows.GetString(4)),
                rows.GetFieldValue<DateTimeOffset>(5), rows.IsDBNull(6) ? null : rows.GetString(6)));
        }
        return entries;
    }
}
