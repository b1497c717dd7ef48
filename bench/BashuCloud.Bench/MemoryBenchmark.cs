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

    public sealed record Result(int Activated, long MemoryBefore, long MemoryAfter, int ActivationsBefore, int ActivationsAfter, double StoredJsonBytes)
    {
        public double BytesPerGrain => (MemoryAfter - MemoryBefore) / (double)(ActivationsAfter - ActivationsBefore);
    }

    public static async Task<Result> RunAsync(BenchSettings settings, IGrainFactory grains, string[] activeAlready)
    {
        var (ids, storedJson) = await InactiveListingsAsync(settings.Database, activeAlready);
        var management = grains.GetGrain<IManagementGrain>(0);
        var (memoryBefore, activationsBefore) = await SettledAsync(management);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, _) =>
        {
            if (await grains.GetGrain<IListingGrain>(id).GetAsync() is null) throw new InvalidOperationException($"listing {id} did not read back");
        });
        var (memoryAfter, activationsAfter) = await SettledAsync(management);
        var result = new Result(ids.Length, memoryBefore, memoryAfter, activationsBefore, activationsAfter, storedJson);
        Console.WriteLine($"memory: {result.BytesPerGrain:F0} bytes per active listing grain ({activationsAfter - activationsBefore} activations added)");
        // The benchmarks that follow should not run beside 100,000 idle grains.
        await management.ForceActivationCollection(TimeSpan.FromSeconds(1));
        return result;
    }

    public static void Report(StringBuilder text, Result r)
    {
        var perGrain = r.BytesPerGrain;
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| memory per active listing grain at {r.Activated:N0} activations | {perGrain:F0} bytes ({(r.MemoryAfter - r.MemoryBefore) / 1048576.0:F0} MiB more managed memory in the two silos after a full GC, heap and fragmentation as Orleans reports it, so an upper bound; {r.ActivationsAfter - r.ActivationsBefore:N0} activations more) | the same listings' stored JSON: {r.StoredJsonBytes:F0} bytes each | **{perGrain / r.StoredJsonBytes:F2}** | ≤ 4 KB (4,096 bytes) | {(perGrain <= 4096 ? "met" : "not met")} |"));
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

    // Managed memory as the silos report it (heap plus fragmentation), after a blocking full collection in each.
    private static async Task<(long Memory, int Activations)> SettledAsync(IManagementGrain management)
    {
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        await management.ForceGarbageCollection(silos);
        // The silos sample their memory about once a second: let a sample after the collection come in.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await management.ForceRuntimeStatisticsCollection(silos);
        var statistics = await management.GetRuntimeStatistics(silos);
        return (statistics.Sum(s => s.EnvironmentStatistics.RawMemoryUsageBytes), statistics.Sum(s => s.ActivationCount));
    }
}
