using static BashuCloud.Tests.Api.ListingApiTests;

namespace BashuCloud.Tests.Api;

/// <summary>A platform pushes its listings under its own ids: PUT /api/v1/partners/{partnerId}/listings/{externalId}.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PartnerSyncApiTests(PlatformFixture platform)
{
    private static readonly string[] ReadWrite = PlatformFixture.ReadWrite;
    private static readonly string[] ReadOnly = ["listings:read"];

    [Fact]
    public async Task Pushing_the_same_listing_twice_makes_one_version_and_a_change_makes_the_next()
    {
        var key = await KeyAsync("kczg", ReadWrite);
        var externalId = NewExternalId();
        var draft = Samples.Draft(Region.Sichuan) with { PlatformId = null };

        using var first = await PushAsync("kczg", externalId, draft, key);
        Assert.True(first.StatusCode == HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        var created = await first.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/listings/{id}", first.Headers.Location!.OriginalString);
        Assert.Equal("kczg", created.GetProperty("platformId").GetString());
        Assert.Equal("kczg", created.GetProperty("ownerId").GetString());

        using (var again = await PushAsync("kczg", externalId, draft, key))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var body = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(id, body.GetProperty("id").GetString());
            Assert.Equal(1, body.GetProperty("version").GetInt32());
        }
        Assert.Equal(1L, await VersionsLoggedAsync(id));

        using (var changed = await PushAsync("kczg", externalId, draft with { Title = "地铁隧道智能巡检机器人（第二代）" }, key))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal(2, (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
        Assert.Equal(2L, await VersionsLoggedAsync(id));

        // The platform finds it again by its own id; the public does not see a draft.
        using (var found = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{externalId}", key: key))
        {
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            Assert.Equal(id, (await found.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        }
        using var hidden = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{externalId}", key: null);
        await AssertProblem(hidden, HttpStatusCode.NotFound, "a draft, anonymously");
    }

    [Fact]
    public async Task Concurrent_first_pushes_of_one_external_id_make_one_listing()
    {
        var key = await KeyAsync("kczg", ReadWrite);
        var externalId = NewExternalId();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PushAsync("kczg", externalId, Samples.Draft(Region.Sichuan) with { PlatformId = "kczg" }, key)));
        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{response.StatusCode}");
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            response.Dispose();
        }
        Assert.Single(ids);
        Assert.Equal(1L, await VersionsLoggedAsync(ids.Single()));
    }

    [Fact]
    public async Task Refused_pushes_change_nothing()
    {
        var kczg = await KeyAsync("kczg", ReadWrite);
        var other = await KeyAsync("chongqing", ReadWrite);
        var reader = await KeyAsync("kczg", ReadOnly);
        var externalId = NewExternalId();
        var draft = Samples.Draft(Region.Sichuan) with { PlatformId = null };

        using (var unknown = await PushAsync("nowhere", externalId, draft, kczg)) await AssertProblem(unknown, HttpStatusCode.NotFound, "unknown partner");
        using (var badId = await PushAsync("kczg", "bad%20id!", draft, kczg)) await AssertProblem(badId, HttpStatusCode.BadRequest, "external id with a space");
        using (var tooLong = await PushAsync("kczg", new string('x', 200), draft, kczg)) await AssertProblem(tooLong, HttpStatusCode.BadRequest, "external id over 128");
        using (var anonymous = await PushAsync("kczg", externalId, draft, null)) await AssertProblem(anonymous, HttpStatusCode.Unauthorized);
        using (var readOnly = await PushAsync("kczg", externalId, draft, reader)) await AssertProblem(readOnly, HttpStatusCode.Forbidden, "no listings:write");
        using (var notTheirs = await PushAsync("kczg", externalId, draft, other)) await AssertProblem(notTheirs, HttpStatusCode.Forbidden, "another platform's key");
        using (var elsewhere = await PushAsync("kczg", externalId, draft with { PlatformId = "sichuan" }, kczg)) await AssertProblem(elsewhere, HttpStatusCode.UnprocessableEntity, "platformId of another platform");
        using (var invalid = await PushAsync("kczg", externalId, draft with { Title = "" }, kczg)) await AssertProblem(invalid, HttpStatusCode.UnprocessableEntity, "empty title");

        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM grain_state WHERE state_name = 'external-listing' AND grain_key = $1", $"kczg/{externalId}"));
        using var nothing = await platform.SendAsync(HttpMethod.Get, $"/api/v1/partners/kczg/listings/{externalId}", key: kczg);
        await AssertProblem(nothing, HttpStatusCode.NotFound);
    }

    private async Task<string> KeyAsync(string platformId, string[] scopes, string? adminKey = null) =>
        (await platform.IssueKeyAsync(platformId, scopes, adminKey)).Key;

    private Task<HttpResponseMessage> PushAsync(string partnerId, string externalId, object draft, string? key) =>
        platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/{partnerId}/listings/{externalId}", draft, key);

    private Task<long> VersionsLoggedAsync(string id) =>
        platform.Database.ScalarAsync<long>("SELECT count(*) FROM change_log WHERE state_name = 'listing' AND grain_key = $1", id);

    private static string NewExternalId() => $"KC-{Guid.NewGuid():N}"[..16];
}
