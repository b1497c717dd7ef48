using System.Text;

namespace BashuCloud.Tests.Api;

/// <summary>
/// OWASP API Security Top 10 items not covered elsewhere (docs/security.md): SQL injection in every kind of string
/// parameter, bodies and headers over the limits, and one partner's key against another partner's listings.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SecurityApiTests(PlatformFixture platform)
{
    private static readonly string[] Injections =
    [
        "'; DROP TABLE grain_state; --", "' OR '1'='1", "\" OR 1=1 --", "1; SELECT pg_sleep(5)--", "$1", "%' AND 1=0 UNION SELECT NULL--", "\\'; TRUNCATE change_log; --",
    ];

    [Fact]
    public async Task Sql_in_a_listings_text_is_stored_and_found_literally_and_the_tables_stay()
    {
        var marker = $"注入{Guid.NewGuid():N}"[..12];
        var title = $"{marker} '; DROP TABLE grain_state; --";
        var draft = Samples.Draft() with { Title = title, Summary = "\" OR 1=1 -- " + string.Join(" ", Injections), City = "' OR '1'='1", Keywords = ["'; --", "$1", marker] };
        var id = await platform.PublishListingAsync(draft);

        using (var read = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/{id}", key: null))
        {
            var listing = await read.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(title, listing.GetProperty("title").GetString());
            Assert.Equal(draft.Summary, listing.GetProperty("summary").GetString());
            Assert.Equal(draft.City, listing.GetProperty("city").GetString());
        }
        await platform.WaitForReadModelAsync(new Dictionary<string, int> { [id] = 3 });
        foreach (var q in (string[])["DROP TABLE grain_state", "'; DROP", marker])
        {
            using var found = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/search?q={Uri.EscapeDataString(q)}&limit=100", key: null);
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            var ids = (await found.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("listing").GetProperty("id").GetString()).ToList();
            Assert.Contains(id, ids);
        }
        // An always-true condition finds only what contains it literally, not everything.
        using (var none = await platform.SendAsync(HttpMethod.Get, $"/api/v1/listings/search?q={Uri.EscapeDataString("' OR 'x'='x")}", key: null))
        {
            Assert.Equal(HttpStatusCode.OK, none.StatusCode);
            Assert.Equal(0, (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
        }
        Assert.True(await TablesIntactAsync());
    }

    [Fact]
    public async Task Sql_in_every_kind_of_parameter_is_refused_or_answered_never_a_5xx()
    {
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state");
        var admin = platform.AdministratorKeys[Region.Sichuan];
        foreach (var injection in Injections)
        {
            var value = Uri.EscapeDataString(injection);
            string[] paths =
            [
                $"/api/v1/listings/{value}", $"/api/v1/listings/{value}/history", $"/api/v1/listings/{value}/matches", $"/api/v1/users/{value}", $"/api/v1/platforms/{value}",
                $"/api/v1/deals/{value}", $"/api/v1/partners/{value}/listings/{value}", $"/api/v1/platforms/kczg/webhooks/{value}", $"/api/v1/listings/{value}/rights",
                $"/api/v1/listings?region={value}", $"/api/v1/listings?kind={value}", $"/api/v1/listings?status={value}", $"/api/v1/listings?cursor={value}",
                $"/api/v1/listings/search?q={value}", $"/api/v1/listings/search?q=x&field={value}", $"/api/v1/listings/search?q=x&cursor={value}&sort={value}",
                $"/api/v1/stats/joint?region={value}", $"/api/v1/changes?cursor={value}", $"/api/v1/registry/papers?region={value}&cursor={value}",
                $"/api/v1/platforms/kczg/webhooks/{await SubscriptionAsync()}/deliveries?status={value}&cursor={value}",
            ];
            foreach (var path in paths)
            {
                using var response = await platform.SendAsync(HttpMethod.Get, path, key: admin);
                Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
            }
            await AssertBelow500(HttpMethod.Post, "/api/v1/users", new { displayName = injection, role = "Researcher", region = "sichuan", organization = injection, city = injection }, admin);
            await AssertBelow500(HttpMethod.Post, "/api/v1/registry/papers", new { year = 2020, region = "sichuan", name = $"{injection} {Guid.NewGuid():N}", organization = injection, detail = injection }, admin);
            await AssertBelow500(HttpMethod.Post, "/api/v1/platforms/kczg/keys", new { scopes = new[] { injection }, label = injection }, admin);
            await AssertBelow500(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = $"https://example.com/{value}", events = new[] { injection }, description = injection }, admin);
            await AssertBelow500(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{value}", Samples.Draft() with { PlatformId = null }, admin);
            await AssertBelow500(HttpMethod.Post, "/api/v1/sync/batch", new { partnerId = injection, items = Array.Empty<object>() }, admin);
        }
        Assert.True(await TablesIntactAsync());
        Assert.True(await platform.Database.ScalarAsync<long>("SELECT count(*) FROM grain_state") >= before);
    }

    [Theory]
    [InlineData("POST", "/api/v1/listings")]
    [InlineData("POST", "/api/v1/users")]
    [InlineData("PUT", "/api/v1/platforms/kczg")]
    [InlineData("POST", "/api/v1/platforms/kczg/webhooks")]
    [InlineData("POST", "/api/v1/registry/papers")]
    public async Task A_body_over_1_MiB_is_413_problem_json_with_or_without_a_length(string method, string path)
    {
        var body = "{\"title\":\"" + new string('x', 1024 * 1024 + 1) + "\"}";
        foreach (var chunked in (bool[])[false, true])
        {
            using var request = platform.Request(new HttpMethod(method), path, key: PlatformProcesses.AdminKey);
            request.Content = chunked
                ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
                : new StringContent(body, Encoding.UTF8, "application/json");
            if (chunked)
            {
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.TransferEncodingChunked = true;
            }
            using var response = await platform.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_sync_batch_over_16_MiB_is_413()
    {
        using var request = platform.Request(HttpMethod.Post, "/api/v1/sync/batch", "{\"partnerId\":\"kczg\",\"items\":[],\"pad\":\"" + new string('x', 16 * 1024 * 1024 + 1) + "\"}", PlatformProcesses.AdminKey);
        // The server answers 413 from the declared length, before reading: the client waits for that, not to send 16 MiB.
        request.Headers.ExpectContinue = true;
        using var response = await platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData(1, 64 * 1024)]
    [InlineData(300, 10)]
    [InlineData(40, 1024)]
    public async Task Oversized_or_too_many_headers_are_431_or_400_never_5xx(int headers, int length)
    {
        using var request = platform.Request(HttpMethod.Get, "/api/v1/listings", key: null);
        for (var i = 0; i < headers; i++) request.Headers.TryAddWithoutValidation($"X-Pad-{i}", new string('h', length));
        using var response = await platform.Http.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestHeaderFieldsTooLarge, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task An_over_long_api_key_is_401_problem_json()
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/listings", Samples.Draft(), new string('k', 16 * 1024));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Another_partners_key_neither_sees_nor_changes_a_partners_listings_keys_or_webhooks()
    {
        var other = $"sec-{Guid.NewGuid():N}"[..14];
        using (var registered = await platform.SendAsync(HttpMethod.Put, $"/api/v1/platforms/{other}", new { name = "安全测试平台", kind = "Partner", homeRegion = "chongqing" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        string[] all = ["listings:read", "listings:write", "changes:read", "stats:read"];
        var intruder = (await platform.IssueKeyAsync(other, all)).Key;
        var partner = await platform.IssueKeyAsync("kczg", all);
        var externalId = $"sec-{Guid.NewGuid():N}";
        using var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{externalId}", Samples.Draft() with { PlatformId = null }, partner.Key);
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var id = (await pushed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var etag = pushed.Headers.ETag!.Tag;
        var subscription = await SubscriptionAsync();
        await platform.WaitForReadModelCaughtUpAsync();
        var fingerprint = await DatabaseFingerprint.TakeAsync(platform.Database);

        (HttpMethod, string, object?, string?)[] attempts =
        [
            (HttpMethod.Get, $"/api/v1/listings/{id}", null, null),
            (HttpMethod.Get, $"/api/v1/listings/{id}/history", null, null),
            (HttpMethod.Get, $"/api/v1/listings/{id}/matches", null, null),
            (HttpMethod.Get, $"/api/v1/partners/kczg/listings/{externalId}", null, null),
            (HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft() with { PlatformId = "kczg", Title = "被篡改" }, etag),
            (HttpMethod.Put, $"/api/v1/listings/{id}", Samples.Draft() with { PlatformId = other, Title = "被篡改" }, etag),
            (HttpMethod.Post, $"/api/v1/listings/{id}/submit", null, null),
            (HttpMethod.Post, $"/api/v1/listings/{id}/withdraw", new { reason = "篡改" }, null),
            (HttpMethod.Put, $"/api/v1/partners/kczg/listings/{externalId}", Samples.Draft() with { PlatformId = null, Title = "被篡改" }, null),
            (HttpMethod.Post, "/api/v1/sync/batch", new { partnerId = "kczg", items = new[] { new { op = "withdraw", externalId, reason = "篡改" } } }, null),
            (HttpMethod.Post, "/api/v1/listings", Samples.Draft() with { PlatformId = "kczg" }, null),
            (HttpMethod.Get, "/api/v1/platforms/kczg/keys", null, null),
            (HttpMethod.Post, $"/api/v1/platforms/kczg/keys/{partner.KeyId}/rotate", new { overlapSeconds = 0 }, null),
            (HttpMethod.Delete, $"/api/v1/platforms/kczg/keys/{partner.KeyId}", null, null),
            (HttpMethod.Get, $"/api/v1/platforms/kczg/webhooks/{subscription}", null, null),
            (HttpMethod.Get, $"/api/v1/platforms/kczg/webhooks/{subscription}/deliveries", null, null),
            (HttpMethod.Delete, $"/api/v1/platforms/kczg/webhooks/{subscription}", null, null),
            (HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = "https://example.com/steal", events = ChangedOnly }, null),
        ];
        foreach (var (method, path, body, ifMatch) in attempts)
        {
            using var response = await platform.SendAsync(method, path, body, intruder, ifMatch);
            var text = await response.Content.ReadAsStringAsync();
            // A batch answers 200 with a result per item: the item is what must be refused.
            var status = path == "/api/v1/sync/batch" && response.StatusCode == HttpStatusCode.OK
                ? (HttpStatusCode)JsonDocument.Parse(text).RootElement.GetProperty("results")[0].GetProperty("status").GetInt32()
                : response.StatusCode;
            Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity, $"{method} {path}: {(int)status} {text}");
        }
        Assert.Equal(fingerprint, await DatabaseFingerprint.TakeAsync(platform.Database));

        // Its own feed shows the other partner's draft as a tombstone, never its content.
        using var feed = await platform.SendAsync(HttpMethod.Get, "/api/v1/changes?limit=1000", key: intruder);
        var entries = (await feed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Where(e => e.GetProperty("id").GetString() == id);
        Assert.All(entries, e => Assert.True(e.GetProperty("tombstone").GetBoolean()));
    }

    private static readonly string[] RemovedOnly = ["listing.removed"];
    private static readonly string[] ChangedOnly = ["listing.changed"];
    private string? _subscription;

    private async Task<string> SubscriptionAsync()
    {
        if (_subscription is not null) return _subscription;
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = "http://127.0.0.1:9/security", events = RemovedOnly });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return _subscription = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString()!;
    }

    private async Task AssertBelow500(HttpMethod method, string path, object body, string key)
    {
        using var response = await platform.SendAsync(method, path, body, key);
        Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<bool> TablesIntactAsync() =>
        await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM unnest(ARRAY['grain_state', 'change_log', 'audit_event', 'rm_listing', 'api_key', 'webhook_subscription']) AS t(name) WHERE to_regclass(t.name) IS NOT NULL") == 6;
}
