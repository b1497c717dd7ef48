using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using BashuCloud.Deals;
using CsCheck;
using Xunit.Abstractions;

namespace BashuCloud.Tests.Api;

/// <summary>
/// The bad-input suite: at least 10,000 generated requests that the API must refuse, across every operation of the
/// OpenAPI document. For each: no 5xx, no acceptance, every 4xx is problem+json with a title, and the database is as
/// before. Reproducible: the seed is fixed unless BASHU_BADINPUT_SEED says otherwise (BASHU_BADINPUT_COUNT: how many).
/// Other tenants' good writes run beside every batch (<see cref="GoodTraffic"/>, issue #18): each must be acknowledged
/// and stored, however poisoned the requests around it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class BadInputTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const ulong DefaultSeed = 20261128;
    private const int DefaultCount = 10_000;
    private const int Batch = 100;
    private const int Parallel = 8;
    private const int GoodWritesPerBatch = 2;

    [Fact]
    public async Task Every_malformed_request_is_refused_as_problem_json_and_changes_nothing()
    {
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("BASHU_BADINPUT_SEED"), out var s) ? s : DefaultSeed;
        var count = int.TryParse(Environment.GetEnvironmentVariable("BASHU_BADINPUT_COUNT"), out var c) ? c : DefaultCount;
        output.WriteLine($"seed {seed}, {count} requests; rerun with another: BASHU_BADINPUT_SEED=<n> ./bashu test --filter {nameof(BadInputTests)}");

        var targets = await BadInputTargets.CreateAsync(platform);
        Assert.Equal(await DocumentedOperationsAsync(), targets.Select(t => t.Operation).Distinct().Order(StringComparer.Ordinal).ToArray());

        var gen = Gen.Int[0, targets.Count - 1].SelectMany(i => MalformedRequests.For(targets[i]));
        var pcg = new PCG(1, seed);
        var requests = Enumerable.Range(0, count).Select(i => gen.Generate(pcg, null, out var size)).ToArray();

        var good = await GoodTraffic.StartAsync(platform);
        await platform.WaitForReadModelCaughtUpAsync();
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        var before = await DatabaseFingerprint.TakeAsync(platform.Database);
        foreach (var batch in requests.Chunk(Batch))
        {
            var bad = System.Threading.Tasks.Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (request, _) => await SendAsync(request, tally));
            await Task.WhenAll(bad, good.SendAsync(GoodWritesPerBatch));
            // The good writes are answered: their rows are left out, and whatever else changed was a bad request's doing.
            var after = await DatabaseFingerprint.TakeAsync(platform.Database, good.Keys);
            if (after == before) continue;
            await platform.WaitForReadModelCaughtUpAsync();
            after = await DatabaseFingerprint.TakeAsync(platform.Database, good.Keys);
            if (after == before) continue;
            await FindStateChangesAsync(batch, before, good.Keys, tally);
            before = await DatabaseFingerprint.TakeAsync(platform.Database, good.Keys);
        }
        output.WriteLine(tally.Report(clock.Elapsed));
        output.WriteLine($"good traffic beside it: {good.Acknowledged} writes of other tenants acknowledged");
        Assert.True(tally.Failures.IsEmpty, $"{tally.Failures.Count} failures (seed {seed}):\n{string.Join("\n", tally.Failures.Take(40))}");
        await good.AssertEveryWriteAcknowledgedAndStoredAsync();
    }

    /// <summary>Sends one request and checks its answer: a 4xx, as problem+json with a title.</summary>
    private async Task<(int Status, bool Problem)> SendAsync(MalformedRequest request, Tally tally)
    {
        using var message = request.ToHttp();
        using var response = await platform.Http.SendAsync(message);
        var status = (int)response.StatusCode;
        var problem = false;
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type == "application/problem+json")
        {
            var text = await response.Content.ReadAsStringAsync();
            try
            {
                problem = JsonNode.Parse(text)?["title"]?.GetValue<string>() is { Length: > 0 };
            }
            catch (JsonException)
            {
            }
        }
        tally.Count(request, status, problem);
        return (status, problem);
    }

    /// <summary>A batch changed the database: sends its requests again one at a time to name those that change it.</summary>
    private async Task FindStateChangesAsync(MalformedRequest[] batch, string before, IReadOnlyCollection<string> good, Tally tally)
    {
        await platform.WaitForReadModelCaughtUpAsync();
        var changed = await DatabaseFingerprint.TakeAsync(platform.Database, good);
        var current = changed;
        var culprits = 0;
        foreach (var request in batch)
        {
            using var message = request.ToHttp();
            using var response = await platform.Http.SendAsync(message);
            await platform.WaitForReadModelCaughtUpAsync();
            var after = await DatabaseFingerprint.TakeAsync(platform.Database, good);
            if (after == current) continue;
            tally.StateChange(request, (int)response.StatusCode, $"{current}\n  → {after}");
            current = after;
            culprits++;
        }
        if (culprits == 0) tally.StateChange(batch[0], 0, $"the batch (from its first request) changed the database, no request of it did again: {before}\n  → {changed}");
    }

    private async Task<string[]> DocumentedOperationsAsync()
    {
        using var openApi = await platform.SendAsync(HttpMethod.Get, "/openapi/v1.json", key: null);
        var document = await openApi.Content.ReadFromJsonAsync<JsonElement>();
        return [.. document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>What the suite saw, counted as it went (requests run in parallel).</summary>
    private sealed class Tally
    {
        private readonly Lock _lock = new();
        private readonly SortedDictionary<int, int> _byStatus = [];
        private readonly SortedDictionary<string, int> _byFault = new(StringComparer.Ordinal);
        private int _requests, _serverErrors, _accepted, _notProblems, _stateChanges;

        public System.Collections.Concurrent.ConcurrentQueue<string> Failures { get; } = new();

        public void Count(MalformedRequest request, int status, bool problem)
        {
            lock (_lock)
            {
                _requests++;
                _byStatus[status] = _byStatus.GetValueOrDefault(status) + 1;
                var fault = request.Fault.Split(':')[0];
                _byFault[fault] = _byFault.GetValueOrDefault(fault) + 1;
                if (status >= 500) _serverErrors++;
                else if (status < 400 && request.MayAnswer) return;
                else if (status < 400) _accepted++;
                else if (!problem && !(request.KestrelMayRefuse && status == 400)) _notProblems++;
                else return;
            }
            Failures.Enqueue($"{status}{(status is >= 400 and < 500 ? " not problem+json" : "")}: {request.Operation} {request}");
        }

        public void StateChange(MalformedRequest request, int status, string change)
        {
            lock (_lock) _stateChanges++;
            Failures.Enqueue($"state changed by {status}: {request.Operation} {request}\n  {change}");
        }

        public string Report(TimeSpan elapsed)
        {
            var report = new StringBuilder();
            report.AppendLine($"bad-input suite: {_requests} requests in {elapsed.TotalSeconds:F1} s");
            report.AppendLine($"  4xx by status: {string.Join(", ", _byStatus.Where(s => s.Key is >= 400 and < 500).Select(s => $"{s.Key}: {s.Value}"))}");
            report.AppendLine($"  by fault: {string.Join(", ", _byFault.Select(f => $"{f.Key}: {f.Value}"))}");
            report.AppendLine($"  5xx: {_serverErrors}; accepted (2xx/3xx): {_accepted}; 4xx not problem+json: {_notProblems}; state changes: {_stateChanges}");
            return report.ToString();
        }
    }
}

/// <summary>
/// The real objects the bad-input suite aims at (a draft, a published listing, a deal, a rights claim, a platform key,
/// a webhook subscription and its delivery), and every operation of /api/v1 with the caller who may call it.
/// </summary>
internal static class BadInputTargets
{
    private static readonly string[] RemovedOnly = ["listing.removed"];

    public static async Task<IReadOnlyList<OperationTarget>> CreateAsync(PlatformFixture platform)
    {
        var owner = platform.Researchers[Region.Sichuan].Key;
        var buyer = platform.Researchers[Region.Chongqing].Key;
        var admin = platform.AdministratorKeys[Region.Sichuan];
        var joint = PlatformProcesses.AdminKey;
        var (draft, etag) = await platform.CreateListingAsync(Samples.Draft(Region.Sichuan));
        var published = await new DealScript(platform).ListingAsync();
        var deal = await new DealScript(platform).AtAsync(DealStage.Inquiry, published);
        var claimed = await new RightsScript(platform).ClaimedAsync();
        var keyId = (await platform.IssueKeyAsync("kczg", PlatformFixture.ReadWrite)).KeyId;
        var subscription = await SubscribeAsync(platform);
        var externalId = $"bi-{Guid.NewGuid():N}";
        using (var pushed = await platform.SendAsync(HttpMethod.Put, $"/api/v1/partners/kczg/listings/{externalId}", Samples.Draft(Region.Sichuan) with { PlatformId = null }, admin))
        {
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }
        var listing = Json(Samples.Draft(Region.Sichuan));
        var partnerListing = Json(Samples.Draft(Region.Sichuan) with { PlatformId = null });
        var listingBad = ListingBadValues(kind: [null, "Spaceship"]);
        // An update may leave the fixed fields (kind, region, platform) out.
        var updateBad = ListingBadValues(kind: ["Spaceship"]);
        var q = new Dictionary<string, string?> { ["q"] = "地铁", ["kind"] = "Achievement", ["region"] = "sichuan", ["field"] = null, ["status"] = null, ["trlMin"] = null, ["sort"] = null, ["limit"] = "5", ["cursor"] = null };
        var filters = new Dictionary<string, string?> { ["region"] = "sichuan", ["kind"] = null, ["status"] = null, ["field"] = null };
        var page = new Dictionary<string, string?> { ["year"] = "2020", ["region"] = null, ["limit"] = "5", ["cursor"] = null };
        string Unknown(string template, string id) => template.Replace("{}", id, StringComparison.Ordinal);
        Func<string, string> Ids(string template) => id => Unknown(template, id);
        var member = Obj(new { year = 2020, region = "sichuan", name = "坏输入成员", organization = "测试", detail = "x" });
        var memberBad = Bad(("year", [null, 1800, 3000, 1999]), ("region", [null, "nowhere", ""]), ("name", [null, "", "   ", new string('名', 301)]), ("organization", [new string('机', 301)]), ("detail", [new string('细', 4001)]));
        var dealBad = Bad(("amountCny", [-1, 0]));
        return
        [
            new("GET /api/v1/listings", "/api/v1/listings", owner, Anonymous: true, Queries: new Dictionary<string, string?> { ["region"] = "sichuan", ["kind"] = null, ["status"] = null, ["limit"] = "5", ["cursor"] = null }),
            new("GET /api/v1/listings/{id}", $"/api/v1/listings/{draft}", owner, Anonymous: true, UnknownIdPath: Ids("/api/v1/listings/{}")),
            new("GET /api/v1/listings/search", "/api/v1/listings/search", owner, Anonymous: true, Queries: q),
            new("GET /api/v1/listings/{id}/matches", $"/api/v1/listings/{draft}/matches", owner, Anonymous: true, UnknownIdPath: Ids("/api/v1/listings/{}/matches")),
            new("GET /api/v1/listings/{id}/history", $"/api/v1/listings/{draft}/history", owner, UnknownIdPath: Ids("/api/v1/listings/{}/history")),
            new("POST /api/v1/listings", "/api/v1/listings", owner, listing, BadValues: listingBad),
            new("PUT /api/v1/listings/{id}", $"/api/v1/listings/{draft}", owner, listing, Ids("/api/v1/listings/{}"), BadValues: updateBad, ETag: etag, IfMatchRequired: true),
            new("POST /api/v1/listings/{id}/submit", $"/api/v1/listings/{draft}/submit", owner, UnknownIdPath: Ids("/api/v1/listings/{}/submit"), ETag: etag),
            new("POST /api/v1/listings/{id}/approve", $"/api/v1/listings/{draft}/approve", admin, UnknownIdPath: Ids("/api/v1/listings/{}/approve"), ETag: etag),
            new("POST /api/v1/listings/{id}/reject", $"/api/v1/listings/{draft}/reject", admin, Obj(new { reason = "材料不全" }), Ids("/api/v1/listings/{}/reject"), ETag: etag),
            new("POST /api/v1/listings/{id}/withdraw", $"/api/v1/listings/{draft}/withdraw", owner, Obj(new { reason = "坏输入" }), Ids("/api/v1/listings/{}/withdraw"), ETag: etag),
            new("POST /api/v1/listings/{id}/renew", $"/api/v1/listings/{draft}/renew", owner, Obj(new { expiresOn = "2030-06-30" }), Ids("/api/v1/listings/{}/renew"),
                BadValues: Bad(("expiresOn", [null, "", "2020-01-01", "not-a-date", "2030-13-45"])), ETag: etag),
            new("POST /api/v1/users", "/api/v1/users", admin, Obj(new { displayName = "坏输入用户", role = "Researcher", region = "sichuan", organization = "测试", city = "成都" }),
                BadValues: Bad(("displayName", [null, "", "   "]), ("role", [null, "Emperor"]), ("region", [null, "nowhere"]))),
            new("GET /api/v1/users/{id}", $"/api/v1/users/{platform.Researchers[Region.Sichuan].Id}", owner, Anonymous: true, UnknownIdPath: Ids("/api/v1/users/{}")),
            new("GET /api/v1/platforms", "/api/v1/platforms", owner, Anonymous: true),
            new("GET /api/v1/platforms/{id}", "/api/v1/platforms/kczg", owner, Anonymous: true, UnknownIdPath: Ids("/api/v1/platforms/{}")),
            // A well-formed new id registers a platform, so only the body is spoiled here (the id is spoiled below).
            new("PUT /api/v1/platforms/{id}", $"/api/v1/platforms/bi-{Guid.NewGuid():N}"[..30], joint, Obj(new { name = "坏输入平台", kind = "Partner", homeRegion = "sichuan" }),
                BadValues: Bad(("name", [null, "", "  ", new string('平', 101)]), ("kind", [null, "Empire"]), ("homeRegion", [null, "nowhere"]), ("nameEn", [new string('p', 201)]))),
            new("POST /api/v1/platforms/{id}/keys", "/api/v1/platforms/kczg/keys", admin, Obj(new { scopes = PlatformFixture.ReadWrite, label = "坏输入" }), Ids("/api/v1/platforms/{}/keys"),
                BadValues: Bad(("scopes", [null, new JsonArray(), new JsonArray("listings:delete"), new JsonArray("admin")]))),
            new("GET /api/v1/platforms/{id}/keys", "/api/v1/platforms/kczg/keys", admin, UnknownIdPath: Ids("/api/v1/platforms/{}/keys")),
            new("POST /api/v1/platforms/{id}/keys/{keyId}/rotate", $"/api/v1/platforms/kczg/keys/{keyId}/rotate", admin, Obj(new { overlapSeconds = 60 }), Ids("/api/v1/platforms/{}/keys/{}/rotate"),
                BadValues: Bad(("overlapSeconds", [-1, 2_592_001, int.MaxValue]))),
            new("DELETE /api/v1/platforms/{id}/keys/{keyId}", $"/api/v1/platforms/kczg/keys/{keyId}", admin, UnknownIdPath: Ids("/api/v1/platforms/{}/keys/{}")),
            new("DELETE /api/v1/keys/{keyId}", $"/api/v1/keys/{keyId}", admin, UnknownIdPath: Ids("/api/v1/keys/{}")),
            new("PUT /api/v1/partners/{partnerId}/listings/{externalId}", $"/api/v1/partners/kczg/listings/{externalId}", admin, partnerListing,
                id => $"/api/v1/partners/{(id.Length % 2 == 0 ? "zz-nobody" : "kczg")}/listings/{(id.Length % 2 == 0 ? externalId : "bad!" + id)}", BadValues: updateBad),
            new("GET /api/v1/partners/{partnerId}/listings/{externalId}", $"/api/v1/partners/kczg/listings/{externalId}", admin, Anonymous: true, UnknownIdPath: Ids("/api/v1/partners/{}/listings/{}")),
            new("POST /api/v1/sync/batch", "/api/v1/sync/batch", admin, Obj(new { partnerId = "kczg", items = new[] { new { op = "upsert", externalId, listing = partnerListing } } }),
                BadValues: Bad(("partnerId", ["zz-nobody", "", "KCZG!"]), ("items", [null, new JsonArray([.. Enumerable.Range(0, 1001).Select(_ => (JsonNode)new JsonObject())])]))),
            new("GET /api/v1/changes", "/api/v1/changes", joint, Queries: new Dictionary<string, string?> { ["limit"] = "1", ["cursor"] = null, ["wait"] = null }),
            new("POST /api/v1/platforms/{id}/webhooks", "/api/v1/platforms/kczg/webhooks", admin, Obj(new { url = "http://127.0.0.1:9/bad-input", events = RemovedOnly, description = "坏输入" }),
                Ids("/api/v1/platforms/{}/webhooks"),
                BadValues: Bad(("url", [null, "", "not a url", "ftp://127.0.0.1/x", "javascript:alert(1)", "http://", new string('u', 5000)]), ("events", [null, new JsonArray(), new JsonArray("listing.nope")]), ("description", [new string('描', 5000)]))),
            new("GET /api/v1/platforms/{id}/webhooks", "/api/v1/platforms/kczg/webhooks", admin, UnknownIdPath: Ids("/api/v1/platforms/{}/webhooks")),
            new("GET /api/v1/platforms/{id}/webhooks/{subscriptionId}", $"/api/v1/platforms/kczg/webhooks/{subscription}", admin, UnknownIdPath: Ids("/api/v1/platforms/{}/webhooks/{}")),
            new("DELETE /api/v1/platforms/{id}/webhooks/{subscriptionId}", $"/api/v1/platforms/kczg/webhooks/{subscription}", admin, UnknownIdPath: Ids("/api/v1/platforms/{}/webhooks/{}")),
            new("GET /api/v1/platforms/{id}/webhooks/{subscriptionId}/deliveries", $"/api/v1/platforms/kczg/webhooks/{subscription}/deliveries", admin,
                UnknownIdPath: Ids("/api/v1/platforms/{}/webhooks/{}/deliveries"), Queries: new Dictionary<string, string?> { ["status"] = null, ["cursor"] = null, ["limit"] = "5" }),
            new("POST /api/v1/platforms/{id}/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver", $"/api/v1/platforms/kczg/webhooks/{subscription}/deliveries/none/redeliver", admin,
                UnknownIdPath: Ids("/api/v1/platforms/{}/webhooks/{}/deliveries/{}/redeliver")),
            new("GET /api/v1/stats/joint", "/api/v1/stats/joint", admin, Queries: filters),
            new("GET /api/v1/stats/joint.csv", "/api/v1/stats/joint.csv", admin, Queries: filters),
            new("GET /api/v1/stats/read-model", "/api/v1/stats/read-model", admin),
            new("GET /api/v1/registry/lists", "/api/v1/registry/lists", owner, Anonymous: true, Queries: new Dictionary<string, string?> { ["year"] = "2020" }),
            new("GET /api/v1/registry/societies", "/api/v1/registry/societies", owner, Anonymous: true, Queries: page),
            new("GET /api/v1/registry/activities", "/api/v1/registry/activities", owner, Anonymous: true, Queries: page),
            new("GET /api/v1/registry/papers", "/api/v1/registry/papers", owner, Anonymous: true, Queries: page),
            new("POST /api/v1/registry/societies", "/api/v1/registry/societies", admin, member, BadValues: memberBad),
            new("POST /api/v1/registry/activities", "/api/v1/registry/activities", admin, member, BadValues: memberBad),
            new("POST /api/v1/registry/papers", "/api/v1/registry/papers", admin, member, BadValues: memberBad),
            new("POST /api/v1/listings/{id}/inquiries", $"/api/v1/listings/{published}/inquiries", buyer, Obj(DealScript.Inquiry), Ids("/api/v1/listings/{}/inquiries"),
                BadValues: Bad(("message", [null, "", "   ", new string('询', 5001)]), ("brokerId", ["sichuan-00000000000000000000000000", "nobody", ""]))),
            new("GET /api/v1/deals/{id}", $"/api/v1/deals/{deal}", owner, UnknownIdPath: Ids("/api/v1/deals/{}")),
            new("GET /api/v1/deals/{id}/history", $"/api/v1/deals/{deal}/history", owner, UnknownIdPath: Ids("/api/v1/deals/{}/history")),
            // The deal stays in Inquiry: the seller's engagement is the one valid step, so its faults are the key and the id.
            new("POST /api/v1/deals/{id}/engage", $"/api/v1/deals/{deal}/engage", buyer, UnknownIdPath: Ids("/api/v1/deals/{}/engage")),
            new("POST /api/v1/deals/{id}/offers", $"/api/v1/deals/{deal}/offers", owner, Obj(DealScript.SellerOffer), Ids("/api/v1/deals/{}/offers"),
                BadValues: Bad(("amountCny", [-1, 0]), ("dealType", [null, "Gift"]))),
            new("POST /api/v1/deals/{id}/accept", $"/api/v1/deals/{deal}/accept", buyer, Obj(new { offer = 1 }), Ids("/api/v1/deals/{}/accept"), BadValues: Bad(("offer", [null, 0, -1, 99]))),
            new("POST /api/v1/deals/{id}/decline", $"/api/v1/deals/{deal}/decline", owner, Obj(new { reason = "Other", text = "不合适" }), Ids("/api/v1/deals/{}/decline"),
                BadValues: Bad(("reason", [null, "Boredom"]), ("text", [null, "", "  "]))),
            new("POST /api/v1/deals/{id}/cancel", $"/api/v1/deals/{deal}/cancel", owner, Obj(new { note = "坏输入" }), Ids("/api/v1/deals/{}/cancel")),
            new("POST /api/v1/deals/{id}/contract", $"/api/v1/deals/{deal}/contract", owner, Obj(DealScript.Contract), Ids("/api/v1/deals/{}/contract"), BadValues: dealBad),
            new("POST /api/v1/deals/{id}/registration", $"/api/v1/deals/{deal}/registration", owner, UnknownIdPath: Ids("/api/v1/deals/{}/registration")),
            new("POST /api/v1/deals/{id}/complete", $"/api/v1/deals/{deal}/complete", owner, UnknownIdPath: Ids("/api/v1/deals/{}/complete")),
            new("POST /api/v1/deals/{id}/legal-review", $"/api/v1/deals/{deal}/legal-review", owner, Obj(new { reviewerId = platform.Researchers[Region.Chongqing].Id }), Ids("/api/v1/deals/{}/legal-review"),
                BadValues: Bad(("reviewerId", [null, "", "nobody"]))),
            new("POST /api/v1/deals/{id}/legal-review/opinion", $"/api/v1/deals/{deal}/legal-review/opinion", owner, Obj(new { opinion = "NoObjection" }), Ids("/api/v1/deals/{}/legal-review/opinion"),
                BadValues: Bad(("opinion", [null, "Maybe"]))),
            new("GET /api/v1/listings/{id}/rights", $"/api/v1/listings/{claimed}/rights", owner, UnknownIdPath: Ids("/api/v1/listings/{}/rights")),
            new("PUT /api/v1/listings/{id}/rights", $"/api/v1/listings/{claimed}/rights", owner, Obj(RightsScript.Claim), Ids("/api/v1/listings/{}/rights"),
                BadValues: Bad(("owners", [null, new JsonArray(), Owners(("甲", 50)), Owners(("甲", 60), ("甲", 40)), Owners(("", 100)), Owners(("甲", 0), ("乙", 100)), Owners(("甲", -10), ("乙", 110)),
                    new JsonArray([.. Enumerable.Range(0, 21).Select(i => (JsonNode)new JsonObject { ["name"] = $"人{i}", ["share"] = i == 0 ? 80 : 1 })])]),
                    ("evidence", [null, new JsonObject()]))),
            new("POST /api/v1/listings/{id}/rights/confirm", $"/api/v1/listings/{claimed}/rights/confirm", owner, UnknownIdPath: Ids("/api/v1/listings/{}/rights/confirm")),
            new("POST /api/v1/listings/{id}/rights/reject", $"/api/v1/listings/{claimed}/rights/reject", admin, Obj(new { reason = "材料不全" }), Ids("/api/v1/listings/{}/rights/reject"),
                BadValues: Bad(("reason", [null, "", "   "]))),
            new("POST /api/v1/listings/{id}/valuations", $"/api/v1/listings/{published}/valuations", owner, Obj(RightsScript.Valuation), Ids("/api/v1/listings/{}/valuations"),
                BadValues: Bad(("method", [null, "Guess"]), ("lowCny", [-1, 0]), ("validUntil", ["2000-01-01"]))),
            new("GET /api/v1/listings/{id}/valuations", $"/api/v1/listings/{published}/valuations", owner, UnknownIdPath: Ids("/api/v1/listings/{}/valuations")),
            // The id itself spoiled: not a platform id at all (a well-formed new one would register a platform).
            new("PUT /api/v1/platforms/{id}", "/api/v1/platforms/Not_A-Platform!", joint, Obj(new { name = "坏输入平台", kind = "Partner", homeRegion = "sichuan" }),
                id => $"/api/v1/platforms/{Uri.EscapeDataString("X" + Uri.UnescapeDataString(id))}"),
        ];
    }

    private static async Task<string> SubscribeAsync(PlatformFixture platform)
    {
        using var response = await platform.SendAsync(HttpMethod.Post, "/api/v1/platforms/kczg/webhooks", new { url = "http://127.0.0.1:9/bad-input", events = RemovedOnly });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString()!;
    }

    /// <summary>Listing fields each with values that break one of its rules (README, "Listing fields").</summary>
    private static Dictionary<string, JsonNode?[]> ListingBadValues(JsonNode?[] kind) => Bad(
        ("kind", kind),
        ("title", [null, "", "   ", new string('题', 201)]),
        ("summary", [null, "", new string('摘', 4001)]),
        ("trl", [0, 10, -1, int.MaxValue]),
        ("field", ["Alchemy"]),
        ("dealTypes", [new JsonArray("Barter")]),
        ("priceModel", ["Haggle"]),
        ("keywords", [new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)JsonValue.Create($"词{i}"))])]),
        ("owners", [Owners(("甲", 50)), Owners(("甲", 60), ("乙", 60))]),
        ("platformId", ["NOT A PLATFORM"]));

    private static JsonArray Owners(params (string Name, decimal Share)[] owners) =>
        new([.. owners.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["share"] = o.Share })]);

    private static Dictionary<string, JsonNode?[]> Bad(params (string Field, JsonNode?[] Values)[] fields) => fields.ToDictionary(f => f.Field, f => f.Values);

    private static JsonObject Obj(object value) => Json(value);

    private static JsonObject Json(object value) => JsonSerializer.SerializeToNode(value, BashuJson.Options)!.AsObject();
}
