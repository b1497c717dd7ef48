using System.Diagnostics;
using BashuCloud.Listings;

namespace BashuCloud.Tests.Cluster;

/// <summary>A listing grain takes back what it lent to read caches before it acknowledges a change.</summary>
[Collection(RegionalClusterCollection.Name)]
public sealed class ReadLeaseTests(RegionalTestCluster cluster)
{
    [Fact]
    public async Task A_change_is_acknowledged_only_after_every_cache_holding_the_listing_was_told()
    {
        var (grain, owner) = await DraftAsync();
        var cache = new RecordingCache();
        var reference = cluster.Grains.CreateObjectReference<IListingReadCache>(cache);

        var lease = await grain.LeaseAsync(reference, null);
        Assert.Equal((1, false), (lease.View!.Version, lease.Unchanged));
        Assert.True(lease.Duration > TimeSpan.Zero);
        Assert.True((await grain.LeaseAsync(reference, 1)).Unchanged);

        var updated = await grain.UpdateAsync(Samples.Draft(Region.Sichuan) with { Title = "新标题：高效光伏组件" }, 1, owner);
        Assert.True(updated.Succeeded, updated.Detail);
        // Told before the update returned, with the version that made the old one stale.
        Assert.Equal([(grain.GetPrimaryKeyString(), 2)], cache.Revoked);

        // Nothing is lent any more, so the next change tells no one.
        await grain.SubmitAsync(2, owner);
        Assert.Single(cache.Revoked);
    }

    [Fact]
    public async Task A_cache_that_does_not_answer_holds_a_change_back_until_its_lease_ends()
    {
        var (grain, owner) = await DraftAsync();
        var silent = new SilentCache();
        var reference = cluster.Grains.CreateObjectReference<IListingReadCache>(silent);
        var lease = await grain.LeaseAsync(reference, null);
        var lent = Stopwatch.StartNew();

        var updated = await grain.UpdateAsync(Samples.Draft(Region.Sichuan) with { Title = "等待租约到期" }, 1, owner);

        Assert.True(updated.Succeeded, updated.Detail);
        Assert.True(lent.Elapsed >= lease.Duration - TimeSpan.FromMilliseconds(50), $"acknowledged after {lent.Elapsed}, lease {lease.Duration}");
        Assert.Equal(2, (await grain.GetAsync())!.Version);
    }

    [Fact]
    public async Task There_is_nothing_to_lend_for_a_listing_that_does_not_exist()
    {
        var reference = cluster.Grains.CreateObjectReference<IListingReadCache>(new RecordingCache());
        var lease = await cluster.Grains.GetGrain<IListingGrain>(BashuId.New(Region.Chongqing)).LeaseAsync(reference, null);
        Assert.Equal(((ListingView?)null, false), (lease.View, lease.Unchanged));
    }

    private async Task<(IListingGrain Grain, Actor Owner)> DraftAsync()
    {
        await cluster.EnsureProvincialPlatformAsync(Region.Sichuan);
        var grain = cluster.Grains.GetGrain<IListingGrain>(BashuId.New(Region.Sichuan));
        var owner = Samples.Owner(Region.Sichuan);
        var created = await grain.CreateAsync(new ListingCreation(Samples.Draft(Region.Sichuan), owner.PrincipalId), owner);
        Assert.True(created.Succeeded, created.Detail);
        return (grain, owner);
    }

    private sealed class RecordingCache : IListingReadCache
    {
        public List<(string Id, int Version)> Revoked { get; } = [];

        public Task RevokeAsync(string id, int version)
        {
            lock (Revoked) Revoked.Add((id, version));
            return Task.CompletedTask;
        }
    }

    /// <summary>A cache process that hangs: it never confirms.</summary>
    private sealed class SilentCache : IListingReadCache
    {
        public Task RevokeAsync(string id, int version) => new TaskCompletionSource().Task;
    }
}
