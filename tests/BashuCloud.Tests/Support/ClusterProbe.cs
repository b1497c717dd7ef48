using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace BashuCloud.Tests.Support;

/// <summary>An Orleans client of a test's cluster, to ask where grains are active (as an operator's tool would).</summary>
public sealed class ClusterProbe : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterProbe(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<ClusterProbe> ConnectAsync(PlatformProcesses platform)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = platform.ClusterId;
                o.ServiceId = "bashucloud";
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = platform.Database.ConnectionString;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterProbe(host);
    }

    /// <summary>
    /// The names ("chongqing-40123") of the silos these grains are active on; null where one is not active. Asks
    /// every silo for its activations: a directory lookup may answer from a cache that still points where a
    /// grain used to be.
    /// </summary>
    public async Task<string?[]> SilosOfAsync(IEnumerable<IAddressable> grains)
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var names = (await management.GetDetailedHosts(onlyActive: true)).ToDictionary(h => h.SiloAddress, h => h.SiloName);
        var activations = (await management.GetDetailedGrainStatistics(hostsIds: [.. names.Keys]))
            .GroupBy(a => a.GrainId)
            .ToDictionary(g => g.Key, g => g.Select(a => names.GetValueOrDefault(a.SiloAddress)).First());
        return [.. grains.Select(grain => activations.GetValueOrDefault(grain.GetGrainId()))];
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
