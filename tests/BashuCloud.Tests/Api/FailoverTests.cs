using System.Diagnostics;
using static BashuCloud.Tests.Support.Failovers;
using Xunit.Abstractions;

namespace BashuCloud.Tests.Api;

/// <summary>A platform of its own for the failover test, which kills and restarts silos.</summary>
public sealed class FailoverPlatform : PlatformProcesses;

/// <summary>
/// The tests that take a region (or the database) down run one after the other, and alone, after every other test:
/// each loads its own platform of three silos, and anything else on the two cores (another of them, or the
/// bad-input suite's 10,000 requests) starved the restarted silo until its first calls timed out and the return
/// home took 15-30 s instead of about 5.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RegionFailureCollection
{
    public const string Name = "region failures";
}

/// <summary>
/// Two Sichuan silos, one Chongqing silo and the API, as real processes. Under a mixed load of edits and reads
/// through the API, the whole Chongqing region is killed (SIGKILL), then comes back; four times.
/// </summary>
[Collection(RegionFailureCollection.Name)]
public sealed class FailoverTests(FailoverPlatform platform, ITestOutputHelper output) : IClassFixture<FailoverPlatform>
{
    private static readonly int Rounds = RoundsOr(4);
    // A call sent in the instant before a kill may fail too.
    private static readonly long Margin = Stopwatch.Frequency / 2;

    [Fact]
    public async Task A_region_dies_four_times_under_load_its_listings_are_served_by_the_other_and_go_home_when_it_returns()
    {
        platform.StartSilo("sichuan");
        await using var scene = await RegionFailureScene.StartAsync(platform, "故障切换测试");
        var (listings, probe, load) = (scene.Listings, scene.Probe, scene.Load);

        // Four times: kill the whole Chongqing region, let Sichuan take over, bring Chongqing back.
        var windows = new List<(long Killed, long Recovered)>();
        for (var round = 1; round <= Rounds; round++)
        {
            var dead = platform.Silos.Single(s => s.StartsWith("chongqing", StringComparison.Ordinal));
            platform.KillSilo(dead);
            var killed = Stopwatch.GetTimestamp();   // the process is gone: from here on nothing it could answer counts
            await platform.WaitForSilosAsync(2, TimeSpan.FromSeconds(30));
            // Recovered: a write sent after the kill has been acknowledged for every listing.
            await load.WaitUntilEveryListingIsWrittenAfterAsync(killed, TimeSpan.FromSeconds(30));
            var recovered = Stopwatch.GetTimestamp();
            windows.Add((killed, recovered));
            var recovery = Stopwatch.GetElapsedTime(killed, recovered);
            output.WriteLine($"round {round}: every listing written again {recovery.TotalSeconds:F1} s after the kill");
            Assert.True(recovery <= RecoveryBound, $"round {round}: recovery took {recovery}");
            // While Chongqing is gone its listings live in Sichuan.
            Assert.True(await scene.ChongqingListingsActiveInAsync(Region.Sichuan, TimeSpan.FromSeconds(10)),
                $"round {round}: the Chongqing listings are not active in Sichuan");

            var returned = Stopwatch.GetTimestamp();
            platform.StartSilo("chongqing");
            await platform.WaitForSilosAsync(3);
            var home = await scene.ChongqingListingsActiveInAsync(Region.Chongqing, TimeSpan.FromSeconds(40));
            output.WriteLine($"round {round}: Chongqing listings back home {Stopwatch.GetElapsedTime(returned).TotalSeconds:F1} s after the region returned");
            Assert.True(home, $"round {round}: the Chongqing listings did not move back to the Chongqing silo");
            Assert.All(await RegionsOfAsync(probe, listings), pair => Assert.Equal(pair.Home, pair.Active));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        var summary = await load.StopAsync();
        output.WriteLine(summary.ToString());
        foreach (var failure in summary.Failures)
        {
            var window = windows.LastOrDefault(w => w.Killed - Margin <= failure.At);
            output.WriteLine($"failed {Stopwatch.GetElapsedTime(window.Killed, failure.At).TotalSeconds:F1} s after a kill: {failure.Why} ({failure.Id})");
        }

        // Failures only inside a window between a kill and the recovery; none while the region came home.
        // A failure is a 503 with problem+json, never a 500.
        Assert.DoesNotContain(summary.Failures, failure => failure.Why.StartsWith("500", StringComparison.Ordinal));
        Assert.Empty(summary.Outside(windows, Margin));
        // In-flight calls end with the 5 s response timeout (plus the API's own work), not Orleans' 30 s default.
        Assert.True(summary.LongestCall < TimeSpan.FromSeconds(8), $"a call took {summary.LongestCall}");
        Assert.True(summary.Acknowledged.Count > 100, $"only {summary.Acknowledged.Count} writes acknowledged");

        await AssertNothingAcknowledgedIsLostAsync(platform.Database, summary);
        var store = await AssertStoreIsWholeAsync(platform.Database);
        output.WriteLine($"Chongqing killed {Rounds} times: {summary.Acknowledged.Count} edits acknowledged, 0 lost; {summary.Failures.Count} requests failed, all inside the windows; {store}");
    }
}
