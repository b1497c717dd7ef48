using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using BashuCloud.Listings;
using BashuCloud.Regions;

namespace BashuCloud.Bench;

/// <summary>
/// A mixed load through the API, as the failover test and benchmark use it: each worker owns some listings and
/// keeps editing them with If-Match, reading any listing after each edit. A failed or unknown outcome makes the
/// worker read the listing's version again before its next edit. Every acknowledged edit is remembered, so that
/// afterwards nothing acknowledged can be missing unnoticed.
/// </summary>
public sealed class EditLoad(HttpClient api, string key, IReadOnlyList<string> listings, Func<Region, int, ListingDraft> edit) : IDisposable
{
    private const int Workers = 8;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Id, int Version)> _acknowledged = new();
    private readonly ConcurrentQueue<Failure> _failures = new();
    // When the last acknowledged edit of each listing was sent.
    private readonly ConcurrentDictionary<string, long> _lastWritten = new();
    private long _longestCallTicks;
    private Task _running = Task.CompletedTask;

    public void Start() => _running = Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(() => WorkAsync(worker))));

    /// <summary>Waits until an edit sent after <paramref name="since"/> (a Stopwatch timestamp) was acknowledged for every listing.</summary>
    public async Task WaitUntilEveryListingIsWrittenAfterAsync(long since, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!listings.All(id => _lastWritten.GetValueOrDefault(id) > since))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Not every listing was written again: {string.Join(", ", _failures.TakeLast(5))}");
            }
            await Task.Delay(50);
        }
    }

    public async Task<LoadSummary> StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
        return new LoadSummary([.. _acknowledged], [.. _failures], Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _longestCallTicks)));
    }

    public void Dispose() => _stop.Dispose();

    private async Task WorkAsync(int worker)
    {
        var mine = listings.Where((_, i) => i % Workers == worker).ToArray();
        var versions = mine.ToDictionary(id => id, _ => (int?)null);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var id = mine[n % mine.Length];
            var started = Stopwatch.GetTimestamp();
            try
            {
                versions[id] ??= await ReadVersionAsync(id);
                if (versions[id] is null)
                {
                    _failures.Enqueue(new(id, started, "version unreadable"));
                    await Task.Delay(50);
                    continue;
                }
                using var request = Request(HttpMethod.Put, id, edit(BashuId.RegionOf(id)!.Value, n), $"\"{versions[id]}\"");
                using var response = await api.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var version = int.Parse(response.Headers.ETag!.Tag.Trim('"'));
                    _acknowledged.Enqueue((id, version));
                    _lastWritten[id] = started;
                    versions[id] = version;
                }
                else
                {
                    // 412: an earlier edit whose answer was lost did land; read the version and go on.
                    if (response.StatusCode != HttpStatusCode.PreconditionFailed)
                    {
                        _failures.Enqueue(new(id, started, $"{(int)response.StatusCode} on edit"));
                    }
                    versions[id] = null;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                _failures.Enqueue(new(id, started, exception.GetType().Name + " on edit"));
                versions[id] = null;
            }
            Observe(started);
            await ReadAnyAsync();
        }
    }

    /// <summary>Reads make the load mixed: any listing.</summary>
    private async Task ReadAnyAsync()
    {
        var id = listings[Random.Shared.Next(listings.Count)];
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = Request(HttpMethod.Get, id);
            using var response = await api.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK) _failures.Enqueue(new(id, started, $"{(int)response.StatusCode} on read"));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            _failures.Enqueue(new(id, started, exception.GetType().Name + " on read"));
        }
        Observe(started);
    }

    private async Task<int?> ReadVersionAsync(string id)
    {
        using var request = Request(HttpMethod.Get, id);
        using var response = await api.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK ? int.Parse(response.Headers.ETag!.Tag.Trim('"')) : null;
    }

    // With a key that may see drafts: the listings need not be published.
    private HttpRequestMessage Request(HttpMethod method, string id, ListingDraft? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, $"/api/v1/listings/{id}");
        request.Headers.Add("X-Api-Key", key);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is not null) request.Content = JsonContent.Create(body, options: BashuJson.Options);
        return request;
    }

    private void Observe(long started)
    {
        var took = Stopwatch.GetTimestamp() - started;
        if (took > Interlocked.Read(ref _longestCallTicks)) Interlocked.Exchange(ref _longestCallTicks, took);
    }
}

/// <summary>A request that did not succeed: which listing, when it was sent (Stopwatch timestamp), what happened.</summary>
public sealed record Failure(string Id, long At, string Why);

public sealed record LoadSummary(IReadOnlyList<(string Id, int Version)> Acknowledged, IReadOnlyList<Failure> Failures, TimeSpan LongestCall)
{
    public override string ToString() =>
        $"{Acknowledged.Count} edits acknowledged, {Failures.Count} requests failed ({string.Join(", ", Failures.GroupBy(f => f.Why).Select(g => $"{g.Key}: {g.Count()}"))}), longest call {LongestCall.TotalSeconds:F1} s";

    /// <summary>Failures sent outside every window [kill − margin, recovery] (Stopwatch timestamps).</summary>
    public IReadOnlyList<Failure> Outside(IEnumerable<(long Killed, long Recovered)> windows, long margin) =>
        [.. Failures.Where(f => !windows.Any(w => f.At >= w.Killed - margin && f.At <= w.Recovered))];
}
