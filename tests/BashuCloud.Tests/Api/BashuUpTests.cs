using System.Diagnostics;
using Xunit.Abstractions;
using static BashuCloud.Tests.Support.Failovers;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The README's promise (任一地区故障时另一地区接管) kept by `./bashu up` itself: a process of the platform that dies is
/// reported and started again while the rest keeps serving; only a signal, or a process that keeps dying at start,
/// stops everything. Each test runs a `./bashu up` of its own (its PostgreSQL, both silos, the API, the seed data) as
/// a real process; they run with the other region failure tests, alone.
/// </summary>
[Collection(RegionFailureCollection.Name)]
public sealed class BashuUpTests(ITestOutputHelper output) : IAsyncLifetime
{
    // A call sent in the instant before a kill may fail too.
    private static readonly long Margin = Stopwatch.Frequency / 2;
    // SIGTERM lets each silo leave the cluster (up to 30 s), then PostgreSQL stops.
    private static readonly TimeSpan Stopping = TimeSpan.FromMinutes(2);
    private readonly BashuUp _up = new();

    public Task InitializeAsync() => _up.InitializeAsync();

    public Task DisposeAsync() => _up.DisposeAsync();

    [Fact]
    public async Task The_Sichuan_silo_killed_under_load_is_started_again_while_Chongqing_serves_its_listings_which_then_go_home()
    {
        await using var scene = await RegionFailureScene.StartAsync(_up, "巴蜀 up 故障测试", silos: 2);
        var (chongqing, api) = (_up.PidOf("silo-chongqing"), _up.PidOf("api"));

        var dead = _up.Kill("silo-sichuan");
        var killed = Stopwatch.GetTimestamp();
        await scene.Load.WaitUntilEveryListingIsWrittenAfterAsync(killed, TimeSpan.FromSeconds(30));
        var recovered = Stopwatch.GetTimestamp();
        var recovery = Stopwatch.GetElapsedTime(killed, recovered);
        var served = await RegionsOfAsync(scene.Probe, scene.Listings.Where(id => BashuId.RegionOf(id) == Region.Sichuan));
        output.WriteLine($"every listing written again {recovery.TotalSeconds:F1} s after the kill; the Sichuan listings were then active in "
            + string.Join(", ", served.GroupBy(pair => pair.Active).Select(g => $"{g.Key?.Code() ?? "no silo"}: {g.Count()}")));
        Assert.True(recovery <= RecoveryBound, $"recovery took {recovery}");

        // `./bashu up` reports the death and starts the silo again; the region's listings go home to it.
        await _up.WaitForRestartAsync("silo-sichuan", dead, TimeSpan.FromSeconds(60));
        await _up.WaitForSilosAsync(2);
        Assert.True(await scene.ListingsActiveInAsync(Region.Sichuan, Region.Sichuan, TimeSpan.FromSeconds(40)), "the Sichuan listings did not go home");
        output.WriteLine($"the Sichuan listings back home {Stopwatch.GetElapsedTime(killed).TotalSeconds:F1} s after the kill");
        Assert.All(await RegionsOfAsync(scene.Probe, scene.Listings), pair => Assert.Equal(pair.Home, pair.Active));
        // The load runs on at home: a failure now would fall outside the window.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var summary = await scene.Load.StopAsync();
        output.WriteLine(summary.ToString());
        Assert.DoesNotContain(summary.Failures, failure => failure.Why.StartsWith("500", StringComparison.Ordinal));
        Assert.Empty(summary.Outside([(killed, recovered)], Margin));
        Assert.True(summary.Acknowledged.Count > 100, $"only {summary.Acknowledged.Count} writes acknowledged");
        await AssertNothingAcknowledgedIsLostAsync(_up.Database, summary);
        output.WriteLine(await AssertStoreIsWholeAsync(_up.Database));

        // Only the dead silo was started again: `./bashu up`, the Chongqing silo and the API ran on.
        Assert.True(_up.Running, _up.Output);
        Assert.Equal(chongqing, _up.PidOf("silo-chongqing"));
        Assert.Equal(api, _up.PidOf("api"));
        Assert.Contains($"silo-sichuan 已退出 (exited): 状态 (status) 137", _up.Output);
        // The silo's log keeps what the killed process wrote, then a marker line, then the new process's start.
        var log = File.ReadAllText(_up.LogOf("silo-sichuan"));
        var marker = log.IndexOf("重新启动 (restarted) after exit status 137", StringComparison.Ordinal);
        Assert.True(marker > 0 && log[..marker].Contains("Silo starting", StringComparison.Ordinal) && log[marker..].Contains("Silo starting", StringComparison.Ordinal),
            "the log of the killed silo was not kept before the restarted one's");
    }

    [Fact]
    public async Task A_killed_API_is_started_again_and_SIGTERM_then_stops_every_process_bashu_up_started()
    {
        var killed = _up.Kill("api");
        var api = await _up.WaitForRestartAsync("api", killed, TimeSpan.FromSeconds(60));
        // The new API process answers where the old one did, with both silos.
        await _up.WaitForSilosAsync(2);

        var running = _up.ProcessesStarted();
        output.WriteLine(string.Join("\n", running));
        foreach (var pid in new[] { api, _up.PidOf("silo-sichuan"), _up.PidOf("silo-chongqing") })
        {
            Assert.Contains(running, process => process.StartsWith($"{pid} ", StringComparison.Ordinal));
        }
        Assert.Contains(running, process => process.Contains("/bin/postgres ", StringComparison.Ordinal));

        Assert.Equal(0, await _up.TerminateAsync(Stopping));
        Assert.Empty(_up.ProcessesStarted());
    }

    [Fact]
    public async Task A_silo_that_keeps_dying_at_start_stops_bashu_up_with_an_error_naming_it_and_its_log()
    {
        Assert.NotEmpty(_up.ProcessesStarted());
        _up.Kill("silo-sichuan");
        // Another program takes the silo's port: every restart fails to listen and exits at once.
        using var holder = await BashuUp.HoldPortAsync(_up.SichuanSiloPort);

        var status = await _up.WaitForExitAsync(TimeSpan.FromMinutes(4));
        var lines = _up.Output.Split('\n');
        output.WriteLine(string.Join("\n", lines.TakeLast(12)));
        Assert.NotEqual(0, status);
        Assert.True(lines.Count(line => line.Contains("silo-sichuan 已重新启动 (restarted)", StringComparison.Ordinal)) >= 2, "the silo was not tried again");
        Assert.Contains(lines, line => line.Contains("silo-sichuan", StringComparison.Ordinal) && line.Contains("stopping everything", StringComparison.Ordinal)
            && line.Contains(_up.LogOf("silo-sichuan"), StringComparison.Ordinal));
        Assert.Contains("Address already in use", File.ReadAllText(_up.LogOf("silo-sichuan")), StringComparison.Ordinal);
        Assert.Empty(_up.ProcessesStarted());
    }
}
