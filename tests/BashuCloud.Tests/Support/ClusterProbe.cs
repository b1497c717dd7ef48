using BashuCloud.Bench;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BashuCloud.Tests.Support;

/// <summary>An Orleans client of a test's cluster, to ask where grains are active (as an operator's tool would).</summary>
public sealed class ClusterProbe : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterProbe(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<ClusterProbe> ConnectAsync(PlatformProcesses platform) =>
        new(await ClusterConnection.ConnectAsync(platform.Database.ConnectionString, platform.ClusterId));

    /// <summary>The names ("chongqing-40123") of the silos these grains are active on; null where one is not active.</summary>
    public Task<string?[]> SilosOfAsync(IEnumerable<IAddressable> grains) => Grains.SilosOfAsync(grains);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
