using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using BashuCloud.Api.Statistics;
using Npgsql;

namespace BashuCloud.Api.Infrastructure;

/// <summary>
/// /health/live: the process answers. /health/ready: the database answers and at least one silo is active;
/// the answer lists the active silos by region so an operator sees which region is up, and the read model's lag.
/// </summary>
public static class Health
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static WebApplicationBuilder AddBashuHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<ClusterCheck>("cluster", tags: ["ready"])
            .AddCheck<ReadModelCheck>("readModel", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapBashuHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write }).WithTags("Health").AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = Write }).WithTags("Health").AllowAnonymous();
        return app;
    }

    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description, e.Value.Data }),
        }, BashuJson.Options));
    }

    private sealed class DatabaseCheck(NpgsqlDataSource database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = database.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
                return HealthCheckResult.Healthy("数据库可用 (PostgreSQL answers)");
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("数据库不可用 (PostgreSQL does not answer)", exception);
            }
        }
    }

    private sealed class ClusterCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true, cancellationToken).WaitAsync(Timeout, cancellationToken);
                // Silo names are "{region}-{port}" (see the silo's configuration).
                var regions = hosts.GroupBy(h => h.SiloName.Split('-')[0]).ToDictionary(g => g.Key, g => (object)g.Count());
                return hosts.Length > 0
                    ? HealthCheckResult.Healthy($"集群可用 (cluster answers): {hosts.Length} silo(s)", regions)
                    : HealthCheckResult.Unhealthy("没有活动的节点 (no active silo)");
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException or InvalidOperationException or SiloUnavailableException)
            {
                return HealthCheckResult.Unhealthy("集群不可用 (the cluster does not answer)", exception);
            }
        }
    }

    /// <summary>
    /// The read model's lag in the readiness data. A read model far behind still answers (reads are only older),
    /// so it makes the process Degraded, which keeps it in service, never Unhealthy.
    /// </summary>
    private sealed class ReadModelCheck(StatisticsQueries statistics) : IHealthCheck
    {
        private static readonly TimeSpan FarBehind = TimeSpan.FromSeconds(60);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var status = await statistics.ReadModelAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
                var data = new Dictionary<string, object>
                {
                    ["asOf"] = status.AsOf,
                    ["currentLagMs"] = Math.Round(status.CurrentLagMs),
                    ["recentP99Ms"] = (object?)status.Recent.P99Ms ?? 0,
                };
                return status.CurrentLagMs < FarBehind.TotalMilliseconds
                    ? HealthCheckResult.Healthy("读模型已跟上 (read model keeping up)", data)
                    : HealthCheckResult.Degraded("读模型落后 (read model behind the change log)", data: data);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("无法读取读模型延迟 (cannot read the read model's lag)", exception);
            }
        }
    }
}
