namespace BashuCloud.Tests.Api;

/// <summary>A read of an id that names no listing costs no activation that stays in a silo's memory.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ListingActivationTests(PlatformFixture platform)
{
    [Fact]
    public async Task Reading_many_random_well_formed_ids_leaves_no_listing_activation_behind()
    {
        await using var probe = await ClusterProbe.ConnectAsync(platform);
        var published = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        var random = Enumerable.Range(0, 300).Select(i => BashuId.New(i % 2 == 0 ? Region.Sichuan : Region.Chongqing)).ToHashSet();

        await Parallel.ForEachAsync(random.Append(published), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: null);
            Assert.Equal(id == published ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
        });

        // The listing that exists stays active (the marker that the count sees activations at all); none of the others do.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var active = await ActiveListingsAsync(probe, [.. random, published]);
            if (active.Contains(published) && active.Count == 1) return;
            Assert.True(DateTime.UtcNow < deadline, $"{active.Count(random.Contains)} of {random.Count} random ids still active; the published listing {(active.Contains(published) ? "is" : "is not")}");
            await Task.Delay(250);
        }
    }

    /// <summary>Which of these listings have an activation on some silo (asked through the management grain).</summary>
    private static async Task<HashSet<string>> ActiveListingsAsync(ClusterProbe probe, HashSet<string> ids)
    {
        var management = probe.Grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        var activations = await management.GetDetailedGrainStatistics(hostsIds: [.. hosts.Keys]);
        return [.. activations.Where(a => a.GrainId.Type.ToString() == "listing").Select(a => a.GrainId.Key.ToString()!).Where(ids.Contains)];
    }
}
