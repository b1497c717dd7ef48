using Orleans.Configuration;

namespace BashuCloud.Bench;

/// <summary>An Orleans client of a BashuCloud cluster, as an operator's tool would connect (membership in PostgreSQL).</summary>
public static class ClusterConnection
{
    // configure: more of the client's configuration (TLS, say).
    public static async Task<IHost> ConnectAsync(string database, string clusterId, Action<IClientBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "bashucloud";
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = database;
            });
            configure?.Invoke(client);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// The names ("chongqing-40123") of the silos these grains are active on; null where one is not active. Asks
    /// every silo for its activations: a directory lookup may answer from a cache that still points where a
    /// grain used to be.
    /// </summary>
    public static async Task<string?[]> SilosOfAsync(this IGrainFactory grains, IEnumerable<IAddressable> targets)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var names = (await management.GetDetailedHosts(onlyActive: true)).ToDictionary(h => h.SiloAddress, h => h.SiloName);
        var activations = (await management.GetDetailedGrainStatistics(hostsIds: [.. names.Keys]))
            .GroupBy(a => a.GrainId)
            .ToDictionary(g => g.Key, g => g.Select(a => names.GetValueOrDefault(a.SiloAddress)).First());
        return [.. targets.Select(grain => activations.GetValueOrDefault(grain.GetGrainId()))];
    }
}
