using BashuCloud.Users;

namespace BashuCloud.Tests.Api;

/// <summary>A listing's audit trail over real HTTP: one entry per version, read by those responsible for it, changed by no one.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ListingHistoryApiTests(PlatformFixture platform)
{
    private string Owner => platform.Researchers[Region.Sichuan].Key;

    private string OtherResearcher => platform.Researchers[Region.Chongqing].Key;

    [Fact]
    public async Task Every_version_of_a_listing_has_one_entry_with_its_action_actor_and_reason()
    {
        var started = DateTimeOffset.UtcNow;
        var reviewer = await platform.RegisterAsync("审计审核员", UserRole.Administrator, Region.Sichuan);
        var (id, etag) = await platform.CreateListingAsync(Samples.Draft());
        List<string> versions = [etag];
        async Task Step(HttpMethod method, string path, object? body, string key, string? ifMatch = null)
        {
            using var response = await platform.SendAsync(method, $"/api/v1/listings/{id}{path}", body, key, ifMatch);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            versions.Add(response.Headers.ETag!.Tag);
        }
        await Step(HttpMethod.Put, "", Samples.Draft() with { Title = "地铁隧道渗漏水智能巡检机器人" }, Owner, etag);
        await Step(HttpMethod.Post, "/submit", null, Owner);
        await Step(HttpMethod.Post, "/reject", new { reason = "缺少检测报告" }, reviewer.Key);
        await Step(HttpMethod.Post, "/submit", null, Owner);
        await Step(HttpMethod.Post, "/approve", null, reviewer.Key);
        await Step(HttpMethod.Post, "/withdraw", new { reason = "已与企业签约" }, Owner);

        var history = await HistoryAsync(id, Owner);
        Assert.Equal(id, history.GetProperty("id").GetString());
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(versions, entries.Select(e => $"\"{e.GetProperty("versionAfter").GetInt32()}\""));
        Assert.Equal(Enumerable.Range(0, 7), entries.Select(e => e.GetProperty("versionBefore").GetInt32()));
        Assert.Equal(
            ["listing.created", "listing.updated", "listing.submitted", "listing.rejected", "listing.submitted", "listing.approved", "listing.withdrawn"],
            entries.Select(e => e.GetProperty("action").GetString()));
        var researcher = platform.Researchers[Region.Sichuan].Id;
        Assert.Equal(
            [researcher, researcher, researcher, reviewer.Id, researcher, reviewer.Id, researcher],
            entries.Select(e => e.GetProperty("actorId").GetString()));
        Assert.Equal(
            ["Researcher", "Researcher", "Researcher", "Administrator", "Researcher", "Administrator", "Researcher"],
            entries.Select(e => e.GetProperty("actorRole").GetString()));
        Assert.Equal(
            [null, null, null, "缺少检测报告", null, null, "已与企业签约"],
            entries.Select(e => e.TryGetProperty("detail", out var detail) ? detail.GetString() : null));
        var times = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.InRange(times[0], started.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));

        // The stored state gained lastChange; the listing's own JSON did not.
        using var listing = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: Owner);
        Assert.False((await listing.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("lastChange", out _));
    }

    [Fact]
    public async Task Those_responsible_read_the_history_others_get_404_for_a_hidden_listing_and_403_for_a_public_one()
    {
        var (draft, _) = await platform.CreateListingAsync(Samples.Draft());
        var published = await platform.PublishListingAsync(Samples.Draft());
        foreach (var key in new[] { Owner, platform.AdministratorKeys[Region.Sichuan], PlatformProcesses.AdminKey })
        {
            Assert.Single((await HistoryAsync(draft, key)).GetProperty("entries").EnumerateArray());
            Assert.Equal(3, (await HistoryAsync(published, key)).GetProperty("entries").GetArrayLength());
        }
        var sichuanPlatform = (await platform.IssueKeyAsync("sichuan", ["listings:read"])).Key;
        Assert.Equal(3, (await HistoryAsync(published, sichuanPlatform)).GetProperty("entries").GetArrayLength());

        foreach (var key in new[] { OtherResearcher, platform.AdministratorKeys[Region.Chongqing] })
        {
            await AssertProblemAsync(draft, key, HttpStatusCode.NotFound);
            await AssertProblemAsync(published, key, HttpStatusCode.Forbidden);
        }
        await AssertProblemAsync("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0Z", Owner, HttpStatusCode.NotFound);
        await AssertProblemAsync("not-an-id", Owner, HttpStatusCode.NotFound);
        using var anonymous = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{published}/history", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task No_method_of_the_api_changes_the_trail()
    {
        var id = await platform.PublishListingAsync(Samples.Draft());
        var before = (await HistoryAsync(id, Owner)).GetRawText();
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var response = await platform.SendAsync(method, $"/api/v1/listings/{id}/history", new { entries = Array.Empty<object>() });
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }
        Assert.Equal(before, (await HistoryAsync(id, Owner)).GetRawText());
    }

    [Fact]
    public async Task A_listing_created_by_a_batch_import_has_its_created_entry()
    {
        var key = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).Key;
        var item = new { op = "upsert", externalId = $"H-{Guid.NewGuid():N}"[..14], listing = Samples.Draft() with { PlatformId = null } };
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/sync/batch", new { partnerId = "kczg", items = new[] { item } }, key);
        var result = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
        Assert.Equal(201, result.GetProperty("status").GetInt32());

        var entry = Assert.Single((await HistoryAsync(result.GetProperty("listingId").GetString()!, key)).GetProperty("entries").EnumerateArray());
        Assert.Equal((0, 1, "listing.created", "kczg", "Platform"), (
            entry.GetProperty("versionBefore").GetInt32(), entry.GetProperty("versionAfter").GetInt32(), entry.GetProperty("action").GetString(),
            entry.GetProperty("actorId").GetString(), entry.GetProperty("actorRole").GetString()));
    }

    private async Task<JsonElement> HistoryAsync(string id, string key)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/history", key: key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task AssertProblemAsync(string id, string key, HttpStatusCode status)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/history", key: key);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
