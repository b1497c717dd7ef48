using System.Diagnostics;
using Npgsql;
using Xunit.Abstractions;
using static BashuCloud.Tests.Support.Failovers;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The regions' silos in two network namespaces (<see cref="RegionNetworks"/>); PostgreSQL, the API process and the
/// test in this one, reachable from both.
/// </summary>
public sealed class PartitionPlatform : PlatformProcesses
{
    private string? _connectionString;

    public RegionNetworks Networks { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Networks = RegionNetworks.Create();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Networks?.Dispose();
    }

    protected override SiloHost HostOf(string region)
    {
        var home = Regions.Regions.OfKey(region) ?? throw new ArgumentException(region);
        return new(Networks.NamespaceOf(home), Networks.AddressOf(home), _connectionString ??= ThroughSocket());
    }

    /// <summary>PostgreSQL listens on loopback here; a region's namespace reaches it through its Unix socket (files are shared).</summary>
    private string ThroughSocket()
    {
        using var connection = new NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SHOW unix_socket_directories", connection);
        var directory = ((string)command.ExecuteScalar()!).Split(',')[0].Trim();
        return new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = directory }.ConnectionString;
    }
}

/// <summary>
/// The link between the regions is cut while both still reach PostgreSQL. What BashuCloud promises then
/// (docs/runbook.md): the membership table in PostgreSQL is the arbiter, so exactly one side goes on. The side
/// that fewer silos vouch for (here Chongqing: one silo against two) is declared dead and stops itself; the
/// other side takes over its grains; nothing acknowledged is lost; requests fail (503, never 500) only between
/// the cut and the takeover. When the link is back and the region's silos are started again, its grains go home.
/// </summary>
[Collection(RegionFailureCollection.Name)]
public sealed class PartitionTests(PartitionPlatform platform, ITestOutputHelper output) : IClassFixture<PartitionPlatform>
{
    // Probes time out (2 s, two misses), the two Sichuan silos vote, the Chongqing silo learns its fate from the table.
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);
    private static readonly long Margin = Stopwatch.Frequency / 2;

    [Fact]
    public async Task When_the_link_between_the_regions_is_cut_the_outvoted_region_stops_and_the_other_serves_its_listings_losing_nothing()
    {
        platform.StartSilo("sichuan");
        await using var scene = await RegionFailureScene.StartAsync(platform, "网络分区测试");
        var load = scene.Load;

        var cutOff = platform.Silos.Single(s => s.StartsWith("chongqing", StringComparison.Ordinal));
        platform.Networks.Cut();
        var cut = Stopwatch.GetTimestamp();
        output.WriteLine($"cut at {DateTime.UtcNow:HH:mm:ss.fff}");

        // The outvoted side is declared dead and stops itself: no region goes on alone against the table.
        Assert.True(await WaitAsync(() => Task.FromResult(platform.HasExited(cutOff)), StopBound), "the cut-off Chongqing silo did not stop");
        output.WriteLine($"the Chongqing silo stopped itself {Stopwatch.GetElapsedTime(cut).TotalSeconds:F1} s after the cut");
        await platform.WaitForSilosAsync(2, TimeSpan.FromSeconds(30));
        await load.WaitUntilEveryListingIsWrittenAfterAsync(cut, TimeSpan.FromSeconds(30));
        var recovered = Stopwatch.GetTimestamp();
        output.WriteLine($"every listing written again {Stopwatch.GetElapsedTime(cut, recovered).TotalSeconds:F1} s after the cut");
        Assert.True(await scene.ChongqingListingsActiveInAsync(Region.Sichuan, TimeSpan.FromSeconds(10)),
            "the Chongqing listings are not active in Sichuan");

        // The link comes back and the region's silo is started again (by its service manager): its listings go home.
        platform.Networks.Heal();
        var healed = Stopwatch.GetTimestamp();
        platform.StartSilo("chongqing");
        await platform.WaitForSilosAsync(3);
        Assert.True(await scene.ChongqingListingsActiveInAsync(Region.Chongqing, TimeSpan.FromSeconds(40)),
            "the Chongqing listings did not go home");
        output.WriteLine($"Chongqing listings home {Stopwatch.GetElapsedTime(healed).TotalSeconds:F1} s after the link came back");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var summary = await load.StopAsync();
        output.WriteLine(summary.ToString());
        Assert.DoesNotContain(summary.Failures, failure => failure.Why.StartsWith("500", StringComparison.Ordinal));
        Assert.Empty(summary.Outside([(cut, recovered)], Margin));
        Assert.True(summary.Acknowledged.Count > 100, $"only {summary.Acknowledged.Count} writes acknowledged");
        await AssertNothingAcknowledgedIsLostAsync(platform.Database, summary);
    }
}
