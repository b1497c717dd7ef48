using BashuCloud.Api.Webhooks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BashuCloud.Api.Infrastructure;

public static class HousekeepingHosting
{
    public static WebApplicationBuilder AddHousekeeping(this WebApplicationBuilder builder)
    {
        builder.Services.AddHostedService<Housekeeping>();
        return builder;
    }
}

/// <summary>
/// Deletes what the API keeps only for a while: idempotency keys once a retry can no longer be expected, webhook
/// deliveries (with their attempts) after their retention, and dashboard sessions past their expiry. In small chunks,
/// so no delete holds locks or the change feed's horizon for long; every API process may run it (deleting twice is
/// harmless).
/// </summary>
public sealed class Housekeeping(
    NpgsqlDataSource database, IOptions<ApiSettings> api, IOptions<WebhookSettings> webhooks, TimeProvider time, ILogger<Housekeeping> logger) : BackgroundService
{
    private const int Chunk = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(api.Value.HousekeepingIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var keys = await DeleteAsync("""
                    DELETE FROM idempotency_key WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM idempotency_key WHERE started_at < now() - $1::interval LIMIT $2))
                    """, TimeSpan.FromHours(api.Value.IdempotencyKeyRetentionHours), stoppingToken);
                var deliveries = await DeleteAsync("""
                    DELETE FROM webhook_delivery WHERE delivery_id = ANY(ARRAY(
                        SELECT delivery_id FROM webhook_delivery WHERE status <> 'pending' AND created_at < now() - $1::interval LIMIT $2))
                    """, TimeSpan.FromDays(webhooks.Value.RetentionDays), stoppingToken);
                var sessions = await DeleteAsync("""
                    DELETE FROM admin_session WHERE session_hash = ANY(ARRAY(
                        SELECT session_hash FROM admin_session WHERE expires_at < now() - $1::interval LIMIT $2))
                    """, TimeSpan.Zero, stoppingToken);
                if (keys + deliveries + sessions > 0)
                {
                    logger.LogInformation("Housekeeping deleted {Keys} idempotency keys, {Deliveries} webhook deliveries and {Sessions} ended dashboard sessions",
                        keys, deliveries, sessions);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Housekeeping failed; trying again at the next round");
            }
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Runs a chunked delete until a chunk comes back short; returns the rows deleted.</summary>
    private async Task<int> DeleteAsync(string sql, TimeSpan age, CancellationToken cancellationToken)
    {
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var command = database.CreateCommand(sql);
            command.Parameters.Add(new() { Value = age });
            command.Parameters.Add(new() { Value = Chunk });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < Chunk) break;
        }
        return total;
    }
}
