using System.Globalization;
using System.Text;
using BashuCloud.Listings;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #7: the memory an active listing grain holds. 100,000 listings that no silo has active (the partner import's)
/// are activated by reading them; the silos' managed memory after a full garbage collection, before and after, divided
/// by the activations added. The baseline is the size of the same listings' stored JSON.
/// </summary>
public static class MemoryBenchmark
{
    public const int Activations = 100_000;

    /// <summary>
    /// Memory is counted twice: what the grains keep alive (the silos' heaps after a full collection, without the
    /// free space between objects), and the heap as Orleans reports it (fragmentation included, which varies from
    /// run to run with how the collector happened to compact: an upper bound).
    /// </summary>
    public sealed record Result(int Activated, Settled Before, Settled After, double StoredJsonBytes)
    {
        public int Added => After.Activations - Before.Activations;

        public double LiveBytesPerGrain => (After.LiveBytes - Before.LiveBytes) / (double)Added;

        public double BytesPerGrain => (After.RawBytes - Before.RawBytes) / (double)Added;
    }

    public sealed record Settled(long LiveBytes, long RawBytes, int Activations);

    public static async Task<Result> RunAsync(BenchSettings settings, IGrainFactory grains, string[] activeAlready)
    {
        // Without the silos' metrics there is no live figure, and a zero would read as a goal met.
        if (settings.SiloMetrics.Length == 0) throw new InvalidOperationException("The memory benchmark needs --silo-metrics (./bashu bench passes the silos' metrics URLs).");
        var (ids, storedJson) = await InactiveListingsAsync(settings.Database, activeAlready);
        var management = grains.GetGrain<IManagementGrain>(0);
        var before = await SettledAsync(management, settings.SiloMetrics);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, _) =>
        {
            if (await grains.GetGrain<IListingGrain>(id).GetAsync() is null) throw new InvalidOperationException($"listing {id} did not read back");
        });
        var after = await SettledAsync(management, settings.SiloMetrics);
        var result = new Result(ids.Length, before, after, storedJson);
        Console.WriteLine($"memory: {result.LiveBytesPerGrain:F0} live bytes per active listing grain, {result.BytesPerGrain:F0} with fragmentation ({result.Added} activations added)");
        // The benchmarks that follow should not run beside 100,000 idle grains.
        await management.ForceActivationCollection(TimeSpan.FromSeconds(1));
        return result;
    }

    public static void Report(StringBuilder text, Result r)
    {
        var live = r.LiveBytesPerGrain;
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| memory per active listing grain at {r.Activated:N0} activations | **{live:F0} bytes** kept alive ({(r.After.LiveBytes - r.Before.LiveBytes) / 1048576.0:F0} MiB more in the two silos' heaps after a full collection, free space excluded; {r.Added:N0} activations more); with the heap's fragmentation as Orleans reports it, {r.BytesPerGrain:F0} bytes (varies between runs with how the collector compacted) | the same listings' stored JSON: {r.StoredJsonBytes:F0} bytes each | **{live / r.StoredJsonBytes:F2}** | ≤ 4 KB (4,096 bytes) | {(live <= 4096 ? "met" : "not met")} |"));
    }

    private static async Task<(string[] Ids, double StoredJsonBytes)> InactiveListingsAsync(string connectionString, string[] activeAlready)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("""
            SELECT grain_key, octet_length(payload::text) FROM grain_state
             WHERE state_name = 'listing' AND payload IS NOT NULL AND NOT grain_key = ANY($1)
             ORDER BY grain_key LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = activeAlready });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Activations });
        var ids = new List<string>(Activations);
        long bytes = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
                bytes += reader.GetInt32(1);
            }
        }
        if (ids.Count < Activations) throw new InvalidOperationException($"Only {ids.Count} listings to activate: the partner import (sync) must run first.");
        return ([.. ids], bytes / (double)ids.Count);
    }

    // After a blocking full collection in each silo: its heap by generation as the runtime's metrics report it after
    // the last collection (live = size minus fragmentation), and Orleans' figure (heap plus fragmentation).
    private static async Task<Settled> SettledAsync(IManagementGrain management, string[] siloMetrics)
    {
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        await management.ForceGarbageCollection(silos);
        // The silos sample their memory about once a second: let a sample after the collection come in.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await management.ForceRuntimeStatisticsCollection(silos);
        var statistics = await management.GetRuntimeStatistics(silos);
        long live = 0;
        using var http = new HttpClient();
        foreach (var url in siloMetrics)
        {
            var text = await http.GetStringAsync(url);
            live += Sum(text, "dotnet_gc_last_collection_heap_size_bytes") - Sum(text, "dotnet_gc_last_collection_heap_fragmentation_size_bytes");
        }
        return new Settled(live, statistics.Sum(s => s.EnvironmentStatistics.RawMemoryUsageBytes), statistics.Sum(s => s.ActivationCount));
    }

    /// <summary>The sum of one metric's samples (every generation) in Prometheus' text format: name{labels} value.</summary>
    private static long Sum(string metrics, string name)
    {
        long total = 0;
        var found = false;
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            var value = line[name.Length] == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[name.Length..];
            total += (long)double.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            found = true;
        }
        return found ? total : throw new InvalidOperationException($"The silo's metrics have no {name}.");
    }
}
