using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BashuCloud.Regions;

namespace BashuCloud.Bench;

/// <summary>
/// Issue #4's numbers, through the API as a partner uses it: a batch import of listings under external ids
/// (POST /api/v1/sync/batch, 1,000 items a request, a few requests at once), then reading the change feed from its
/// start to its end (GET /api/v1/changes, 1,000 a page).
/// </summary>
public static class SyncBenchmark
{
    public const int BatchSize = 1000;
    private const int ConcurrentBatches = 4;
    private const int MaxAttempts = 3;
    private const string Partner = "bench-sync";
    private static readonly string[] Scopes = ["listings:read", "listings:write", "changes:read"];

    /// <summary>The import, and two reads of the whole feed: the first in code the API has not run yet, the second warm.</summary>
    public sealed record Result(int Imported, int Rejected, int Retried, double ImportSeconds, long FeedEntries, double FirstFeedSeconds, double FeedSeconds)
    {
        public double ImportPerSecond => Imported / ImportSeconds;

        public double FirstFeedPerSecond => FeedEntries / FirstFeedSeconds;

        public double FeedPerSecond => FeedEntries / FeedSeconds;
    }

    public static async Task<Result> RunAsync(HttpClient api, string adminKey, int listings)
    {
        var key = await PartnerKeyAsync(api, adminKey);
        var batches = (listings + BatchSize - 1) / BatchSize;
        var imported = 0;
        var rejected = 0;
        var retried = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, batches), new ParallelOptions { MaxDegreeOfParallelism = ConcurrentBatches }, async (batch, cancellationToken) =>
        {
            var items = Enumerable.Range(batch * BatchSize, Math.Min(BatchSize, listings - (batch * BatchSize))).Select(i => new
            {
                op = "upsert",
                externalId = $"bench-{i}",
                listing = Benchmark.Draft(i % 2 == 0 ? Region.Sichuan : Region.Chongqing) with { PlatformId = null, Title = $"批量导入基准 第{i}项", TitleEn = $"Batch import benchmark item {i}" },
            });
            // As a partner's client should: a 503 (the outcome is unknown) is sent again with the same Idempotency-Key.
            var idempotencyKey = $"bench-batch-{batch}-{Guid.NewGuid():N}";
            for (var attempt = 1; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sync/batch")
                {
                    Content = JsonContent.Create(new { partnerId = Partner, items }, options: BashuJson.Options),
                };
                request.Headers.Add("X-Api-Key", key);
                request.Headers.Add("Idempotency-Key", idempotencyKey);
                using var response = await api.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < MaxAttempts)
                {
                    Interlocked.Increment(ref retried);
                    Console.WriteLine($"batch {batch}: 503, sent again ({await response.Content.ReadAsStringAsync(cancellationToken)})");
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"batch {batch}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                Interlocked.Add(ref imported, body.GetProperty("applied").GetInt32());
                Interlocked.Add(ref rejected, body.GetProperty("rejected").GetInt32());
                return;
            }
        });
        var importSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"batch import: {imported} listings in {importSeconds:F1} s ({imported / importSeconds:F0}/s), {rejected} rejected, {retried} requests sent again after a 503");

        // A partner's reader runs all day against a long-running API: the second read is the steady state.
        var (entries, firstFeedSeconds) = await ReadFeedAsync(api, key);
        Console.WriteLine($"change feed, first read: {entries} entries in {firstFeedSeconds:F1} s ({entries / firstFeedSeconds:F0}/s)");
        var (again, feedSeconds) = await ReadFeedAsync(api, key);
        Console.WriteLine($"change feed, second read: {again} entries in {feedSeconds:F1} s ({again / feedSeconds:F0}/s)");
        return new Result(imported, rejected, retried, importSeconds, entries, firstFeedSeconds, feedSeconds);
    }

    /// <summary>Reads the whole feed from its start, 1,000 a page, as a consumer does (parsing every page).</summary>
    private static async Task<(long Entries, double Seconds)> ReadFeedAsync(HttpClient api, string key)
    {
        var clock = Stopwatch.StartNew();
        long entries = 0;
        string? cursor = null;
        while (true)
        {
            var path = new StringBuilder("/api/v1/changes?limit=1000");
            if (cursor is not null) path.Append("&cursor=").Append(cursor);
            using var request = new HttpRequestMessage(HttpMethod.Get, path.ToString());
            request.Headers.Add("X-Api-Key", key);
            using var response = await api.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"change feed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            var count = page.GetProperty("items").GetArrayLength();
            if (count == 0) break;
            entries += count;
            cursor = page.GetProperty("nextCursor").GetString();
        }
        return (entries, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A partner platform of its own with a key that may write listings and read the feed.</summary>
    private static async Task<string> PartnerKeyAsync(HttpClient api, string adminKey)
    {
        using (var register = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/platforms/{Partner}")
        {
            Content = JsonContent.Create(new { name = "基准同步平台", kind = "Partner", homeRegion = "sichuan" }),
        })
        {
            register.Headers.Add("X-Api-Key", adminKey);
            using var registered = await api.SendAsync(register);
            if (registered.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict)) throw new InvalidOperationException($"register: {(int)registered.StatusCode}");
        }
        using var issue = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/platforms/{Partner}/keys")
        {
            Content = JsonContent.Create(new { scopes = Scopes, label = "bench" }),
        };
        issue.Headers.Add("X-Api-Key", adminKey);
        using var issued = await api.SendAsync(issue);
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
    }
}
