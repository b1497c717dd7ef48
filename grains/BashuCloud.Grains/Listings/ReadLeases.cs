using System.ComponentModel.DataAnnotations;

namespace BashuCloud.Listings;

public sealed class ReadLeaseOptions
{
    public const string Section = "Bashu:ReadLeases";

    /// <summary>
    /// How long an API process may serve a listing from its cache without asking the grain. It must stay below
    /// the time the cluster needs to declare a killed silo dead (at least 2 s with the silo's ClusterTimings,
    /// checked at start): a grain that comes back on another silo cannot revoke the leases its dead activation
    /// lent, so they must have run out by then. Longer leases mean fewer trips to the grain (measured: 1 s gave
    /// 0.71 of a constant endpoint, 1.5 s 0.88). Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01.500")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(1.5);
}

/// <summary>
/// The leases one listing activation has lent to read caches. Revoking happens inside a change, before the
/// change is acknowledged; reads (which lend) never interleave with a change, so nothing is lent meanwhile.
/// </summary>
internal sealed class ReadLeases(TimeProvider clock, TimeSpan duration)
{
    private readonly Dictionary<IListingReadCache, long> _expiries = [];

    public TimeSpan Lend(IListingReadCache cache)
    {
        _expiries[cache] = clock.GetTimestamp() + (long)(duration.TotalSeconds * clock.TimestampFrequency);
        return duration;
    }

    /// <summary>
    /// Tells every cache still holding a lease that versions below <paramref name="version"/> are stale; a cache
    /// that does not confirm (gone, slow, cut off) is waited for until its lease has run out.
    /// </summary>
    public Task RevokeAsync(string id, int version)
    {
        if (_expiries.Count == 0) return Task.CompletedTask;
        var now = clock.GetTimestamp();
        var running = _expiries.Where(lease => lease.Value > now).ToArray();
        _expiries.Clear();
        return Task.WhenAll(running.Select(lease => RevokeOneAsync(lease.Key, lease.Value, id, version)));
    }

    private async Task RevokeOneAsync(IListingReadCache cache, long expiry, string id, int version)
    {
        try
        {
            await cache.RevokeAsync(id, version).WaitAsync(Remaining(expiry), clock);
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException or ObjectDisposedException or InvalidOperationException)
        {
            // Unconfirmed: the cache may still serve the old version until its lease ends.
            if (Remaining(expiry) is { Ticks: > 0 } left) await Task.Delay(left, clock);
        }
    }

    private TimeSpan Remaining(long expiry)
    {
        var now = clock.GetTimestamp();
        return expiry > now ? clock.GetElapsedTime(now, expiry) : TimeSpan.Zero;
    }
}
