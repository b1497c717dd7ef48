using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>Users, platforms, health and the API's own documentation, over real HTTP.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DirectoryApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_registered_user_gets_a_key_that_acts_for_them()
    {
        var (id, key) = await platform.RegisterAsync("李思琪", UserRole.Researcher, Region.Chongqing, platform.AdministratorKeys[Region.Chongqing]);
        Assert.Equal(Region.Chongqing, BashuId.RegionOf(id));
        using var profile = await platform.SendAsync(HttpMethod.Get, $"/api/v1/users/{id}", key: null);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal("Researcher", (await profile.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM api_key WHERE principal_id = $1", id));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM api_key WHERE key_hash = convert_to($1, 'UTF8')", key));

        using var listing = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Chongqing), key);
        Assert.Equal(HttpStatusCode.Created, listing.StatusCode);
        Assert.Equal(id, (await listing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ownerId").GetString());
    }

    [Fact]
    public async Task Only_an_administrator_of_the_users_region_registers_users()
    {
        var registration = new UserRegistration("王建华", UserRole.Broker, Region.Sichuan, null, null);
        using (var byResearcher = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", registration, platform.Researchers[Region.Sichuan].Key))
        {
            await ListingApiTests.AssertProblem(byResearcher, HttpStatusCode.Forbidden);
        }
        using (var byOtherRegion = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", registration, platform.AdministratorKeys[Region.Chongqing]))
        {
            await ListingApiTests.AssertProblem(byOtherRegion, HttpStatusCode.Forbidden);
        }
        using var invalid = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", "{\"displayName\":\"\",\"role\":\"Researcher\",\"region\":\"sichuan\"}");
        await ListingApiTests.AssertProblem(invalid, HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("/api/v1/users/sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A")]
    [InlineData("/api/v1/users/nobody")]
    [InlineData("/api/v1/platforms/nowhere")]
    [InlineData("/api/v1/platforms/NOT_AN_ID")]
    public async Task Unknown_users_and_platforms_are_404(string path)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, path, key: null);
        await ListingApiTests.AssertProblem(response, HttpStatusCode.NotFound, path);
    }

    [Fact]
    public async Task The_platforms_are_listed_with_their_home_regions()
    {
        var expected = new Dictionary<string, string> { ["sichuan"] = "sichuan", ["chongqing"] = "chongqing", ["kczg"] = "sichuan" };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        Dictionary<string, string> listed;
        do
        {
            using var response = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms", key: null);
            listed = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
                .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("homeRegion").GetString()!);
        }
        while (!expected.Keys.All(listed.ContainsKey) && DateTime.UtcNow < deadline && await Delay());
        // Other tests of this fixture register partner platforms of their own.
        Assert.Equal(expected.OrderBy(p => p.Key), listed.Where(p => expected.ContainsKey(p.Key)).OrderBy(p => p.Key));

        using var kczg = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms/kczg", key: null);
        Assert.Equal("科创中国", (await kczg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        using var twice = await platform.SendAsync(HttpMethod.Put, "/api/v1/platforms/kczg", new { name = "科创中国", kind = "Partner", homeRegion = "sichuan" });
        await ListingApiTests.AssertProblem(twice, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Readiness_names_the_regions_that_are_up()
    {
        using var live = await platform.SendAsync(HttpMethod.Get, "/health/live", key: null);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await platform.SendAsync(HttpMethod.Get, "/health/ready", key: null);
        var cluster = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("cluster").GetProperty("data");
        Assert.Equal(1, cluster.GetProperty("sichuan").GetInt32());
        Assert.Equal(1, cluster.GetProperty("chongqing").GetInt32());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api_and_its_key()
    {
        using var response = await platform.SendAsync(HttpMethod.Get, "/openapi/v1.json", key: null);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "/api/v1/listings", "/api/v1/listings/{id}", "/api/v1/listings/{id}/approve", "/api/v1/users", "/api/v1/platforms/{id}" }, paths);
        Assert.Equal("X-Api-Key", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
        // Operations that need a key say so; public ones do not.
        var push = document.GetProperty("paths").GetProperty("/api/v1/partners/{partnerId}/listings/{externalId}");
        Assert.True(push.GetProperty("put").GetProperty("security")[0].TryGetProperty("ApiKey", out _));
        Assert.False(push.GetProperty("get").TryGetProperty("security", out _));
        // Request bodies come with examples; errors with the problem+json shape.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var schema in new[] { "ListingDraft", "SyncBatchRequest", "WebhookRequest", "KeyRequest", "RightsRequest", "ValuationRequest" })
        {
            Assert.True(schemas.GetProperty(schema).TryGetProperty("examples", out var examples) && examples.GetArrayLength() == 1, schema);
        }
        Assert.Equal("地铁隧道渗漏水智能巡检机器人", schemas.GetProperty("ListingDraft").GetProperty("examples")[0].GetProperty("title").GetString());
        Assert.True(push.GetProperty("put").GetProperty("responses").GetProperty("422").GetProperty("content").TryGetProperty("application/problem+json", out _));
        using var page = await platform.SendAsync(HttpMethod.Get, "/docs/index.html", key: null);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }
}
