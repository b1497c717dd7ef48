using BashuCloud.Listings;

namespace BashuCloud.Tests.Api;

/// <summary>The listings API over real HTTP, against real silo processes and a real PostgreSQL.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ListingApiTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_listing_is_created_read_and_updated_with_its_version()
    {
        using var created = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(), platform.Researchers[Region.Sichuan].Key);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/listings/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(Region.Sichuan, BashuId.RegionOf(id));

        using var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: platform.Researchers[Region.Sichuan].Key);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag!.Tag);
        var body = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("地铁隧道智能巡检机器人", "Draft", "RailTransit"), (body.GetProperty("title").GetString(), body.GetProperty("status").GetString(), body.GetProperty("field").GetString()));

        var key = platform.Researchers[Region.Sichuan].Key;
        var edit = Samples.Draft() with { Title = "地铁隧道渗漏水智能巡检机器人" };
        using (var missing = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", edit, key)) await AssertProblem(missing, HttpStatusCode.PreconditionRequired);
        using (var garbage = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", edit, key, ifMatch: "v1")) await AssertProblem(garbage, HttpStatusCode.BadRequest);
        using (var stale = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", edit, key, ifMatch: "\"7\"")) await AssertProblem(stale, HttpStatusCode.PreconditionFailed);
        using (var updated = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", edit, key, ifMatch: "\"1\""))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Equal("\"2\"", updated.Headers.ETag!.Tag);
        }
        using (var again = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", edit, key, ifMatch: "\"1\"")) await AssertProblem(again, HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, await VersionOf(id));
    }

    public static TheoryData<string, string, HttpStatusCode> BadRequests => new()
    {
        { "malformed JSON", "{\"kind\": \"Achievement\", ", HttpStatusCode.BadRequest },
        { "not an object", "[1, 2, 3]", HttpStatusCode.BadRequest },
        { "unknown kind", Json(Samples.Draft()).Replace("\"Achievement\"", "\"Invention\""), HttpStatusCode.BadRequest },
        { "kind as a number", Json(Samples.Draft()).Replace("\"Achievement\"", "1"), HttpStatusCode.BadRequest },
        { "unknown region", Json(Samples.Draft()).Replace("\"region\":\"sichuan\"", "\"region\":\"beijing\""), HttpStatusCode.BadRequest },
        { "trl as text", Json(Samples.Draft()).Replace("\"trl\":7", "\"trl\":\"seven\""), HttpStatusCode.BadRequest },
        { "empty object", "{}", HttpStatusCode.UnprocessableEntity },
        { "missing title", Json(Samples.Draft() with { Title = null }), HttpStatusCode.UnprocessableEntity },
        { "empty title", Json(Samples.Draft() with { Title = "" }), HttpStatusCode.UnprocessableEntity },
        { "title over the limit", Json(Samples.Draft() with { Title = new string('锂', ListingRules.TitleMax + 1) }), HttpStatusCode.UnprocessableEntity },
        { "trl out of range", Json(Samples.Draft() with { Trl = 10 }), HttpStatusCode.UnprocessableEntity },
        { "shares not summing to 100", Json(Samples.Draft() with { Owners = [new Owner("四川大学", 50m)] }), HttpStatusCode.UnprocessableEntity },
        { "unknown platform", Json(Samples.Draft() with { PlatformId = "nowhere" }), HttpStatusCode.UnprocessableEntity },
        { "body over 1 MiB", Json(Samples.Draft() with { Summary = new string('x', 1024 * 1024 + 10) }), HttpStatusCode.RequestEntityTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_clear_4xx_and_changes_nothing(string why, string body, HttpStatusCode expected)
    {
        var before = await StoredListings();
        using var request = platform.Request(HttpMethod.Post, "/api/v1/listings", body, platform.Researchers[Region.Sichuan].Key);
        // A body refused by its declared length is answered before it is read: wait for that answer rather than send
        // the whole body into a connection the server is closing (a broken pipe instead of the 413).
        request.Headers.ExpectContinue = true;
        using var response = await platform.Http.SendAsync(request);
        await AssertProblem(response, expected, why);
        Assert.Equal(before, await StoredListings());
    }

    [Theory]
    [InlineData(null, "no key")]
    [InlineData("bk_wrong_key_0000000000000", "wrong key")]
    public async Task A_write_without_a_valid_key_is_401_and_changes_nothing(string? key, string why)
    {
        var before = await StoredListings();
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(), key);
        await AssertProblem(response, HttpStatusCode.Unauthorized, why);
        Assert.Equal(before, await StoredListings());
    }

    [Theory]
    [InlineData("sichuan-01JD5Z8Q8X4M6W2T3R9K7B1C0A")]
    [InlineData("not-an-id")]
    [InlineData("020235")]
    public async Task An_unknown_listing_is_404(string id)
    {
        using (var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}")) await AssertProblem(read, HttpStatusCode.NotFound);
        using (var submit = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit")) await AssertProblem(submit, HttpStatusCode.NotFound);
        using (var update = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft(), ifMatch: "\"1\"")) await AssertProblem(update, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_an_administrator_of_the_listings_region_reviews_it()
    {
        var (id, _) = await platform.CreateListingAsync(Samples.Draft(Region.Chongqing));
        var owner = platform.Researchers[Region.Chongqing].Key;
        using (var submitted = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit", key: owner)) Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);

        using (var byOwner = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: owner)) await AssertProblem(byOwner, HttpStatusCode.Forbidden);
        using (var byOtherRegion = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: platform.AdministratorKeys[Region.Sichuan]))
        {
            await AssertProblem(byOtherRegion, HttpStatusCode.Forbidden);
        }
        using (var noReason = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/reject", new { reason = "" }, platform.AdministratorKeys[Region.Chongqing]))
        {
            await AssertProblem(noReason, HttpStatusCode.UnprocessableEntity);
        }
        Assert.Equal(2, await VersionOf(id));

        using var approved = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: platform.AdministratorKeys[Region.Chongqing], ifMatch: "\"2\"");
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("Published", (await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        using var twice = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/approve", key: platform.AdministratorKeys[Region.Chongqing]);
        await AssertProblem(twice, HttpStatusCode.Conflict);
    }

    /// <summary>Found by the bad-input suite: invalid UTF-8 in a field the body type lacks was skipped unchecked, and the listing withdrawn.</summary>
    [Fact]
    public async Task A_body_that_is_not_utf8_is_400_and_withdraws_nothing()
    {
        var (id, _) = await platform.CreateListingAsync(Samples.Draft());
        byte[] body = [.. "{\"title\":\""u8, 0xFF, 0xFE, 0xC3, 0x28, .. "\"}"u8];
        foreach (var path in (string[])[$"/api/v1/listings/{id}/withdraw", "/api/v1/sync/batch"])
        {
            using var request = platform.Request(HttpMethod.Post, path, key: platform.Researchers[Region.Sichuan].Key);
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
            using var response = await platform.Http.SendAsync(request);
            await AssertProblem(response, HttpStatusCode.BadRequest, path);
        }
        Assert.Equal(1, await VersionOf(id));
    }

    [Fact]
    public async Task A_draft_is_seen_only_by_its_owner_and_administrators()
    {
        var (id, _) = await platform.CreateListingAsync(Samples.Draft());
        using (var anonymous = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: null)) await AssertProblem(anonymous, HttpStatusCode.NotFound);
        using (var other = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: platform.Researchers[Region.Chongqing].Key)) await AssertProblem(other, HttpStatusCode.NotFound);
        using (var owner = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: platform.Researchers[Region.Sichuan].Key)) Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        using (var admin = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: platform.AdministratorKeys[Region.Sichuan])) Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        // A filter only narrows what the caller may see: the public asking for drafts gets an empty page.
        using var list = await platform.SendAsync(HttpMethod.Get, "/api/v1/listings?status=Draft", key: null);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(0, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task An_owner_renews_a_published_listing_with_a_later_date()
    {
        var id = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        var owner = platform.Researchers[Region.Chongqing].Key;
        var path = $"/api/v1/listings/{id}/renew";
        using (var earlier = await platform.SendAsync(HttpMethod.Post, path, new { expiresOn = "2028-01-01" }, owner)) await AssertProblem(earlier, HttpStatusCode.UnprocessableEntity);
        using (var missing = await platform.SendAsync(HttpMethod.Post, path, new { }, owner)) await AssertProblem(missing, HttpStatusCode.UnprocessableEntity);
        using (var stranger = await platform.SendAsync(HttpMethod.Post, path, new { expiresOn = "2029-12-31" }, platform.Researchers[Region.Sichuan].Key))
        {
            await AssertProblem(stranger, HttpStatusCode.Forbidden);
        }
        using (var unknown = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings/chongqing-01JD5Z8Q8X4M6W2T3R9K7B1C0A/renew", new { expiresOn = "2029-12-31" }, owner))
        {
            await AssertProblem(unknown, HttpStatusCode.NotFound);
        }
        using (var renewed = await platform.SendAsync(HttpMethod.Post, path, new { expiresOn = "2029-12-31" }, owner, ifMatch: "\"3\""))
        {
            Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
            var body = await renewed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("Published", "2029-12-31", 4), (body.GetProperty("status").GetString(), body.GetProperty("expiresOn").GetString(), body.GetProperty("version").GetInt32()));
        }
        using var history = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}/history", key: owner);
        Assert.Equal("listing.renewed", (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray().Last().GetProperty("action").GetString());

        var (draft, _) = await platform.CreateListingAsync(Samples.Draft(Region.Chongqing));
        using var fromDraft = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{draft}/renew", new { expiresOn = "2029-12-31" }, owner);
        await AssertProblem(fromDraft, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Withdrawing_takes_a_listing_off_the_public_list()
    {
        var id = await platform.PublishListingAsync(Samples.Draft(Region.Chongqing));
        using var withdrawn = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/withdraw", new { reason = "已与企业签约" }, platform.Researchers[Region.Chongqing].Key);
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        await platform.WaitForReadModelAsync(new Dictionary<string, int> { [id] = 4 });
        using var anonymous = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: null);
        await AssertProblem(anonymous, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pages_walk_the_whole_list_newest_first_without_repeats()
    {
        var ours = new List<string>();
        for (var i = 0; i < 5; i++) ours.Add(await platform.PublishListingAsync(Samples.Draft(Region.Chongqing, ListingKind.Case) with { Title = $"成渝技术转移案例 {i}" }));
        await platform.WaitForReadModelAsync(ours.ToDictionary(id => id, _ => 3));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var path = "/api/v1/listings?region=chongqing&kind=Case&limit=2" + (cursor is null ? "" : $"&cursor={cursor}");
            using var response = await platform.SendAsync(HttpMethod.Get, path, key: null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.OrderByDescending(id => id, StringComparer.Ordinal), seen);
        Assert.Superset(ours.ToHashSet(), seen.ToHashSet());
        var expected = await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM rm_listing WHERE region = 'chongqing' AND kind = 'Case' AND status IN ('Published', 'Negotiating', 'Traded', 'Expired')");
        Assert.Equal(expected, seen.Count);
    }

    [Theory]
    [InlineData("region=beijing")]
    [InlineData("kind=Invention")]
    [InlineData("kind=1")]
    [InlineData("status=Published,Draft")]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("cursor=aGVsbG8")]
    [InlineData("cursor=not*a*cursor")]
    public async Task A_bad_list_query_is_400(string query)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings?{query}", key: null);
        await AssertProblem(response, HttpStatusCode.BadRequest, query);
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode expected, string? why = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{why}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal((int)expected, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
    }

    private static string Json(ListingDraft draft) => JsonSerializer.Serialize(draft, BashuJson.Options);

    private Task<long> StoredListings() => platform.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state WHERE state_name = 'listing'");

    private async Task<int> VersionOf(string id)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}");
        return int.Parse(response.Headers.ETag!.Tag.Trim('"'));
    }
}
