using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #5's numbers. The read model's lag under a paced write load (edits through the grains at a fixed rate),
/// read from what the projection itself records for every change; then the joint statistics at a million listings:
/// GET /api/v1/stats/joint is timed one request at a time over the read model at a million listings (MillionListings),
/// and the same figures by a plain GROUP BY over rm_listing are the baseline.
/// </summary>
public static class StatsBenchmark
{
    public const int TargetWritesPerSecond = 2000;

    public sealed record Latency(int Samples, double P50Ms, double P95Ms, double P99Ms);

    public sealed record Lag(double WritesPerSecond, long Writes, long Samples, int P50Ms, int P99Ms, int MaxMs);

    public sealed record Joint(MillionListings.Fill Fill, Latency Http, Latency Counters, Latency GroupBy);

    public static async Task<Lag> LagAsync(BenchSettings settings, Func<int, long, Task<bool>> write)
    {
        await using var database = NpgsqlDataSource.Create(settings.Database);
        var (rate, writes, lag) = await LagUnderLoadAsync(database, settings, write);
        Console.WriteLine($"read-model lag at {rate:F0} writes/s: p50 {lag.P50} ms, p99 {lag.P99} ms, max {lag.Max} ms ({lag.Samples} changes)");
        return new Lag(rate, writes, lag.Samples, lag.P50, lag.P99, lag.Max);
    }

    public static async Task<Joint> JointAsync(BenchSettings settings, HttpClient api, string key, MillionListings.Fill fill)
    {
        await using var database = NpgsqlDataSource.Create(settings.Database);
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
        return new Joint(fill, http, counters, groupBy);
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

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The report's section.</summary>
    public static string Section(Lag lag, Joint r)
    {
        static string Ms(double ms) => ms.ToString(ms < 10 ? "F2" : "F0", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine("## Issue #5: statistics and read model");
        text.AppendLine();
        text.AppendLine($"Read-model lag: listing edits through the grains paced at {TargetWritesPerSecond:N0}/s (the rate reached is reported), for the run's duration; the lag of each change is what the projection records itself (`projection_lag`): from the writing transaction (`change_log.recorded_at`) to the end of the batch that projected it, both on PostgreSQL's clock. "
            + $"Joint statistics: over the read model at {r.Fill.Rows:N0} listings, the synthetic ones of the search benchmark below written straight into rm_listing with SQL (not through the grains; the counters followed through the same statement triggers the projection fires) across 2 regions, 6 kinds, 7 statuses, 13 fields and about 23 months. `GET /api/v1/stats/joint` is timed one request at a time ({r.Http.Samples:N0} requests, latency, not throughput), and so are the counters' SQL alone and the baseline: the same figures (cells and months) by a plain GROUP BY over rm_listing ({r.GroupBy.Samples} runs).");
        text.AppendLine();
        text.AppendLine("| measurement | result | baseline (same run) | ratio | goal | verdict |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine($"| joint statistics over HTTP at {r.Fill.Rows:N0} listings | p50 {Ms(r.Http.P50Ms)} ms, **p95 {Ms(r.Http.P95Ms)} ms**, p99 {Ms(r.Http.P99Ms)} ms (the counters' SQL alone: p50 {Ms(r.Counters.P50Ms)}, p95 {Ms(r.Counters.P95Ms)} ms) | GROUP BY over rm_listing: p50 {Ms(r.GroupBy.P50Ms)} ms, p95 {Ms(r.GroupBy.P95Ms)} ms | {r.GroupBy.P95Ms / r.Http.P95Ms:F0}× faster | p95 ≤ 5 ms | {(r.Http.P95Ms <= 5 ? "met" : "not met")} |");
        text.AppendLine($"| read-model lag under {lag.WritesPerSecond:F0} writes/s reached (target {TargetWritesPerSecond:N0}/s, {lag.Writes:N0} writes) | p50 {lag.P50Ms} ms, **p99 {lag.P99Ms} ms**, max {lag.MaxMs} ms over {lag.Samples:N0} changes | | | p99 ≤ 1 s at 2,000 writes/s | {(lag.P99Ms <= 1000 && lag.WritesPerSecond >= TargetWritesPerSecond * 0.95 ? "met" : lag.P99Ms <= 1000 ? "lag met, rate not reached" : "not met")} |");
        return text.ToString();
    }
}
