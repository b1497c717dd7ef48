using System.Text.Json.Nodes;

namespace BashuCloud.Tests.Api;

/// <summary>
/// Issue #18: one listing whose title held U+0000 was a 500, and 9 of 20 other callers' creates sent at the same
/// moment failed with it (PostgreSQL's jsonb refused the group-commit batch they shared). Poison text is refused with
/// 422 naming the field, changes nothing, and never costs another tenant a write; numbers past decimal's range are 422
/// too; a weak If-Match is 412.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PoisonInputApiTests(PlatformFixture platform)
{
    private const string Placeholder = "@@POISON@@";
    private static readonly string[] RemovedOnly = ["listing.removed"];

    /// <summary>Each hazard as JSON text inside a string: escaped where JSON needs it, raw UTF-8 otherwise.</summary>
    private static readonly (string Json, bool Whitespace)[] Hazards =
    [
        ("\\u0000", false), ("\\u0007", false), ("\\u001b", false), ("\u007f", false), ("\u0085", false), ("\u009f", false),
        ("\u202e", false), ("\u202a", false), ("\u2067", false), ("\uffff", false), ("\ufdd0", false), ("\\ud800", false), ("\\udc00x", false),
        ("\\t", true), ("\\n", true),
    ];

    [Fact]
    public async Task Poison_text_sent_with_other_tenants_good_writes_is_refused_naming_the_field_and_every_good_write_is_stored()
    {
        var targets = await TargetsAsync();
        var good = await GoodTraffic.StartAsync(platform);
        await platform.WaitForReadModelCaughtUpAsync();
        var before = await DatabaseFingerprint.TakeAsync(platform.Database);

        var poison = targets.SelectMany(t => Hazards.Where(h => !h.Whitespace || !t.MultiLine).Select(h => (Target: t, Hazard: h.Json))).ToArray();
        var refusals = Task.WhenAll(poison.Select(p => SendPoisonAsync(p.Target, p.Hazard)));
        await Task.WhenAll(refusals, good.SendAsync(60));

        await good.AssertEveryWriteAcknowledgedAndStoredAsync();
        var wrong = (await refusals).Where(r => r is not null).ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} of {poison.Length} poison requests not refused as expected:\n{string.Join("\n", wrong.Take(20))}");
        await platform.WaitForReadModelCaughtUpAsync();
        Assert.Equal(before, await DatabaseFingerprint.TakeAsync(platform.Database, good.Keys));
    }

    [Theory]
    [InlineData("1e30")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("-1e29")]
    public async Task A_share_past_decimals_range_is_422_naming_the_field(string share)
    {
        var patent = await new RightsScript(platform).PatentAsync(published: false);
        var owner = platform.Researchers[Region.Sichuan].Key;
        var claim = $$$"""{"owners": [{"name": "甲", "share": 50}, {"name": "乙", "share": {{{share}}}}], "evidence": {"patentNumber": "ZL202010123456.7"}}""";
        await AssertRefusedAsync(await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{patent}/rights", claim, owner), "owners[1].share");

        var listing = Json(Samples.Draft(Region.Sichuan));
        listing["owners"]![0]!["share"] = Placeholder;
        var body = listing.ToJsonString(BashuJson.Options).Replace($"\"{Placeholder}\"", share, StringComparison.Ordinal);
        await AssertRefusedAsync(await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", body, owner), "owners[0].share");
        var batch = $$"""{"partnerId": "kczg", "items": [{"op": "upsert", "externalId": "share-{{Guid.NewGuid():N}}", "listing": """ + body + "}]}";
        await AssertRefusedAsync(await platform.SendAsync(HttpMethod.Post, "/api/v1/sync/batch", batch, platform.AdministratorKeys[Region.Sichuan]), "items[0].listing.owners[0].share");
    }

    [Fact]
    public async Task Shares_that_fit_decimal_but_overflow_their_sum_are_422()
    {
        var patent = await new RightsScript(platform).PatentAsync(published: false);
        var claim = """{"owners": [{"name": "甲", "share": 79228162514264337593543950335}, {"name": "乙", "share": 79228162514264337593543950335}], "evidence": {"patentNumber": "ZL202010123456.7"}}""";
        await AssertRefusedAsync(await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{patent}/rights", claim, platform.Researchers[Region.Sichuan].Key), "owners");
    }

    [Fact]
    public async Task A_weak_if_match_never_matches_and_is_412_not_400()
    {
        var (id, etag) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        var owner = platform.Researchers[Region.Sichuan].Key;
        using (var edit = await platform.SendAsync(HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft(Region.Sichuan) with { Title = "弱标签" }, owner, ifMatch: $"W/{etag}"))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, edit.StatusCode);
        }
        using (var submit = await platform.SendAsync(HttpMethod.Post, $"/api/v1/listings/{id}/submit", key: owner, ifMatch: $"W/{etag}"))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, submit.StatusCode);
        }
        using var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: owner);
        Assert.Equal((etag, "Draft"), (read.Headers.ETag!.Tag, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()));
    }

    /// <summary>A field of a write that poison text is put into; <see cref="Path"/> is what the 422 must name.</summary>
    private sealed record Target(HttpMethod Method, string Url, string Key, JsonObject Body, string Path)
    {
        public bool MultiLine => Text.TextRules.IsMultiLine(Path);
    }

    private async Task<IReadOnlyList<Target>> TargetsAsync()
    {
        var owner = platform.Researchers[Region.Sichuan].Key;
        var admin = platform.AdministratorKeys[Region.Sichuan];
        var (draft, _) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        var claimed = await new RightsScript(platform).ClaimedAsync(published: false);
        var published = await platform.PublishListingAsync(Samples.Draft(Region.Sichuan));
        var buyer = platform.Researchers[Region.Chongqing].Key;
        var listing = Json(Samples.Draft(Region.Sichuan));
        var partnerListing = Json(Samples.Draft(Region.Sichuan) with { PlatformId = null });
        var member = Json(new { year = 2020, region = "sichuan", name = "毒输入学会", organization = "测试", detail = "x" });
        var external = $"poison-{Guid.NewGuid():N}";
        return
        [
            new(HttpMethod.Post, "/api/v1/listings", owner, listing, "title"),
            new(HttpMethod.Post, "/api/v1/listings", owner, listing, "owners[1].name"),
            new(HttpMethod.Post, "/api/v1/listings", owner, listing, "keywords[2]"),
            new(HttpMethod.Post, "/api/v1/listings", owner, listing, "summary"),
            new(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{external}", admin, partnerListing, "city"),
            new(HttpMethod.Post, "/api/v1/sync/batch", admin, Json(new { partnerId = "kczg", items = new[] { new { op = "upsert", externalId = external, listing = partnerListing } } }), "items[0].listing.title"),
            new(HttpMethod.Post, "/api/v1/sync/batch", admin, Json(new { partnerId = "kczg", items = new[] { new { op = "withdraw", externalId = external, reason = "x" } } }), "items[0].reason"),
            new(HttpMethod.Post, $"/api/v1/listings/{draft}/withdraw", owner, Json(new { reason = "x" }), "reason"),
            new(HttpMethod.Put, $"/api/v1/listings/{claimed}/rights", owner, Json(RightsScript.Claim), "owners[0].name"),
            new(HttpMethod.Put, $"/api/v1/listings/{claimed}/rights", owner, Json(RightsScript.Claim), "evidence.documents[0]"),
            new(HttpMethod.Post, $"/api/v1/listings/{published}/inquiries", buyer, Json(DealScript.Inquiry), "message"),
            new(HttpMethod.Post, $"/api/v1/listings/{published}/inquiries", buyer, Json(DealScript.Inquiry), "contact"),
            new(HttpMethod.Post, "/api/v1/users", admin, Json(new { displayName = "毒", role = "Researcher", region = "sichuan", organization = "测试", city = "成都" }), "displayName"),
            new(HttpMethod.Put, $"/api/v1/platforms/{$"px-{Guid.NewGuid():N}"[..20]}", PlatformProcesses.AdminKey, Json(new { name = "毒", kind = "Partner", homeRegion = "sichuan" }), "name"),
            new(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", admin, Json(new { url = "http://127.0.0.1:9/poison", events = RemovedOnly, description = "x" }), "description"),
            new(HttpMethod.Post, "/api/v1/platforms/kczg/keys", admin, Json(new { scopes = PlatformFixture.ReadWrite, label = "x" }), "label"),
            new(HttpMethod.Post, "/api/v1/registry/societies", admin, member, "name"),
            new(HttpMethod.Post, "/api/v1/registry/papers", admin, member, "detail"),
        ];
    }

    /// <summary>Sends the target's body with the hazard in its field; null when refused as it must be, else what went wrong.</summary>
    private async Task<string?> SendPoisonAsync(Target target, string hazard)
    {
        var body = (JsonObject)target.Body.DeepClone();
        MalformedRequests.Place(body, target.Path, $"好{Placeholder}字");
        var text = body.ToJsonString(BashuJson.Options).Replace(Placeholder, hazard, StringComparison.Ordinal);
        using var response = await platform.SendAsync(target.Method, target.Url, text, target.Key);
        var answer = await response.Content.ReadAsStringAsync();
        var json = answer.Length > 0 ? JsonNode.Parse(answer) : null;
        var refused = (int)response.StatusCode == 422 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            && json?["errors"]?[target.Path] is not null;
        // A sync batch refuses an item on its own (the item's own field named), or the whole batch when it cannot be read.
        var itemRefused = target.Url.EndsWith("/sync/batch", StringComparison.Ordinal) && response.StatusCode == HttpStatusCode.OK
            && json?["results"]?[0] is { } result && result["status"]?.GetValue<int>() == 422 && result["errors"]?[target.Path.Split('.')[^1]] is not null;
        return refused || itemRefused ? null : $"{(int)response.StatusCode} for {hazard} in {target.Path} of {target.Method} {target.Url}: {answer}";
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(JsonNode.Parse(body)?["errors"]?[field] is not null, $"{field} named in {body}");
        }
    }

    private static JsonObject Json(object value) => JsonSerializer.SerializeToNode(value, BashuJson.Options)!.AsObject();
}
