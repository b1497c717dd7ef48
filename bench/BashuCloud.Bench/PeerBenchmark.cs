using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Npgsql;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #7: BashuCloud against the peer a team would build instead (bench/BashuCloud.Peer: a plain minimal API with
/// Npgsql, one statement per request, on the same PostgreSQL and the same listings), both over HTTP from this
/// process: warm reads and durable updates in closed loops, alternated A B A B so that drift hits both alike, then a
/// mixed load of 90% reads and 10% updates at a fixed 1,000 requests/s, open loop.
/// </summary>
public static class PeerBenchmark
{
    public const int MixedPerSecond = 1000;

    public sealed record Result(
        Measurement OurReads, Measurement PeerReads, Measurement OurUpdates, Measurement PeerUpdates, FixedRate OurMixed, FixedRate PeerMixed, CpuUsage OurUpdateCpu, CpuUsage PeerUpdateCpu);

    /// <summary>One side of the comparison: where its listings are read and updated, with what header.</summary>
    private sealed record Side(HttpClient Http, string ListingPath, string? Key);

    public static async Task<Result> RunAsync(BenchSettings settings, string key, string[] published, string[] drafts)
    {
        await CopyListingsToPeerAsync(settings.Database, [.. published, .. drafts]);
        using var ours = Client(settings.ApiUrl, settings.Concurrency);
        using var peer = Client(settings.PeerUrl, settings.Concurrency);
        var us = new Side(ours, "/api/v1/listings/", key);
        var them = new Side(peer, "/listings/", null);
        var duration = TimeSpan.FromSeconds(settings.Seconds);

        var ourVersions = await VersionsAsync(us, drafts);
        var peerVersions = await VersionsAsync(them, drafts);
        await Reads(us, settings, duration, published, "warm-up");
        await Reads(them, settings, duration, published, "warm-up");
        // Updates run code the reads did not (JSON binding, the grain's write path, group commit): tiered JIT keeps
        // recompiling it for the first half minute or so (perf: a third of the silos' CPU in the JIT after 8 s).
        var warmUp = TimeSpan.FromSeconds(Math.Max(settings.Seconds, 45));
        await Updates(us, settings, warmUp, drafts, ourVersions, "warm-up");
        await Updates(them, settings, warmUp, drafts, peerVersions, "warm-up");

        List<Measurement> ourReads = [], peerReads = [], ourUpdates = [], peerUpdates = [];
        var ourUpdateCpu = CpuUsage.None;
        var peerUpdateCpu = CpuUsage.None;
        for (var round = 0; round < 2; round++)
        {
            ourReads.Add(await Reads(us, settings, duration / 2, published, "BashuCloud warm read"));
            peerReads.Add(await Reads(them, settings, duration / 2, published, "peer read"));
            var cpu = CpuUsage.Take();
            ourUpdates.Add(await Updates(us, settings, duration / 2, drafts, ourVersions, "BashuCloud durable update"));
            ourUpdateCpu += CpuUsage.Between(cpu, cpu = CpuUsage.Take());
            peerUpdates.Add(await Updates(them, settings, duration / 2, drafts, peerVersions, "peer update"));
            peerUpdateCpu += CpuUsage.Between(cpu, CpuUsage.Take());
        }
        var mixedFor = TimeSpan.FromSeconds(Math.Max(30, settings.Seconds * 2));
        var ourMixed = await Mixed(us, "BashuCloud mixed 90/10", mixedFor, published, drafts, ourVersions);
        var peerMixed = await Mixed(them, "peer mixed 90/10", mixedFor, published, drafts, peerVersions);
        var result = new Result(
            Benchmark.Combine(ourReads), Benchmark.Combine(peerReads), Benchmark.Combine(ourUpdates), Benchmark.Combine(peerUpdates), ourMixed, peerMixed, ourUpdateCpu, peerUpdateCpu);
        Console.WriteLine($"reads: ours {result.OurReads.PerSecond:F0}/s, peer {result.PeerReads.PerSecond:F0}/s; updates: ours {result.OurUpdates.PerSecond:F0}/s, peer {result.PeerUpdates.PerSecond:F0}/s");
        Console.WriteLine($"CPU per update, µs, generator / silos / API / rest (the peer is in rest): ours {ourUpdateCpu.PerOperation(result.OurUpdates.Operations)}, peer {peerUpdateCpu.PerOperation(result.PeerUpdates.Operations)}");
        Console.WriteLine($"mixed at {MixedPerSecond}/s: ours p50 {ourMixed.P50Ms:F1} p95 {ourMixed.P95Ms:F1} p99 {ourMixed.P99Ms:F1} ms ({ourMixed.Failures} failed); peer p50 {peerMixed.P50Ms:F1} p95 {peerMixed.P95Ms:F1} p99 {peerMixed.P99Ms:F1} ms ({peerMixed.Failures} failed)");
        return result;
    }

    public static void Report(StringBuilder text, Result r, double ceiling)
    {
        var read = r.OurReads.PerSecond / r.PeerReads.PerSecond;
        var update = r.OurUpdates.PerSecond / r.PeerUpdates.PerSecond;
        var updateCeiling = r.OurUpdates.PerSecond / ceiling;
        static string Verdict(bool met) => met ? "met" : "not met";
        static string Closed(Measurement m) => string.Create(CultureInfo.InvariantCulture, $"{m.PerSecond:F0}/s, p50 {m.P50Ms:F1} ms, p99 {m.P99Ms:F1} ms, {m.Failures} failed");
        static string Open(FixedRate m) => string.Create(CultureInfo.InvariantCulture, $"p50 {m.P50Ms:F1} ms, p95 {m.P95Ms:F1} ms, **p99 {m.P99Ms:F1} ms**, max {m.MaxMs:F0} ms; {m.Requests:N0} requests, {m.Failures} failed");
        text.AppendLine("## Issue #7: against the peer and the ceilings");
        text.AppendLine();
        text.AppendLine("The peer is what a team would build instead of Orleans (`bench/BashuCloud.Peer`, clearly a baseline): a plain ASP.NET Core minimal API with Npgsql, listings as JSON rows in one table of the same PostgreSQL (a copy of the same listings), one statement and one durable transaction per request, If-Match on a version column; no cluster, no cache, no change log, no audit trail, no read model. Both are driven over HTTP from the same load generator, closed loops of the same callers, BashuCloud and peer alternated twice (A B A B). An update is a `PUT` of the same partial listing with `If-Match`, acknowledged after its commit (synchronous_commit on).");
        text.AppendLine();
        RatioHeader(text);
        text.AppendLine($"| warm listing read, BashuCloud (`GET /api/v1/listings/{{id}}`) | {Closed(r.OurReads)} | peer `GET /listings/{{id}}`: {Closed(r.PeerReads)} | **{read:F2}** | ≥ 2× the peer | {Verdict(read >= 2)} |");
        text.AppendLine($"| durable listing update, BashuCloud (`PUT /api/v1/listings/{{id}}`) | {Closed(r.OurUpdates)} | peer `PUT /listings/{{id}}`: {Closed(r.PeerUpdates)} | **{update:F2}** | ≥ 1× the peer | {Verdict(update >= 1)} |");
        text.AppendLine($"| the same updates against the pgbench ceiling | {r.OurUpdates.PerSecond:F0}/s | pgbench upsert ceiling (issue #2 above): {ceiling:F0}/s | **{updateCeiling:F2}** | ≥ 0.6× the ceiling | {Verdict(updateCeiling >= 0.6)} |");
        text.AppendLine($"| mixed 90% reads / 10% updates at a fixed {MixedPerSecond:N0} requests/s, BashuCloud | {Open(r.OurMixed)} | the peer under the same schedule: {Open(r.PeerMixed)} | {r.OurMixed.P99Ms / r.PeerMixed.P99Ms:F2} (p99) | p99 ≤ 5 ms | {Verdict(r.OurMixed.P99Ms <= 5)} |");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Where an update's CPU went (µs of CPU per acknowledged update over the update phases; the machine has 2 cores): BashuCloud {r.OurUpdateCpu.PerOperation(r.OurUpdates.Operations)}, the peer {r.PeerUpdateCpu.PerOperation(r.PeerUpdates.Operations)} (load generator / silos / API / PostgreSQL and the rest, where the peer's own process is counted). BashuCloud's PostgreSQL column holds the state row, its change-log row and audit row, and the read-model row the projection writes; the peer's one UPDATE is all it stores."));
        text.AppendLine();
        text.AppendLine($"The mixed load is open loop (bench/BashuCloud.Bench/FixedRate.cs): request i leaves at start + i ms whatever the earlier ones are doing, and its latency is measured from that intended moment, so a stall is charged to every request it delays (no coordinated omission). Reads go to published listings, updates to drafts not already being updated.");
        text.AppendLine();
    }

    private static void RatioHeader(StringBuilder text)
    {
        text.AppendLine("| measurement | result | baseline (same run) | ratio | goal | verdict |");
        text.AppendLine("|---|---|---|---|---|---|");
    }

    private static HttpClient Client(string url, int concurrency) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(concurrency, 256), UseProxy = false }) { BaseAddress = new Uri(url) };

    private static async Task CopyListingsToPeerAsync(string connectionString, string[] ids)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var copy = db.CreateCommand("""
            INSERT INTO peer_listing (id, version, payload)
            SELECT grain_key, version, payload FROM grain_state WHERE state_name = 'listing' AND grain_key = ANY($1)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, payload = EXCLUDED.payload
            """);
        copy.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await copy.ExecuteNonQueryAsync();
    }

    private static Task<Measurement> Reads(Side side, BenchSettings settings, TimeSpan duration, string[] ids, string name) =>
        Measurement.RunAsync(name, settings.Concurrency, duration, async (worker, i) =>
        {
            using var response = await side.Http.SendAsync(Request(side, HttpMethod.Get, ids[(int)(((worker * 7919) + i) % ids.Length)], withKey: false));
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK;
        });

    // Each caller edits its own listings (every concurrency-th one), so no two callers race for one version.
    private static Task<Measurement> Updates(Side side, BenchSettings settings, TimeSpan duration, string[] ids, ConcurrentDictionary<string, int> versions, string name) =>
        Measurement.RunAsync(name, settings.Concurrency, duration, (worker, i) =>
            UpdateAsync(side, ids[worker + (settings.Concurrency * (int)(i % (ids.Length / settings.Concurrency)))], versions, i));

    private static async Task<FixedRate> Mixed(Side side, string name, TimeSpan duration, string[] published, string[] drafts, ConcurrentDictionary<string, int> versions)
    {
        // An update takes a draft nobody else is updating and gives it back after the answer.
        var idle = new ConcurrentQueue<string>(drafts);
        return await FixedRate.RunAsync(name, MixedPerSecond, duration, async n =>
        {
            if (n % 10 != 0)
            {
                using var read = await side.Http.SendAsync(Request(side, HttpMethod.Get, published[(int)(n * 7919 % published.Length)], withKey: false));
                await read.Content.LoadIntoBufferAsync();
                return read.StatusCode == HttpStatusCode.OK;
            }
            if (!idle.TryDequeue(out var id)) return false;
            try
            {
                return await UpdateAsync(side, id, versions, n);
            }
            finally
            {
                idle.Enqueue(id);
            }
        });
    }

    private static async Task<bool> UpdateAsync(Side side, string id, ConcurrentDictionary<string, int> versions, long n)
    {
        var body = Benchmark.Draft(BashuId.RegionOf(id)!.Value) with { Kind = null, Region = null, PlatformId = null, Title = $"高安全锂电池正极材料 对比第{n}版" };
        using var request = Request(side, HttpMethod.Put, id);
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{versions[id]}\"");
        request.Content = JsonContent.Create(body, options: BashuJson.Options);
        using var response = await side.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        if (response.StatusCode != HttpStatusCode.OK) return false;
        versions[id] = int.Parse(response.Headers.ETag!.Tag.Trim('"'), CultureInfo.InvariantCulture);
        return true;
    }

    private static async Task<ConcurrentDictionary<string, int>> VersionsAsync(Side side, string[] ids)
    {
        var versions = new ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, cancellation) =>
        {
            using var response = await side.Http.SendAsync(Request(side, HttpMethod.Get, id), cancellation);
            response.EnsureSuccessStatusCode();
            versions[id] = int.Parse(response.Headers.ETag!.Tag.Trim('"'), CultureInfo.InvariantCulture);
        });
        return versions;
    }

    // Reads of published listings go without a key, as the public's do; drafts need the administrator's.
    private static HttpRequestMessage Request(Side side, HttpMethod method, string id, bool withKey = true)
    {
        var request = new HttpRequestMessage(method, side.ListingPath + id);
        if (withKey && side.Key is not null) request.Headers.Add("X-Api-Key", side.Key);
        return request;
    }
}
