using System.Diagnostics;
using System.Globalization;
using BashuCloud.Listings;
using BashuCloud.Regions;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #3's numbers: under a mixed load of edits and reads through the API, the Chongqing silo is killed
/// (SIGKILL) and started again, four times. Measured per round: the time from the kill until every listing has
/// taken an edit sent after the kill, and the time from the restart until every Chongqing listing is active in
/// Chongqing again. Counted over all rounds: acknowledged edits missing from PostgreSQL, and failed requests
/// sent outside the windows between a kill and its recovery.
/// </summary>
public static class FailoverBenchmark
{
    public const int Rounds = 4;

    public sealed record Round(double RecoverySeconds, double HomeSeconds);

    public sealed record Result(IReadOnlyList<Round> Rounds, long Acknowledged, int Lost, int FailedInside, int FailedOutside, string FailedHow, double LongestCallSeconds);

    public static async Task<Result> RunAsync(BenchSettings settings, IGrainFactory grains, HttpClient api, string key, IReadOnlyList<string> listings)
    {
        var chongqing = listings.Where(id => BashuId.RegionOf(id) == Region.Chongqing).ToArray();
        using var load = new EditLoad(api, key, listings, (region, n) => Benchmark.Draft(region) with { Title = $"故障切换基准 {n}" });
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var rounds = new List<Round>();
        var windows = new List<(long Killed, long Recovered)>();
        SiloProcess? restarted = null;
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                var silo = SiloProcess.Find(Region.Chongqing);
                silo.Kill();
                var killed = Stopwatch.GetTimestamp();
                await load.WaitUntilEveryListingIsWrittenAfterAsync(killed, TimeSpan.FromMinutes(1));
                var recovered = Stopwatch.GetTimestamp();
                windows.Add((killed, recovered));

                restarted = silo.StartAgain();
                var returned = Stopwatch.GetTimestamp();
                while (!(await grains.SilosOfAsync(chongqing.Select(id => grains.GetGrain<IListingGrain>(id)))).All(name => name?.StartsWith("chongqing", StringComparison.Ordinal) == true))
                {
                    if (Stopwatch.GetElapsedTime(returned) > TimeSpan.FromMinutes(1)) throw new TimeoutException("The Chongqing listings did not go home.");
                    await Task.Delay(100);
                }
                rounds.Add(new(Stopwatch.GetElapsedTime(killed, recovered).TotalSeconds, Stopwatch.GetElapsedTime(returned).TotalSeconds));
                Console.WriteLine($"failover round {round}: recovered {rounds[^1].RecoverySeconds:F1} s after the kill, home {rounds[^1].HomeSeconds:F1} s after the restart");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
        finally
        {
            // The restarted silo is ours, not ./bashu's: stop it with the run.
            restarted?.Stop();
        }
        var summary = await load.StopAsync();
        Console.WriteLine(summary);
        var outsideFailures = summary.Outside(windows, Stopwatch.Frequency / 2);
        // Each failure outside the windows, placed against the nearest recovery: whether it came just after one (a
        // window measured too short) or in quiet time (a real fault) decides what to look at.
        foreach (var failure in outsideFailures)
        {
            var after = windows.Select(w => (failure.At - w.Recovered) / (double)Stopwatch.Frequency).MinBy(Math.Abs);
            Console.WriteLine($"failed outside the windows: {failure.Id} {failure.Why}, sent {after:+0.00;-0.00} s from the nearest recovery");
        }
        var outside = outsideFailures.Count;
        var how = string.Join(", ", summary.Failures.GroupBy(f => f.Why).Select(g => $"{g.Key}: {g.Count()}"));
        return new(rounds, summary.Acknowledged.Count, await LostAsync(settings.Database, summary), summary.Failures.Count - outside, outside, how, summary.LongestCall.TotalSeconds);
    }

    /// <summary>Acknowledged edits whose version is not in the change log.</summary>
    private static async Task<int> LostAsync(string database, LoadSummary summary)
    {
        await using var db = NpgsqlDataSource.Create(database);
        var lost = 0;
        foreach (var listing in summary.Acknowledged.GroupBy(a => a.Id))
        {
            await using var command = db.CreateCommand("SELECT coalesce(array_agg(version), '{}') FROM change_log WHERE state_name = 'listing' AND grain_key = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = listing.Key });
            var logged = (int[])(await command.ExecuteScalarAsync())!;
            lost += listing.Select(a => a.Version).Except(logged).Count();
        }
        return lost;
    }

    /// <summary>A silo process started by ./bashu, found by its region; started again with the same command, environment and log.</summary>
    private sealed class SiloProcess(int pid, string[] command, Dictionary<string, string> environment, string log)
    {
        public static SiloProcess Find(Region region)
        {
            foreach (var process in Process.GetProcessesByName("dotnet"))
            {
                try
                {
                    var command = File.ReadAllText($"/proc/{process.Id}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                    if (!command.Any(part => part.EndsWith("BashuCloud.Silo.dll", StringComparison.Ordinal))) continue;
                    var environment = File.ReadAllText($"/proc/{process.Id}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
                        .Select(pair => pair.Split('=', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1]);
                    if (environment.GetValueOrDefault("Bashu__Region") != region.Code()) continue;
                    var log = new FileInfo($"/proc/{process.Id}/fd/1").LinkTarget ?? "/dev/null";
                    return new SiloProcess(process.Id, command, environment, log);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                }
            }
            throw new InvalidOperationException($"No running silo of {region.Code()} was found.");
        }

        /// <summary>SIGKILL: no goodbye, as when a machine dies.</summary>
        public void Kill()
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit();
        }

        public SiloProcess StartAgain()
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$@\" >>\"$BASHU_SILO_LOG\" 2>&1");
            start.ArgumentList.Add("sh");
            foreach (var part in command) start.ArgumentList.Add(part);
            start.Environment.Clear();
            foreach (var (name, value) in environment) start.Environment[name] = value;
            start.Environment["BASHU_SILO_LOG"] = log;
            using var process = Process.Start(start)!;
            return new SiloProcess(process.Id, command, environment, log);
        }

        /// <summary>SIGTERM: leave the cluster gracefully (while PostgreSQL is still there), or be killed after 40 s.</summary>
        public void Stop()
        {
            using var process = Process.GetProcessById(pid);
            using (var term = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(40))) process.Kill();
        }
    }
}
