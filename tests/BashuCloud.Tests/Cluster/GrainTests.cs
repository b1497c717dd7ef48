using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Seeds;
using BashuCloud.Users;

namespace BashuCloud.Tests.Cluster;

[Collection(RegionalClusterCollection.Name)]
public sealed class GrainTests(RegionalTestCluster cluster)
{
    [Theory]
    [InlineData(Region.Sichuan)]
    [InlineData(Region.Chongqing)]
    public async Task Grains_live_on_a_silo_of_their_home_region(Region region)
    {
        // Listings are created: a read of a listing that does not exist leaves no activation to locate.
        await cluster.EnsureProvincialPlatformAsync(region);
        var owner = Samples.Owner(region);
        for (var i = 0; i < 20; i++)
        {
            var listing = cluster.Grains.GetGrain<IListingGrain>(BashuId.New(region));
            var user = cluster.Grains.GetGrain<IUserGrain>(BashuId.New(region));
            Assert.True((await listing.CreateAsync(new ListingCreation(Samples.Draft(region), owner.PrincipalId), owner)).Succeeded);
            await user.GetAsync();
            Assert.Equal(region, await cluster.RegionOfActivationAsync(listing));
            Assert.Equal(region, await cluster.RegionOfActivationAsync(user));
        }
        var platform = cluster.Grains.GetGrain<IPlatformGrain>(region.Code());
        await platform.GetAsync();
        Assert.Equal(region, await cluster.RegionOfActivationAsync(platform));
    }

    [Fact]
    public async Task A_listing_goes_from_draft_to_published_through_its_grain()
    {
        await cluster.EnsureProvincialPlatformAsync(Region.Chongqing);
        var id = BashuId.New(Region.Chongqing);
        var grain = cluster.Grains.GetGrain<IListingGrain>(id);
        var owner = Samples.Owner(Region.Chongqing);
        var created = await grain.CreateAsync(new ListingCreation(Samples.Draft(Region.Chongqing), owner.PrincipalId), owner);
        Assert.True(created.Succeeded, created.Detail);
        Assert.True((await grain.SubmitAsync(1, owner)).Succeeded);
        Assert.Equal(Refusal.Forbidden, (await grain.ApproveAsync(2, Samples.Administrator(Region.Sichuan))).Refusal);
        var approved = await grain.ApproveAsync(2, Samples.Administrator(Region.Chongqing));
        Assert.Equal((ListingStatus.Published, 3), (approved.Value!.Status, approved.Value.Version));
        var reread = await grain.GetAsync();
        Assert.Equal((approved.Value.Id, approved.Value.Status, approved.Value.Version, approved.Value.PublishedAt), (reread!.Id, reread.Status, reread.Version, reread.PublishedAt));
    }

    [Fact]
    public async Task A_listing_on_an_unknown_platform_is_refused()
    {
        var grain = cluster.Grains.GetGrain<IListingGrain>(BashuId.New(Region.Sichuan));
        var outcome = await grain.CreateAsync(new ListingCreation(Samples.Draft() with { PlatformId = "nowhere" }, "o"), Samples.Administrator(Region.Sichuan));
        Assert.Equal(Refusal.Invalid, outcome.Refusal);
        Assert.Contains("platformId", outcome.Errors!.Keys);
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task Loading_the_seeds_twice_creates_everything_once()
    {
        var data = SeedData.Load(Repository.SeedData);
        var loader = new SeedLoader(cluster.Grains);
        var first = await loader.LoadAsync(data);
        var second = await loader.LoadAsync(data);

        Assert.Equal(data.Users.Count, first.UsersCreated);
        Assert.Equal(data.Listings.Count, first.ListingsCreated);
        Assert.Equal((0, 0, 0, 0), (second.PlatformsCreated, second.UsersCreated, second.ListingsCreated, second.ListingsAdvanced));
        foreach (var listing in data.Listings.Where((_, i) => i % 10 == 0))
        {
            var view = await cluster.Grains.GetGrain<IListingGrain>(listing.Id).GetAsync();
            Assert.Equal(listing.Status, view!.Status);
        }
    }

    [Fact]
    public void The_seeds_cover_every_kind_and_role_in_both_regions()
    {
        var data = SeedData.Load(Repository.SeedData);
        Assert.True(data.Listings.Count >= 200);
        foreach (var region in Regions.Regions.All)
        {
            Assert.Equal(Enum.GetValues<ListingKind>().Order(), data.Listings.Where(l => l.Region == region).Select(l => l.Kind).Distinct().Order());
            Assert.Equal(UserRules.Roles.Order(), data.Users.Where(u => u.Region == region).Select(u => u.Role).Distinct().Order());
        }
        Assert.Contains(data.Platforms, p => p is { Id: "kczg", Kind: PlatformKind.Partner });
        Assert.Equal([20, 20, 184], data.AcademicLists.Select(l => l.EntryCount));
    }
}
