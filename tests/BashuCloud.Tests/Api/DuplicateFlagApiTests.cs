namespace BashuCloud.Tests.Api;

/// <summary>A submitted listing that nearly duplicates another is flagged for its reviewer, and only they and its owner see it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DuplicateFlagApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_near_copy_of_a_published_listing_is_flagged_for_the_owner_and_reviewers_only()
    {
        var title = $"高效钙钛矿叠层太阳能电池组件制备技术{Random.Shared.Next(100_000, 999_999)}";
        string[] keywords = ["钙钛矿", "光伏"];
        var original = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing) with { Title = title, Keywords = keywords });
        await platform.WaitForReadModelCaughtUpAsync();

        var owner = platform.Researchers[Region.Sichuan].Key;
        var (copy, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan) with { Title = title + "样机", Keywords = ["光伏", "叠层"] });
        using (var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{copy}/submit", key: owner))
        {
            Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
            Assert.Contains(original, await FlagsAsync(submitted));
        }
        var (different, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan) with { Title = $"农田土壤墒情物联网监测系统{title[^6..]}", Keywords = keywords });
        using (var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{different}/submit", key: owner))
        {
            Assert.DoesNotContain(original, await FlagsAsync(submitted));
        }

        Assert.Contains(original, await FlagsAsync(await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{copy}", key: owner)));
        Assert.Contains(original, await FlagsAsync(await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{copy}", key: platform.AdministratorKeys[Region.Sichuan])));
        using (var approved = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{copy}/approve", key: platform.AdministratorKeys[Region.Sichuan]))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }
        Assert.Empty(await FlagsAsync(await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{copy}", key: null)));
        Assert.Empty(await FlagsAsync(await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{copy}", key: platform.Researchers[Region.Chongqing].Key)));
        Assert.Contains(original, await FlagsAsync(await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{copy}", key: owner)));
    }

    /// <summary>The listing's possibleDuplicates (none when the field is left out).</summary>
    private static async Task<IReadOnlyList<string>> FlagsAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return body.TryGetProperty("possibleDuplicates", out var flags) ? [.. flags.EnumerateArray().Select(f => f.GetString()!)] : [];
        }
    }
}
