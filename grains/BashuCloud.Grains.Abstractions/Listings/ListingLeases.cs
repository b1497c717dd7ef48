namespace BashuCloud.Listings;

/// <summary>
/// A read cache of listings in an API process, kept coherent by leases: a listing grain lends its view for a
/// short time, and before it acknowledges a change it revokes every lease still running (or waits for it to
/// run out). So no cache serves a version older than a change already acknowledged to anyone.
/// </summary>
[Alias("bashu.IListingReadCache")]
public interface IListingReadCache : IGrainObserver
{
    /// <summary>Forget listing <paramref name="id"/>: every version below <paramref name="version"/> is stale.</summary>
    [Alias("revoke")] Task RevokeAsync(string id, int version);
}

/// <summary>
/// A listing lent to a read cache for <see cref="Duration"/>, counted from when the cache asked. Unchanged: the
/// version the cache already holds is still current (no view is sent). No view and not unchanged: no such listing.
/// </summary>
[GenerateSerializer, Immutable, Alias("bashu.ListingLease")]
public sealed record ListingLease(
    [property: Id(0)] ListingView? View,
    [property: Id(1)] bool Unchanged,
    [property: Id(2)] TimeSpan Duration);
