using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>Keys issued to platforms' systems (科创中国 and others): scopes, object-level rules, revocation and rotation, over real HTTP.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PlatformKeyApiTests(PlatformFixture platform)
{
    private static readonly string[] ReadWrite = PlatformFixture.ReadWrite;
    private static readonly string[] UnknownScope = ["listings:delete"];
    private static readonly string[] AdminScope = ["admin"];

    [Fact]
    public async Task An_administrator_issues_a_platform_key_that_is_shown_once_and_stored_only_as_a_hash()
    {
        var (keyId, key) = await IssueAsync("kczg", ReadWrite, PlatformProcesses.AdminKey, label: "科创中国同步");

        using var listed = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms/kczg/keys", key: PlatformProcesses.AdminKey);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var text = await listed.Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        var entry = JsonDocument.Parse(text).RootElement.EnumerateArray().Single(k => k.GetProperty("keyId").GetString() == keyId);
        Assert.Equal("科创中国同步", entry.GetProperty("label").GetString());
        Assert.Equal(ReadWrite, entry.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ToArray());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM api_key WHERE key_id = $1 AND key_hash = sha256(convert_to($2, 'UTF8')) AND principal_id = 'kczg' AND role = 'Platform'", keyId, key));
    }

    [Fact]
    public async Task A_platform_key_writes_the_listings_of_its_own_platform_only()
    {
        var (_, kczg) = await IssueAsync("kczg", ReadWrite, PlatformProcesses.AdminKey);
        var (_, other) = await IssueAsync(await RegisterPartnerAsync(Region.Chongqing), ReadWrite, PlatformProcesses.AdminKey);

        using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Sichuan) with { PlatformId = "kczg" }, kczg);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var mine = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var onAnother = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Sichuan), kczg))
        {
            await AssertProblem(onAnother, HttpStatusCode.Forbidden, "a listing on another platform");
        }

        // Its own draft: it reads and edits it; another partner neither sees nor touches it.
        using (var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{mine}", key: kczg)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var edited = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{mine}/submit", key: kczg)) Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        using (var hidden = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{mine}", key: other)) await AssertProblem(hidden, HttpStatusCode.NotFound, "another partner's draft");
        using (var touched = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{mine}/withdraw", key: other)) await AssertProblem(touched, HttpStatusCode.Forbidden, "another partner's listing");

        // A researcher's draft on the provincial platform is not the partner's.
        var (researchers, etag) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        using (var hiddenToo = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{researchers}", key: kczg)) await AssertProblem(hiddenToo, HttpStatusCode.NotFound);
        using var notTheirs = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{researchers}", Samples.Draft(Region.Sichuan) with { Title = "改写" }, kczg, etag);
        await AssertProblem(notTheirs, HttpStatusCode.Forbidden, "a researcher's listing");
    }

    [Fact]
    public async Task Scopes_narrow_what_a_key_may_do()
    {
        var (_, writer) = await IssueAsync("kczg", ReadWrite, PlatformProcesses.AdminKey);
        var (_, reader) = await IssueAsync("kczg", ["listings:read"], PlatformProcesses.AdminKey);
        var (_, blind) = await IssueAsync("kczg", ["listings:write"], PlatformProcesses.AdminKey);
        var draft = Samples.Draft(Region.Sichuan) with { PlatformId = "kczg" };

        using (var refused = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", draft, reader)) await AssertProblem(refused, HttpStatusCode.Forbidden, "no listings:write");
        using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", draft, writer);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: reader)) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // Without listings:read a key reads what the public reads: not the platform's drafts.
        using (var unseen = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: blind)) await AssertProblem(unseen, HttpStatusCode.NotFound, "no listings:read");
        // A platform key is no administrator.
        using var approve = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: writer);
        await AssertProblem(approve, HttpStatusCode.Forbidden, "approve with a partner key");
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_a_rotated_one_after_its_overlap()
    {
        var admin = PlatformProcesses.AdminKey;
        var (revokedId, revoked) = await IssueAsync("kczg", ReadWrite, admin);
        using (var revoke = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/kczg/keys/{revokedId}", key: admin)) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var again = await platform.SendAsync(HttpMethod.Delete, $"/api/v1/platforms/kczg/keys/{revokedId}", key: admin)) Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        using (var refused = await CreateAsync(revoked)) await AssertProblem(refused, HttpStatusCode.Unauthorized, "revoked key");
        using (var gone = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/kczg/keys/{revokedId}/rotate", new { }, admin)) await AssertProblem(gone, HttpStatusCode.NotFound, "rotating a revoked key");

        // With the default overlap both keys work for a day.
        var (oldId, old) = await IssueAsync("kczg", ReadWrite, admin);
        var (successor, replaced) = await RotateAsync(oldId, new { }, admin);
        Assert.InRange(replaced.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));
        using (var stillWorks = await CreateAsync(old)) Assert.Equal(HttpStatusCode.Created, stillWorks.StatusCode);
        using (var newWorks = await CreateAsync(successor)) Assert.Equal(HttpStatusCode.Created, newWorks.StatusCode);

        // Without overlap the old key stops at once.
        var (nextId, next) = await IssueAsync("kczg", ReadWrite, admin);
        var (third, _) = await RotateAsync(nextId, new { overlapSeconds = 0 }, admin);
        using (var stopped = await CreateAsync(next)) await AssertProblem(stopped, HttpStatusCode.Unauthorized, "rotated without overlap");
        using (var works = await CreateAsync(third)) Assert.Equal(HttpStatusCode.Created, works.StatusCode);
        using var tooLong = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/kczg/keys/{nextId}/rotate", new { overlapSeconds = 90 * 86400 }, admin);
        await AssertProblem(tooLong, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Only_the_joint_administrator_manages_a_platforms_keys_not_even_its_home_regions_administrator()
    {
        var request = new { scopes = ReadWrite };
        using (var anonymous = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", request, key: null)) await AssertProblem(anonymous, HttpStatusCode.Unauthorized);
        using (var researcher = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", request, platform.Researchers[Region.Sichuan].Key)) await AssertProblem(researcher, HttpStatusCode.Forbidden);
        using (var otherRegion = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", request, platform.AdministratorKeys[Region.Chongqing])) await AssertProblem(otherRegion, HttpStatusCode.Forbidden);
        using (var homeRegion = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", request, platform.AdministratorKeys[Region.Sichuan])) await AssertProblem(homeRegion, HttpStatusCode.Forbidden);
        using (var listing = await platform.SendAsync(HttpMethod.Get, "/api/v1/platforms/kczg/keys", key: platform.AdministratorKeys[Region.Chongqing])) await AssertProblem(listing, HttpStatusCode.Forbidden);
        using (var nowhere = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/nowhere/keys", request)) await AssertProblem(nowhere, HttpStatusCode.NotFound);
        using (var unknownKey = await platform.SendAsync(HttpMethod.Delete, "/api/v1/platforms/kczg/keys/key_0000000000000000")) await AssertProblem(unknownKey, HttpStatusCode.NotFound);
        using (var unknownScope = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = UnknownScope })) await AssertProblem(unknownScope, HttpStatusCode.UnprocessableEntity);
        using (var none = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = Array.Empty<string>() })) await AssertProblem(none, HttpStatusCode.UnprocessableEntity);
        using (var partnerAdmin = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = AdminScope })) await AssertProblem(partnerAdmin, HttpStatusCode.UnprocessableEntity, "admin for a partner");
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM api_key WHERE 'listings:delete' = ANY(scopes) OR (platform_id = 'kczg' AND 'admin' = ANY(scopes))"));
    }

    [Fact]
    public async Task A_provincial_nodes_key_with_admin_administers_its_own_region_only()
    {
        var (_, node) = await IssueAsync("chongqing", ["listings:read", "listings:write", "admin"], PlatformProcesses.AdminKey);
        var inChongqing = await SubmittedAsync(Region.Chongqing);
        var inSichuan = await SubmittedAsync(Region.Sichuan);
        using (var approved = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{inChongqing}/approve", key: node)) Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        using var refused = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{inSichuan}/approve", key: node);
        await AssertProblem(refused, HttpStatusCode.Forbidden, "the other region's listing");
    }

    private Task<(string KeyId, string Key)> IssueAsync(string platformId, string[] scopes, string adminKey, string? label = null) =>
        platform.IssueKeyAsync(platformId, scopes, adminKey, label);

    private async Task<(string Key, JsonElement Replaced)> RotateAsync(string keyId, object body, string adminKey)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, $"/api/v1/platforms/kczg/keys/{keyId}/rotate", body, adminKey);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("apiKey").GetString()!, json.GetProperty("replaced"));
    }

    private Task<HttpResponseMessage> CreateAsync(string key) =>
        platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(Region.Sichuan) with { PlatformId = "kczg" }, key);

    private async Task<string> RegisterPartnerAsync(Region region)
    {
        var id = $"partner-{Guid.NewGuid():N}"[..20];
        using var response = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{id}", new { name = "重庆市科技成果转化平台", kind = "Partner", homeRegion = region.Code() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    private async Task<string> SubmittedAsync(Region region)
    {
        var (id, _) = await platform.CreateListingAsync(Samples.Draft(region));
        using var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit", key: platform.Researchers[region].Key);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        return id;
    }
}
