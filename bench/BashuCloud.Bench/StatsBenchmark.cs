using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #5's numbers. The read model's lag under a paced write load (edits through the grains at a fixed rate),
/// read from what the projection itself records for every change; then the joint statistics at a million listings:
/// the missing rows are generated straight into rm_listing with SQL (the projection's counters follow them through
/// the same triggers), GET /api/v1/stats/joint is timed one request at a time, and the same figures by a plain
/// GROUP BY over rm_listing are the baseline. The generated rows are deleted afterwards.
/// </summary>
public static class StatsBenchmark
{
    public const int TargetWritesPerSecond = 2000;
    private const int Listings = 1_000_000;
    private const string GeneratedPrefix = "bench-stats-";

    public sealed record Latency(int Samples, double P50Ms, double P95Ms, double P99Ms);

    public sealed record Result(
        double WritesPerSecond, long Writes, long LagSamples, int LagP50Ms, int LagP99Ms, int LagMaxMs,
        long ListingRows, long Generated, Latency Http, Latency Counters, Latency GroupBy);

    public static async Task<Result> RunAsync(BenchSettings settings, HttpClient api, string key, Func<int, long, Task<bool>> write)
    {
        await using var database = NpgsqlDataSource.Create(settings.Database);
        var (rate, writes, lag) = await LagUnderLoadAsync(database, settings, write);
        Console.WriteLine($"read-model lag at {rate:F0} writes/s: p50 {lag.P50} ms, p99 {lag.P99} ms, max {lag.Max} ms ({lag.Samples} changes)");

        var generated = await GenerateAsync(database);
        try
        {
            var rows = await ScalarAsync<long>(database, "SELECT count(*) FROM rm_listing");
            Console.WriteLine($"rm_listing: {rows:N0} rows ({generated:N0} generated)");
            var http = await TimeAsync(2000, async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stats/joint");
                request.Headers.Add("X-Api-Key", key);
                using var response = await api.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"joint statistics: {(int)response.StatusCode}");
            });
            var counters = await TimeAsync(2000, () => QueryAsync(database,
                "SELECT region, kind, status, field, n FROM rm_listing_counts WHERE n <> 0 UNION ALL SELECT to_char(month, 'YYYY-MM'), region, kind, NULL, n FROM rm_listing_monthly WHERE n <> 0"));
            var groupBy = await TimeAsync(10, () => QueryAsync(database, """
                SELECT region, kind, status, field, count(*) FROM rm_listing GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM'), region, kind, NULL, count(*) FROM rm_listing GROUP BY 1, 2, 3
                """));
            Console.WriteLine($"joint statistics over HTTP: p95 {http.P95Ms:F2} ms; counters in SQL p95 {counters.P95Ms:F2} ms; GROUP BY p95 {groupBy.P95Ms:F0} ms");
            return new Result(rate, writes, lag.Samples, lag.P50, lag.P99, lag.Max, rows, generated, http, counters, groupBy);
        }
        finally
        {
            await ExecuteAsync(database, $"DELETE FROM rm_listing WHERE id LIKE '{GeneratedPrefix}%'");
        }
    }

    /// <summary>Edits at a fixed rate for the run's duration; the lag of every change projected meanwhile.</summary>
    private static async Task<(double Rate, long Writes, (long Samples, int P50, int P99, int Max) Lag)> LagUnderLoadAsync(
        NpgsqlDataSource database, BenchSettings settings, Func<int, long, Task<bool>> write)
    {
        var duration = TimeSpan.FromSeconds(Math.Max(settings.Seconds, 20));
        var started = await ScalarAsync<DateTime>(database, "SELECT now()");
        long next = -1, done = 0;
        var clock = Stopwatch.StartNew();
        // Paced, not closed-loop: change k is due at k / rate seconds; a caller that falls behind sends at once.
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(worker => Task.Run(async () =>
        {
            while (true)
            {
                var k = Interlocked.Increment(ref next);
                var due = TimeSpan.FromSeconds((double)k / TargetWritesPerSecond);
                if (due >= duration) return;
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                if (await write(worker, k)) Interlocked.Increment(ref done);
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));   // the last changes' projection
        await using var command = database.CreateCommand("""
            SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY l), percentile_disc(0.99) WITHIN GROUP (ORDER BY l), max(l)
              FROM projection_lag, unnest(lag_ms) l WHERE projected_at > $1
            """);
        command.Parameters.Add(new() { Value = started });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (done / seconds, done, (reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt32(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2), reader.IsDBNull(3) ? 0 : reader.GetInt32(3)));
    }

    /// <summary>Rows up to a million listings, in every cell of region × kind × status × field and 36 months.</summary>
    private static async Task<long> GenerateAsync(NpgsqlDataSource database)
    {
        var missing = Math.Max(0, Listings - await ScalarAsync<long>(database, "SELECT count(*) FROM rm_listing"));
        for (long from = 0; from < missing; from += 100_000)
        {
            await ExecuteAsync(database, $"""
                INSERT INTO rm_listing (id, kind, status, region, platform_id, owner_id, title, summary, field, trl, price_model, version, created_at, updated_at)
                SELECT '{GeneratedPrefix}' || i,
                       (ARRAY['Achievement','Demand','Patent','Service','Expert','Case'])[1 + i % 6],
                       (ARRAY['Published','Published','Published','Draft','InReview','Withdrawn','Expired'])[1 + (i / 6) % 7],
                       (ARRAY['sichuan','chongqing'])[1 + (i / 42) % 2], 'sichuan', 'bench', '基准', '基准',
                       (ARRAY['NewEnergy','AdvancedMaterials','ElectronicInformation','Biomedicine','EquipmentManufacturing','Aerospace',
                              'ModernAgriculture','EnergySaving','RailTransit','IntelligentVehicles','ArtificialIntelligence','ChemicalEngineering','Other'])[1 + (i / 84) % 13],
                       5, 'Fixed', 1, now() - ((i / 1092) % 36) * interval '1 month', now()
                  FROM generate_series({from}, {Math.Min(from + 100_000, missing) - 1}) i
                """);
        }
        if (missing > 0) await ExecuteAsync(database, "ANALYZE rm_listing");
        return missing;
    }

    private static async Task<Latency> TimeAsync(int samples, Func<Task> operation)
    {
        for (var i = 0; i < Math.Min(samples / 10, 100); i++) await operation();   // warm-up
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        double At(double p) => times[Math.Min(samples - 1, (int)(p * samples))];
        return new Latency(samples, At(0.50), At(0.95), At(0.99));
    }

    private static async Task QueryAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The report's section.</summary>
    public static string Section(Result r)
    {
        static string Ms(double ms) => ms.ToString(ms < 10 ? "F2" : "F0", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine("## Issue #5: statistics and read model");
        text.AppendLine();
        text.AppendLine($"Read-model lag: listing edits through the grains paced at {TargetWritesPerSecond:N0}/s (the rate reached is reported), for the run's duration; the lag of each change is what the projection records itself (`projection_lag`): from the writing transaction (`change_log.recorded_at`) to the end of the batch that projected it, both on PostgreSQL's clock. "
            + $"Joint statistics: rm_listing filled up to {r.ListingRows:N0} rows, {r.Generated:N0} of them generated straight into rm_listing with SQL (not through the grains; the counters followed through the same triggers the projection fires) across 2 regions, 6 kinds, 7 statuses, 13 fields and 36 months, and deleted afterwards. `GET /api/v1/stats/joint` is timed one request at a time ({r.Http.Samples:N0} requests, latency, not throughput), and so are the counters' SQL alone and the baseline: the same figures (cells and months) by a plain GROUP BY over rm_listing ({r.GroupBy.Samples} runs).");
        text.AppendLine();
        text.AppendLine("| measurement | result | baseline (same run) | ratio | goal | verdict |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine($"| joint statistics over HTTP at {r.ListingRows:N0} listings | p50 {Ms(r.Http.P50Ms)} ms, **p95 {Ms(r.Http.P95Ms)} ms**, p99 {Ms(r.Http.P99Ms)} ms (the counters' SQL alone: p50 {Ms(r.Counters.P50Ms)}, p95 {Ms(r.Counters.P95Ms)} ms) | GROUP BY over rm_listing: p50 {Ms(r.GroupBy.P50Ms)} ms, p95 {Ms(r.GroupBy.P95Ms)} ms | {r.GroupBy.P95Ms / r.Http.P95Ms:F0}× faster | p95 ≤ 5 ms | {(r.Http.P95Ms <= 5 ? "met" : "not met")} |");
        text.AppendLine($"| read-model lag under {r.WritesPerSecond:F0} writes/s reached (target {TargetWritesPerSecond:N0}/s, {r.Writes:N0} writes) | p50 {r.LagP50Ms} ms, **p99 {r.LagP99Ms} ms**, max {r.LagMaxMs} ms over {r.LagSamples:N0} changes | | | p99 ≤ 1 s at 2,000 writes/s | {(r.LagP99Ms <= 1000 && r.WritesPerSecond >= TargetWritesPerSecond * 0.95 ? "met" : r.LagP99Ms <= 1000 ? "lag met, rate not reached" : "not met")} |");
        return text.ToString();
    }
}
