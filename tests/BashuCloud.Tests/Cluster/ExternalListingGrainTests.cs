using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Cluster;

[Collection(RegionalClusterCollection.Name)]
public sealed class ExternalListingGrainTests(RegionalTestCluster cluster)
{
    private static readonly Actor Sichuan = new("sichuan", UserRole.Platform, Region.Sichuan);

    [Fact]
    public async Task Pushing_an_external_id_again_after_its_listing_was_withdrawn_creates_a_new_listing_once()
    {
        await cluster.EnsureProvincialPlatformAsync(Region.Sichuan);
        var external = cluster.Grains.GetGrain<IExternalListingGrain>(ExternalIds.Key("sichuan", $"w-{Guid.NewGuid():N}"));
        var first = await external.UpsertAsync(Samples.Draft(), Sichuan);
        Assert.True(first.Value!.Created);
        Assert.True((await external.WithdrawAsync("下架 (withdrawn)", Sichuan)).Succeeded);

        var again = await external.UpsertAsync(Samples.Draft(), Sichuan);
        var replayed = await external.UpsertAsync(Samples.Draft(), Sichuan);

        Assert.True(again.Value!.Created);
        Assert.NotEqual(first.Value.Listing.Id, again.Value.Listing.Id);
        Assert.Equal((ListingStatus.Draft, 1), (again.Value.Listing.Status, again.Value.Listing.Version));
        Assert.Equal((false, again.Value.Listing.Id, 1), (replayed.Value!.Created, replayed.Value.Listing.Id, replayed.Value.Listing.Version));
        Assert.Equal(again.Value.Listing.Id, await external.ListingIdAsync());
        Assert.Equal(ListingStatus.Withdrawn, (await cluster.Grains.GetGrain<IListingGrain>(first.Value.Listing.Id).GetAsync())!.Status);
    }
}
