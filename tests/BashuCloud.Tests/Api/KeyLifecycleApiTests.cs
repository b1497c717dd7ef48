using BashuCloud.Users;
using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Every key's whole life over real HTTP: each has an id and is revoked by one path, at once in every API process; a
/// key grants only scopes it holds itself; administrators are made by the joint administrator only; principals' ids
/// never collide.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class KeyLifecycleApiTests(PlatformFixture platform)
{
    private static readonly string[] ReadOnly = ["listings:read"];
    private static readonly string[] NodeScopes = ["admin", "listings:read"];

    [Fact]
    public async Task A_revoked_key_of_any_kind_is_refused_at_once_by_another_api_process()
    {
        var other = await platform.StartApiAsync();
        var researcher = await RegisterAsync("吊销测试研究员", UserRole.Researcher, Region.Sichuan);
        var administrator = await RegisterAsync("吊销测试管理员", UserRole.Administrator, Region.Chongqing);
        var partner = await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite);
        foreach (var (keyId, key) in new[] { (researcher.KeyId, researcher.Key), (administrator.KeyId, administrator.Key), partner })
        {
            using (var before = await SendAsync(other, HttpMethod.Get, "/api/v1/listings/search?q=地铁", key)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            using (var revoked = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{keyId}")) Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
            // No waiting: the other process knows at its next request.
            using var after = await SendAsync(other, HttpMethod.Get, "/api/v1/listings/search?q=地铁", key);
            await AssertProblem(after, HttpStatusCode.Unauthorized, $"{keyId} after revocation");
        }
        using (var again = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{researcher.KeyId}")) Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        using var unknown = await platform.SendAsync(HttpMethod.Delete, "/api/v1/keys/key_0000000000000000");
        await AssertProblem(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Whoever_holds_a_key_revokes_it_and_otherwise_only_an_administrator_who_could_have_issued_it()
    {
        var sichuan = platform.AdministratorKeys[Region.Sichuan];
        var chongqing = platform.AdministratorKeys[Region.Chongqing];
        var mine = await RegisterAsync("自行吊销研究员", UserRole.Researcher, Region.Sichuan);
        var theirs = await RegisterAsync("他人研究员", UserRole.Researcher, Region.Sichuan);
        var peer = await RegisterAsync("同省管理员", UserRole.Administrator, Region.Sichuan);
        var bootstrap = await platform.Database.ScalarAsync<string>("SELECT key_id FROM api_key WHERE principal_id = 'admin'");

        await AssertRefusedAsync(theirs.KeyId, mine.Key, "another user's key");
        await AssertRefusedAsync(theirs.KeyId, chongqing, "the other region's user");
        await AssertRefusedAsync(peer.KeyId, sichuan, "an administrator's key by a province's administrator");
        await AssertRefusedAsync(bootstrap, sichuan, "the bootstrap key by a province's administrator");
        await AssertRefusedAsync(bootstrap, peer.Key, "the bootstrap key by a province's administrator");

        using (var own = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{mine.KeyId}", key: mine.Key)) Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        using (var gone = await platform.SendAsync(HttpMethod.Get, "/api/v1/listings", key: mine.Key)) await AssertProblem(gone, HttpStatusCode.Unauthorized);
        using (var byRegion = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{theirs.KeyId}", key: sichuan)) Assert.Equal(HttpStatusCode.NoContent, byRegion.StatusCode);
        using (var byJoint = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{peer.KeyId}")) Assert.Equal(HttpStatusCode.NoContent, byJoint.StatusCode);
    }

    [Fact]
    public async Task A_key_grants_only_scopes_it_holds_itself()
    {
        var (nodeId, node) = await platform.IssueKeyAsync("chongqing", NodeScopes);
        using (var wider = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/chongqing/keys", new { scopes = PlatformFixture.ReadWrite }, node))
        {
            await AssertProblem(wider, HttpStatusCode.Forbidden, "listings:write from a key without it");
        }
        using (var user = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", new UserRegistration("越权用户", UserRole.Researcher, Region.Chongqing, null, null), node))
        {
            await AssertProblem(user, HttpStatusCode.Forbidden, "a researcher's key (listings:write) from a key without it");
        }
        var (readerId, _) = await platform.IssueKeyAsync("chongqing", ReadOnly, node);

        // The wider key the node could not issue, it cannot rotate into a successor either.
        var (writerId, _) = await platform.IssueKeyAsync("chongqing", PlatformFixture.ReadWrite);
        using (var rotated = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/chongqing/keys/{writerId}/rotate", new { overlapSeconds = 0 }, node))
        {
            await AssertProblem(rotated, HttpStatusCode.Forbidden, "rotating a key wider than the caller's");
        }
        using (var narrow = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/chongqing/keys/{readerId}/rotate", new { overlapSeconds = 0 }, node))
        {
            Assert.Equal(HttpStatusCode.Created, narrow.StatusCode);
        }
        Assert.NotEqual(nodeId, readerId);
    }

    [Fact]
    public async Task Only_the_joint_administrator_registers_administrators()
    {
        var registration = new UserRegistration("省管理员所建管理员", UserRole.Administrator, Region.Sichuan, null, null);
        using (var byProvince = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", registration, platform.AdministratorKeys[Region.Sichuan]))
        {
            await AssertProblem(byProvince, HttpStatusCode.Forbidden, "an administrator registered by a province's administrator");
        }
        using var byJoint = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", registration with { DisplayName = "联合管理员所建管理员" });
        Assert.Equal(HttpStatusCode.Created, byJoint.StatusCode);
        Assert.StartsWith("key_", (await byJoint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keyId").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("system")]
    [InlineData("seed-loader")]
    public async Task No_platform_takes_a_principals_id(string id)
    {
        using var response = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = "冒名平台", kind = "Partner", homeRegion = "sichuan" });
        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, $"a platform called {id}");
        using var none = await platform.SendAsync(HttpMethod.Get, $"/api/v1/platforms/{id}", key: null);
        await AssertProblem(none, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_provinces_administrator_mints_no_key_for_the_other_provinces_platforms_or_users()
    {
        var sichuan = platform.AdministratorKeys[Region.Sichuan];
        using (var key = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/chongqing/keys", new { scopes = ReadOnly }, sichuan))
        {
            await AssertProblem(key, HttpStatusCode.Forbidden, "a key for Chongqing's platform");
        }
        using (var user = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", new UserRegistration("跨省用户", UserRole.Researcher, Region.Chongqing, null, null), sichuan))
        {
            await AssertProblem(user, HttpStatusCode.Forbidden, "a Chongqing user, with a key");
        }
    }

    private async Task AssertRefusedAsync(string keyId, string callerKey, string why)
    {
        using var refused = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/keys/{keyId}", key: callerKey);
        await AssertProblem(refused, HttpStatusCode.Forbidden, why);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM api_key WHERE key_id = $1 AND revoked_at IS NOT NULL", keyId));
    }

    private async Task<(string Id, string Key, string KeyId)> RegisterAsync(string name, UserRole role, Region region)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/users", new UserRegistration(name, role, region, "测试单位", "成都"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("user").GetProperty("id").GetString()!, body.GetProperty("apiKey").GetString()!, body.GetProperty("keyId").GetString()!);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient api, HttpMethod method, string path, string key)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        return await api.SendAsync(request);
    }
}
