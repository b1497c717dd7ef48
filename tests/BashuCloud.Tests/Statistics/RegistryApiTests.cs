using BashuCloud.Seeds;
using BashuCloud.Tests.Api;

namespace BashuCloud.Tests.Statistics;

/// <summary>
/// The academic registry: the seed's 2020 joint lists have the sizes the source document gives (20 societies,
/// 20 activities, 184 papers); members are registered by their region's administrators and read by anyone, by
/// year and region, a page at a time; the joint statistics count both.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class RegistryApiTests(PlatformFixture platform)
{
    [Fact]
    public void The_seed_holds_the_2020_lists_of_the_source_document()
    {
        var lists = SeedData.Load(Repository.SeedData).AcademicLists.Where(l => l.Year == 2020).ToDictionary(l => l.ListKind, l => l.EntryCount);
        Assert.Equal(new Dictionary<string, int> { ["Society"] = 20, ["Activity"] = 20, ["Paper"] = 184 }, lists);
        var source = File.ReadAllText(Path.Combine(Repository.Root, "seeds", "000_c0c57f25f0f38d06.txt"));
        Assert.Contains("年度川渝一流学会20个、年度川渝最具影响力学术活动20个、首届川渝科技学术大会优秀论文184篇", source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_2020_lists_are_served_with_their_sizes_to_anyone()
    {
        using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/registry/lists?year=2020", key: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lists = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
            .ToDictionary(l => l.GetProperty("listKind").GetString()!, l => l.GetProperty("entryCount").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["Activity"] = 20, ["Paper"] = 184, ["Society"] = 20 }, lists);
    }

    [Fact]
    public async Task Members_are_registered_by_region_filtered_paged_and_counted()
    {
        var names = new List<string>();
        foreach (var region in new[] { "sichuan", "chongqing", "chongqing" })
        {
            var name = $"川渝学会 {Guid.NewGuid():N}"[..16];
            var admin = platform.AdministratorKeys[region == "sichuan" ? Region.Sichuan : Region.Chongqing];
            using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/registry/societies", new { year = 2020, region, name, organization = "四川省科协" }, admin);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            names.Add(name);
        }
        using (var again = await platform.SendAsync(HttpMethod.Post, "/api/v1/registry/societies", new { year = 2020, region = "sichuan", name = names[0] }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        using (var noList = await platform.SendAsync(HttpMethod.Post, "/api/v1/registry/papers", new { year = 2019, region = "sichuan", name = "无此名单" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, noList.StatusCode);
        }
        using (var otherRegion = await platform.SendAsync(HttpMethod.Post, "/api/v1/registry/societies",
            new { year = 2020, region = "chongqing", name = "别区登记" }, platform.AdministratorKeys[Region.Sichuan]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, otherRegion.StatusCode);
        }

        // Page by page, one member at a time, Chongqing's only.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var page = await platform.SendAsync(HttpMethod.Get, $"/api/v1/registry/societies?year=2020&region=chongqing&limit=1{(cursor is null ? "" : "&cursor=" + cursor)}", key: null);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var body = await page.Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
            cursor = body.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(names.Skip(1), seen.Intersect(names));
        Assert.DoesNotContain(names[0], seen);

        // The statistics look at their version at most every 100 ms.
        await Task.Delay(150);
        var registered = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM academic_entry WHERE year = 2020 AND list_kind = 'Society'");
        using var statistics = await platform.SendAsync(HttpMethod.Get, "/api/v1/stats/joint");
        var society = (await statistics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("academic").GetProperty("lists").EnumerateArray()
            .Single(l => l.GetProperty("year").GetInt32() == 2020 && l.GetProperty("listKind").GetString() == "Society");
        Assert.Equal(20, society.GetProperty("announced").GetInt32());
        Assert.Equal(registered, society.GetProperty("registered").GetInt64());
    }

    [Theory]
    [InlineData("/api/v1/registry/societies?region=tibet", "region")]
    [InlineData("/api/v1/registry/papers?year=20", "year")]
    [InlineData("/api/v1/registry/activities?limit=0", "limit")]
    [InlineData("/api/v1/registry/activities?cursor=nonsense!", "cursor")]
    [InlineData("/api/v1/registry/lists?year=99999", "year")]
    public async Task Bad_filters_are_a_400_problem(string path, string field)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, path, key: null);
        await ListingApiTests.AssertProblem(response, HttpStatusCode.BadRequest, path);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }
}
