using BashuCloud.Listings;
using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The running platform with its platforms registered, one administrator and one researcher per region, and the
/// seed's yearly academic lists (they are written directly, not through the cluster).
/// </summary>
public class PlatformFixture : PlatformProcesses
{
    public Dictionary<Region, string> AdministratorKeys { get; } = [];

    public Dictionary<Region, (string Id, string Key)> Researchers { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var (id, name, kind, region) in new[]
        {
            ("sichuan", "天府科技云", "Provincial", "sichuan"), ("chongqing", "巴蜀科技云·重庆", "Provincial", "chongqing"), ("kczg", "科创中国", "Partner", "sichuan"),
        })
        {
            using var response = await SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name, kind, homeRegion = region });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        foreach (var region in Regions.Regions.All)
        {
            AdministratorKeys[region] = (await RegisterAsync($"{region.DisplayName()}管理员", UserRole.Administrator, region)).Key;
            Researchers[region] = await RegisterAsync($"{region.DisplayName()}研究员", UserRole.Researcher, region);
        }
        await Seeds.SeedLoader.LoadAcademicListsAsync(Database.DataSource, Seeds.SeedData.Load(Repository.SeedData));
    }

    public async Task<(string Id, string Key)> RegisterAsync(string name, UserRole role, Region region, string key = AdminKey)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/users", new UserRegistration(name, role, region, "测试单位", "成都"), key);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("user").GetProperty("id").GetString()!, json.RootElement.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Scopes of a platform's sync system that reads and writes listings.</summary>
    public static readonly string[] ReadWrite = ["listings:read", "listings:write"];

    /// <summary>Issues a key to a platform (by default as the joint administrator, who alone mints platforms' keys); returns its id and the key.</summary>
    public async Task<(string KeyId, string Key)> IssueKeyAsync(string platformId, string[] scopes, string? adminKey = null, string? label = null)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/v1/platforms/{platformId}/keys", new { scopes, label }, adminKey ?? AdminKey);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("key").GetProperty("keyId").GetString()!, body.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Creates a listing as the region's researcher; returns its id and ETag.</summary>
    public async Task<(string Id, string ETag)> CreateListingAsync(ListingDraft draft)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/listings", draft, Researchers[draft.Region!.Value].Key);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, response.Headers.ETag!.Tag);
    }

    /// <summary>Creates, submits and approves a listing; returns its id.</summary>
    public async Task<string> PublishListingAsync(ListingDraft draft)
    {
        var (id, _) = await CreateListingAsync(draft);
        var region = draft.Region!.Value;
        using (var submitted = await SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit", key: Researchers[region].Key)) Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        using (var approved = await SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: AdministratorKeys[region])) Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        return id;
    }

    /// <summary>Waits until the read model holds every change written so far (its lag, as the API reports it, is 0).</summary>
    public async Task WaitForReadModelCaughtUpAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var status = await SendAsync(HttpMethod.Get, "/api/v1/stats/read-model");
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            if ((await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("currentLagMs").GetDouble() == 0) return;
            Assert.True(DateTime.UtcNow < deadline, "the read model caught up");
            await Task.Delay(100);
        }
    }

    /// <summary>The read model is eventually consistent: waits until it holds these listings at these versions.</summary>
    public async Task WaitForReadModelAsync(IReadOnlyDictionary<string, int> versions, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var seen = await Database.ScalarAsync<long>(
                "SELECT count(*) FROM rm_listing r JOIN unnest($1::text[], $2::int[]) AS w(id, version) ON r.id = w.id AND r.version = w.version",
                versions.Keys.ToArray(), versions.Values.ToArray());
            if (seen == versions.Count) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Read model holds {seen} of {versions.Count} listings.");
            await Task.Delay(100);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform processes";
}
