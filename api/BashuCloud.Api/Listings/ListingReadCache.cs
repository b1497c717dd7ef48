using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using BashuCloud.Listings;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace BashuCloud.Api.Listings;

/// <summary>A listing as this API process last leased it, with its response body already serialised.</summary>
public sealed record CachedListing(ListingView View, byte[] Json, long ValidUntil);

/// <summary>
/// Listings this API process may answer without asking their grains, for as long as each grain lent them
/// (<see cref="IListingReadCache"/>). A grain revokes the lease before it acknowledges a change, so a read here
/// never returns a version older than a change acknowledged to anyone, through any API process. The lease is
/// counted from when this process asked, which is before the grain lent it, so it ends here first.
/// </summary>
public sealed class ListingReadCache : IListingReadCache, IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly JsonSerializerOptions _json;
    private readonly Lazy<IListingReadCache> _reference;
    private readonly ConcurrentDictionary<string, CachedListing> _entries = new(StringComparer.Ordinal);
    // Revocations seen lately: a lease answer that was on its way while its listing changed carries the old
    // version and must not be kept. Guarded, with the entries' writes, by _gate.
    private readonly Dictionary<string, (int Version, long Until)> _revoked = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Timer _sweep;

    public ListingReadCache(IGrainFactory grains, IOptions<JsonOptions> json)
    {
        _grains = grains;
        _json = json.Value.SerializerOptions;
        _reference = new(() => grains.CreateObjectReference<IListingReadCache>(this));
        _sweep = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>The listing (from the cache while its lease runs, otherwise from its grain), or null if there is none.</summary>
    public async Task<CachedListing?> GetAsync(string id)
    {
        var asked = Stopwatch.GetTimestamp();
        _entries.TryGetValue(id, out var cached);
        if (cached is not null && cached.ValidUntil > asked) return cached;

        var lease = await _grains.GetGrain<IListingGrain>(id).LeaseAsync(_reference.Value, cached?.View.Version);
        var view = lease.Unchanged && cached is not null ? cached.View : lease.View;
        if (view is null)
        {
            _entries.TryRemove(id, out _);
            return null;
        }
        var fresh = new CachedListing(view, lease.Unchanged && cached is not null ? cached.Json : Serialize(view),
            asked + (long)(lease.Duration.TotalSeconds * Stopwatch.Frequency));
        lock (_gate)
        {
            if (!(_revoked.TryGetValue(id, out var revoked) && revoked.Version > view.Version)) _entries[id] = fresh;
        }
        return fresh;
    }

    public Task RevokeAsync(string id, int version)
    {
        lock (_gate)
        {
            _entries.TryRemove(id, out _);
            // Long enough for any lease answer already on its way to arrive.
            _revoked[id] = (Math.Max(version, _revoked.GetValueOrDefault(id).Version), Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency));
        }
        return Task.CompletedTask;
    }

    /// <summary>The body everyone may read; <see cref="Serialize(ListingView, Actor?)"/> adds what only those responsible see.</summary>
    private byte[] Serialize(ListingView view) => Serialize(view, null);

    public byte[] Serialize(ListingView view, Actor? reader) => JsonSerializer.SerializeToUtf8Bytes(view.ToResponse(reader), _json);

    /// <summary>Drops what has expired, so the cache holds only what was read in the last lease or so.</summary>
    private void Sweep()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (id, entry) in _entries)
        {
            if (entry.ValidUntil <= now) _entries.TryRemove(KeyValuePair.Create(id, entry));
        }
        lock (_gate)
        {
            foreach (var (id, revoked) in _revoked.Where(r => r.Value.Until <= now).ToArray()) _revoked.Remove(id);
        }
    }

    public void Dispose() => _sweep.Dispose();
}
