using System.Diagnostics;
using BashuCloud.Bench;
using Npgsql;
using Xunit.Abstractions;
using static BashuCloud.Tests.Support.Failovers;

namespace BashuCloud.Tests.Api;

/// <summary>A platform on a PostgreSQL server of its own, which the test kills.</summary>
public sealed class DatabaseCrashPlatform : PlatformProcesses
{
    public PrivatePostgres Postgres { get; private set; } = null!;

    protected override async Task<TestDatabase> CreateDatabaseAsync()
    {
        Postgres = await PrivatePostgres.StartAsync();
        return await TestDatabase.CreateAsync(server: Postgres.ServerConnectionString);
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // The server is down (the test failed while it was): its directory goes below anyway.
        }
        await Postgres.DisposeAsync();
    }
}

/// <summary>
/// Issue #7's reliability suite, the database's part: under a mixed load of edits and reads through the API, the
/// PostgreSQL server is killed with SIGKILL (postmaster and every backend) and started again, three times. The
/// silos and the API are left alone: they must recover by themselves.
/// </summary>
[Collection(RegionFailureCollection.Name)]
public sealed class DatabaseCrashTests(DatabaseCrashPlatform platform, ITestOutputHelper output) : IClassFixture<DatabaseCrashPlatform>
{
    private static readonly int Rounds = RoundsOr(3);
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);
    private static readonly long Margin = Stopwatch.Frequency / 2;

    [Fact]
    public async Task PostgreSQL_killed_under_load_loses_nothing_acknowledged_and_the_platform_recovers_by_itself()
    {
        await platform.WaitForSilosAsync(2);
        var listings = await CreateListingsAsync(platform, 20);
        using var load = new EditLoad(platform.Http, PlatformProcesses.AdminKey, listings, (region, n) => Samples.Draft(region) with { Title = $"数据库崩溃测试 {n}" });
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var windows = new List<(long Killed, long Recovered)>();
        for (var round = 1; round <= Rounds; round++)
        {
            var killed = Stopwatch.GetTimestamp();
            await platform.Postgres.KillAsync();
            await Task.Delay(Down);
            await platform.Postgres.StartServerAsync();
            var restarted = Stopwatch.GetTimestamp();
            // Recovered: an edit sent after the restart has been acknowledged for every listing.
            await load.WaitUntilEveryListingIsWrittenAfterAsync(restarted, RecoveryBound);
            var recovered = Stopwatch.GetTimestamp();
            windows.Add((killed, recovered));
            output.WriteLine($"round {round}: every listing written again {Stopwatch.GetElapsedTime(restarted, recovered).TotalSeconds:F1} s after PostgreSQL was back");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        var summary = await load.StopAsync();
        output.WriteLine(summary.ToString());
        foreach (var failure in summary.Outside(windows, Margin))
        {
            var window = windows.LastOrDefault(w => w.Killed - Margin <= failure.At);
            output.WriteLine($"failed outside the windows, {Stopwatch.GetElapsedTime(window.Killed, failure.At).TotalSeconds:F1} s after a kill: {failure.Why} ({failure.Id})");
        }

        // While the database is down, requests fail with a 503 (retry later), never a 500; none fails outside.
        Assert.DoesNotContain(summary.Failures, failure => failure.Why.StartsWith("500", StringComparison.Ordinal));
        Assert.Empty(summary.Outside(windows, Margin));
        Assert.True(summary.Acknowledged.Count > 100, $"only {summary.Acknowledged.Count} writes acknowledged");
        Assert.Equal(2, platform.Silos.Count);

        await AssertNothingAcknowledgedIsLostAsync(platform.Database, summary);
        var store = await AssertStoreIsWholeAsync(platform.Database);
        output.WriteLine($"PostgreSQL killed {Rounds} times: {summary.Acknowledged.Count} edits acknowledged, 0 lost; {summary.Failures.Count} requests failed, all inside the windows; {store}");
    }
}
